package tokenizer

import "slices"

// Encoding is the result of encoding a text (or a pair of texts), token by
// token, as HF tokenizers' Python binding reports it.
// The per-token arrays are int32 (HF's Rust Encoding uses u32): an encoding
// is most of what encoding a text allocates, and 32-bit fields halve it
// (56 bytes per token instead of 96). Ids, offsets and positions fit easily:
// inputs are limited far below 2 GiB.
type Encoding struct {
	IDs    []int32
	Tokens []string
	// Offsets are [start, end) in Unicode code points of the text the token
	// comes from (the pair's tokens point into the pair), like the Python
	// binding's Encoding.offsets. Special tokens have [0, 0).
	Offsets [][2]int32
	// ByteOffsets are the same in bytes of the UTF-8 text (HF's Rust encode).
	ByteOffsets       [][2]int32
	TypeIDs           []int32
	SpecialTokensMask []int32
	AttentionMask     []int32
	// WordIDs is the index of the pre-token each token comes from, -1 for none.
	WordIDs []int32
	// SequenceIDs is 0 or 1 for the tokens of the first or second text, -1
	// for special tokens and padding.
	SequenceIDs []int32
	// Overflowing holds the windows that truncation cut off, each a complete
	// encoding with its own special tokens.
	Overflowing []*Encoding

	// ranges maps a sequence id (0 or 1) to the tokens [start, end) it
	// covers (HF's sequence_ranges); empty means one sequence covering
	// everything.
	ranges seqRanges
	// scratch marks an encoding whose arrays are pooled memory that will be
	// reused: it must be copied before it is returned.
	scratch bool
}

// seqRanges is HF's sequence_ranges map, whose keys can only be 0 and 1.
type seqRanges struct {
	r   [2][2]int
	set [2]bool
}

func (s *seqRanges) len() int {
	n := 0
	for _, ok := range s.set {
		if ok {
			n++
		}
	}
	return n
}

func (s *seqRanges) put(id int, r [2]int) {
	if id < 0 || id > 1 {
		panic("tokenizer: sequence id out of range") // callers only use 0 and 1
	}
	s.r[id], s.set[id] = r, true
}

func (s *seqRanges) get(id int) ([2]int, bool) {
	if id < 0 || id > 1 || !s.set[id] {
		return [2]int{}, false
	}
	return s.r[id], true
}

// Len is the number of tokens.
func (e *Encoding) Len() int { return len(e.IDs) }

func (e *Encoding) clone() *Encoding {
	c := &Encoding{
		IDs:               slices.Clone(e.IDs),
		Tokens:            slices.Clone(e.Tokens),
		Offsets:           slices.Clone(e.Offsets),
		ByteOffsets:       slices.Clone(e.ByteOffsets),
		TypeIDs:           slices.Clone(e.TypeIDs),
		SpecialTokensMask: slices.Clone(e.SpecialTokensMask),
		AttentionMask:     slices.Clone(e.AttentionMask),
		WordIDs:           slices.Clone(e.WordIDs),
	}
	c.ranges = e.ranges
	for _, o := range e.Overflowing {
		c.Overflowing = append(c.Overflowing, o.clone())
	}
	return c
}

// sizedEncoding returns an encoding of n zero tokens, its fields sharing two
// allocations.
func sizedEncoding(n int) *Encoding {
	ints := make([]int32, 5*n)
	offs := make([][2]int32, 2*n)
	return &Encoding{
		IDs:               ints[0*n : 1*n : 1*n],
		TypeIDs:           ints[1*n : 2*n : 2*n],
		SpecialTokensMask: ints[2*n : 3*n : 3*n],
		AttentionMask:     ints[3*n : 4*n : 4*n],
		WordIDs:           ints[4*n : 5*n : 5*n],
		Offsets:           offs[0*n : 1*n : 1*n],
		ByteOffsets:       offs[1*n : 2*n : 2*n],
		Tokens:            make([]string, n),
	}
}

// setToken sets token i of an encoding made by sizedEncoding.
func (e *Encoding) setToken(i, id int, token string, offsets, byteOffsets [2]int, word, typeID, special int) {
	e.IDs[i] = int32(id)
	e.Tokens[i] = token
	e.Offsets[i] = [2]int32{int32(offsets[0]), int32(offsets[1])}
	e.ByteOffsets[i] = [2]int32{int32(byteOffsets[0]), int32(byteOffsets[1])}
	e.WordIDs[i] = int32(word)
	e.TypeIDs[i] = int32(typeID)
	e.SpecialTokensMask[i] = int32(special)
	e.AttentionMask[i] = 1
}

func (e *Encoding) setSequenceID(id int) {
	e.ranges.put(id, [2]int{0, e.Len()})
}

func (e *Encoding) setTypeIDs(id int) {
	for i := range e.TypeIDs {
		e.TypeIDs[i] = int32(id)
	}
}

// sub returns the tokens [start, stop) as a new encoding without sequence
// ranges or overflowing windows.
func (e *Encoding) sub(start, stop int) *Encoding {
	return &Encoding{
		IDs:               slices.Clone(e.IDs[start:stop]),
		Tokens:            slices.Clone(e.Tokens[start:stop]),
		Offsets:           slices.Clone(e.Offsets[start:stop]),
		ByteOffsets:       slices.Clone(e.ByteOffsets[start:stop]),
		TypeIDs:           slices.Clone(e.TypeIDs[start:stop]),
		SpecialTokensMask: slices.Clone(e.SpecialTokensMask[start:stop]),
		AttentionMask:     slices.Clone(e.AttentionMask[start:stop]),
		WordIDs:           slices.Clone(e.WordIDs[start:stop]),
	}
}

// truncate keeps the first (or last) maxLen tokens and moves the rest into
// overflowing windows of maxLen tokens that overlap by stride (HF's
// Encoding::truncate).
func (e *Encoding) truncate(maxLen, stride int, left bool) error {
	n := e.Len()
	if maxLen >= n {
		return nil
	}
	if maxLen == 0 {
		old := *e
		*e = Encoding{Overflowing: []*Encoding{&old}}
		return nil
	}
	if stride >= maxLen {
		return errStride(stride, maxLen)
	}
	e.ranges = seqRanges{}
	step := maxLen - stride
	var parts [][2]int
	if !left {
		for start := 0; start < n; start += step {
			stop := min(start+maxLen, n)
			parts = append(parts, [2]int{start, stop})
			if stop == n {
				break
			}
		}
	} else {
		for stop := n; stop > 0; stop -= step {
			start := max(stop-maxLen, 0)
			parts = append(parts, [2]int{start, stop})
			if start == 0 {
				break
			}
		}
	}
	first := e.sub(parts[0][0], parts[0][1])
	for _, p := range parts[1:] {
		first.Overflowing = append(first.Overflowing, e.sub(p[0], p[1]))
	}
	*e = *first
	return nil
}

// mergeWith appends pair to e, combining overflowing windows the way HF's
// Encoding::merge_with does.
func (e *Encoding) mergeWith(pair *Encoding) {
	var overflowing []*Encoding
	for _, so := range e.Overflowing {
		n := so.clone()
		n.mergeWith(pair.clone())
		overflowing = append(overflowing, n)
		for _, po := range pair.Overflowing {
			n := so.clone()
			n.mergeWith(po.clone())
			overflowing = append(overflowing, n)
		}
	}
	for _, po := range pair.Overflowing {
		n := e.clone()
		n.mergeWith(po.clone())
		overflowing = append(overflowing, n)
	}
	base := e.Len()
	for id := range 2 {
		if r, ok := pair.ranges.get(id); ok {
			e.ranges.put(id, [2]int{base + r[0], base + r[1]})
		}
	}
	e.IDs = append(e.IDs, pair.IDs...)
	e.Tokens = append(e.Tokens, pair.Tokens...)
	e.Offsets = append(e.Offsets, pair.Offsets...)
	e.ByteOffsets = append(e.ByteOffsets, pair.ByteOffsets...)
	e.TypeIDs = append(e.TypeIDs, pair.TypeIDs...)
	e.SpecialTokensMask = append(e.SpecialTokensMask, pair.SpecialTokensMask...)
	e.AttentionMask = append(e.AttentionMask, pair.AttentionMask...)
	e.WordIDs = append(e.WordIDs, pair.WordIDs...)
	e.Overflowing = overflowing
}

// mergeEncodings merges encodings in order (HF's Encoding::merge), sizing
// the result once.
func mergeEncodings(encs []*Encoding) *Encoding {
	if len(encs) == 1 && !encs[0].scratch {
		// Merging one encoding into an empty one gives the same encoding.
		return encs[0]
	}
	n := 0
	for _, e := range encs {
		n += e.Len()
	}
	ints := make([]int32, 5*n)
	offs := make([][2]int32, 2*n)
	out := &Encoding{
		IDs:               ints[0:0:n],
		TypeIDs:           ints[n : n : 2*n],
		SpecialTokensMask: ints[2*n : 2*n : 3*n],
		AttentionMask:     ints[3*n : 3*n : 4*n],
		WordIDs:           ints[4*n : 4*n : 5*n],
		Offsets:           offs[0:0:n],
		ByteOffsets:       offs[n : n : 2*n],
		Tokens:            make([]string, 0, n),
	}
	for _, e := range encs {
		out.mergeWith(e)
	}
	return out
}

// pad adds padding tokens up to length (HF's Encoding::pad); overflowing
// windows are padded too.
func (e *Encoding) pad(length, padID, padTypeID int, padToken string, left bool) {
	for _, o := range e.Overflowing {
		o.pad(length, padID, padTypeID, padToken, left)
	}
	n := length - e.Len()
	if n <= 0 {
		return
	}
	at := e.Len()
	if left {
		at = 0
		for id := range 2 {
			if r, ok := e.ranges.get(id); ok {
				e.ranges.put(id, [2]int{r[0] + n, r[1] + n})
			}
		}
	}
	e.IDs = padded(e.IDs, at, n, int32(padID))
	e.TypeIDs = padded(e.TypeIDs, at, n, int32(padTypeID))
	e.Tokens = padded(e.Tokens, at, n, padToken)
	e.WordIDs = padded(e.WordIDs, at, n, -1)
	e.AttentionMask = padded(e.AttentionMask, at, n, 0)
	e.SpecialTokensMask = padded(e.SpecialTokensMask, at, n, 1)
	e.Offsets = padded(e.Offsets, at, n, [2]int32{})
	e.ByteOffsets = padded(e.ByteOffsets, at, n, [2]int32{})
}

// padded returns s with n copies of v inserted before index at, in a new
// array. One small function for both sides, not inlined (padding is rare):
// slices.Insert and append of a repeated slice at sixteen sites were 25 KB
// of tokenizer.wasm's code, this is 7 KB (6 KB less gzip).
//
//go:noinline
func padded[T any](s []T, at, n int, v T) []T {
	out := make([]T, len(s)+n)
	copy(out, s[:at])
	for i := at; i < at+n; i++ {
		out[i] = v
	}
	copy(out[at+n:], s[at:])
	return out
}

// finish fills SequenceIDs from the sequence ranges (HF's get_sequence_ids),
// recursively.
func (e *Encoding) finish() {
	e.SequenceIDs = make([]int32, e.Len())
	for i := range e.SequenceIDs {
		e.SequenceIDs[i] = -1
	}
	nseq := e.ranges.len()
	if nseq == 0 {
		nseq = 1
	}
	for id := 0; id < nseq; id++ {
		r, ok := e.ranges.get(id)
		if !ok {
			r = [2]int{0, e.Len()}
		}
		for i := r[0]; i < r[1] && i < e.Len(); i++ {
			e.SequenceIDs[i] = int32(id)
		}
	}
	for _, o := range e.Overflowing {
		o.finish()
	}
}

// Offset widens one [start, end) pair of an encoding.
func Offset(o [2]int32) [2]int { return [2]int{int(o[0]), int(o[1])} }
