package tokenizer

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/clinlm/clinlm/inference/tokenizer/internal/testutil"
	"github.com/clinlm/clinlm/internal/testenv"
)

// concatParts merges EncodeParts' parts into one Encoding as Encode would,
// copying them before they go back to the pool.
func concatParts(t *testing.T, tok *Tokenizer, text string, addSpecial bool) (*Encoding, error) {
	t.Helper()
	var out *Encoding
	err := tok.EncodeParts(text, addSpecial, func(parts []*Encoding) error {
		out = mergeEncodings(parts)
		if out.scratch {
			out = out.clone()
		}
		return nil
	})
	return out, err
}

// samePerToken compares the per-token arrays the parts carry (nil and
// empty alike).
func samePerToken(a, b *Encoding) bool {
	return slices.Equal(a.IDs, b.IDs) && slices.Equal(a.TypeIDs, b.TypeIDs) &&
		slices.Equal(a.SpecialTokensMask, b.SpecialTokensMask) && slices.Equal(a.AttentionMask, b.AttentionMask) &&
		slices.Equal(a.WordIDs, b.WordIDs) && slices.Equal(a.Tokens, b.Tokens) &&
		slices.Equal(a.Offsets, b.Offsets) && slices.Equal(a.ByteOffsets, b.ByteOffsets)
}

// The parts, concatenated, are HF's encoding for every single-text case of
// the end-to-end suite: Bert, Roberta and Template post-processors, with and
// without special tokens, and the padding and truncation configurations
// (which pass Encode's result as one part).
func TestEncodePartsMatchesHF(t *testing.T) {
	var cases []e2eCase
	testutil.LoadCases(t, filepath.Join("e2e", "cases.json"), &cases)
	toks := map[string]*Tokenizer{}
	checked := 0
	for _, c := range cases {
		if c.Pair != nil || c.Options != nil || c.Error != "" {
			continue
		}
		tok, ok := toks[c.Tokenizer]
		if !ok {
			var err error
			if tok, err = FromFile(filepath.Join("testdata", "e2e", c.Tokenizer+".json")); err != nil {
				t.Fatal(err)
			}
			toks[c.Tokenizer] = tok
		}
		got, err := concatParts(t, tok, c.Text, c.AddSpecialTokens)
		if err != nil {
			t.Errorf("%s %q: %v", c.Tokenizer, c.Text, err)
			continue
		}
		want := &Encoding{IDs: c.IDs, Tokens: c.Tokens, Offsets: c.Offsets, TypeIDs: c.TypeIDs,
			SpecialTokensMask: c.SpecialTokensMask, AttentionMask: c.AttentionMask, WordIDs: c.WordIDs}
		got.ByteOffsets = nil // HF's cases carry code-point offsets only
		if !samePerToken(got, want) {
			t.Errorf("%s %q special=%v:\n got  %v %v\n want %v %v", c.Tokenizer, c.Text, c.AddSpecialTokens, got.Tokens, got.Offsets, want.Tokens, want.Offsets)
		}
		checked++
	}
	if len(toks) < 4 || checked < 20 {
		t.Fatalf("only %d cases over %d tokenizers", checked, len(toks))
	}
}

// On the catalogue's tokenizers (WordPiece, byte-level BPE, Unigram, each
// with its direct path where it has one) the parts are Encode's result.
func TestEncodePartsMatchesEncode(t *testing.T) {
	root := testenv.RepoRoot(t)
	var samples struct {
		Samples []struct{ Text string } `json:"samples"`
	}
	raw, err := os.ReadFile(filepath.Join(root, "tokenizers", "samples.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &samples); err != nil {
		t.Fatal(err)
	}
	texts := []string{"", " ", "[CLS] typed [SEP] <s> </s> <mask>", "T 37.2°C, naïve; 5×10⁹/L 😀", "Na 124 (low), K+ 6.1 mmol/L."}
	for _, s := range samples.Samples {
		texts = append(texts, s.Text)
	}
	files, _ := filepath.Glob(filepath.Join(root, "tokenizers", "files", "*.json"))
	built, _ := filepath.Glob(filepath.Join(root, "tokenizers", "files", "built", "*.json"))
	files = append(files, built...)
	n := 0
	for _, path := range files {
		if filepath.Base(path) == "catalogue.json" {
			continue
		}
		tok, err := FromFile(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		n++
		for _, text := range texts {
			for _, special := range []bool{true, false} {
				want, errWant := tok.Encode(text, special)
				got, errGot := concatParts(t, tok, text, special)
				if (errWant == nil) != (errGot == nil) {
					t.Fatalf("%s %q: errors %v vs %v", filepath.Base(path), text, errGot, errWant)
				}
				if errWant == nil && !samePerToken(got, want) {
					t.Errorf("%s %q special=%v: parts differ from Encode\n got  %v\n want %v", filepath.Base(path), text, special, got.Tokens, want.Tokens)
				}
			}
		}
	}
	if n < 3 {
		t.Fatalf("only %d catalogue tokenizers (run go tool task catalogue for the built ones)", n)
	}
}

// An error from use comes back unchanged; one from encoding never reaches use.
func TestEncodePartsErrors(t *testing.T) {
	tok, err := FromFile(filepath.Join("testdata", "e2e", "bert-added.json"))
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	if err := tok.EncodeParts("text", true, func([]*Encoding) error { return stop }); err != stop {
		t.Errorf("use's error: %v", err)
	}
	called := false
	if err := tok.EncodeParts("bad \xff", true, func([]*Encoding) error { called = true; return nil }); err == nil || called {
		t.Errorf("invalid UTF-8: err %v, use called %v", err, called)
	}
}
