package spm

import (
	"slices"
	"unicode/utf8"
)

// gcb is a code point's Grapheme_Cluster_Break value, with Extended_Pictographic
// and Indic_Conjunct_Break=Consonant folded in as extra values (they only ever
// occur on code points whose break value is Other), as unicode-segmentation does.
type gcb uint8

const (
	gcbOther gcb = iota
	gcbCR
	gcbLF
	gcbControl
	gcbExtend
	gcbZWJ
	gcbRegionalIndicator
	gcbPrepend
	gcbSpacingMark
	gcbL
	gcbV
	gcbT
	gcbLV
	gcbLVT
	gcbExtPict
	gcbInCBConsonant
)

type gcbRange struct {
	lo, hi rune
	cat    gcb
}

type runeRange struct{ lo, hi rune }

func gcbOf(r rune) gcb {
	if r < 0x7f {
		switch {
		case r >= 0x20:
			return gcbOther
		case r == '\n':
			return gcbLF
		case r == '\r':
			return gcbCR
		default:
			return gcbControl
		}
	}
	if r >= 0xAC00 && r <= 0xD7A3 { // Hangul syllables
		if (r-0xAC00)%28 == 0 {
			return gcbLV
		}
		return gcbLVT
	}
	i, found := slices.BinarySearchFunc(gcbTable[:], r, func(e gcbRange, r rune) int {
		switch {
		case e.hi < r:
			return -1
		case e.lo > r:
			return 1
		}
		return 0
	})
	if found {
		return gcbTable[i].cat
	}
	return gcbOther
}

func isInCBExtend(r rune) bool {
	if r < 0x300 {
		return false
	}
	_, found := slices.BinarySearchFunc(incbExtendTable[:], r, func(e runeRange, r rune) int {
		switch {
		case e.hi < r:
			return -1
		case e.lo > r:
			return 1
		}
		return 0
	})
	return found
}

func isInCBLinker(r rune) bool {
	return r >= 0x94D && slices.Contains(incbLinkers[:], r)
}

// graphemeState is what the UAX #29 rules that look behind need to know
// about the cluster so far. Every look-behind rule (GB9c, GB11, GB12/13)
// inspects a run that cannot itself contain a boundary, so tracking it from
// the start of the current cluster is enough.
type graphemeState struct {
	riCount      int  // consecutive Regional_Indicators just before the cursor
	extPictRun   bool // last non-Extend code point was Extended_Pictographic
	zwjAfterPict bool // last code point is a ZWJ following ExtPict Extend*
	incbCons     bool // last non-Linker, non-InCB-Extend code point was an InCB consonant
	incbLinker   bool // ...and at least one InCB linker followed it
}

func (st *graphemeState) add(r rune, cat gcb) {
	if cat == gcbRegionalIndicator {
		st.riCount++
	} else {
		st.riCount = 0
	}
	st.zwjAfterPict = cat == gcbZWJ && st.extPictRun
	switch cat {
	case gcbExtPict:
		st.extPictRun = true
	case gcbExtend:
	default:
		st.extPictRun = false
	}
	switch {
	case isInCBLinker(r):
		st.incbLinker = true
	case isInCBExtend(r):
	default:
		st.incbCons, st.incbLinker = cat == gcbInCBConsonant, false
	}
}

// isBreak applies the extended grapheme cluster rules of UAX #29 (Unicode 17)
// between a code point of class before and one of class after, in the order
// unicode-segmentation 1.13.3 checks them.
func (st *graphemeState) isBreak(before, after gcb) bool {
	switch {
	case before == gcbCR && after == gcbLF: // GB3
		return false
	case before == gcbControl || before == gcbCR || before == gcbLF: // GB4
		return true
	case after == gcbControl || after == gcbCR || after == gcbLF: // GB5
		return true
	case before == gcbL && (after == gcbL || after == gcbV || after == gcbLV || after == gcbLVT): // GB6
		return false
	case (before == gcbLV || before == gcbV) && (after == gcbV || after == gcbT): // GB7
		return false
	case (before == gcbLVT || before == gcbT) && after == gcbT: // GB8
		return false
	case after == gcbExtend || after == gcbZWJ: // GB9
		return false
	case after == gcbSpacingMark: // GB9a
		return false
	case before == gcbPrepend: // GB9b
		return false
	case after == gcbInCBConsonant: // GB9c
		return !(st.incbCons && st.incbLinker)
	case before == gcbZWJ && after == gcbExtPict: // GB11
		return !st.zwjAfterPict
	case before == gcbRegionalIndicator && after == gcbRegionalIndicator: // GB12, GB13
		return st.riCount%2 == 0
	}
	return true // GB999
}

// graphemeEnd returns the end of the extended grapheme cluster that starts at
// byte i of s (i < len(s)). Invalid UTF-8 bytes count as U+FFFD, one byte each.
func graphemeEnd(s string, i int) int {
	var st graphemeState
	r, n := utf8.DecodeRuneInString(s[i:])
	cat := gcbOf(r)
	st.add(r, cat)
	i += n
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f && cat != gcbPrepend {
			// Fast path: printable ASCII is class Other, and only GB9b
			// (Prepend ×) keeps anything together with a following Other.
			return i
		}
		r, n = utf8.DecodeRuneInString(s[i:])
		next := gcbOf(r)
		if st.isBreak(cat, next) {
			return i
		}
		st.add(r, next)
		cat = next
		i += n
	}
	return i
}
