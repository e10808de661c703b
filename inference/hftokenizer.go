package inference

import (
	"errors"
	"fmt"
	"math"

	"github.com/clinlm/clinlm/inference/tokenizer"
)

// HFTokenizer loads a tokenizer.json with clinlm's pure-Go HF tokenizer.
// It is the engine's TokenizerLoader in the binary.
func HFTokenizer(path string) (Tokenizer, error) {
	t, err := tokenizer.FromFile(path)
	if err != nil {
		return nil, err
	}
	return hfTokenizer{t}, nil
}

type hfTokenizer struct{ t *tokenizer.Tokenizer }

func (h hfTokenizer) Encode(req EncodeRequest) ([]Encoding, error) {
	if req.MaxWindows > 0 && req.Pair != nil && req.Strategy == OnlySecond {
		if err := h.checkWindows(req); err != nil {
			return nil, err
		}
	}
	enc, err := h.t.EncodeWithOptions(req.Text, req.Pair, tokenizer.EncodeOptions{
		AddSpecialTokens: true, MaxLength: req.MaxLength, Stride: req.Stride, Strategy: string(req.Strategy)})
	var stride *tokenizer.StrideError
	if errors.As(err, &stride) {
		return nil, &Error{Code: CodeTooLong, Message: "the first text leaves no room for the second within max_length; shorten it", Err: err}
	}
	if err != nil {
		return nil, err
	}
	out := []Encoding{convert(enc)}
	for _, o := range enc.Overflowing {
		out = append(out, convert(o))
	}
	return out, nil
}

// checkWindows counts the doc-stride windows of an only_second encoding
// before they are built (each window copies the first text, so their memory
// grows with the first text times the second): the first text may take at
// most half of max_length, and the windows at most MaxWindows. The count
// follows HF's truncation: every window repeats the first text and the
// special tokens, and consecutive windows of the second share Stride tokens.
func (h hfTokenizer) checkWindows(req EncodeRequest) error {
	whole, err := h.t.EncodeWithOptions(req.Text, req.Pair, tokenizer.EncodeOptions{
		AddSpecialTokens: true, MaxLength: int(^uint32(0) >> 1), Strategy: string(OnlySecond)})
	if err != nil {
		return err
	}
	first, second, real := 0, 0, 0
	for i, s := range whole.SequenceIDs {
		switch s {
		case 0:
			first++
		case 1:
			second++
		}
		if i >= len(whole.AttentionMask) || whole.AttentionMask[i] == 1 {
			real++ // padding from a tokenizer.json is not part of a window
		}
	}
	if first > req.MaxLength/2 {
		return newError(CodeTooLong, "the question has %d tokens; the limit is %d (half of the model's max_length)", first, req.MaxLength/2)
	}
	if n := windowCount(real-second, second, req.MaxLength, req.Stride); n > req.MaxWindows {
		return newError(CodeTooLong, "the context needs %d windows of %d tokens; the limit is %d", n, req.MaxLength, req.MaxWindows)
	}
	return nil
}

// windowCount is how many windows of maxLen tokens cover a second text of
// n tokens when fixed tokens (first text and special tokens) repeat in every
// window and windows overlap by stride.
func windowCount(fixed, n, maxLen, stride int) int {
	room := maxLen - fixed
	if n <= room {
		return 1
	}
	step := room - stride
	if step <= 0 {
		return n // HF refuses the stride; at least as many as the tokens
	}
	return 1 + (n-room+step-1)/step
}

// convert keeps the real tokens: padding configured in a tokenizer.json is
// dropped (left or right), because the batcher pads each batch itself.
func convert(e *tokenizer.Encoding) Encoding {
	from, to := 0, len(e.IDs)
	if len(e.AttentionMask) == len(e.IDs) {
		for to > 0 && e.AttentionMask[to-1] == 0 {
			to--
		}
		for from < to && e.AttentionMask[from] == 0 {
			from++
		}
	}
	n := to - from
	out := Encoding{IDs: make([]int64, n), TypeIDs: make([]int64, n), Offsets: make([][2]int, n),
		WordIDs: make([]int, n), SequenceIDs: make([]int, n)}
	for i := range n {
		k := from + i
		out.IDs[i], out.TypeIDs[i] = int64(e.IDs[k]), int64(e.TypeIDs[k])
		out.Offsets[i] = tokenizer.Offset(e.ByteOffsets[k])
		out.WordIDs[i], out.SequenceIDs[i] = int(e.WordIDs[k]), int(e.SequenceIDs[k])
	}
	return out
}

// Decode turns ids into text without special tokens (text-to-text models).
func (h hfTokenizer) Decode(ids []int64) (string, error) {
	ints := make([]int32, len(ids))
	for i, id := range ids {
		if id < math.MinInt32 || id > math.MaxInt32 {
			return "", fmt.Errorf("tokenizer: token id %d out of range", id)
		}
		ints[i] = int32(id)
	}
	return h.t.Decode(ints, true)
}

// TokenToID is a token's id (saliency looks up the mask token with it).
func (h hfTokenizer) TokenToID(token string) (int, bool) { return h.t.TokenToID(token) }
