package main

import (
	"unicode/utf8"
	"unsafe"

	"github.com/clinlm/clinlm/internal/smallfmt"
)

// The encode call returns one byte buffer, so that a whole note crosses from
// Go to JavaScript in a single copy (each syscall/js call costs ~24 µs; a value
// per token would cost more than tokenizing). Layout, little-endian int32:
//
//	header  n, piecesBytes, unkID, reserved
//	arrays  ids, typeIDs, flags, wordIDs, cpStart, cpEnd, u16Start, u16End,
//	        pieceLen16 — n values each, in this order
//	pieces  the raw token strings, UTF-8, back to back
//
// cpStart/cpEnd are offsets in Unicode code points (the CLI's contract);
// u16Start/u16End are the same offsets in UTF-16 code units, which is what
// JavaScript strings index by. pieceLen16 is each piece's length in UTF-16
// units, so the page can cut the decoded pieces string without re-encoding.
// static/js/tokenize-worker.js unpacks it.
const (
	headerWords = 4
	arrayCount  = 9
)

// Token flags.
const (
	// flagSpecial: added by the post-processor (HF's special_tokens_mask).
	flagSpecial = 1 << 0
	// flagUnknown: the model's unknown token.
	flagUnknown = 1 << 1
	// flagAddedSpecial: a special added token that was written in the text
	// itself ("[SEP]", "<mask>"); HF's mask leaves these at 0.
	flagAddedSpecial = 1 << 2
)

// encoded is what the shim packs: one value per token in each slice.
type encoded struct {
	IDs     []int32
	TypeIDs []int32
	// Flags are the token flags above.
	Flags   []int32
	WordIDs []int32 // -1 where a token belongs to no word
	// Offsets are [start, end) in code points of the text.
	Offsets [][2]int32
	Tokens  []string
	// UnkID is the model's unknown-token id, or -1.
	UnkID int
}

// utf16Index maps code-point offsets of a text to UTF-16 offsets. For ASCII
// text, the common case, they are the same and it holds nothing.
type utf16Index struct {
	at []int32 // at[c]: the UTF-16 index of code point c; nil for ASCII text
	n  int     // code points
}

func newUTF16Index(text string, reuse []int32) utf16Index {
	ascii := true
	for i := 0; i < len(text); i++ {
		if text[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return utf16Index{n: len(text)}
	}
	out := reuse[:0]
	var u int32
	for _, r := range text {
		out = append(out, u)
		u += int32(utf16Units(r))
	}
	return utf16Index{at: append(out, u), n: len(out)}
}

func (x utf16Index) of(cp int32) int32 {
	if x.at == nil {
		return cp
	}
	return x.at[cp]
}

func utf16Units(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// pieceUTF16Len is a token's length in UTF-16 units; ok is false for
// invalid UTF-8. ASCII tokens, most of them, are checked byte by byte.
func pieceUTF16Len(s string) (n int, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			if !utf8.ValidString(s) {
				return 0, false
			}
			for _, r := range s[i:] {
				n += utf16Units(r)
			}
			return n, true
		}
		n++
	}
	return n, true
}

// packer lays out encodings as described above, reusing its memory from one
// note to the next: the page copies each result out before the next call.
type packer struct {
	buf []byte
	u16 []int32
}

// pack lays out an encoding of text. The result is valid until the next call.
func (p *packer) pack(text string, e encoded) ([]byte, error) {
	n := len(e.IDs)
	if len(e.TypeIDs) != n || len(e.Flags) != n || len(e.WordIDs) != n || len(e.Offsets) != n || len(e.Tokens) != n {
		return nil, smallfmt.Errorf("pack: %d ids but %d type ids, %d flags, %d word ids, %d offsets, %d tokens",
			n, len(e.TypeIDs), len(e.Flags), len(e.WordIDs), len(e.Offsets), len(e.Tokens))
	}
	u16 := newUTF16Index(text, p.u16)
	if u16.at != nil {
		p.u16 = u16.at
	}
	piecesBytes := 0
	for _, t := range e.Tokens {
		piecesBytes += len(t)
	}
	size := 4*(headerWords+arrayCount*n) + piecesBytes
	if cap(p.buf) < size {
		p.buf = make([]byte, size, size+size/4)
	}
	buf := p.buf[:size]
	// The int32 words, written in place: wasm and every platform Go runs the
	// tests on are little-endian, and a []byte from make is 8-byte aligned.
	words := unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(buf))), headerWords+arrayCount*n)
	words[0], words[1], words[2], words[3] = int32(n), int32(piecesBytes), int32(e.UnkID), 0
	a := words[headerWords:]
	ids, types, flags, wordIDs := a[0*n:1*n], a[1*n:2*n], a[2*n:3*n], a[3*n:4*n]
	cpStart, cpEnd, u16Start, u16End, lens := a[4*n:5*n], a[5*n:6*n], a[6*n:7*n], a[7*n:8*n], a[8*n:9*n]
	copy(ids, e.IDs)
	copy(types, e.TypeIDs)
	copy(flags, e.Flags)
	copy(wordIDs, e.WordIDs)
	at := 4 * (headerWords + arrayCount*n)
	for i, off := range e.Offsets {
		start, end := off[0], off[1]
		if start < 0 || end < start || int(end) > u16.n {
			return nil, smallfmt.Errorf("pack: token %d offsets [%d,%d) outside a text of %d code points", i, start, end, u16.n)
		}
		cpStart[i], cpEnd[i] = start, end
		u16Start[i], u16End[i] = u16.of(start), u16.of(end)
		l, ok := pieceUTF16Len(e.Tokens[i])
		if !ok {
			// JavaScript would decode invalid bytes to U+FFFD and the lengths
			// would no longer line up; the engine's pieces are always valid.
			return nil, smallfmt.Errorf("pack: token %q is not valid UTF-8", e.Tokens[i])
		}
		lens[i] = int32(l)
		at += copy(buf[at:], e.Tokens[i])
	}
	return buf, nil
}
