package tokenizer

import (
	"github.com/clinlm/clinlm/inference/tokenizer/internal/runeclass"
	"github.com/clinlm/clinlm/inference/tokenizer/normalizers"
	"github.com/clinlm/clinlm/inference/tokenizer/pretokenizers"
	"github.com/clinlm/clinlm/internal/smallfmt"
)

// bertDirectTable returns the normalizer's ASCII table of a BERT pipeline
// (BertNormalizer, BertPreTokenizer, no added token matched after
// normalization), nil for any other tokenizer. On ASCII text without
// characters the normalizer removes, such a pipeline maps bytes one to one
// (lower-casing, whitespace to spaces; accents and Chinese characters do not
// occur), drops whitespace and isolates punctuation. encodeBert does that
// straight from the text instead of through aligned normalized strings,
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

// encodeBert is encodeSequence for a BERT pipeline, with the same result.
// Added tokens match the text as written (none matches after
// normalization), so the pieces between them are the original text. Each
// piece is cut at ASCII whitespace into chunks: BertNormalizer maps one
// character at a time and BertPreTokenizer splits at whitespace, so no step
// looks across such a cut. A chunk of ASCII that the normalizer keeps whole
// (nearly every one in English notes) is split and looked up straight from
// the text; any other chunk ("37.2°C", "naïve") goes through the general
// pipeline on its own, so one "°" no longer sends a whole note that way.
func (t *Tokenizer) encodeBert(st *encodeState, text string, typeID int) (*Encoding, error) {
	table := t.bertASCII
	return t.encodeDirect(st, text, typeID, func(seg string, base, word int) (int, error) {
		if cap(st.mapped) < len(seg) {
			st.mapped = make([]byte, len(seg))
		}
		mapped := st.mapped[:len(seg)]
		for a := 0; a < len(seg); {
			// A cut is a character the normalizer turns into a space (space,
			// tab, newline, carriage return); other ASCII whitespace (\v, \f)
			// it removes, joining its neighbours.
			if c := seg[a]; c < 0x80 && table[c] == ' ' {
				a++
				continue
			}
			// One pass to the next cut maps the chunk's bytes and tells whether
			// it is direct: ASCII that the table keeps (no byte it removes).
			// Finding the cut, checking and mapping were three passes, and in
			// WebAssembly each pass over the bytes showed in the profile.
			b, direct := a, true
			for ; b < len(seg); b++ {
				c := seg[b]
				if c >= 0x80 {
					direct = false
					continue
				}
				m := table[c]
				if m == ' ' {
					break
				}
				direct = direct && m != 0
				mapped[b] = m
			}
			var err error
			if direct {
				word, err = t.bertMappedChunk(st, mapped[a:b], base+a, word)
			} else {
				word, err = t.bertGeneralChunk(st, seg[a:b], base+a, word)
			}
			if err != nil {
				return word, err
			}
			a = b
		}
		return word, nil
	})
}

// bertMappedChunk tokenizes a direct chunk, already mapped by the
// normalizer's table: its bytes map one to one, and punctuation stands
// alone.
func (t *Tokenizer) bertMappedChunk(st *encodeState, m []byte, base, word int) (int, error) {
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
}

// bertGeneralChunk runs the general pipeline (normalizer, pre-tokenizer,
// model) over one chunk, in the state's second pre-tokenized string.
func (t *Tokenizer) bertGeneralChunk(st *encodeState, chunk string, base, word int) (int, error) {
	pt := &st.chunk
	if err := t.added.extractInto(pt, t.normalizer, chunk); err != nil {
		return word, smallfmt.Errorf("tokenizer: normalizer: %w", err)
	}
	if err := t.preTokenizer.PreTokenize(pt); err != nil {
		return word, smallfmt.Errorf("tokenizer: pre_tokenizer: %w", err)
	}
	return t.tokenizePieces(st, pt, base, word)
}
