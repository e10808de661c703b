package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/clinlm/clinlm/internal/testenv"
)

// directPairs loads each tokenizer with a direct path twice: as built (the
// direct path) and with the direct path turned off (the general
// pre-tokenizer pipeline, which the HF parity suite checks). The BERT ones
// are a cased and, from ../shared when present, an uncased one with accent
// stripping.
func directPairs(t testing.TB) map[string][2]*Tokenizer {
	paths := map[string]string{
		"bytelevel-sequence": filepath.Join("testdata", "e2e", "bytelevel-sequence.json"),
		"clinical-bpe":       filepath.Join(testenv.RepoRoot(t), "tokenizers", "files", "clinical-bpe.json"),
		"clinical-wordpiece": filepath.Join(testenv.RepoRoot(t), "tokenizers", "files", "clinical-wordpiece.json"),
	}
	if uncased := filepath.Join(testenv.SharedPath(t), "tokenizers", "bert-base-uncased.json"); exists(uncased) {
		paths["bert-base-uncased"] = uncased
	}
	files := map[string][]byte{}
	for name, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = data
	}
	// The same with added tokens that use every option, so that the direct
	// paths' own added-token matching is checked against extractInto's:
	// BERT's direct path takes only tokens matched as written, the
	// byte-level one also those matched after (no) normalization.
	files["clinical-wordpiece-added"] = withAddedTokens(t, files["clinical-wordpiece"], []AddedToken{
		{Content: "<ent>", LStrip: true}, {Content: "c/o", RStrip: true}, {Content: "mg", SingleWord: true},
		{Content: "Pt", LStrip: true, RStrip: true, SingleWord: true}})
	files["bytelevel-added"] = withAddedTokens(t, files["bytelevel-sequence"], []AddedToken{
		{Content: "<ent>", LStrip: true}, {Content: "c/o", RStrip: true, Normalized: true},
		{Content: "mg", SingleWord: true, Normalized: true}, {Content: "Pt", LStrip: true, RStrip: true, Normalized: true},
		{Content: "<|end|>x", Normalized: true}})
	out := map[string][2]*Tokenizer{}
	for name, data := range files {
		direct, err := FromJSON(data)
		if err != nil {
			t.Fatal(err)
		}
		general, err := FromJSON(data)
		if err != nil {
			t.Fatal(err)
		}
		if !direct.byteLevel && direct.bertASCII == nil {
			t.Fatalf("%s: takes no direct path", name)
		}
		general.byteLevel, general.bertASCII = false, nil
		out[name] = [2]*Tokenizer{direct, general}
	}
	return out
}

// withAddedTokens returns a tokenizer.json with tokens added to its
// "added_tokens".
func withAddedTokens(t testing.TB, data []byte, tokens []AddedToken) []byte {
	var file map[string]any
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	added, _ := file["added_tokens"].([]any)
	for _, tok := range tokens {
		added = append(added, tok)
	}
	file["added_tokens"] = added
	out, err := json.Marshal(file)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func FuzzDirectPaths(f *testing.F) {
	for _, s := range []string{
		"", "Hello world", "  two  spaces  ", "héllo wörld", "漢字 😀 e\u0301", "<mask> <s> </s> text",
		"don't I'm we'll", "x\u0000y\ufffd", "\t\n\r end", "Na 124 (low sodium), K+ 6.1 mmol/L.",
		"[CLS] Pt c/o SOB x3d [MASK]; BP 140/90 (H)!", " <ent>  c/o  x mg mgx 5mg Pt  <|end|>x <|end|>  ", "a\x01b\x7fc", "e.g.\x01x (n=3)°C", "UPPER lower MiXeD 12.5mg", "[SEP][SEP]",
		"T 37.2°C, naïve Ünited café; 5×10⁹/L → ok", "a \v b\fc\u00a0d\u3000e", "ΣΑΣ οδός İstanbul ǅ", "x\u0301 \u0301y 中文字 ok",
	} {
		f.Add(s, "")
		f.Add(s, "pair <mask> text")
	}
	pairs := directPairs(f)
	f.Fuzz(func(t *testing.T, text, pair string) {
		if !utf8.ValidString(text) || !utf8.ValidString(pair) {
			return
		}
		var p *string
		if pair != "" {
			p = &pair
		}
		for name, tk := range pairs {
			want, errWant := tk[1].EncodeWithOptions(text, p, EncodeOptions{AddSpecialTokens: true})
			got, errGot := tk[0].EncodeWithOptions(text, p, EncodeOptions{AddSpecialTokens: true})
			if (errGot == nil) != (errWant == nil) {
				t.Fatalf("%s %q/%q: errors %v vs %v", name, text, pair, errGot, errWant)
			}
			if errGot != nil {
				continue
			}
			if !reflect.DeepEqual(got.IDs, want.IDs) || !reflect.DeepEqual(got.Offsets, want.Offsets) ||
				!reflect.DeepEqual(got.ByteOffsets, want.ByteOffsets) || !reflect.DeepEqual(got.WordIDs, want.WordIDs) ||
				!reflect.DeepEqual(got.Tokens, want.Tokens) || !reflect.DeepEqual(got.SequenceIDs, want.SequenceIDs) {
				t.Fatalf("%s %q/%q: the direct path differs\n got %v %v %v\nwant %v %v %v", name, text, pair,
					got.Tokens, got.Offsets, got.WordIDs, want.Tokens, want.Offsets, want.WordIDs)
			}
		}
	})
}

// A BERT pipeline with added tokens that match after normalization must
// take the general path: the direct one matches added tokens in the text
// as written.
func TestDirectPathGuards(t *testing.T) {
	for name, want := range map[string][2]bool{"bert-added": {false, false}, "roberta-bytelevel": {false, false}, "bytelevel-sequence": {true, false}} {
		tok, err := FromFile(filepath.Join("testdata", "e2e", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if got := [2]bool{tok.byteLevel, tok.bertASCII != nil}; got != want {
			t.Errorf("%s: direct paths (byte-level, BERT ASCII) %v, want %v", name, got, want)
		}
	}
}
