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

// byteClass is how BertPreTokenizer treats an ASCII character.
type byteClass uint8

const (
	classWord byteClass = iota
	classSpace
	classPunct
)

// asciiClasses tabulates the classes once, so the split loop reads a table
// instead of calling the rune predicates per byte (a call per byte showed in
// Chromium's profile of the WebAssembly build, where calls are dear).
func asciiClasses() *[128]byteClass {
	var t [128]byteClass
	for c := range t {
		switch {
		case runeclass.IsWhitespace(rune(c)):
			t[c] = classSpace
		case runeclass.IsBertPunctuation(rune(c)):
			t[c] = classPunct
		}
	}
	return &t
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
		class := t.bertClass
		for a := 0; a < len(m); {
			c := class[m[a]&0x7F] // mapped bytes are ASCII
			if c == classSpace {
				a++
				continue
			}
			b := a + 1
			if c == classWord {
				for b < len(m) && class[m[b]&0x7F] == classWord {
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
