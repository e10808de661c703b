package tokenizer

import (
	"github.com/clinlm/clinlm/inference/tokenizer/internal/runeclass"
	"github.com/clinlm/clinlm/inference/tokenizer/normalizers"
	"github.com/clinlm/clinlm/inference/tokenizer/pretokenizers"
)

// bertDirectTable returns the normalizer's ASCII table of a BERT pipeline
// (BertNormalizer, BertPreTokenizer, no added token matched after
// normalization), nil for any other tokenizer. On ASCII text without
// characters the normalizer removes, such a pipeline maps bytes one to one
// (lower-casing, whitespace to spaces; accents and Chinese characters do not
// occur), drops whitespace and isolates punctuation. encodeBertASCII does
// that straight from the text instead of through aligned normalized strings,
// whose splitting took about a quarter of a BERT encode.
func bertDirectTable(t *Tokenizer) *[128]byte {
	nb, ok := t.normalizer.(normalizers.Bert)
	if !ok || t.added.norm != nil {
		return nil
	}
	if _, ok := t.preTokenizer.(pretokenizers.Bert); !ok {
		return nil
	}
	return nb.ASCIITable()
}

// directASCII tells whether text is ASCII that the table keeps whole.
func directASCII(text string, table *[128]byte) bool {
	for i := 0; i < len(text); i++ {
		if c := text[i]; c >= 0x80 || table[c] == 0 {
			return false
		}
	}
	return true
}

// encodeBertASCII is encodeSequence for a BERT pipeline on text that
// directASCII accepts, with the same result. Added tokens match the text as
// written (none matches after normalization), so the pieces between them
// are the original text.
func (t *Tokenizer) encodeBertASCII(st *encodeState, text string, typeID int) (*Encoding, error) {
	return t.encodeDirect(st, text, typeID, func(seg string, base, word int) (int, error) {
		m := st.mapped[:0]
		for j := 0; j < len(seg); j++ {
			m = append(m, t.bertASCII[seg[j]])
		}
		st.mapped = m
		for a := 0; a < len(m); {
			c := rune(m[a])
			if runeclass.IsWhitespace(c) {
				a++
				continue
			}
			b := a + 1
			if !runeclass.IsBertPunctuation(c) {
				for b < len(m) && !runeclass.IsWhitespace(rune(m[b])) && !runeclass.IsBertPunctuation(rune(m[b])) {
					b++
				}
			}
			if err := t.appendModelTokens(st, m[a:b]); err != nil {
				return word, err
			}
			for _, tok := range st.model {
				st.push(tok.ID, tok.Value, base+a+tok.Start, base+a+tok.End, word)
			}
			word++
			a = b
		}
		return word, nil
	})
}
