// Package models holds the tokenization models of a Hugging Face tokenizer.json
// (BPE, WordPiece, Unigram, WordLevel). A model turns one pre-token (a "word"
// that normalization and pre-tokenization already produced) into tokens.
package models

// Token is one piece a model produced for a word.
type Token struct {
	ID    int
	Value string
	// Start and End are byte offsets into the word passed to Tokenize, [Start, End).
	// Pieces that the model synthesises (byte-fallback bytes of one rune, say)
	// share the span of the rune they came from.
	Start, End int
}

// Model is a tokenization model loaded from the "model" object of tokenizer.json.
// Implementations are safe for concurrent use after loading.
type Model interface {
	// Tokenize splits one pre-token into tokens. The word is never empty.
	Tokenize(word string) ([]Token, error)
	// TokenToID and IDToToken look up the model's own vocabulary
	// (added tokens are handled by the caller).
	TokenToID(token string) (int, bool)
	IDToToken(id int) (string, bool)
	// VocabSize is the size of the model's own vocabulary.
	VocabSize() int
	// Type is the HF model type: "BPE", "WordPiece", "Unigram" or "WordLevel".
	Type() string
}
