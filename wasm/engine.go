package main

import (
	"unicode/utf8"
	"unsafe"

	"github.com/clinlm/clinlm/inference/tokenizer"
	"github.com/clinlm/clinlm/tokenizers/marked"
)

// The adapter between the engine's types and what the shim sends to the page.
// It has no syscall/js in it, so its tests run natively.

// registry holds the tokenizers the page has loaded, by the page's key and by
// a numeric handle for the exported functions. The JS event loop calls in one
// at a time, so it needs no lock.
type registry struct {
	loaded  map[string]*entry
	handles []*entry // handle n is handles[n-1]; unloaded entries are nil
	// The exported encode's scratch memory, reused from note to note.
	packer packer
}

// entry is the tokenizer loaded under handle, nil for none.
func (r *registry) entry(handle int32) *entry {
	if handle < 1 || int(handle) > len(r.handles) {
		return nil
	}
	return r.handles[handle-1]
}

// entry is one loaded tokenizer with what the page marks in its output.
type entry struct {
	tok        *tokenizer.Tokenizer
	unkID      int
	unkToken   string
	specialIDs map[int]bool
	// specialBits holds specialIDs as one bit per id, so that marking a
	// note's tokens costs no map lookups (a map lookup per token showed in
	// Chromium's profile of the inspector's encode).
	specialBits []uint64
	// vocab is the token of each id (added tokens included; "" where an id
	// has none or its token is not valid UTF-8), built on the page's first
	// clinlm_vocab call (vocabulary); the page then looks tokens up by id.
	// Until then it is empty and pack sends every token's string (the corpus
	// workers, which never ask, do not hold it).
	vocab  vocabulary
	handle int
	// marked is the same tokenizer for the corpus statistics and the span
	// alignment (corpus.go).
	marked *marked.Tokenizer
}

// flags marks a token: special is the post-processor's mask. A special
// token typed into the note ([SEP], <mask>) is special to the page too,
// except the unknown token, which stands for text.
func (e *entry) flags(id int32, special bool) int32 {
	var f int32
	if special {
		f = flagSpecial
	}
	if e.unkID >= 0 && int(id) == e.unkID {
		f |= flagUnknown
	} else if !special && e.isSpecial(id) {
		f |= flagAddedSpecial
	}
	return f
}

func (e *entry) isSpecial(id int32) bool {
	w := int(id) >> 6
	return id >= 0 && w < len(e.specialBits) && e.specialBits[w]&(1<<(id&63)) != 0
}

// vocabulary holds the tokens by id as one string and their end offsets,
// not as a []string: two objects without pointers instead of a table of
// 50,000 string headers that Go's collector would mark on every cycle, and
// the packed layout (packVocabulary) is the string itself.
type vocabulary struct {
	text string
	end  []int32 // token id ends at end[id] in text and starts where id-1 ends
	// at is where the bytes of each token's string lie in the tokenizer,
	// which keeps them (0 for an id with no token). The engine's tokens are
	// nearly all those very strings, so one at that address with the
	// token's length is the token without comparing bytes: the comparison
	// per token (a call to memequal) showed in Chromium's profile. No other
	// string can lie there while the tokenizer holds its own.
	at []uintptr
}

func (v *vocabulary) size() int { return len(v.end) }

// token is id's token ("" for none).
func (v *vocabulary) token(id int) string {
	start := int32(0)
	if id > 0 {
		start = v.end[id-1]
	}
	return v.text[start:v.end[id]]
}

// vocabularyTokens tells whether each of tokens is the vocabulary's token
// for its id in ids, which the page can look up instead of receiving it.
// One call per part, not per token: calls are dear in WebAssembly.
func (e *entry) vocabularyTokens(ids []int32, tokens []string) bool {
	for k, tok := range tokens {
		id := ids[k]
		if id < 0 || int(id) >= e.vocab.size() {
			return false
		}
		v := e.vocab.token(int(id))
		if v == "" || len(v) != len(tok) || addressOf(tok) != e.vocab.at[id] && v != tok {
			return false
		}
	}
	return true
}

func addressOf(s string) uintptr { return uintptr(unsafe.Pointer(unsafe.StringData(s))) }

// newEntry loads a tokenizer.json with its marks (tokenizers/marked): the
// unknown token's id (-1 when the model has none, as byte-level BPE) and the
// ids of special added tokens.
func newEntry(data []byte) (*entry, error) {
	m, err := marked.FromJSON(data)
	if err != nil {
		return nil, err
	}
	e := &entry{tok: m.Tokenizer, marked: m, unkID: m.UnkID, unkToken: m.UnkToken, specialIDs: m.SpecialIDs}
	for id := range m.SpecialIDs {
		if id < 0 {
			continue
		}
		for len(e.specialBits) <= id>>6 {
			e.specialBits = append(e.specialBits, 0)
		}
		e.specialBits[id>>6] |= 1 << (id & 63)
	}
	return e, nil
}

// vocabulary returns e.vocab, building it on the first call. Ids run from 0
// to the model's vocabulary size and the added tokens' ids; a model whose
// ids have gaps leaves its highest ids out, and notes with those tokens go
// as pieces.
func (e *entry) vocabulary() *vocabulary {
	if e.vocab.end != nil {
		return &e.vocab
	}
	d := e.tok.Describe()
	size := d.ModelVocabSize
	for _, a := range d.AddedTokens {
		size = max(size, a.ID+1)
	}
	e.vocab = newVocabulary(size, func(id int) string {
		if tok, ok := e.tok.IDToToken(id); ok && utf8.ValidString(tok) {
			return tok
		}
		return ""
	})
	return &e.vocab
}

// newVocabulary lays out the tokens of ids 0..size-1. The strings token
// returns must outlive the vocabulary (they are the tokenizer's own, or
// constants): it keeps their addresses.
func newVocabulary(size int, token func(id int) string) vocabulary {
	var text []byte
	end := make([]int32, size)
	at := make([]uintptr, size)
	for id := range end {
		tok := token(id)
		text = append(text, tok...)
		end[id] = int32(len(text))
		if tok != "" {
			at[id] = addressOf(tok)
		}
	}
	return vocabulary{text: string(text), end: end, at: at}
}

// tokenizerInfo is what the page shows about a loaded tokenizer.
type tokenizerInfo struct {
	Model         string   `json:"model"`
	Normalizer    string   `json:"normalizer,omitempty"`
	PreTokenizer  string   `json:"preTokenizer,omitempty"`
	PostProcessor string   `json:"postProcessor,omitempty"`
	Decoder       string   `json:"decoder,omitempty"`
	VocabSize     int      `json:"vocabSize"`
	SpecialTokens []string `json:"specialTokens"`
	UnkToken      string   `json:"unkToken,omitempty"`
}

func describe(e *entry) tokenizerInfo {
	d := e.tok.Describe()
	return tokenizerInfo{
		Model: d.Model, Normalizer: d.Normalizer, PreTokenizer: d.PreTokenizer,
		PostProcessor: d.PostProcessor, Decoder: d.Decoder, VocabSize: d.VocabSize,
		SpecialTokens: append([]string{}, d.SpecialTokens...), UnkToken: e.unkToken,
	}
}

// pipelineView is the page's pipeline rows: normalized text, pre-tokens,
// the model's pieces per pre-token, and the final ids.
type pipelineView struct {
	Normalizer    string     `json:"normalizer,omitempty"`
	Normalized    string     `json:"normalized"`
	PreTokenizer  string     `json:"pre_tokenizer,omitempty"`
	PreTokens     []preToken `json:"pre_tokens"`
	Model         string     `json:"model"`
	Pieces        [][]string `json:"pieces"`
	PostProcessor string     `json:"post_processor,omitempty"`
	IDs           []int32    `json:"ids"`
	Tokens        []string   `json:"tokens"`
}

type preToken struct {
	Text  string `json:"text"`
	Start int    `json:"start"` // code points of the original text
	End   int    `json:"end"`
	Added bool   `json:"added,omitempty"` // an added token, taken out before normalization
}

func traceText(e *entry, text string) (pipelineView, error) {
	t, err := e.tok.Trace(text)
	if err != nil {
		return pipelineView{}, err
	}
	d := e.tok.Describe()
	v := pipelineView{
		Normalizer: d.Normalizer, Normalized: t.Normalized, PreTokenizer: d.PreTokenizer, Model: d.Model,
		PostProcessor: d.PostProcessor, IDs: t.IDs, Tokens: t.Tokens,
		PreTokens: []preToken{}, Pieces: [][]string{},
	}
	for _, p := range t.PreTokens {
		v.PreTokens = append(v.PreTokens, preToken{Text: p.Text, Start: p.Offsets[0], End: p.Offsets[1], Added: p.AddedToken})
		pieces := make([]string, len(p.Pieces))
		for i, piece := range p.Pieces {
			pieces[i] = piece.Token
		}
		v.Pieces = append(v.Pieces, pieces)
	}
	return v, nil
}
