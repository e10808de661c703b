package inference

import (
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
	enc, err := h.t.EncodeWithOptions(req.Text, req.Pair, tokenizer.EncodeOptions{
		AddSpecialTokens: true, MaxLength: req.MaxLength, Stride: req.Stride, Strategy: string(req.Strategy)})
	if err != nil {
		return nil, err
	}
	out := []Encoding{convert(enc)}
	for _, o := range enc.Overflowing {
		out = append(out, convert(o))
	}
	return out, nil
}

// convert keeps the real tokens: padding configured in a tokenizer.json is
// dropped, because the batcher pads each batch itself.
func convert(e *tokenizer.Encoding) Encoding {
	n := len(e.IDs)
	for n > 0 && len(e.AttentionMask) == len(e.IDs) && e.AttentionMask[n-1] == 0 {
		n--
	}
	out := Encoding{IDs: make([]int64, n), TypeIDs: make([]int64, n), Offsets: e.ByteOffsets[:n],
		WordIDs: e.WordIDs[:n], SequenceIDs: e.SequenceIDs[:n]}
	for i := range n {
		out.IDs[i] = int64(e.IDs[i])
		out.TypeIDs[i] = int64(e.TypeIDs[i])
	}
	return out
}

// Decode turns ids into text without special tokens (text-to-text models).
func (h hfTokenizer) Decode(ids []int64) (string, error) {
	ints := make([]int, len(ids))
	for i, id := range ids {
		ints[i] = int(id)
	}
	return h.t.Decode(ints, true)
}
