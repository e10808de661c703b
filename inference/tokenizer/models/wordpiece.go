package models

import (
	"unicode/utf8"

	"github.com/clinlm/clinlm/internal/smallfmt"
)

// WordPieceConfig describes a WordPiece model as HF's WordPieceBuilder takes it.
type WordPieceConfig struct {
	Vocab                   map[string]int
	UnkToken                string
	ContinuingSubwordPrefix string
	// MaxInputCharsPerWord: longer words (counted in characters) become one
	// unknown token.
	MaxInputCharsPerWord int
}

// WordPiece is HF's greedy longest-match-first WordPiece model.
type WordPiece struct {
	vocab    map[string]uint32
	ids      idTable
	unkToken string
	prefix   string
	maxChars int

	// trie holds every vocabulary token; its payload indexes keys and keyIDs.
	trie   *byteTrie
	keys   []string
	keyIDs []uint32
	// contState is the trie state reached by the continuing prefix (the root
	// when the prefix is empty), or -1 when no token starts with it.
	contState int32
}

// NewWordPiece builds a WordPiece model.
func NewWordPiece(cfg WordPieceConfig) (*WordPiece, error) {
	vocab, err := checkVocab(cfg.Vocab)
	if err != nil {
		return nil, err
	}
	if cfg.MaxInputCharsPerWord < 0 {
		return nil, smallfmt.Errorf("models: WordPiece max_input_chars_per_word must not be negative")
	}
	return newWordPiece(vocab, cfg.UnkToken, cfg.ContinuingSubwordPrefix, cfg.MaxInputCharsPerWord), nil
}

func newWordPiece(vocab map[string]uint32, unk, prefix string, maxChars int) *WordPiece {
	w := &WordPiece{vocab: vocab, ids: newIDTable(vocab), unkToken: unk, prefix: prefix, maxChars: maxChars}
	keys := make([]trieKey, 0, len(vocab))
	w.keys = make([]string, 0, len(vocab))
	w.keyIDs = make([]uint32, 0, len(vocab))
	for tok, id := range vocab {
		keys = append(keys, trieKey{key: tok, value: int32(len(w.keys))})
		w.keys = append(w.keys, tok)
		w.keyIDs = append(w.keyIDs, id)
	}
	w.trie = newByteTrie(keys)
	w.contState = w.trie.walk(0, prefix)
	return w
}

// Type implements Model.
func (w *WordPiece) Type() string { return "WordPiece" }

// VocabSize implements Model.
func (w *WordPiece) VocabSize() int { return len(w.vocab) }

// TokenToID implements Model.
func (w *WordPiece) TokenToID(token string) (int, bool) {
	id, ok := w.vocab[token]
	return int(id), ok
}

// IDToToken implements Model.
func (w *WordPiece) IDToToken(id int) (string, bool) { return w.ids.get(id) }

// Tokenize implements Model.
func (w *WordPiece) Tokenize(word string) ([]Token, error) { return w.AppendTokens(nil, word) }

// AppendTokens implements Model. It finds, from each position, the longest
// vocabulary token (with the continuing prefix after the first piece); if
// some position has none, or the word has more than MaxInputCharsPerWord
// characters, the whole word becomes the unknown token, as in HF.
func (w *WordPiece) AppendTokens(dst []Token, word string) ([]Token, error) {
	// A word of at most maxChars bytes has at most maxChars characters.
	if len(word) > w.maxChars && utf8.RuneCountInString(word) > w.maxChars {
		return w.appendUnk(dst, word)
	}
	start0 := len(dst)
	// A copy of the trie: the walk reads its nodes from a local, not
	// through w at every byte.
	trie := *w.trie
	for start := 0; start < len(word); {
		state := int32(0)
		if start > 0 {
			state = w.contState
		}
		best, bestEnd := int32(-1), 0
		for i := start; i < len(word) && state >= 0; i++ {
			var v int32
			if state, v = trie.next(state, word[i]); state < 0 {
				break
			}
			// Vocabulary tokens are valid UTF-8, so every match ends on a
			// character boundary, as HF's char-by-char shrinking requires.
			if v >= 0 {
				best, bestEnd = v, i+1
			}
		}
		if best < 0 {
			return w.appendUnk(dst[:start0], word)
		}
		// The token is set field by field: storing a whole Token (it holds
		// a string) takes the collector's bulk write barrier while it
		// marks, which showed in the WebAssembly profile; a field takes
		// the ordinary one.
		n := len(dst)
		if n == cap(dst) {
			dst = append(dst, Token{})
		}
		dst = dst[:n+1]
		tok := &dst[n]
		tok.ID, tok.Value, tok.Start, tok.End = int(w.keyIDs[best]), w.keys[best], start, bestEnd
		start = bestEnd
	}
	return dst, nil
}

func (w *WordPiece) appendUnk(dst []Token, word string) ([]Token, error) {
	id, ok := w.vocab[w.unkToken]
	if !ok {
		return dst, smallfmt.Errorf("models: WordPiece unk token %q missing from the vocabulary", w.unkToken)
	}
	return append(dst, Token{ID: int(id), Value: w.unkToken, Start: 0, End: len(word)}), nil
}
