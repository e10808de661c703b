package tokenizers_test

import (
	"testing"

	"github.com/clinlm/clinlm/inference/tokenizer"
	"github.com/clinlm/clinlm/tokenizers"
)

// Every file the catalogue serves must load in our engine (the browser runs the
// same code as WebAssembly) and tokenize every sample note.
func TestCatalogueLoadsInEngine(t *testing.T) {
	cat, err := tokenizers.Default()
	if err != nil {
		t.Fatal(err)
	}
	samples, err := tokenizers.Samples()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range cat.Entries() {
		t.Run(e.Name, func(t *testing.T) {
			f, ok := cat.File(e.Name)
			if !ok {
				t.Skipf("%s is not built into this checkout (go tool task catalogue)", e.Name)
			}
			tok, err := tokenizer.FromJSON(f.Raw())
			if err != nil {
				t.Fatalf("engine cannot load %s: %v", e.Name, err)
			}
			for _, s := range samples {
				enc, err := tok.Encode(s.Text, true)
				if err != nil {
					t.Fatalf("sample %s: %v", s.ID, err)
				}
				if len(enc.IDs) < 50 || len(enc.Offsets) != len(enc.IDs) {
					t.Errorf("sample %s: %d ids, %d offsets", s.ID, len(enc.IDs), len(enc.Offsets))
				}
			}
		})
	}
}
