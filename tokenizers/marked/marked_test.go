package marked

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/clinlm/clinlm/internal/testenv"
)

// A tokenizer.json that truncates to 8 tokens and pads to 16 (as the
// published MiniLM file does to 128) still gives every token of a note, and
// no padding.
func TestTokensIgnoresTruncationAndPadding(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "tokenizers", "files", "clinical-wordpiece.json"))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := FromJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	doc["truncation"] = map[string]any{"direction": "Right", "max_length": 8, "strategy": "LongestFirst", "stride": 0}
	doc["padding"] = map[string]any{"strategy": map[string]any{"Fixed": 16}, "direction": "Right", "pad_to_multiple_of": nil,
		"pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"}
	data, err = json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := FromJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	if tok.UnkToken != "[UNK]" || tok.UnkID != 1 || !tok.SpecialIDs[2] || !tok.SpecialIDs[3] {
		t.Fatalf("marks: unk %q (%d), specials %v", tok.UnkToken, tok.UnkID, tok.SpecialIDs)
	}
	note := "The patient had a pleural effusion and pneumothorax 😀 [SEP] after surgery."
	toks, err := tok.Tokens(note, true)
	if err != nil {
		t.Fatal(err)
	}
	want, err := plain.Tokens(note, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) != len(want) || len(toks) <= 8 {
		t.Fatalf("%d tokens, want the %d of the file without truncation and padding", len(toks), len(want))
	}
	var special, added, unknown int
	for _, tk := range toks {
		if tk.ID == 0 {
			t.Errorf("a [PAD] token came back: %+v", tk)
		}
		if tk.Special {
			special++
		}
		if tk.AddedSpecial {
			added++
		}
		if tk.Unknown {
			unknown++
		}
	}
	if special != 2 || added != 1 || unknown != 1 || !toks[0].Special || toks[0].Text != "[CLS]" {
		t.Errorf("special %d, typed [SEP] %d, unknown %d; want [CLS] and [SEP] added, one [SEP] typed, one [UNK]", special, added, unknown)
	}
}
