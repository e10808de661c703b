package eval

import (
	"strings"
	"unicode"
)

// SQuADVersion picks between the two official SQuAD evaluation scripts.
// They normalise answers the same way and differ in two corners:
//   - v2.0 drops gold answers that normalise to nothing and treats an
//     example without gold answers as having the single answer "" (the
//     no-answer case); v1.1 keeps every gold answer as given.
//   - v2.0 scores F1 = 1 when both the prediction and the gold answer have
//     no tokens (and 0 when only one has none); v1.1 scores 0.
type SQuADVersion string

const (
	SQuADv1 SQuADVersion = "1.1"
	SQuADv2 SQuADVersion = "2.0"
)

// NormalizeAnswer is the official SQuAD normalize_answer: lower-case (as
// Python's str.lower), drop ASCII punctuation (Python's string.punctuation),
// replace the articles a, an and the (whole words in the sense of Python's
// Unicode re \b) by a space, and collapse whitespace (Python's str.split).
// The steps run in that order, as in the official script.
func NormalizeAnswer(s string) string {
	s = removeArticles(removePunctuation(pyLower(s)))
	return strings.Join(pySplit(s), " ")
}

// answerTokens is get_tokens: the whitespace-separated normalised words.
func answerTokens(s string) []string {
	return pySplit(NormalizeAnswer(s))
}

// ExactMatch is 1 when the normalised prediction equals the normalised gold answer.
func ExactMatch(prediction, gold string) float64 {
	if NormalizeAnswer(prediction) == NormalizeAnswer(gold) {
		return 1
	}
	return 0
}

// TokenF1 is the bag-of-words F1 between the normalised answers, with the
// empty-answer rule of the chosen script version.
func TokenF1(prediction, gold string, v SQuADVersion) float64 {
	pred, ref := answerTokens(prediction), answerTokens(gold)
	if v == SQuADv2 && (len(pred) == 0 || len(ref) == 0) {
		if len(pred) == len(ref) {
			return 1
		}
		return 0
	}
	counts := map[string]int{}
	for _, t := range ref {
		counts[t]++
	}
	same := 0
	for _, t := range pred {
		if counts[t] > 0 {
			counts[t]--
			same++
		}
	}
	if same == 0 {
		return 0
	}
	// Same operations in the same order as the official script, so the
	// float64 results are bit-identical.
	precision := float64(same) / float64(len(pred))
	recall := float64(same) / float64(len(ref))
	return (2 * precision * recall) / (precision + recall)
}

// SQuADExample scores one prediction against its gold answers: the maximum
// exact match and F1 over them. With v2.0, gold answers that normalise to
// "" are dropped and no gold answer means the expected prediction is "".
// With v1.1 an example needs at least one gold answer (else both are 0).
func SQuADExample(prediction string, golds []string, v SQuADVersion) (exact, f1 float64) {
	if v == SQuADv2 {
		var kept []string
		for _, g := range golds {
			if NormalizeAnswer(g) != "" {
				kept = append(kept, g)
			}
		}
		if len(kept) == 0 {
			kept = []string{""}
		}
		golds = kept
	}
	for _, g := range golds {
		exact = max(exact, ExactMatch(prediction, g))
		f1 = max(f1, TokenF1(prediction, g, v))
	}
	return exact, f1
}

// SQuADScores are the official script's totals, in percent (0–100) as it
// prints them. HasAns/NoAns split the examples by whether they have a gold
// answer (after v2.0's filtering); the v1.1 script has no such split, but
// the numbers are computed the same way.
type SQuADScores struct {
	Exact, F1             float64
	Total                 int
	HasAnsExact, HasAnsF1 float64
	HasAnsTotal           int
	NoAnsExact, NoAnsF1   float64
	NoAnsTotal            int
}

// SQuAD scores every prediction against its gold answers. predictions[i]
// answers golds[i]; "" is the no-answer prediction.
func SQuAD(predictions []string, golds [][]string, v SQuADVersion) SQuADScores {
	var s SQuADScores
	var exact, f1, hasExact, hasF1, noExact, noF1 float64
	for i, p := range predictions {
		em, f := SQuADExample(p, golds[i], v)
		exact += em
		f1 += f
		if hasGoldAnswer(golds[i]) {
			hasExact += em
			hasF1 += f
			s.HasAnsTotal++
		} else {
			noExact += em
			noF1 += f
			s.NoAnsTotal++
		}
	}
	s.Total = len(predictions)
	pct := func(sum float64, n int) float64 {
		if n == 0 {
			return 0
		}
		return 100.0 * sum / float64(n)
	}
	s.Exact, s.F1 = pct(exact, s.Total), pct(f1, s.Total)
	s.HasAnsExact, s.HasAnsF1 = pct(hasExact, s.HasAnsTotal), pct(hasF1, s.HasAnsTotal)
	s.NoAnsExact, s.NoAnsF1 = pct(noExact, s.NoAnsTotal), pct(noF1, s.NoAnsTotal)
	return s
}

// hasGoldAnswer is v2.0's has-answer test: some gold answer survives normalisation.
func hasGoldAnswer(golds []string) bool {
	for _, g := range golds {
		if NormalizeAnswer(g) != "" {
			return true
		}
	}
	return false
}

// pyPunctuation is Python's string.punctuation.
const pyPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

func removePunctuation(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && strings.ContainsRune(pyPunctuation, r) {
			return -1
		}
		return r
	}, s)
}

// removeArticles replaces every maximal run of Python-re word characters
// that is exactly "a", "an" or "the" by one space. That is what
// re.sub(r'\b(a|an|the)\b', ' ', s) does: the match is made of word
// characters and must have a non-word character (or an end) on each side.
func removeArticles(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); {
		if !pyWordChar(rs[i]) {
			b.WriteRune(rs[i])
			i++
			continue
		}
		j := i
		for j < len(rs) && pyWordChar(rs[j]) {
			j++
		}
		switch string(rs[i:j]) {
		case "a", "an", "the":
			b.WriteByte(' ')
		default:
			b.WriteString(string(rs[i:j]))
		}
		i = j
	}
	return b.String()
}

// pyWordChar is \w of Python's re on str patterns: str.isalnum() or '_'.
// isalnum covers the letter categories and the numeric ones (Nd, Nl, No);
// combining marks are not word characters.
func pyWordChar(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// pyIsSpace is Python's str.isspace: Unicode White_Space plus the
// information separators U+001C–U+001F (bidirectional class B or S).
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// pySplit is Python's str.split() without arguments.
func pySplit(s string) []string {
	return strings.FieldsFunc(s, pyIsSpace)
}

// pyLower is Python's str.lower: the simple lower-case mapping, except that
// U+0130 becomes "i̇" (its full mapping) and a capital sigma that ends a
// word becomes the final sigma ς (Unicode's Final_Sigma condition).
func pyLower(s string) string {
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range rs {
		switch {
		case r == 0x130:
			b.WriteString("i\u0307")
		case r == 0x3a3:
			if finalSigma(rs, i) {
				b.WriteRune(0x3c2)
			} else {
				b.WriteRune(0x3c3)
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// finalSigma: a cased letter before (skipping case-ignorable characters)
// and none after.
func finalSigma(rs []rune, i int) bool {
	j := i - 1
	for j >= 0 && caseIgnorable(rs[j]) {
		j--
	}
	if j < 0 || !cased(rs[j]) {
		return false
	}
	j = i + 1
	for j < len(rs) && caseIgnorable(rs[j]) {
		j++
	}
	return j == len(rs) || !cased(rs[j])
}

// cased is Unicode's Cased property: Lu, Ll, Lt, Other_Lowercase, Other_Uppercase.
func cased(r rune) bool {
	return unicode.In(r, unicode.Lu, unicode.Ll, unicode.Lt, unicode.Other_Lowercase, unicode.Other_Uppercase)
}

// wordBreakMid is true for the Word_Break values MidLetter, MidNumLet and
// Single_Quote, which Case_Ignorable includes.
func wordBreakMid(r rune) bool {
	switch r {
	case 0x0027, 0x002e, 0x003a, 0x00b7, 0x0387, 0x055f, 0x05f4, 0x2018, 0x2019, 0x2024, 0x2027,
		0xfe13, 0xfe52, 0xfe55, 0xff07, 0xff0e, 0xff1a:
		return true
	}
	return false
}

// caseIgnorable is Unicode's Case_Ignorable property.
func caseIgnorable(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk) || wordBreakMid(r)
}
