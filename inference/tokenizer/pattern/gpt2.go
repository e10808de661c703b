package pattern

import (
	"unicode/utf8"

	"github.com/clinlm/clinlm/inference/tokenizer/internal/runeclass"
	"github.com/clinlm/clinlm/inference/tokenizer/normalized"
)

// GPT2Regex is the split pattern of GPT-2's byte-level BPE, which HF's
// ByteLevel pre-tokenizer uses and many tokenizer.json files repeat in a Split.
const GPT2Regex = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`

// GPT2 is a hand-written matcher for GPT2Regex with Oniguruma's semantics.
// Every character starts a match of one of the alternatives, so the matches
// cover the text without gaps.
type GPT2 struct{}

type gpt2Class uint8

const (
	classOther gpt2Class = iota
	classLetter
	classNumber
	classSpace
)

func classify(r rune) gpt2Class {
	if r < utf8.RuneSelf {
		switch {
		case (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'):
			return classLetter
		case r >= '0' && r <= '9':
			return classNumber
		case r == ' ' || (r >= '\t' && r <= '\r'):
			return classSpace
		}
		return classOther
	}
	switch {
	case runeclass.IsLetter(r):
		return classLetter
	case runeclass.IsNumber(r):
		return classNumber
	case runeclass.IsOnigSpace(r):
		return classSpace
	}
	return classOther
}

func decode(s string, i int) (rune, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

// run returns the end of the run of characters of class c starting at i.
func run(s string, i int, c gpt2Class) int {
	for i < len(s) {
		r, size := decode(s, i)
		if classify(r) != c {
			break
		}
		i += size
	}
	return i
}

// contraction returns the length of the contraction ('s, 't, 're, 've, 'm,
// 'll, 'd) at s[i:], which starts with an apostrophe, or 0.
func contraction(s string, i int) int {
	if i+1 >= len(s) {
		return 0
	}
	switch s[i+1] {
	case 's', 't', 'm', 'd':
		return 2
	case 'r', 'v':
		if i+2 < len(s) && s[i+2] == 'e' {
			return 3
		}
	case 'l':
		if i+2 < len(s) && s[i+2] == 'l' {
			return 3
		}
	}
	return 0
}

// matchAt returns the end of the match that starts at i (i < len(s)).
func (GPT2) matchAt(s string, i int) int {
	c := s[i]
	if c == '\'' {
		if n := contraction(s, i); n > 0 {
			return i + n
		}
	}
	r, size := decode(s, i)
	cls := classify(r)
	if c == ' ' && i+1 < len(s) {
		next, nsize := decode(s, i+1)
		if nc := classify(next); nc != classSpace {
			// " ?\p{L}+", " ?\p{N}+" or " ?[^\s\p{L}\p{N}]+" with the space.
			return run(s, i+1+nsize, nc)
		}
	}
	if cls != classSpace {
		return run(s, i+size, cls)
	}
	end := run(s, i+size, classSpace)
	if end == len(s) {
		return end // \s+(?!\S) at the end of the text
	}
	if _, lastSize := utf8.DecodeLastRuneInString(s[:end]); end-lastSize > i {
		return end - lastSize // \s+(?!\S): leave the last space for the next word
	}
	return end // \s+
}

// MatchEnd returns the end of the match that starts at byte i of s (every
// position starts one), for callers that walk the pieces without a list.
func (g GPT2) MatchEnd(s string, i int) int { return g.matchAt(s, i) }

// FindMatches implements normalized.Pattern.
func (g GPT2) FindMatches(s string, dst []normalized.Match) ([]normalized.Match, error) {
	if len(s) == 0 {
		return append(dst, normalized.Match{}), nil
	}
	for i := 0; i < len(s); {
		end := g.matchAt(s, i)
		dst = append(dst, normalized.Match{Start: i, End: end, IsMatch: true})
		i = end
	}
	return dst, nil
}
