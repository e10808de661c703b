// Package runeclass answers the character questions that Hugging Face
// tokenizers asks, with the same answers. HF takes its Unicode data from
// several places of different ages: Rust's standard library
// (char::is_whitespace, is_numeric, to_lowercase), the unicode_categories
// crate (is_punctuation, is_other, is_mark_nonspacing), the
// unicode-normalization-alignments crate (combining marks, decompositions) and
// Oniguruma (the \s, \w, \p{..} of tokenizer.json regexes). The classes whose
// data differs from Go's unicode tables are range tables extracted from the
// library itself (tables.go, written by mktables); the others use Go's tables,
// which agree with HF's on every scalar value.
package runeclass

import (
	"unicode"
	"unicode/utf8"
)

// IsWhitespace is Rust's char::is_whitespace: the Unicode White_Space property.
func IsWhitespace(r rune) bool {
	if r < 0x80 {
		return r == ' ' || (r >= '\t' && r <= '\r')
	}
	return unicode.Is(unicode.White_Space, r)
}

// IsNumeric is Rust's char::is_numeric (general category Nd, Nl or No).
func IsNumeric(r rune) bool {
	if r < 0x80 {
		return r >= '0' && r <= '9'
	}
	return unicode.Is(hfNumeric, r)
}

// IsASCIIPunctuation is Rust's char::is_ascii_punctuation: every printable
// ASCII character that is neither a letter, a digit nor a space.
func IsASCIIPunctuation(r rune) bool {
	return (r >= '!' && r <= '/') || (r >= ':' && r <= '@') || (r >= '[' && r <= '`') || (r >= '{' && r <= '~')
}

// IsBertPunctuation is the punctuation test of BertPreTokenizer and the
// Punctuation pre-tokenizer: ASCII punctuation (which includes symbols such as
// $ + < = > ^ ` | ~) or a character of a P* general category.
func IsBertPunctuation(r rune) bool {
	if r < 0x80 {
		return IsASCIIPunctuation(r)
	}
	return unicode.Is(hfBertPunct, r)
}

// IsOther is unicode_categories' is_other as BertNormalizer's clean_text sees
// it: general category Cc, Cf or Co (not unassigned code points).
func IsOther(r rune) bool {
	if r < 0x80 {
		return r < 0x20 || r == 0x7f
	}
	return unicode.Is(hfOther, r)
}

// IsChineseChar is BertNormalizer's CJK test: the CJK Unified Ideographs
// blocks and extensions that BERT's original code lists.
func IsChineseChar(r rune) bool {
	switch {
	case r >= 0x4E00 && r <= 0x9FFF,
		r >= 0x3400 && r <= 0x4DBF,
		r >= 0x20000 && r <= 0x2A6DF,
		r >= 0x2A700 && r <= 0x2B73F,
		r >= 0x2B740 && r <= 0x2B81F,
		r >= 0x2B920 && r <= 0x2CEAF,
		r >= 0xF900 && r <= 0xFAFF,
		r >= 0x2F800 && r <= 0x2FA1F:
		return true
	}
	return false
}

// IsNonspacingMark is unicode_categories' is_mark_nonspacing (general
// category Mn), which BertNormalizer drops after NFD to strip accents.
func IsNonspacingMark(r rune) bool {
	return r >= 0x300 && unicode.Is(hfNonspacingMark, r)
}

// IsCombiningMark is unicode-normalization's is_combining_mark, which the
// StripAccents normalizer drops.
func IsCombiningMark(r rune) bool {
	return r >= 0x300 && unicode.Is(hfCombiningMark, r)
}

// IsRegexWord is \w of Rust's regex crate, used by the Whitespace
// pre-tokenizer (\w+|[^\w\s]+).
func IsRegexWord(r rune) bool {
	if r < 0x80 {
		return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '_'
	}
	return unicode.Is(hfRegexWord, r)
}

// IsOnigSpace is Oniguruma's \s (HF's regexes are Oniguruma regexes).
func IsOnigSpace(r rune) bool {
	if r < 0x80 {
		return r == ' ' || (r >= '\t' && r <= '\r')
	}
	return unicode.Is(onigSpace, r)
}

// IsOnigWord is Oniguruma's \w.
func IsOnigWord(r rune) bool {
	if r < 0x80 {
		return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '_'
	}
	return unicode.Is(onigWord, r)
}

// IsOnigDigit is Oniguruma's \d.
func IsOnigDigit(r rune) bool {
	if r < 0x80 {
		return r >= '0' && r <= '9'
	}
	return unicode.Is(onigDigit, r)
}

// IsLetter is Oniguruma's \p{L}.
func IsLetter(r rune) bool {
	if r < 0x80 {
		return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
	}
	return unicode.Is(onigCatL, r)
}

// IsNumber is Oniguruma's \p{N}.
func IsNumber(r rune) bool {
	if r < 0x80 {
		return r >= '0' && r <= '9'
	}
	return unicode.Is(onigCatN, r)
}

// OnigCategory returns Oniguruma's table for a general category name such as
// "L", "Lu" or "Nd" (the C* tables cover Cc, Cf and Co only).
func OnigCategory(name string) (*unicode.RangeTable, bool) {
	t, ok := onigCategories[name]
	return t, ok
}

// ToLower appends Rust's char::to_lowercase of r to dst. It is one character
// except for U+0130, which lowercases to "i\u0307".
func ToLower(dst []rune, r rune) []rune {
	if r < 0x80 {
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, r)
	}
	if s, ok := lowerExceptions[r]; ok {
		for _, c := range s {
			dst = append(dst, c)
		}
		return dst
	}
	return append(dst, unicode.ToLower(r))
}

// ToLowerRune is ToLower for the characters that lowercase to one character
// (all but those LowercasesToMany reports).
func ToLowerRune(r rune) rune {
	if r < 0x80 {
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	if s, ok := lowerExceptions[r]; ok {
		c, _ := utf8.DecodeRuneInString(s)
		return c
	}
	return unicode.ToLower(r)
}

// LowercasesToMany reports whether r lowercases to more than one character.
func LowercasesToMany(r rune) bool {
	s, ok := lowerExceptions[r]
	return ok && utf8.RuneCountInString(s) > 1
}

// HFDecomposes reports whether HF's normalization tables know the
// decomposition that Go's tables give r (compat selects NFKD over NFD).
func HFDecomposes(r rune, compat bool) bool {
	if compat {
		return !noCompatDecomposition[r]
	}
	return !noDecomposition[r]
}

// HFHasCombiningClass reports whether HF's tables know the non-zero combining
// class that Go's tables give r.
func HFHasCombiningClass(r rune) bool { return !noCombiningClass[r] }

// HFComposes reports whether HF's NFC forms the primary composite r.
func HFComposes(r rune) bool { return !noComposition[r] }
