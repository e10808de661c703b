package normalized

// scratch is bump-allocated memory for the normalized texts and alignments
// that the normalizers and pre-tokenizers build while one input is encoded.
// A PreTokenized owns one and rewinds it for each new text (ResetText), so a
// stream of inputs reuses the same few buffers instead of allocating a new
// text and alignment table per normalization step, which was most of the
// garbage an encode made. Strings built in it are valid until that rewind:
// anything that outlives the input (token values, traces) must not point
// into it. A nil *scratch allocates from the heap, for Strings made by New.
type scratch struct {
	bytes   []byte
	align   []alignment
	changes []Change
}

// maxRetained bounds what a rewind keeps, so that one huge input does not pin
// its buffers in a pooled encoder for good.
const maxRetained = 1 << 20

func (s *scratch) rewind() {
	if cap(s.bytes) > maxRetained {
		s.bytes = nil
	}
	if cap(s.align) > maxRetained/8 {
		s.align = nil
	}
	if cap(s.changes) > maxRetained/8 {
		s.changes = nil
	}
	s.bytes, s.align = s.bytes[:0], s.align[:0]
}

// takeBytes returns an empty slice with room for n bytes that no other
// take of this text shares. Appending past n moves to the heap, as usual.
func (s *scratch) takeBytes(n int) []byte {
	if s == nil {
		return make([]byte, 0, n)
	}
	if cap(s.bytes)-len(s.bytes) < n {
		// The old chunk stays alive as long as pieces of this text use it.
		s.bytes = make([]byte, 0, max(n, 2*cap(s.bytes), 4096))
	}
	l := len(s.bytes)
	s.bytes = s.bytes[:l+n]
	return s.bytes[l : l : l+n]
}

// takeAlign is takeBytes for alignments.
func (s *scratch) takeAlign(n int) []alignment {
	if s == nil {
		return make([]alignment, 0, n)
	}
	if cap(s.align)-len(s.align) < n {
		s.align = make([]alignment, 0, max(n, 2*cap(s.align), 1024))
	}
	l := len(s.align)
	s.align = s.align[:l+n]
	return s.align[l : l : l+n]
}
