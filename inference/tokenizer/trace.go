package tokenizer

import (
	"strings"

	"github.com/clinlm/clinlm/inference/tokenizer/normalized"
)

// Trace is a view of the pipeline for one text, for the browser inspector.
type Trace struct {
	// Normalized is the normalized text: the pieces left after added-token
	// extraction and normalization, joined.
	Normalized string
	// PreTokens are the words the model sees, in order, with the pieces the
	// model made of each.
	PreTokens []TracePreToken
	// IDs and Tokens are the final encoding, special tokens included.
	IDs    []int32
	Tokens []string
	// Offsets are the final encoding's code point offsets.
	Offsets [][2]int32
}

// TracePreToken is one pre-token.
type TracePreToken struct {
	Text        string // normalized text of the pre-token
	Offsets     [2]int // code points of the original text it covers
	ByteOffsets [2]int // the same in bytes
	AddedToken  bool   // an added token, extracted before normalization
	Pieces      []TracePiece
}

// TracePiece is one token the model produced for a pre-token.
type TracePiece struct {
	ID      int
	Token   string
	Offsets [2]int // code points of the original text
}

// Trace encodes text (with special tokens) and reports every stage.
func (t *Tokenizer) Trace(text string) (*Trace, error) {
	conv := newCharConverter(text)
	tr := &Trace{}
	st := t.getState()
	defer t.putState(st)
	seq, err := t.encodeSequence(st, text, 0, func(pt *normalized.PreTokenized) {
		for _, p := range pt.Pieces {
			span := p.Norm.OffsetsOriginal()
			bo := [2]int{span.Start, span.End}
			tr.PreTokens = append(tr.PreTokens, TracePreToken{
				Text: strings.Clone(p.Norm.Get()), Offsets: conv.convert(bo), ByteOffsets: bo, AddedToken: p.Tokenized,
			})
		}
	})
	if err != nil {
		return nil, err
	}
	for k := range seq.IDs {
		if w := int(seq.WordIDs[k]); w >= 0 && w < len(tr.PreTokens) {
			pre := &tr.PreTokens[w]
			pre.Pieces = append(pre.Pieces, TracePiece{ID: int(seq.IDs[k]), Token: seq.Tokens[k], Offsets: Offset(seq.Offsets[k])})
		}
	}
	// The normalized text before pre-tokenization: the pieces of the
	// added-token extraction, joined.
	pt, err := t.added.extract(t.normalizer, text)
	if err != nil {
		return nil, err
	}
	var normText strings.Builder
	for _, p := range pt.Pieces {
		normText.WriteString(p.Norm.Get())
	}
	tr.Normalized = normText.String()
	enc, err := t.Encode(text, true)
	if err != nil {
		return nil, err
	}
	tr.IDs, tr.Tokens, tr.Offsets = enc.IDs, enc.Tokens, enc.Offsets
	return tr, nil
}

// Description summarises a tokenizer for the UI.
type Description struct {
	Normalizer    string // "" when there is none
	PreTokenizer  string
	Model         string // "BPE", "WordPiece", "Unigram" or "WordLevel"
	PostProcessor string
	Decoder       string
	// VocabSize counts the model's vocabulary and the added tokens that are
	// not in it (HF's get_vocab_size(with_added_tokens=True)).
	VocabSize      int
	ModelVocabSize int
	// SpecialTokens are the added tokens marked special, by id.
	SpecialTokens []string
	AddedTokens   []AddedToken
	Truncation    *Truncation
	Padding       *Padding
}

// Describe summarises the tokenizer.
func (t *Tokenizer) Describe() Description {
	name := func(s interface{ String() string }) string {
		if s == nil {
			return ""
		}
		return s.String()
	}
	d := Description{
		Model:          t.model.Type(),
		ModelVocabSize: t.model.VocabSize(),
		Truncation:     t.truncation,
		Padding:        t.padding,
	}
	if t.normalizer != nil {
		d.Normalizer = name(t.normalizer)
	}
	if t.preTokenizer != nil {
		d.PreTokenizer = name(t.preTokenizer)
	}
	if t.postProcessor != nil {
		d.PostProcessor = name(t.postProcessor)
	}
	if t.decoder != nil {
		d.Decoder = name(t.decoder)
	}
	d.VocabSize = d.ModelVocabSize
	for _, a := range t.added.ordered {
		d.AddedTokens = append(d.AddedTokens, a)
		if a.Special {
			d.SpecialTokens = append(d.SpecialTokens, a.Content)
		}
		if _, inModel := t.model.TokenToID(a.Content); !inModel {
			d.VocabSize++
		}
	}
	return d
}
