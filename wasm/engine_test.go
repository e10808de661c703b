package main

import (
	"strings"
	"testing"

	"github.com/clinlm/clinlm/tokenizers"
)

func loadCatalogueEntry(t testing.TB, name string) *entry {
	t.Helper()
	cat, err := tokenizers.Default()
	if err != nil {
		t.Fatal(err)
	}
	f, ok := cat.File(name)
	if !ok {
		t.Fatalf("%s is not in the catalogue", name)
	}
	e, err := newEntry(f.Raw())
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEntryMarksUnknownAndSpecials(t *testing.T) {
	cases := []struct {
		name, unk string
	}{
		{"clinical-wordpiece", "[UNK]"}, // WordPiece: unk_token
		{"clinical-unigram", "<unk>"},   // Unigram: unk_id
		{"clinical-bpe", ""},            // byte-level BPE: no unknown token
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := loadCatalogueEntry(t, tc.name)
			if tc.unk == "" {
				if e.unkID != -1 {
					t.Errorf("unkID = %d, want none", e.unkID)
				}
				return
			}
			if e.unkToken != tc.unk || e.unkID < 0 {
				t.Errorf("unk %q (%d), want %q", e.unkToken, e.unkID, tc.unk)
			}
		})
	}

	e := loadCatalogueEntry(t, "clinical-wordpiece")
	// "🙂" is outside the 8k vocabulary; "[SEP]" typed in the note is a special added token.
	text := "K+ 3.1 🙂 [SEP] done"
	enc, err := encodeText(e, text, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	var unk, typedSpecial, added int
	for i, tok := range enc.Tokens {
		switch {
		case int(enc.IDs[i]) == e.unkID:
			unk++
			if enc.Flags[i] != flagUnknown {
				t.Errorf("unknown token %d has flags %d", i, enc.Flags[i])
			}
		case tok == "[SEP]" && enc.Flags[i] == flagAddedSpecial:
			typedSpecial++
		}
		if enc.Flags[i]&flagSpecial != 0 {
			added++
		}
	}
	if unk != 1 || typedSpecial != 1 || added != 2 {
		t.Errorf("unk %d, typed [SEP] %d, post-processor specials %d in %q", unk, typedSpecial, added, enc.Tokens)
	}
	if _, err := new(packer).pack(text, enc); err != nil {
		t.Fatal(err)
	}
}

func TestTraceView(t *testing.T) {
	e := loadCatalogueEntry(t, "clinical-unigram")
	text := "Pt  c/o SOB x2d"
	v, err := traceText(e, text)
	if err != nil {
		t.Fatal(err)
	}
	if v.Model != "Unigram" || v.Normalizer == "" || v.PreTokenizer == "" {
		t.Errorf("stage names: %+v", v)
	}
	if strings.Contains(v.Normalized, "  ") {
		t.Errorf("the normalizer folds double spaces: %q", v.Normalized)
	}
	if len(v.PreTokens) != len(v.Pieces) || len(v.PreTokens) < 4 {
		t.Fatalf("%d pre-tokens, %d piece groups", len(v.PreTokens), len(v.Pieces))
	}
	var joined []string
	for i, p := range v.PreTokens {
		if p.End <= p.Start || len(v.Pieces[i]) == 0 {
			t.Errorf("pre-token %d %+v with pieces %v", i, p, v.Pieces[i])
		}
		joined = append(joined, v.Pieces[i]...)
	}
	// The final tokens are the model pieces plus the post-processor's </s>.
	if got := strings.Join(v.Tokens, " "); got != strings.Join(append(joined, "</s>"), " ") {
		t.Errorf("final tokens %q, pieces %q", v.Tokens, joined)
	}
	if len(v.IDs) != len(v.Tokens) {
		t.Errorf("%d ids for %d tokens", len(v.IDs), len(v.Tokens))
	}
}
