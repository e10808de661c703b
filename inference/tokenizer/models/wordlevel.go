package models

import "github.com/clinlm/clinlm/internal/smallfmt"

// WordLevel is HF's word-level model: a word is one vocabulary token or the
// unknown token.
type WordLevel struct {
	vocab    map[string]uint32
	ids      idTable
	unkToken string
}

// NewWordLevel builds a WordLevel model.
func NewWordLevel(vocab map[string]int, unkToken string) (*WordLevel, error) {
	v, err := checkVocab(vocab)
	if err != nil {
		return nil, err
	}
	return newWordLevel(v, unkToken), nil
}

func newWordLevel(vocab map[string]uint32, unk string) *WordLevel {
	return &WordLevel{vocab: vocab, ids: newIDTable(vocab), unkToken: unk}
}

// Type implements Model.
func (w *WordLevel) Type() string { return "WordLevel" }

// VocabSize implements Model.
func (w *WordLevel) VocabSize() int { return len(w.vocab) }

// TokenToID implements Model.
func (w *WordLevel) TokenToID(token string) (int, bool) {
	id, ok := w.vocab[token]
	return int(id), ok
}

// IDToToken implements Model.
func (w *WordLevel) IDToToken(id int) (string, bool) { return w.ids.get(id) }

// Tokenize implements Model.
func (w *WordLevel) Tokenize(word string) ([]Token, error) { return w.AppendTokens(nil, word) }

// AppendTokens implements Model.
func (w *WordLevel) AppendTokens(dst []Token, word string) ([]Token, error) {
	if id, ok := w.vocab[word]; ok {
		// The vocabulary's copy: word may live in memory the caller reuses.
		v, _ := w.ids.get(int(id))
		return append(dst, Token{ID: int(id), Value: v, Start: 0, End: len(word)}), nil
	}
	id, ok := w.vocab[w.unkToken]
	if !ok {
		return dst, smallfmt.Errorf("models: WordLevel unk token %q missing from the vocabulary", w.unkToken)
	}
	return append(dst, Token{ID: int(id), Value: w.unkToken, Start: 0, End: len(word)}), nil
}
