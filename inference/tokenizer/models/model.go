// Package models holds the tokenization models of a Hugging Face tokenizer.json
// (BPE, WordPiece, Unigram, WordLevel). A model turns one pre-token (a "word"
// that normalization and pre-tokenization already produced) into tokens.
//
// Output is meant to be identical to Python tokenizers 0.23.3 (tok.model.tokenize),
// quirks included; the golden files under testdata/ pin it. Build a model with
// FromJSON from the "model" object of a tokenizer.json, or with NewBPE,
// NewWordPiece, NewUnigram and NewWordLevel. Models are safe for concurrent use.
package models

// Token is one piece a model produced for a word.
type Token struct {
	ID    int
	Value string
	// Start and End are byte offsets into the word passed to Tokenize, [Start, End),
	// exactly as HF reports them. HF's quirks are kept: Unigram byte-fallback
	// tokens all share the span of the unknown run they spell, while BPE
	// byte-fallback tokens count one byte each (continuing-prefix and
	// end-of-word-suffix bytes included), so later BPE offsets can drift.
	Start, End int
}

// Model is a tokenization model loaded from the "model" object of tokenizer.json.
// Implementations are safe for concurrent use after loading.
type Model interface {
	// Tokenize splits one pre-token into tokens. The word is never empty.
	Tokenize(word string) ([]Token, error)
	// AppendTokens is Tokenize appending to dst, so a caller can reuse one
	// buffer across words. On error dst is returned unchanged in length.
	AppendTokens(dst []Token, word string) ([]Token, error)
	// TokenToID and IDToToken look up the model's own vocabulary
	// (added tokens are handled by the caller).
	TokenToID(token string) (int, bool)
	IDToToken(id int) (string, bool)
	// VocabSize is the size of the model's own vocabulary.
	VocabSize() int
	// Type is the HF model type: "BPE", "WordPiece", "Unigram" or "WordLevel".
	Type() string
}
