package tokenizer

import (
	"github.com/clinlm/clinlm/inference/tokenizer/internal/runeclass"
	"github.com/clinlm/clinlm/inference/tokenizer/normalizers"
	"github.com/clinlm/clinlm/inference/tokenizer/pretokenizers"
	"github.com/clinlm/clinlm/internal/smallfmt"
)

// bertDirectTable returns the byte table of a BERT pipeline
// (BertNormalizer, BertPreTokenizer, no added token matched after
// normalization), nil for any other tokenizer. On ASCII text without
// characters the normalizer removes, such a pipeline maps bytes one to one
// (lower-casing, whitespace to spaces; accents and Chinese characters do not
// occur), drops whitespace and isolates punctuation. encodeBert does that
// straight from the text instead of through aligned normalized strings,
// whose splitting took about a quarter of a BERT encode. The table holds,
// for each ASCII byte, what the normalizer makes of it: 0 for a byte it
// removes, a space for whitespace (where the pre-tokenizer splits), else the
// byte, with bertPunct added when it is punctuation. One table tells the
// split loop everything, so it reads one entry per byte and calls no rune
// predicate (a call per byte showed in Chromium's profile of the
// WebAssembly build, where calls are dear).
func bertDirectTable(t *Tokenizer) *[128]byte {
	nb, ok := t.normalizer.(normalizers.Bert)
	if !ok || t.added.norm != nil {
		return nil
	}
	if _, ok := t.preTokenizer.(pretokenizers.Bert); !ok {
		return nil
	}
	var table [128]byte
	for c, m := range nb.ASCIITable() {
		switch {
		case m == 0:
		case runeclass.IsWhitespace(rune(m)):
			table[c] = ' '
		case runeclass.IsBertPunctuation(rune(m)):
			table[c] = m | bertPunct
		default:
			table[c] = m
		}
	}
	return &table
}

// bertPunct marks punctuation in a bertDirectTable (mapped bytes are
// ASCII, so their top bit is free).
const bertPunct = 0x80

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
		// cut tells whether seg[i] is where a chunk ends: a character the
		// normalizer turns into a space (space, tab, newline, carriage
		// return); other ASCII whitespace (\v, \f) it removes, joining its
		// neighbours.
		cut := func(i int) bool { return seg[i] < 0x80 && table[seg[i]] == ' ' }
		var err error
		for a := 0; a < len(seg); {
			if cut(a) {
				a++
				continue
			}
			// One pass to the next cut maps the chunk's bytes, cuts them into
			// words at punctuation, which stands alone, and runs the model on
			// each word as it ends. A byte that is not ASCII or that the
			// normalizer removes sends the chunk through the general pipeline
			// instead, dropping the tokens it added. Mapping, then splitting
			// were two passes over the bytes, and in WebAssembly each showed
			// in the profile.
			tokens, first := len(st.ids), word
			b, w := a, a // w: where the current word starts
			for ; b < len(seg); b++ {
				c := seg[b]
				if c >= 0x80 {
					break
				}
				m := table[c]
				if m == ' ' || m == 0 {
					break
				}
				if m < bertPunct {
					mapped[b] = m
					continue
				}
				mapped[b] = m &^ bertPunct
				if w < b {
					if word, err = t.bertWord(st, mapped[w:b], base+w, word); err != nil {
						return word, err
					}
				}
				if word, err = t.bertWord(st, mapped[b:b+1], base+b, word); err != nil {
					return word, err
				}
				w = b + 1
			}
			switch {
			case b == len(seg) || cut(b):
				if w < b {
					word, err = t.bertWord(st, mapped[w:b], base+w, word)
				}
			default:
				for b < len(seg) && !cut(b) {
					b++
				}
				st.truncate(tokens)
				word, err = t.bertGeneralChunk(st, seg[a:b], base+a, first)
			}
			if err != nil {
				return word, err
			}
			a = b
		}
		return word, nil
	})
}

// bertWord runs the model on a word of mapped text, whose bytes map one to
// one to the original text from byte base, and adds its tokens as word
// number word. It returns the next word number.
func (t *Tokenizer) bertWord(st *encodeState, m []byte, base, word int) (int, error) {
	if err := t.appendModelTokens(st, m); err != nil {
		return word, err
	}
	for _, tok := range st.model {
		st.push(tok.ID, tok.Value, base+tok.Start, base+tok.End, word)
	}
	return word + 1, nil
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
