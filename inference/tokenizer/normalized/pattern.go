package normalized

import "unicode/utf8"

// Match is one piece of a pattern search: a byte range of the searched text
// and whether it is a match or the text between matches.
type Match struct {
	Start, End int
	IsMatch    bool
}

// Pattern finds the matches of something in a text. FindMatches appends to
// dst pieces that cover the whole text, in order, without gaps (HF's
// Pattern::find_matches). An empty text yields one empty non-match.
type Pattern interface {
	FindMatches(s string, dst []Match) ([]Match, error)
}

// RunePredicate matches every single character for which it returns true.
type RunePredicate func(rune) bool

// FindMatches implements Pattern.
func (f RunePredicate) FindMatches(s string, dst []Match) ([]Match, error) {
	if len(s) == 0 {
		return append(dst, Match{0, 0, false}), nil
	}
	last := 0
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if f(r) {
			if last < i {
				dst = append(dst, Match{last, i, false})
			}
			dst = append(dst, Match{i, i + size, true})
			last = i + size
		}
		i += size
	}
	if last < len(s) {
		dst = append(dst, Match{last, len(s), false})
	}
	return dst, nil
}

// Rune matches one character.
type Rune rune

// FindMatches implements Pattern.
func (c Rune) FindMatches(s string, dst []Match) ([]Match, error) {
	return RunePredicate(func(r rune) bool { return r == rune(c) }).FindMatches(s, dst)
}

// Invert swaps matches and non-matches of a pattern.
type Invert struct{ Pattern Pattern }

// FindMatches implements Pattern.
func (p Invert) FindMatches(s string, dst []Match) ([]Match, error) {
	start := len(dst)
	dst, err := p.Pattern.FindMatches(s, dst)
	if err != nil {
		return dst, err
	}
	for i := start; i < len(dst); i++ {
		dst[i].IsMatch = !dst[i].IsMatch
	}
	return dst, nil
}
