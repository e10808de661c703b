// Package normalized holds the text type that every stage of the tokenizer
// pipeline works on: a normalized string that remembers, for each of its
// bytes, which bytes of the original input it came from (HF tokenizers'
// NormalizedString), and the pre-tokenized string made of such pieces
// (PreTokenizedString).
//
// The alignment rules follow HF's normalizer.rs exactly, quirks included,
// because token offsets are computed from them: a character that replaces
// another takes its alignment, an inserted character takes the alignment of
// the byte before it, and removed characters vanish with theirs.
//
// Unlike HF, alignments are stored as absolute offsets into the whole input
// (HF stores them relative to each slice and adds the slice's shift back);
// slicing therefore shares memory instead of copying and shifting.
package normalized

import (
	"unicode/utf8"

	"github.com/clinlm/clinlm/inference/tokenizer/internal/runeclass"
	"github.com/clinlm/clinlm/inference/tokenizer/internal/unorm"
	"github.com/clinlm/clinlm/internal/smallfmt"
)

// Span is a byte range [Start, End) of the original input.
type Span struct{ Start, End int }

// Change is one character of a transformation's output. Delta is 0 when the
// character replaces the next character of the input, 1 when it is inserted,
// and -n when it replaces the next character and n more are removed after it.
type Change = unorm.Change

// String is a normalized string with its alignments to the original input.
// The zero value is an empty string. Methods that modify the string must not
// be called on a String shared with another goroutine.
type String struct {
	input     string // the whole original input, shared by all slices
	origStart int    // [origStart, origEnd) is this string's part of input
	origEnd   int
	norm      string
	align     []alignment // one per byte of norm, absolute offsets into input
	// mem is where transformations put their output: the scratch memory of
	// the PreTokenized this string belongs to, or nil for the heap.
	mem *scratch
}

// alignment is the original byte range [start, end) a normalized byte comes
// from. Offsets are 32-bit to halve the memory of the per-byte table; New
// refuses longer inputs.
type alignment struct{ start, end int32 }

// MaxLen is the longest input New accepts.
const MaxLen = 1<<31 - 1

// New returns s as a normalized string aligned to itself. s must not be
// longer than MaxLen.
func New(s string) String {
	n, _ := newWithBuffer(s, nil)
	return n
}

// newWithBuffer is New reusing buf for the alignments when it is big enough;
// it returns the buffer it used.
func newWithBuffer(s string, buf []alignment) (String, []alignment) {
	if cap(buf) < len(s) {
		buf = make([]alignment, len(s))
	}
	align := buf[:len(s):len(s)]
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			align[i] = alignment{int32(i), int32(i + 1)}
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		for j := 0; j < size; j++ {
			align[i+j] = alignment{int32(i), int32(i + size)}
		}
		i += size
	}
	return String{input: s, origEnd: len(s), norm: s, align: align}, buf
}

// Get returns the normalized text.
func (n *String) Get() string { return n.norm }

// Len is the length of the normalized text in bytes.
func (n *String) Len() int { return len(n.norm) }

// IsEmpty reports whether the normalized text is empty.
func (n *String) IsEmpty() bool { return len(n.norm) == 0 }

// Original returns the part of the original input this string covers.
func (n *String) Original() string { return n.input[n.origStart:n.origEnd] }

// OffsetsOriginal returns the byte range of the input this string covers.
func (n *String) OffsetsOriginal() Span { return Span{n.origStart, n.origEnd} }

// ToOriginal converts a byte range of the normalized text to the range of
// the original input it comes from (HF's convert_offsets from the normalized
// referential). An empty range converts to itself, shifted like HF does, and
// ok is false when the range is out of bounds.
func (n *String) ToOriginal(start, end int) (Span, bool) {
	if start == end {
		return Span{n.origStart + start, n.origStart + end}, true
	}
	if start > end || end > len(n.align) || start < 0 {
		return Span{}, false
	}
	return Span{int(n.align[start].start), int(n.align[end-1].end)}, true
}

// Slice returns the part of the string covering the normalized byte range
// [start, end), which must lie on character boundaries. The slice shares
// memory with n; later changes to either do not affect the other.
func (n *String) Slice(start, end int) (String, bool) {
	if start < 0 || end > len(n.norm) || start > end ||
		!boundary(n.norm, start) || !boundary(n.norm, end) {
		return String{}, false
	}
	var orig Span
	if start == end {
		// HF converts an empty range to itself, as if it were original offsets.
		orig = Span{n.origStart + start, n.origStart + start}
	} else {
		orig = Span{int(n.align[start].start), int(n.align[end-1].end)}
	}
	if orig.Start < 0 || orig.End > len(n.input) || orig.Start > orig.End {
		// HF's slice keeps an empty original in this case.
		orig = Span{n.origStart, n.origStart}
	}
	return String{
		input:     n.input,
		origStart: orig.Start,
		origEnd:   orig.End,
		norm:      n.norm[start:end],
		align:     n.align[start:end:end],
		mem:       n.mem,
	}, true
}

func boundary(s string, i int) bool {
	return i == 0 || i == len(s) || utf8.RuneStart(s[i])
}

// fullRange is the normalized range that HF's transform (on the whole
// original range) rewrites: from the first character with a non-empty
// alignment to the end. ok is false when the string is empty.
func (n *String) fullRange() (start, end int, ok bool) {
	for i, a := range n.align {
		if a.start != a.end {
			return i, len(n.align), true
		}
	}
	if len(n.align) == 0 {
		return 0, 0, false
	}
	return len(n.align), len(n.align), true
}

// ChangeBuffer returns an empty change list with room for size changes, for
// a normalizer to fill and pass to Transform. It is reused: the list is valid
// until the next ChangeBuffer call on a String of the same input.
func (n *String) ChangeBuffer(size int) []Change {
	if n.mem == nil {
		return make([]Change, 0, size)
	}
	if cap(n.mem.changes) < size {
		n.mem.changes = make([]Change, 0, max(size, 2*cap(n.mem.changes)))
	}
	return n.mem.changes[:0]
}

// Transform replaces the whole normalized text with the given changes (HF's
// transform). initialOffset is the number of characters removed at the start.
func (n *String) Transform(changes []Change, initialOffset int) {
	start, end, ok := n.fullRange()
	if !ok {
		return
	}
	n.TransformRange(start, end, changes, initialOffset)
}

// TransformRange rewrites the normalized byte range [start, end) with the
// given changes (HF's transform_range on a normalized range).
func (n *String) TransformRange(start, end int, changes []Change, initialOffset int) {
	buf := n.mem.takeBytes(len(n.norm) + len(changes))
	buf = append(buf, n.norm[:start]...)
	align := n.mem.takeAlign(cap(buf))
	align = append(align, n.align[:start]...)
	buf, align = n.appendTransformed(buf, align, start, end, changes, initialOffset)
	buf = append(buf, n.norm[end:]...)
	align = append(align, n.align[end:]...)
	n.norm = bytesToString(buf)
	n.align = align
}

// appendTransformed appends to buf and align the result of applying changes
// to the normalized range [start, end): each change consumes the characters
// of the old text it replaces and takes their alignment, an inserted change
// takes the alignment of the byte before.
func (n *String) appendTransformed(buf []byte, align []alignment, start, end int, changes []Change, initialOffset int) ([]byte, []alignment) {
	old := n.norm[start:end]
	pos := 0 // byte position in old of the next character to consume
	for k := 0; k < initialOffset && pos < len(old); k++ {
		_, size := utf8.DecodeRuneInString(old[pos:])
		pos += size
	}
	for _, c := range changes {
		idx := start + pos
		var a alignment
		if c.Delta > 0 {
			if idx < 1 {
				a = alignment{int32(n.origStart), int32(n.origStart)}
			} else {
				a = n.align[idx-1]
			}
		} else {
			a = n.alignAt(idx)
			if pos < len(old) {
				_, size := utf8.DecodeRuneInString(old[pos:])
				pos += size
			}
			for k := 0; k < -c.Delta && pos < len(old); k++ {
				_, size := utf8.DecodeRuneInString(old[pos:])
				pos += size
			}
		}
		before := len(buf)
		buf = utf8.AppendRune(buf, c.R)
		for i := before; i < len(buf); i++ {
			align = append(align, a)
		}
	}
	return buf, align
}

// alignAt returns the alignment of normalized byte i. HF would panic past the
// end; the last alignment is the closest thing to a sensible answer.
func (n *String) alignAt(i int) alignment {
	if i < len(n.align) {
		return n.align[i]
	}
	if len(n.align) > 0 {
		return n.align[len(n.align)-1]
	}
	return alignment{int32(n.origStart), int32(n.origStart)}
}

// Filter removes the characters for which keep is false. Every kept
// character keeps its own alignment.
func (n *String) Filter(keep func(rune) bool) {
	s := n.norm
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !keep(r) {
			break
		}
		i += size
	}
	if i == len(s) {
		return
	}
	buf := n.mem.takeBytes(len(s))
	align := n.mem.takeAlign(len(s))
	buf = append(buf, s[:i]...)
	align = append(align, n.align[:i]...)
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if keep(r) {
			buf = append(buf, s[i:i+size]...)
			align = append(align, n.align[i:i+size]...)
		}
		i += size
	}
	n.norm = bytesToString(buf)
	n.align = align
}

// Map replaces each character by f of it; the new character takes the
// alignment of the one it replaces.
func (n *String) Map(f func(rune) rune) {
	s := n.norm
	i := 0
	sameSize := true
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if m := f(r); m != r {
			if utf8.RuneLen(m) != size {
				sameSize = false
			}
			break
		}
		i += size
	}
	if i == len(s) {
		return
	}
	buf := n.mem.takeBytes(len(s))
	buf = append(buf, s[:i]...)
	var align []alignment
	if !sameSize {
		align = n.mem.takeAlign(len(s))
		align = append(align, n.align[:i]...)
	}
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		m := f(r)
		before := len(buf)
		buf = utf8.AppendRune(buf, m)
		if sameSize && len(buf)-before != size {
			sameSize = false
			align = n.mem.takeAlign(len(s))
			align = append(align, n.align[:before]...)
		}
		if !sameSize {
			a := n.align[i]
			for k := before; k < len(buf); k++ {
				align = append(align, a)
			}
		}
		i += size
	}
	n.norm = bytesToString(buf)
	if !sameSize {
		n.align = align
	}
	// Otherwise every byte keeps the alignment of the character it belongs
	// to, which is unchanged (alignments are never modified in place, so the
	// slice may stay shared).
}

// Lowercase lowercases the text like Rust's char::to_lowercase; a character
// that lowercases to several (U+0130) shares its alignment with them.
func (n *String) Lowercase() {
	s := n.norm
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
			if runeclass.LowercasesToMany(r) {
				n.lowercaseSlow()
				return
			}
		}
		i += size
	}
	n.Map(runeclass.ToLowerRune)
}

func (n *String) lowercaseSlow() {
	s := n.norm
	changes := n.ChangeBuffer(len(s))
	var tmp [4]rune
	for _, r := range s {
		for k, lr := range runeclass.ToLower(tmp[:0], r) {
			d := 0
			if k > 0 {
				d = 1
			}
			changes = append(changes, Change{R: lr, Delta: d})
		}
	}
	n.Transform(changes, 0)
}

// Normalize applies a Unicode normalization form. Only the segments (a
// starter and the marks after it) that are not already normalized are
// rewritten; HF rewrites the whole text, with the same result, because a
// normalization's changes never reach across segment boundaries.
func (n *String) Normalize(f unorm.Form) {
	s := n.norm
	q := unorm.QuickSpan(f, s)
	if q == len(s) {
		return
	}
	if start, _, _ := n.fullRange(); start != 0 {
		n.Transform(unorm.Apply(f, s, nil), 0)
		return
	}
	buf := n.mem.takeBytes(len(s) + 8)
	align := n.mem.takeAlign(len(s) + 8)
	var changes []Change
	for i := 0; i < len(s); {
		if q = unorm.QuickSpan(f, s[i:]); q > 0 {
			buf = append(buf, s[i:i+q]...)
			align = append(align, n.align[i:i+q]...)
			i += q
			continue
		}
		seg := unorm.NextBoundary(f, s[i:])
		changes = unorm.Apply(f, s[i:i+seg], changes[:0])
		buf, align = n.appendTransformed(buf, align, i, i+seg, changes, 0)
		i += seg
	}
	n.norm = bytesToString(buf)
	n.align = align
}

// Prepend inserts s before the text; the new characters take the alignment of
// the current first character (HF's prepend, which replaces the first
// character with s and re-inserts it). Nothing happens on an empty string.
func (n *String) Prepend(s string) {
	if len(n.norm) == 0 || len(s) == 0 {
		return
	}
	a := n.align[0]
	align := n.mem.takeAlign(len(s) + len(n.align))
	for range len(s) {
		align = append(align, a)
	}
	align = append(align, n.align...)
	buf := n.mem.takeBytes(len(s) + len(n.norm))
	buf = append(append(buf, s...), n.norm...)
	n.norm = bytesToString(buf)
	n.align = align
}

// Replace replaces every match of p with content. The content takes the
// alignment of the last byte of the match (HF's replace).
func (n *String) Replace(p Pattern, content string) error {
	_, err := n.replaceBuf(p, content, nil)
	return err
}

func (n *String) replaceBuf(p Pattern, content string, buf []Match) ([]Match, error) {
	matches, err := p.FindMatches(n.norm, buf[:0])
	if err != nil {
		return matches, err
	}
	any := false
	for _, m := range matches {
		if m.IsMatch {
			any = true
			break
		}
	}
	if !any {
		return matches, nil
	}
	out := n.mem.takeBytes(len(n.norm))
	align := n.mem.takeAlign(len(n.norm))
	last := 0
	for _, m := range matches {
		if !m.IsMatch {
			continue
		}
		out = append(out, n.norm[last:m.Start]...)
		align = append(align, n.align[last:m.Start]...)
		var a alignment
		if m.End < 1 {
			a = alignment{int32(n.origStart), int32(n.origStart)}
		} else {
			a = n.align[m.End-1]
		}
		out = append(out, content...)
		for range len(content) {
			align = append(align, a)
		}
		last = m.End
	}
	out = append(out, n.norm[last:]...)
	align = append(align, n.align[last:]...)
	n.norm = bytesToString(out)
	n.align = align
	return matches, nil
}

// LStrip, RStrip and Strip remove leading and/or trailing whitespace
// (char::is_whitespace).
func (n *String) LStrip() { n.lrstrip(true, false) }

// RStrip removes trailing whitespace.
func (n *String) RStrip() { n.lrstrip(false, true) }

// Strip removes leading and trailing whitespace.
func (n *String) Strip() { n.lrstrip(true, true) }

func (n *String) lrstrip(left, right bool) {
	s := n.norm
	lead, trail := 0, 0 // in characters
	leadBytes, trailBytes := 0, 0
	if left {
		for leadBytes < len(s) {
			r, size := utf8.DecodeRuneInString(s[leadBytes:])
			if !runeclass.IsWhitespace(r) {
				break
			}
			lead++
			leadBytes += size
		}
	}
	if right {
		for trailBytes < len(s)-leadBytes {
			r, size := utf8.DecodeLastRuneInString(s[:len(s)-trailBytes])
			if !runeclass.IsWhitespace(r) {
				break
			}
			trail++
			trailBytes += size
		}
		if leadBytes == len(s) {
			// All whitespace: HF counts the trailing run over the whole string.
			trail = utf8.RuneCountInString(s)
			trailBytes = len(s)
		}
	}
	if lead == 0 && trail == 0 {
		return
	}
	// HF: keep characters i with lead <= i < count-trail; the one at index
	// len(bytes)-trail-1 (a byte length compared with a character index, an HF
	// quirk) carries -trail. Kept characters keep their alignment either way,
	// so only the removal matters here.
	count := utf8.RuneCountInString(s)
	changes := n.ChangeBuffer(count)
	i := 0
	for _, r := range s {
		switch {
		case i < lead || i >= count-trail:
		case i == len(s)-trail-1:
			changes = append(changes, Change{R: r, Delta: -trail})
		default:
			changes = append(changes, Change{R: r})
		}
		i++
	}
	n.Transform(changes, lead)
}

// String implements fmt.Stringer for debugging.
func (n *String) String() string {
	return smallfmt.Sprintf("%q<-%q", n.norm, n.Original())
}

// MapASCII replaces each byte b of an all-ASCII text with table[b], every
// byte keeping its alignment, in one pass. It does nothing and returns false
// when the text has a byte ≥ 0x80 or a byte whose table entry is 0 (which the
// caller's general path would remove): the caller then takes that path. A
// chain of 1:1 ASCII normalizations (BERT's clean-up and lowercasing) folds
// into one table this way.
func (n *String) MapASCII(table *[128]byte) bool {
	s := n.norm
	first := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || table[c] == 0 {
			return false
		}
		if first < 0 && table[c] != c {
			first = i
		}
	}
	if first < 0 {
		return true
	}
	buf := n.mem.takeBytes(len(s))
	buf = append(buf, s[:first]...)
	for i := first; i < len(s); i++ {
		buf = append(buf, table[s[i]])
	}
	n.norm = bytesToString(buf)
	return true
}
