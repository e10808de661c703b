// Package unorm applies the Unicode normalization forms the way HF tokenizers'
// unicode-normalization-alignments crate does: it yields each output character
// with the alignment delta that NormalizedString.transform expects (0: the
// character replaces the next input character; 1: it is inserted; -n: it
// replaces the next input character and swallows n more).
//
// The character data comes from golang.org/x/text/unicode/norm (its copy in
// xnorm, which the WebAssembly build can link without fmt); the places
// where HF's older Unicode tables disagree (decompositions and combining
// classes of recent characters) are corrected by runeclass.
package unorm

import (
	"slices"
	"unicode/utf8"

	"github.com/clinlm/clinlm/inference/tokenizer/internal/runeclass"
	norm "github.com/clinlm/clinlm/inference/tokenizer/internal/xnorm"
)

// Change is one output character and its alignment delta.
type Change struct {
	R     rune
	Delta int
}

// Form is a Unicode normalization form.
type Form int

// The four normalization forms.
const (
	NFD Form = iota
	NFKD
	NFC
	NFKC
)

func (f Form) compat() bool   { return f == NFKD || f == NFKC }
func (f Form) composed() bool { return f == NFC || f == NFKC }

func (f Form) normForm() norm.Form {
	switch f {
	case NFKD:
		return norm.NFKD
	case NFC:
		return norm.NFC
	case NFKC:
		return norm.NFKC
	}
	return norm.NFD
}

// IsNormal reports whether s is already in form f, in which case Apply would
// return every character of s unchanged with delta 0. It errs on the side of
// false: a string Go's tables call normal is normal for HF too (HF knows fewer
// decompositions and compositions, and treats recent marks as starters, which
// cannot make an ordering that Go accepts unacceptable).
func IsNormal(f Form, s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			// The ASCII character before may combine with what follows.
			return f.normForm().IsNormalString(s[max(i-1, 0):])
		}
	}
	return true
}

// QuickSpan returns a segment boundary n such that s[:n] is already in form f
// (not necessarily the largest).
func QuickSpan(f Form, s string) int {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return i
	}
	// The ASCII character before the first other one may combine with it.
	if i > 0 {
		i--
	}
	return i + f.normForm().QuickSpanString(s[i:])
}

// NextBoundary returns the length of the first segment of s (a starter and
// the characters that may combine or reorder with it).
func NextBoundary(f Form, s string) int {
	n := f.normForm().NextBoundaryInString(s, true)
	if n <= 0 {
		return len(s)
	}
	return n
}

// Apply normalizes s to form f and appends the changes to dst.
func Apply(f Form, s string, dst []Change) []Change {
	start := len(dst)
	dst = decompose(f, s, dst)
	if !f.composed() {
		return dst
	}
	decomposed := slices.Clone(dst[start:])
	return compose(decomposed, dst[:start])
}

const (
	hangulSBase  = 0xAC00
	hangulLBase  = 0x1100
	hangulVBase  = 0x1161
	hangulTBase  = 0x11A7
	hangulLCount = 19
	hangulVCount = 21
	hangulTCount = 28
	hangulNCount = hangulVCount * hangulTCount
	hangulSCount = hangulLCount * hangulNCount
)

type pending struct {
	Change
	ccc uint8
}

// decompose emits the full canonical (or compatibility) decomposition of
// every character, the first piece with delta 0 and the others with delta 1,
// then sorts each run of non-starters by combining class, stably, carrying
// the deltas along (the crate sorts (class, char, delta) triples).
func decompose(f Form, s string, dst []Change) []Change {
	var buf []pending
	nf := norm.NFD
	if f.compat() {
		nf = norm.NFKD
	}
	flush := func() {
		// Stable sort of each maximal run of non-starters.
		for i := 0; i < len(buf); {
			if buf[i].ccc == 0 {
				i++
				continue
			}
			j := i
			for j < len(buf) && buf[j].ccc != 0 {
				j++
			}
			slices.SortStableFunc(buf[i:j], func(a, b pending) int { return int(a.ccc) - int(b.ccc) })
			i = j
		}
		for _, p := range buf {
			dst = append(dst, p.Change)
		}
		buf = buf[:0]
	}
	push := func(r rune, delta int, ccc uint8) {
		if ccc == 0 && len(buf) > 0 {
			flush()
		}
		buf = append(buf, pending{Change{r, delta}, ccc})
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= hangulSBase && r < hangulSBase+hangulSCount {
			idx := r - hangulSBase
			push(hangulLBase+idx/hangulNCount, 0, 0)
			push(hangulVBase+(idx%hangulNCount)/hangulTCount, 1, 0)
			if t := idx % hangulTCount; t != 0 {
				push(hangulTBase+t, 1, 0)
			}
			i += size
			continue
		}
		props := nf.PropertiesString(s[i:])
		dec := props.Decomposition()
		if dec == nil || !runeclass.HFDecomposes(r, f.compat()) {
			push(r, 0, combiningClass(r, props))
			i += size
			continue
		}
		delta := 0
		for j := 0; j < len(dec); {
			dr, dsize := utf8.DecodeRune(dec[j:])
			push(dr, delta, combiningClass(dr, nf.Properties(dec[j:])))
			delta = 1
			j += dsize
		}
		i += size
	}
	flush()
	return dst
}

func combiningClass(r rune, p norm.Properties) uint8 {
	c := p.CCC()
	if c != 0 && !runeclass.HFHasCombiningClass(r) {
		return 0
	}
	return c
}

func cccOf(r rune) uint8 {
	var b [utf8.UTFMax]byte
	n := utf8.EncodeRune(b[:], r)
	return combiningClass(r, norm.NFD.Properties(b[:n]))
}

// composePair returns the primary composite of a and b, if HF knows one.
func composePair(a, b rune) (rune, bool) {
	// Hangul LV and LVT syllables.
	if a >= hangulLBase && a < hangulLBase+hangulLCount && b >= hangulVBase && b < hangulVBase+hangulVCount {
		return hangulSBase + ((a-hangulLBase)*hangulVCount+(b-hangulVBase))*hangulTCount, true
	}
	if a >= hangulSBase && a < hangulSBase+hangulSCount && (a-hangulSBase)%hangulTCount == 0 &&
		b > hangulTBase && b < hangulTBase+hangulTCount {
		return a + (b - hangulTBase), true
	}
	var in [2 * utf8.UTFMax]byte
	n := utf8.EncodeRune(in[:], a)
	n += utf8.EncodeRune(in[n:], b)
	var out [2 * utf8.UTFMax]byte
	res := norm.NFC.Append(out[:0], in[:n]...)
	r, size := utf8.DecodeRune(res)
	if size != len(res) || size == 0 || r == a {
		return 0, false
	}
	if !runeclass.HFComposes(r) {
		return 0, false
	}
	return r, true
}

// compose runs the crate's recomposition state machine over a decomposed
// sequence. A composite takes the delta of its two parts minus one (it
// replaces both).
func compose(in []Change, dst []Change) []Change {
	var (
		composee    Change
		hasComposee bool
		lastCCC     int = -1 // -1: none
		buffer      []Change
	)
	for _, c := range in {
		chClass := int(cccOf(c.R))
		if !hasComposee {
			if chClass != 0 {
				dst = append(dst, c)
				continue
			}
			composee, hasComposee = c, true
			continue
		}
		if lastCCC < 0 {
			if r, ok := composePair(composee.R, c.R); ok {
				composee = Change{r, composee.Delta + c.Delta - 1}
				continue
			}
			if chClass == 0 {
				dst = append(dst, composee)
				composee = c
				continue
			}
			buffer = append(buffer, c)
			lastCCC = chClass
			continue
		}
		if lastCCC >= chClass {
			// c is blocked from the composee.
			if chClass == 0 {
				dst = append(dst, composee)
				dst = append(dst, buffer...)
				buffer = buffer[:0]
				composee = c
				lastCCC = -1
				continue
			}
			buffer = append(buffer, c)
			lastCCC = chClass
			continue
		}
		if r, ok := composePair(composee.R, c.R); ok {
			composee = Change{r, composee.Delta + c.Delta - 1}
			continue
		}
		buffer = append(buffer, c)
		lastCCC = chClass
	}
	if hasComposee {
		dst = append(dst, composee)
	}
	return append(dst, buffer...)
}
