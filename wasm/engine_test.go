package main

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
	"unsafe"

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

// packNote encodes text as clinlm_encode does, after the page asked for the
// vocabulary, and reads the buffer back.
func packNote(t *testing.T, e *entry, text string) unpacked {
	t.Helper()
	e.vocabulary()
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
				!slices.Equal(u.arrays[3], want.WordIDs) || !slices.Equal(u.arrays[1], want.TypeIDs) || len(u.arrays[4]) != len(want.IDs) {
				t.Errorf("%s %q: packed %q %v, Encode %q %v", f.Name, text, u.pieces, u.arrays[0], want.Tokens, want.IDs)
				continue
			}
			// JavaScript indexes strings in UTF-16 units.
			runes := []rune(text)
			u16 := func(cp int32) int32 { return int32(len(utf16.Encode(runes[:cp]))) }
			for i, off := range want.Offsets {
				if u.arrays[4][i] != off[0] || u.arrays[5][i] != off[1] || u.arrays[6][i] != u16(off[0]) || u.arrays[7][i] != u16(off[1]) {
					t.Errorf("%s %q token %d: offsets [%d,%d) UTF-16 [%d,%d), Encode %v", f.Name, text, i,
						u.arrays[4][i], u.arrays[5][i], u.arrays[6][i], u.arrays[7][i], off)
				}
				if special := u.arrays[2][i]&flagSpecial != 0; special != (want.SpecialTokensMask[i] == 1) {
					t.Errorf("%s %q token %d: flags %d, special mask %d", f.Name, text, i, u.arrays[2][i], want.SpecialTokensMask[i])
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

// clinlm_encode reads the note straight from the input buffer, which the
// page overwrites with the next note: no result may depend on what the buffer
// held before. Each note is encoded from one buffer between others, then again
// after the buffer was reused, and compared with Encode on its own string.
func TestEncodeFromReusedBuffer(t *testing.T) {
	notes := []string{
		"Pt c/o SOB x3d; BP 140/90 (H)! Hx of COPD, CHF.",
		"T 37.2°C, naïve café; 5×10⁹/L 😀 → ok 漢字",
		"<mask> [SEP] </s> hyperkalemia hyperkalemia hyperkalemia",
		"zzqxj vvkkw hyperkalemia 😀😀 <unk> [UNK]",
	}
	cat, err := tokenizers.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range cat.Entries() {
		if _, ok := cat.File(f.Name); !ok {
			continue
		}
		e := loadCatalogueEntry(t, f.Name)
		buf := make([]byte, 256)
		encodeFromBuffer := func(text string) unpacked {
			n := copy(buf, text)
			view := unsafe.String(unsafe.SliceData(buf), n)
			var u unpacked
			if err := e.tok.EncodeParts(view, true, func(parts []*tokenizer.Encoding) error {
				b, err := new(packer).pack(view, e, parts)
				if err == nil {
					u = unpack(t, b, e.vocab)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			clear(buf) // the page writes the next note over it
			return u
		}
		e.vocabulary()
		first := map[string]unpacked{}
		for round := range 2 {
			for _, note := range notes {
				got := encodeFromBuffer(note)
				want, err := e.tok.Encode(note, true)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got.pieces, want.Tokens) || !slices.Equal(got.arrays[0], want.IDs) {
					t.Errorf("%s round %d %q: %q, want %q", f.Name, round, note, got.pieces, want.Tokens)
				}
				if round == 0 {
					first[note] = got
				} else if !slices.Equal(got.arrays[4], first[note].arrays[4]) || !slices.Equal(got.arrays[5], first[note].arrays[5]) {
					t.Errorf("%s %q: offsets changed after the buffer was reused", f.Name, note)
				}
			}
		}
	}
}
