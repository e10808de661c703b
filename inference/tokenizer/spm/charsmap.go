package spm

import (
	"encoding/binary"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/clinlm/clinlm/internal/smallfmt"
)

// Charsmap is a parsed SentencePiece precompiled normalization map: a
// double-array trie (Darts format) from UTF-8 byte strings to offsets in a
// blob of NUL-terminated replacement strings.
type Charsmap struct {
	units      []uint32
	normalized string
	// asciiMapped[c] tells whether the single ASCII byte c has a replacement,
	// so runs of unmapped ASCII text skip grapheme segmentation and lookups.
	asciiMapped [128]bool
}

// Segment is one piece of a normalized string: the bytes s[Start:End] of the
// input are replaced by Out. Out equals s[Start:End] where nothing changed.
// Every replacement is its own segment and covers exactly the unit HF's
// Precompiled normalizer replaced (a whole grapheme or one character), so a
// caller can rebuild HF's alignments from it; unchanged input is merged into
// runs.
type Segment struct {
	Start, End int
	Out        string
}

// ParseCharsmap reads the (base64-decoded) precompiled_charsmap of an HF
// "Precompiled" normalizer: a little-endian uint32 byte size of the trie,
// the trie's uint32 units, then the replacement-string blob. Like HF's
// spm_precompiled crate, a size that is not a multiple of 4 leaves its
// remainder bytes at the start of the blob, and the blob must be UTF-8.
func ParseCharsmap(data []byte) (*Charsmap, error) {
	if len(data) < 4 {
		return nil, errors.New("spm: precompiled charsmap shorter than its 4-byte header")
	}
	size := binary.LittleEndian.Uint32(data)
	n := int(size / 4)
	rest := data[4:]
	if n > len(rest)/4 {
		return nil, smallfmt.Errorf("spm: precompiled charsmap declares %d trie units but holds %d bytes", n, len(rest))
	}
	units := make([]uint32, n)
	for i := range units {
		units[i] = binary.LittleEndian.Uint32(rest[4*i:])
	}
	blob := rest[4*n:]
	if !utf8.Valid(blob) {
		return nil, errors.New("spm: precompiled charsmap replacement strings are not valid UTF-8")
	}
	c := &Charsmap{units: units, normalized: string(blob)}
	for b := range c.asciiMapped {
		_, c.asciiMapped[b] = c.transform(string(rune(b)))
	}
	return c, nil
}

// Darts unit fields, as spm_precompiled decodes them.
func unitHasLeaf(u uint32) bool { return (u>>8)&1 == 1 }
func unitValue(u uint32) int    { return int(u & (1<<31 - 1)) }
func unitLabel(u uint32) uint32 { return u & (1<<31 | 0xFF) }
func unitOffset(u uint32) int   { return int((u >> 10) << ((u & (1 << 9)) >> 6)) }

// transform returns the replacement for chunk: the one recorded for the
// shortest prefix of chunk present in the trie (HF takes the first result of
// a common-prefix search, even when it is shorter than chunk). A NUL byte ends
// the search. Reads outside the trie, where HF's Rust code would panic, count
// as no match.
func (c *Charsmap) transform(chunk string) (string, bool) {
	if len(c.units) == 0 {
		return "", false
	}
	pos := unitOffset(c.units[0])
	for i := 0; i < len(chunk); i++ {
		b := chunk[i]
		if b == 0 {
			break
		}
		pos ^= int(b)
		if pos >= len(c.units) {
			return "", false
		}
		u := c.units[pos]
		if unitLabel(u) != uint32(b) {
			return "", false
		}
		pos ^= unitOffset(u)
		if unitHasLeaf(u) {
			if pos >= len(c.units) {
				return "", false
			}
			start := unitValue(c.units[pos])
			if start > len(c.normalized) || (start < len(c.normalized) && !utf8.RuneStart(c.normalized[start])) {
				return "", false // HF's Rust code would panic slicing here
			}
			end := strings.IndexByte(c.normalized[start:], 0)
			if end < 0 {
				end = len(c.normalized)
			} else {
				end += start
			}
			return c.normalized[start:end], true
		}
	}
	return "", false
}

// Normalize applies the map to s as HF's Precompiled normalizer does: for
// each extended grapheme cluster, a cluster shorter than 6 bytes that the map
// knows (by its shortest known prefix) is replaced whole; otherwise each
// character is looked up on its own and kept when unknown. The segments are
// in order and cover all of s.
func (c *Charsmap) Normalize(s string) []Segment {
	var segs []Segment
	lastKept := false // the last segment is a run of unchanged input
	c.walk(s, func(start, end int, out string, replaced bool) {
		switch {
		case replaced:
			segs = append(segs, Segment{Start: start, End: end, Out: out})
		case lastKept:
			last := &segs[len(segs)-1]
			last.End = end
			last.Out = s[last.Start:end]
		default:
			segs = append(segs, Segment{Start: start, End: end, Out: s[start:end]})
		}
		lastKept = !replaced
	})
	return segs
}

// NormalizeString returns the normalized text only (s itself when the map
// changes nothing).
func (c *Charsmap) NormalizeString(s string) string {
	var b strings.Builder
	copied := 0 // s[:copied] is already in b
	c.walk(s, func(start, end int, out string, replaced bool) {
		if !replaced || out == s[start:end] {
			return
		}
		if b.Cap() == 0 {
			b.Grow(len(s) + 16)
		}
		b.WriteString(s[copied:start])
		b.WriteString(out)
		copied = end
	})
	if b.Cap() == 0 {
		return s
	}
	b.WriteString(s[copied:])
	return b.String()
}

// walk reports every replacement unit and every kept character of s in order.
func (c *Charsmap) walk(s string, emit func(start, end int, out string, replaced bool)) {
	for g := 0; g < len(s); {
		// Fast path: an ASCII byte other than CR followed by another ASCII
		// byte is a grapheme of its own; a run of such bytes that the map
		// leaves alone is kept in one piece.
		j := g
		for j+1 < len(s) && s[j] < 0x80 && s[j] != '\r' && s[j+1] < 0x80 && !c.asciiMapped[s[j]] {
			j++
		}
		if j > g {
			emit(g, j, s[g:j], false)
			g = j
			continue
		}
		ge := graphemeEnd(s, g)
		if ge-g < 6 {
			if out, ok := c.transform(s[g:ge]); ok {
				emit(g, ge, out, true)
				g = ge
				continue
			}
		}
		for i := g; i < ge; {
			_, n := utf8.DecodeRuneInString(s[i:])
			if out, ok := c.transform(s[i : i+n]); ok {
				emit(i, i+n, out, true)
			} else {
				emit(i, i+n, s[i:i+n], false)
			}
			i += n
		}
		g = ge
	}
}
