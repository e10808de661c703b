// Package marked loads a tokenizer.json together with what the tools built on
// it mark in its output: the model's unknown token and the special added
// tokens. The inspector's wasm shim, the corpus statistics and the span
// alignment all read tokens through it, so that "unknown" and "special" mean
// the same thing on the page and on the command line.
package marked

import (
	"github.com/clinlm/clinlm/inference/tokenizer"
	"github.com/clinlm/clinlm/internal/smalljson"
)

// Tokenizer is a loaded tokenizer with its marks.
type Tokenizer struct {
	*tokenizer.Tokenizer
	// UnkID is the unknown token's id, or -1 when the model has none
	// (byte-level BPE); UnkToken is its text.
	UnkID    int
	UnkToken string
	// SpecialIDs are the ids of special added tokens ([CLS], <s>, <mask>...).
	SpecialIDs map[int]bool
	// VocabSize counts the added tokens too (HF get_vocab_size(True)).
	VocabSize int
}

// noTruncation is a maximum length no note reaches: the statistics and the
// alignment need every token, whatever truncation a tokenizer.json configures.
const noTruncation = 1 << 30

// FromJSON parses a tokenizer.json.
func FromJSON(data []byte) (*Tokenizer, error) {
	tok, err := tokenizer.FromJSON(data)
	if err != nil {
		return nil, err
	}
	t := &Tokenizer{Tokenizer: tok, UnkID: -1, SpecialIDs: map[int]bool{}, VocabSize: tok.Describe().VocabSize}
	for _, a := range tok.Describe().AddedTokens {
		if a.Special {
			t.SpecialIDs[a.ID] = true
		}
	}
	// The engine's description has no unknown token, so read the model's own
	// setting: unk_token (WordPiece, BPE, WordLevel) or unk_id (Unigram).
	var doc struct {
		Model struct {
			UnkToken *string `json:"unk_token"`
			UnkID    *int    `json:"unk_id"`
		} `json:"model"`
	}
	if err := smalljson.Unmarshal(data, &doc); err == nil {
		switch {
		case doc.Model.UnkID != nil:
			t.UnkID = *doc.Model.UnkID
		case doc.Model.UnkToken != nil:
			if id, ok := tok.TokenToID(*doc.Model.UnkToken); ok {
				t.UnkID = id
				t.UnkToken = *doc.Model.UnkToken
			}
		}
		if t.UnkToken == "" && t.UnkID >= 0 {
			t.UnkToken, _ = tok.IDToToken(t.UnkID)
		}
	}
	return t, nil
}

// Token is one token of Tokens' result.
type Token struct {
	ID   int
	Text string
	// Start and End are [start, end) in code points of the note; [0, 0) for
	// the tokens the post-processor adds.
	Start, End int
	// Special: added by the post-processor ([CLS], </s>), HF's
	// special_tokens_mask.
	Special bool
	// AddedSpecial: a special added token written in the note itself.
	AddedSpecial bool
	// Unknown: the model's unknown token.
	Unknown bool
}

// Tokens encodes a whole note, never truncated, and marks each token. Padding
// a tokenizer.json may configure is dropped.
func (t *Tokenizer) Tokens(text string, addSpecial bool) ([]Token, error) {
	enc, err := t.EncodeWithOptions(text, nil, tokenizer.EncodeOptions{AddSpecialTokens: addSpecial, MaxLength: noTruncation})
	if err != nil {
		return nil, err
	}
	out := make([]Token, 0, len(enc.IDs))
	for i, id32 := range enc.IDs {
		id := int(id32)
		if enc.AttentionMask[i] == 0 {
			continue // padding
		}
		special := enc.SpecialTokensMask[i] == 1
		unknown := t.UnkID >= 0 && id == t.UnkID
		out = append(out, Token{
			ID: id, Text: enc.Tokens[i], Start: int(enc.Offsets[i][0]), End: int(enc.Offsets[i][1]),
			Special: special,
			// [UNK] is a special added token too, but it stands for text.
			AddedSpecial: !special && !unknown && t.SpecialIDs[id],
			Unknown:      unknown,
		})
	}
	return out, nil
}
