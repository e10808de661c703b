package main

import (
	"encoding/binary"
	"unicode/utf8"

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
	// Special is HF's special_tokens_mask; AddedSpecial marks special added
	// tokens found in the text.
	Special      []bool
	AddedSpecial []bool
	WordIDs      []int32 // -1 where a token belongs to no word
	// Offsets are [start, end) in code points of the text.
	Offsets [][2]int32
	Tokens  []string
	// UnkID is the model's unknown-token id, or -1.
	UnkID int
}

// codePointsToUTF16 maps each code-point index of text (and its end) to the
// UTF-16 index where that code point starts.
func codePointsToUTF16(text string) []int32 {
	out := make([]int32, 0, len(text)+1)
	var u int32
	for _, r := range text {
		out = append(out, u)
		if r >= 0x10000 {
			u += 2
		} else {
			u++
		}
	}
	return append(out, u)
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// pack lays out an encoding of text as described above.
func pack(text string, e encoded) ([]byte, error) {
	n := len(e.IDs)
	for name, l := range map[string]int{"type ids": len(e.TypeIDs), "special mask": len(e.Special),
		"word ids": len(e.WordIDs), "offsets": len(e.Offsets), "tokens": len(e.Tokens)} {
		if l != n {
			return nil, smallfmt.Errorf("pack: %d ids but %d %s", n, l, name)
		}
	}
	cpToU16 := codePointsToUTF16(text)
	piecesBytes := 0
	for _, t := range e.Tokens {
		piecesBytes += len(t)
	}
	buf := make([]byte, 4*(headerWords+arrayCount*n)+piecesBytes)
	put := func(word int, v int) { binary.LittleEndian.PutUint32(buf[4*word:], uint32(int32(v))) }
	put(0, n)
	put(1, piecesBytes)
	put(2, e.UnkID)
	base := headerWords
	for i := 0; i < n; i++ {
		start, end := int(e.Offsets[i][0]), int(e.Offsets[i][1])
		if start < 0 || end < start || end >= len(cpToU16) {
			return nil, smallfmt.Errorf("pack: token %d offsets [%d,%d) outside a text of %d code points", i, start, end, len(cpToU16)-1)
		}
		flags := 0
		if e.Special[i] {
			flags |= flagSpecial
		}
		if e.UnkID >= 0 && int(e.IDs[i]) == e.UnkID {
			flags |= flagUnknown
		} else if e.AddedSpecial != nil && e.AddedSpecial[i] {
			flags |= flagAddedSpecial
		}
		put(base+0*n+i, int(e.IDs[i]))
		put(base+1*n+i, int(e.TypeIDs[i]))
		put(base+2*n+i, flags)
		put(base+3*n+i, int(e.WordIDs[i]))
		put(base+4*n+i, start)
		put(base+5*n+i, end)
		put(base+6*n+i, int(cpToU16[start]))
		put(base+7*n+i, int(cpToU16[end]))
		put(base+8*n+i, utf16Len(e.Tokens[i]))
	}
	at := 4 * (headerWords + arrayCount*n)
	for _, t := range e.Tokens {
		if !utf8.ValidString(t) {
			// JavaScript would decode invalid bytes to U+FFFD and the lengths
			// would no longer line up; the engine's pieces are always valid.
			return nil, smallfmt.Errorf("pack: token %q is not valid UTF-8", t)
		}
		at += copy(buf[at:], t)
	}
	return buf, nil
}
