package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/inference/tokenizer"
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
	u := packNote(t, e, text)
	var unk, typedSpecial, added int
	for i, tok := range u.pieces {
		flags := u.arrays[2][i]
		switch {
		case int(u.arrays[0][i]) == e.unkID:
			unk++
			if flags != flagUnknown {
				t.Errorf("unknown token %d has flags %d", i, flags)
			}
		case tok == "[SEP]" && flags == flagAddedSpecial:
			typedSpecial++
		}
		if flags&flagSpecial != 0 {
			added++
		}
	}
	if unk != 1 || typedSpecial != 1 || added != 2 {
		t.Errorf("unk %d, typed [SEP] %d, post-processor specials %d in %q", unk, typedSpecial, added, u.pieces)
	}
}

// packNote encodes text as clinlm_encode does and reads the buffer back.
func packNote(t *testing.T, e *entry, text string) unpacked {
	t.Helper()
	var u unpacked
	err := e.tok.EncodeParts(text, true, func(parts []*tokenizer.Encoding) error {
		b, err := new(packer).pack(text, e, parts)
		if err == nil {
			u = unpack(t, b, e.vocab)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// On every catalogue tokenizer the packed note is Encode's result, whether
// its tokens go by id (the page looks them up in the vocabulary) or as pieces.
func TestPackedNoteIsEncode(t *testing.T) {
	texts := []string{"Pt c/o SOB x3d; BP 140/90 (H)!", "T 37.2°C, naïve café; 5×10⁹/L 😀 → ok", "[CLS] <s> </s> <mask> <unk> [UNK] typed", ""}
	cat, err := tokenizers.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range cat.Entries() {
		if _, ok := cat.File(f.Name); !ok {
			continue // a built file missing (go tool task catalogue)
		}
		e := loadCatalogueEntry(t, f.Name)
		for _, text := range texts {
			want, err := e.tok.Encode(text, true)
			if err != nil {
				t.Fatal(err)
			}
			u := packNote(t, e, text)
			// A plain note's tokens go by id. Some tokens are not the
			// vocabulary's string (Unigram's unknown token is the text it
			// covers; an lstrip added token keeps its space): then the
			// note's tokens are sent as pieces.
			if text == texts[0] && u.head[1] != piecesByID {
				t.Errorf("%s %q: tokens sent as pieces", f.Name, text)
			}
			if strings.Join(u.pieces, "\x00") != strings.Join(want.Tokens, "\x00") || !slices.Equal(u.arrays[0], want.IDs) ||
				!slices.Equal(u.arrays[3], want.WordIDs) || !slices.Equal(u.arrays[1], want.TypeIDs) {
				t.Errorf("%s %q: packed %q %v, Encode %q %v", f.Name, text, u.pieces, u.arrays[0], want.Tokens, want.IDs)
			}
			for i, off := range want.Offsets {
				if u.arrays[4][i] != off[0] || u.arrays[5][i] != off[1] {
					t.Errorf("%s %q token %d: offsets [%d,%d), Encode %v", f.Name, text, i, u.arrays[4][i], u.arrays[5][i], off)
				}
			}
		}
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
