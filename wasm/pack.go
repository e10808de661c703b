package main

import (
	"unicode/utf8"
	"unsafe"

	"github.com/clinlm/clinlm/inference/tokenizer"
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
//
// Nearly always every token is the vocabulary's string for its id; then
// piecesBytes is -1 and the pieceLen16 array and the pieces are left out: the
// page has the vocabulary (clinlm_vocab, packVocabulary) and looks tokens up
// by id, instead of decoding and cutting a string per note. Before the page
// asked for the vocabulary, tokens are always sent as pieces.
// static/js/tokenize-worker.js unpacks it.
const (
	headerWords = 4
	arrayCount  = 9
	// piecesByID in the header's piecesBytes: look the tokens up by id.
	piecesByID = -1
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

// words lays out the int32 part of a buffer in place: wasm and every
// platform Go runs the tests on are little-endian, and a []byte from make is
// 8-byte aligned.
func (p *packer) words(bytes, count int) ([]byte, []int32) {
	if cap(p.buf) < bytes {
		p.buf = make([]byte, bytes, bytes+bytes/4)
	}
	buf := p.buf[:bytes]
	return buf, unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(buf))), count)
}

// pack lays out the encoding of text that the engine passed as parts
// (tokenizer.EncodeParts), with e's flags. The result is valid until the
// next call.
func (p *packer) pack(text string, e *entry, parts []*tokenizer.Encoding) ([]byte, error) {
	n, piecesBytes, byID := 0, 0, true
	for _, part := range parts {
		m := len(part.IDs)
		if len(part.TypeIDs) != m || len(part.SpecialTokensMask) != m || len(part.WordIDs) != m || len(part.Offsets) != m || len(part.Tokens) != m {
			return nil, smallfmt.Errorf("pack: %d ids but %d type ids, %d special marks, %d word ids, %d offsets, %d tokens",
				m, len(part.TypeIDs), len(part.SpecialTokensMask), len(part.WordIDs), len(part.Offsets), len(part.Tokens))
		}
		n += m
		byID = byID && e.vocabularyTokens(part.IDs, part.Tokens)
	}
	arrays := arrayCount
	if byID {
		arrays = arrayCount - 1
	} else { // the pieces travel as text: only then is their length needed
		for _, part := range parts {
			for _, tok := range part.Tokens {
				piecesBytes += len(tok)
			}
		}
	}
	u16 := newUTF16Index(text, p.u16)
	if u16.at != nil {
		p.u16 = u16.at
	}
	buf, words := p.words(4*(headerWords+arrays*n)+piecesBytes, headerWords+arrays*n)
	words[0], words[1], words[2], words[3] = int32(n), int32(piecesBytes), int32(e.unkID), 0
	if byID {
		words[1] = piecesByID
	}
	a := words[headerWords:]
	ids, types, flags, wordIDs := a[0*n:1*n], a[1*n:2*n], a[2*n:3*n], a[3*n:4*n]
	cpStart, cpEnd, u16Start, u16End := a[4*n:5*n], a[5*n:6*n], a[6*n:7*n], a[7*n:8*n]
	var lens []int32
	if !byID {
		lens = a[8*n : 9*n]
	}
	at := 4 * (headerWords + arrays*n)
	i := 0
	for _, part := range parts {
		for k, id := range part.IDs {
			ids[i], types[i], wordIDs[i] = id, part.TypeIDs[k], part.WordIDs[k]
			flags[i] = e.flags(id, part.SpecialTokensMask[k] == 1)
			start, end := part.Offsets[k][0], part.Offsets[k][1]
			if start < 0 || end < start || int(end) > u16.n {
				return nil, smallfmt.Errorf("pack: token %d offsets [%d,%d) outside a text of %d code points", i, start, end, u16.n)
			}
			cpStart[i], cpEnd[i] = start, end
			u16Start[i], u16End[i] = u16.of(start), u16.of(end)
			if !byID {
				l, ok := pieceUTF16Len(part.Tokens[k])
				if !ok {
					// JavaScript would decode invalid bytes to U+FFFD and the
					// lengths would no longer line up; the engine's pieces
					// are always valid.
					return nil, smallfmt.Errorf("pack: token %q is not valid UTF-8", part.Tokens[k])
				}
				lens[i] = int32(l)
				at += copy(buf[at:], part.Tokens[k])
			}
			i++
		}
	}
	return buf, nil
}

// packVocabulary lays out e's tokens by id for the page, once per tokenizer:
// count, count UTF-16 lengths, then the tokens as UTF-8 back to back (a token
// that is not valid UTF-8, or an id with none, is empty: pack sends such a
// token itself).
func (p *packer) packVocabulary(e *entry) []byte {
	vocab := e.vocabulary()
	n := vocab.size()
	buf, words := p.words(4*(1+n)+len(vocab.text), 1+n)
	words[0] = int32(n)
	for id := range n {
		l, _ := pieceUTF16Len(vocab.token(id)) // vocabulary keeps only valid UTF-8
		words[1+id] = int32(l)
	}
	copy(buf[4*(1+n):], vocab.text)
	return buf
}
