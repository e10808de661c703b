// Package tokenizer is a pure-Go engine for Hugging Face tokenizer.json files
// whose output matches the Python `tokenizers` library (0.23): the same ids,
// tokens, offsets, type ids, masks and decoded text.
//
// The pipeline mirrors HF's: added tokens are extracted first (tokens with
// normalized=false from the raw text, the others after normalization), then
// the normalizer, the pre-tokenizer and the model run, the post-processor adds
// special tokens, truncation and padding apply as configured in the file, and
// the decoder turns ids back into text. The stages live in sub-packages
// (normalizers, pretokenizers, models, decoders); offsets are tracked through
// every stage by the normalized package.
//
// A tokenizer.json part that the engine does not implement is a load error
// naming the part; nothing falls back silently. A Tokenizer is safe for
// concurrent use.
package tokenizer

import (
	"bytes"
	"errors"
	"github.com/clinlm/clinlm/internal/smallfmt"
	"github.com/clinlm/clinlm/internal/smalljson"
	"sync"

	"github.com/clinlm/clinlm/inference/tokenizer/decoders"
	"github.com/clinlm/clinlm/inference/tokenizer/models"
	"github.com/clinlm/clinlm/inference/tokenizer/normalizers"
	"github.com/clinlm/clinlm/inference/tokenizer/pretokenizers"
)

// Tokenizer is a loaded tokenizer.json.
type Tokenizer struct {
	normalizer    normalizers.Normalizer     // nil: none
	preTokenizer  pretokenizers.PreTokenizer // nil: none
	model         models.Model
	postProcessor postProcessor    // nil: none
	decoder       decoders.Decoder // nil: none
	added         *addedVocabulary
	truncation    *Truncation
	padding       *Padding
	states        sync.Pool // of *encodeState
	// byteLevel: plain byte-level BPE, encoded by encodeByteLevel.
	byteLevel bool
	// bertASCII: a BERT pipeline's byte table (bertDirectTable), for
	// encodeBert.
	bertASCII *[128]byte
}

// Truncation is the "truncation" section of tokenizer.json.
type Truncation struct {
	MaxLength int
	Stride    int
	Strategy  string // "longest_first", "only_first" or "only_second"
	Left      bool   // direction "Left"
}

// Padding is the "padding" section of tokenizer.json.
type Padding struct {
	Fixed           int // 0: pad to the longest of the batch (the encoding itself)
	Left            bool
	PadToMultipleOf int
	PadID           int
	PadTypeID       int
	PadToken        string
}

type fileFormat struct {
	Version       *string              `json:"version"`
	Truncation    smalljson.RawMessage `json:"truncation"`
	Padding       smalljson.RawMessage `json:"padding"`
	AddedTokens   []AddedToken         `json:"added_tokens"`
	Normalizer    smalljson.RawMessage `json:"normalizer"`
	PreTokenizer  smalljson.RawMessage `json:"pre_tokenizer"`
	PostProcessor smalljson.RawMessage `json:"post_processor"`
	Decoder       smalljson.RawMessage `json:"decoder"`
	Model         smalljson.RawMessage `json:"model"`
}

func isNull(raw smalljson.RawMessage) bool {
	return len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// FromJSON loads a tokenizer from the contents of a tokenizer.json file.
func FromJSON(data []byte) (*Tokenizer, error) {
	var f fileFormat
	if err := smalljson.Unmarshal(data, &f); err != nil {
		return nil, smallfmt.Errorf("tokenizer.json: %w", err)
	}
	if f.Version != nil && *f.Version != "1.0" {
		return nil, smallfmt.Errorf("tokenizer.json: unknown tokenizer version %q", *f.Version)
	}
	t := &Tokenizer{}
	var err error
	if !isNull(f.Normalizer) {
		if t.normalizer, err = normalizers.FromJSON(f.Normalizer); err != nil {
			return nil, smallfmt.Errorf("tokenizer.json: normalizer: %w", err)
		}
	}
	if !isNull(f.PreTokenizer) {
		if t.preTokenizer, err = pretokenizers.FromJSON(f.PreTokenizer); err != nil {
			return nil, smallfmt.Errorf("tokenizer.json: pre_tokenizer: %w", err)
		}
	}
	if isNull(f.Model) {
		return nil, errors.New("tokenizer.json: model: missing")
	}
	if t.model, err = models.FromJSON(f.Model); err != nil {
		return nil, smallfmt.Errorf("tokenizer.json: model: %w", err)
	}
	if !isNull(f.PostProcessor) {
		if t.postProcessor, err = postProcessorFromJSON(f.PostProcessor); err != nil {
			return nil, smallfmt.Errorf("tokenizer.json: post_processor: %w", err)
		}
	}
	if !isNull(f.Decoder) {
		if t.decoder, err = decoders.FromJSON(f.Decoder); err != nil {
			return nil, smallfmt.Errorf("tokenizer.json: decoder: %w", err)
		}
	}
	if !isNull(f.Truncation) {
		// HF does not check the stride of a loaded file; a bad one fails
		// when a text is long enough to be truncated.
		if t.truncation, err = parseTruncation(f.Truncation); err != nil {
			return nil, smallfmt.Errorf("tokenizer.json: truncation: %w", err)
		}
	}
	if !isNull(f.Padding) {
		if t.padding, err = parsePadding(f.Padding); err != nil {
			return nil, smallfmt.Errorf("tokenizer.json: padding: %w", err)
		}
	}
	if t.added, err = newAddedVocabulary(f.AddedTokens, t.model, t.normalizer); err != nil {
		return nil, smallfmt.Errorf("tokenizer.json: added_tokens: %w", err)
	}
	t.byteLevel = byteLevelDirect(t)
	t.bertASCII = bertDirectTable(t)
	return t, nil
}

func parseTruncation(raw smalljson.RawMessage) (*Truncation, error) {
	var tr struct {
		Direction *string `json:"direction"`
		MaxLength *int    `json:"max_length"`
		Strategy  *string `json:"strategy"`
		Stride    *int    `json:"stride"`
	}
	if err := smalljson.Unmarshal(raw, &tr); err != nil {
		return nil, err
	}
	if tr.MaxLength == nil || tr.Strategy == nil || tr.Stride == nil {
		return nil, errors.New("\"max_length\", \"strategy\" and \"stride\" are required")
	}
	out := &Truncation{MaxLength: *tr.MaxLength, Stride: *tr.Stride}
	switch *tr.Strategy {
	case "LongestFirst":
		out.Strategy = "longest_first"
	case "OnlyFirst":
		out.Strategy = "only_first"
	case "OnlySecond":
		out.Strategy = "only_second"
	default:
		return nil, smallfmt.Errorf("unknown strategy %q", *tr.Strategy)
	}
	if tr.Direction != nil {
		switch *tr.Direction {
		case "Left":
			out.Left = true
		case "Right":
		default:
			return nil, smallfmt.Errorf("unknown direction %q", *tr.Direction)
		}
	}
	if out.MaxLength < 0 || out.Stride < 0 {
		return nil, errors.New("max_length and stride must not be negative")
	}
	return out, nil
}

func parsePadding(raw smalljson.RawMessage) (*Padding, error) {
	var p struct {
		Strategy        smalljson.RawMessage `json:"strategy"`
		Direction       *string              `json:"direction"`
		PadToMultipleOf *int                 `json:"pad_to_multiple_of"`
		PadID           *int                 `json:"pad_id"`
		PadTypeID       *int                 `json:"pad_type_id"`
		PadToken        *string              `json:"pad_token"`
	}
	if err := smalljson.Unmarshal(raw, &p); err != nil {
		return nil, err
	}
	if p.Strategy == nil || p.Direction == nil || p.PadID == nil || p.PadTypeID == nil || p.PadToken == nil {
		return nil, errors.New("\"strategy\", \"direction\", \"pad_id\", \"pad_type_id\" and \"pad_token\" are required")
	}
	out := &Padding{PadID: *p.PadID, PadTypeID: *p.PadTypeID, PadToken: *p.PadToken}
	var name string
	if err := smalljson.Unmarshal(p.Strategy, &name); err == nil {
		if name != "BatchLongest" {
			return nil, smallfmt.Errorf("unknown strategy %q", name)
		}
	} else {
		var fixed struct {
			Fixed *int `json:"Fixed"`
		}
		if err := smalljson.Unmarshal(p.Strategy, &fixed); err != nil || fixed.Fixed == nil || *fixed.Fixed < 0 {
			return nil, smallfmt.Errorf("unknown strategy %s", p.Strategy)
		}
		out.Fixed = *fixed.Fixed
	}
	switch *p.Direction {
	case "Left":
		out.Left = true
	case "Right":
	default:
		return nil, smallfmt.Errorf("unknown direction %q", *p.Direction)
	}
	if p.PadToMultipleOf != nil {
		out.PadToMultipleOf = *p.PadToMultipleOf
	}
	return out, nil
}

// checkStride rejects a stride that leaves no room in a window (HF's
// with_truncation check).
func (t *Tokenizer) checkStride(tr *Truncation) error {
	n := t.addedSpecialTokens(false)
	if tr.MaxLength < n {
		// HF's unsigned subtraction wraps around: no limit, nothing to check.
		return nil
	}
	effective := tr.MaxLength - n
	if effective < tr.Stride {
		return smallfmt.Errorf("stride %d is greater than or equal to the effective max length %d (= %d max length - %d added special tokens)",
			tr.Stride, effective, tr.MaxLength, n)
	}
	return nil
}

func (t *Tokenizer) addedSpecialTokens(isPair bool) int {
	if t.postProcessor == nil {
		return 0
	}
	return t.postProcessor.addedTokens(isPair)
}

// StrideError is HF's truncation error for a stride that leaves no room for
// new tokens in a window: the other text takes too much of the max length.
type StrideError struct{ Stride, MaxLength int }

func (e *StrideError) Error() string {
	return smallfmt.Sprintf("stride %d must be strictly less than the max length %d left after the special tokens", e.Stride, e.MaxLength)
}

func errStride(stride, maxLen int) error { return &StrideError{Stride: stride, MaxLength: maxLen} }
