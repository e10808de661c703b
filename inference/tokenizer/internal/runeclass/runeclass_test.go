package runeclass

import "testing"

// The expected values are what HF tokenizers 0.23.3 does with each character
// (BertNormalizer, BertPreTokenizer, Digits, StripAccents, Whitespace,
// Lowercase and Oniguruma regexes, probed one character at a time).
func TestClassesAgreeWithHF(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func(rune) bool
		yes  []rune
		no   []rune
	}{
		{"IsWhitespace", IsWhitespace, []rune{' ', '\t', '\n', 0x85, 0xA0, 0x3000, 0x2028}, []rune{0x200B, 'a', 0x1C}},
		{"IsOther", IsOther, []rune{0x01, 0x7F, 0x600, 0x200B, 0xFEFF, 0xE000}, []rune{0x1F970, 0x890, 'a', 0x0378}},
		{"IsBertPunctuation", IsBertPunctuation, []rune{'$', '+', '^', '`', '~', '!', 0x2014, 0x00BF}, []rune{'a', 0x00B2, 0x20AC}},
		{"IsNumeric", IsNumeric, []rune{'7', 0x00B2, 0x00BD, 0x2167, 0x0663, 0x10D40}, []rune{'a', '.'}},
		{"IsCombiningMark", IsCombiningMark, []rune{0x0301, 0x0323, 0x0903}, []rune{'a', 0x07FD, 0x0898}},
		{"IsNonspacingMark", IsNonspacingMark, []rune{0x0301, 0x0323}, []rune{0x0903, 'a'}},
		{"IsRegexWord", IsRegexWord, []rune{'a', '_', '7', 0x200D, 0x0301}, []rune{'-', ' ', 0x00B2}},
		{"IsOnigWord", IsOnigWord, []rune{'a', '_', 0x00B2, 0x0663}, []rune{'-', 0x09F4}},
		{"IsLetter", IsLetter, []rune{'a', 0x00E9, 0x1C89}, []rune{'1', '_'}},
		{"IsNumber", IsNumber, []rune{'1', 0x00BD, 0x10D40}, []rune{'a'}},
		{"IsChineseChar", IsChineseChar, []rune{0x4E2D, 0x20000}, []rune{0x3042, 0xAC00}},
	} {
		for _, r := range tc.yes {
			if !tc.f(r) {
				t.Errorf("%s(%U) = false, HF says true", tc.name, r)
			}
		}
		for _, r := range tc.no {
			if tc.f(r) {
				t.Errorf("%s(%U) = true, HF says false", tc.name, r)
			}
		}
	}
}

func TestToLower(t *testing.T) {
	for _, tc := range []struct {
		in   rune
		want string
	}{
		{'A', "a"}, {0x0130, "i\u0307"}, {0x03A3, "\u03C3"}, {0x01C5, "\u01C6"}, {0x1E9E, "\u00DF"}, {0xA7CB, "\u0264"},
	} {
		if got := string(ToLower(nil, tc.in)); got != tc.want {
			t.Errorf("ToLower(%U) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if !LowercasesToMany(0x0130) || LowercasesToMany('A') {
		t.Error("LowercasesToMany")
	}
}
