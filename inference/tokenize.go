package inference

// Truncation names HF's pair truncation strategies.
type Truncation string

const (
	LongestFirst Truncation = "longest_first"
	OnlyFirst    Truncation = "only_first"
	OnlySecond   Truncation = "only_second"
)

// EncodeRequest is one text (and optional pair) to tokenize with special
// tokens, truncated to MaxLength; with Stride > 0 the truncated part comes
// back as further windows overlapping by Stride tokens.
type EncodeRequest struct {
	Text      string
	Pair      *string
	MaxLength int
	Stride    int
	Strategy  Truncation
	// MaxWindows > 0 bounds the windows of an only_second encoding: the
	// tokenizer counts them before building them and answers too_long when
	// there would be more, or when the first text takes over half of
	// MaxLength.
	MaxWindows int
}

// Encoding is one window of tokens as the pipelines need it.
type Encoding struct {
	IDs     []int64
	TypeIDs []int64
	// Offsets are [start, end) byte offsets into the text the token came from
	// (the pair's tokens into the pair); special tokens have [0, 0).
	Offsets [][2]int
	// WordIDs index the pre-token a token came from, -1 for special tokens.
	WordIDs []int
	// SequenceIDs are 0 or 1 for the first or second text, -1 for special tokens.
	SequenceIDs []int
}

// Tokenizer turns text into windows of tokens. The engine uses the pure-Go
// HF tokenizer (inference/tokenizer) through an adapter; tests replay the
// Python reference's encodings.
type Tokenizer interface {
	Encode(req EncodeRequest) ([]Encoding, error)
}

// TokenizerLoader opens a model folder's tokenizer.json.
type TokenizerLoader func(path string) (Tokenizer, error)
