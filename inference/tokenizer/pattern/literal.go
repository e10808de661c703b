// Package pattern provides the search patterns of tokenizer.json: literal
// strings and Oniguruma regular expressions (HF compiles both with
// Oniguruma), plus a hand-written scanner for the GPT-2 split pattern, which
// needs a look-ahead that Go's regexp package does not have.
package pattern

import (
	"strings"
	"unicode/utf8"

	"github.com/clinlm/clinlm/inference/tokenizer/normalized"
)

// Literal matches every non-overlapping occurrence of a string, left to right.
// An empty literal matches the empty string at every character boundary, like
// the empty regex HF compiles it to.
type Literal string

// FindMatches implements normalized.Pattern.
func (l Literal) FindMatches(s string, dst []normalized.Match) ([]normalized.Match, error) {
	if len(s) == 0 {
		return append(dst, normalized.Match{}), nil
	}
	if l == "" {
		return emptyMatches(s, dst), nil
	}
	prev := 0
	for prev <= len(s) {
		i := strings.Index(s[prev:], string(l))
		if i < 0 {
			break
		}
		start := prev + i
		if start > prev {
			dst = append(dst, normalized.Match{Start: prev, End: start})
		}
		end := start + len(l)
		dst = append(dst, normalized.Match{Start: start, End: end, IsMatch: true})
		prev = end
	}
	if prev < len(s) {
		dst = append(dst, normalized.Match{Start: prev, End: len(s)})
	}
	return dst, nil
}

// emptyMatches is the result of a pattern that matches the empty string
// everywhere: an empty match at every character boundary, including the end.
func emptyMatches(s string, dst []normalized.Match) []normalized.Match {
	dst = append(dst, normalized.Match{Start: 0, End: 0, IsMatch: true})
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRuneInString(s[i:])
		dst = append(dst, normalized.Match{Start: i, End: i + size})
		i += size
		dst = append(dst, normalized.Match{Start: i, End: i, IsMatch: true})
	}
	return dst
}

// findAll turns a "next match" function into HF's find_matches pieces. next
// returns the leftmost match starting at or after from, or ok=false. Empty
// matches right after the previous match are skipped the way Oniguruma's
// find_iter (and Go's regexp) skip them.
func findAll(s string, dst []normalized.Match, next func(from int) (start, end int, ok bool, err error)) ([]normalized.Match, error) {
	if len(s) == 0 {
		return append(dst, normalized.Match{}), nil
	}
	prev := 0
	searchFrom := 0
	lastMatchEnd := -1
	for searchFrom <= len(s) {
		start, end, ok, err := next(searchFrom)
		if err != nil {
			return dst, err
		}
		if !ok {
			break
		}
		if start == end && end == lastMatchEnd {
			if searchFrom >= len(s) {
				break
			}
			_, size := utf8.DecodeRuneInString(s[searchFrom:])
			searchFrom += size
			continue
		}
		if start > prev {
			dst = append(dst, normalized.Match{Start: prev, End: start})
		}
		dst = append(dst, normalized.Match{Start: start, End: end, IsMatch: true})
		prev = end
		searchFrom = end
		lastMatchEnd = end
	}
	if prev < len(s) {
		dst = append(dst, normalized.Match{Start: prev, End: len(s)})
	}
	return dst, nil
}
