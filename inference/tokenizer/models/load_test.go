package models

import (
	"errors"
	"strings"
	"testing"
)

func TestFromJSONInfersLegacyType(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"merges make BPE", `{"vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}`, "BPE"},
		{"BPE with every option", `{"dropout": null, "unk_token": null, "continuing_subword_prefix": null,
			"end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
			"vocab": {"a": 0}, "merges": []}`, "BPE"},
		{"WordPiece fields", `{"unk_token": "[UNK]", "continuing_subword_prefix": "##",
			"max_input_chars_per_word": 100, "vocab": {"[UNK]": 0}}`, "WordPiece"},
		{"WordLevel fields", `{"unk_token": "<unk>", "vocab": {"<unk>": 0}}`, "WordLevel"},
		{"vocab list makes Unigram", `{"unk_id": 0, "vocab": [["<unk>", 0.0], ["a", -1]]}`, "Unigram"},
		{"Unigram without unk_id", `{"vocab": [["a", -1]]}`, "Unigram"},
		{"tagged", `{"type": "WordLevel", "unk_token": "<unk>", "vocab": {"<unk>": 0}}`, "WordLevel"},
	}
	for _, tt := range tests {
		m, err := FromJSON([]byte(tt.json))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if m.Type() != tt.want {
			t.Errorf("%s: type %s, want %s", tt.name, m.Type(), tt.want)
		}
	}
}

func TestFromJSONErrors(t *testing.T) {
	tests := []struct {
		name, json string
		wantIn     []string // substrings the error must contain
	}{
		{"not an object", `[1, 2]`, []string{"JSON object"}},
		{"null", `null`, []string{"null"}},
		{"unknown type", `{"type": "BacktrackingBpe", "vocab": {}}`, []string{"unsupported model type", "BacktrackingBpe"}},
		{"type not a string", `{"type": 3}`, []string{"type must be a string"}},
		{"unknown field (tagged)", `{"type": "WordLevel", "unk_token": "<unk>", "vocab": {"<unk>": 0}, "lowercase": true}`,
			[]string{"unsupported field", "lowercase"}},
		{"unknown field (legacy)", `{"vocab": {"a": 0}, "merges": [], "cache_capacity": 5}`,
			[]string{"unsupported field", "cache_capacity", "read as BPE"}},
		{"random dropout", `{"type": "BPE", "vocab": {"a": 0}, "merges": [], "dropout": 0.1}`,
			[]string{"dropout"}},
		{"missing merges", `{"type": "BPE", "vocab": {"a": 0}}`, []string{"vocab/merges"}},
		{"merge out of vocabulary", `{"type": "BPE", "vocab": {"a": 0}, "merges": [["a", "b"]]}`, []string{`"b"`, "out of vocabulary"}},
		{"bad merge line", `{"type": "BPE", "vocab": {"a": 0}, "merges": ["a"]}`, []string{"line 1"}},
		{"mixed merge forms", `{"type": "BPE", "vocab": {"a": 0}, "merges": [["a", "a"], "a a"]}`, []string{"merges"}},
		{"missing WordPiece field", `{"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "vocab": {}}`,
			[]string{"max_input_chars_per_word"}},
		{"negative max chars", `{"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
			"max_input_chars_per_word": -1, "vocab": {}}`, []string{"max_input_chars_per_word"}},
		{"string id", `{"type": "WordLevel", "unk_token": "a", "vocab": {"a": "0"}}`, []string{"vocab"}},
		{"id past u32", `{"type": "WordLevel", "unk_token": "a", "vocab": {"a": 4294967296}}`, []string{"vocab"}},
		{"unigram entry shape", `{"type": "Unigram", "vocab": [["a", -1, 3]]}`, []string{"[piece, score]"}},
		{"unigram score string", `{"type": "Unigram", "vocab": [["a", "-1"]]}`, []string{"score"}},
		{"unigram unk_id range", `{"type": "Unigram", "unk_id": 2, "vocab": [["a", -1]]}`, []string{"unk_id"}},
		{"unigram byte_fallback null", `{"type": "Unigram", "vocab": [["a", -1]], "byte_fallback": null}`, []string{"byte_fallback"}},
		{"legacy matches nothing", `{"vocab": {"a": 0}}`, []string{"matches no model type"}},
	}
	for _, tt := range tests {
		_, err := FromJSON([]byte(tt.json))
		if err == nil {
			t.Errorf("%s: FromJSON succeeded, want an error", tt.name)
			continue
		}
		for _, w := range tt.wantIn {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", tt.name, err, w)
			}
		}
	}
	if _, err := FromJSON([]byte(`{"type": "BPE", "vocab": {"a": 0}, "merges": [], "dropout": 0.5}`)); !errors.Is(err, ErrUnsupportedDropout) {
		t.Errorf("dropout 0.5: error %v, want ErrUnsupportedDropout", err)
	}
}

func TestModelVocabularyLookups(t *testing.T) {
	bpe, err := NewBPE(BPEConfig{Vocab: map[string]int{"a": 0, "b": 1, "ab": 2, "B": 1}, Merges: [][2]string{{"a", "b"}}})
	if err != nil {
		t.Fatal(err)
	}
	wp, err := NewWordPiece(WordPieceConfig{Vocab: map[string]int{"[UNK]": 0, "a": 1, "##b": 2}, UnkToken: "[UNK]", ContinuingSubwordPrefix: "##", MaxInputCharsPerWord: 100})
	if err != nil {
		t.Fatal(err)
	}
	wl, err := NewWordLevel(map[string]int{"<unk>": 0, "hello": 7}, "<unk>")
	if err != nil {
		t.Fatal(err)
	}
	ug, err := NewUnigram([]UnigramPiece{{"<unk>", 0}, {"a", -1}, {"a", -2}}, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		m       Model
		typ     string
		size    int
		tok     string
		id      int
		idTok   string // IDToToken(id)
		missTok string
		missID  int
	}{
		// "B" and "b" share id 1: the smaller string is reported back.
		{bpe, "BPE", 4, "ab", 2, "ab", "x", 99},
		{wp, "WordPiece", 3, "##b", 2, "##b", "b", 3},
		{wl, "WordLevel", 2, "hello", 7, "hello", "world", 3},
		// A repeated Unigram piece maps to its last id; every id keeps its piece.
		{ug, "Unigram", 3, "a", 2, "a", "b", 3},
	}
	for _, tt := range tests {
		if tt.m.Type() != tt.typ || tt.m.VocabSize() != tt.size {
			t.Errorf("%s: type %s size %d, want size %d", tt.typ, tt.m.Type(), tt.m.VocabSize(), tt.size)
		}
		if id, ok := tt.m.TokenToID(tt.tok); !ok || id != tt.id {
			t.Errorf("%s: TokenToID(%q) = %d, %v; want %d", tt.typ, tt.tok, id, ok, tt.id)
		}
		if s, ok := tt.m.IDToToken(tt.id); !ok || s != tt.idTok {
			t.Errorf("%s: IDToToken(%d) = %q, %v; want %q", tt.typ, tt.id, s, ok, tt.idTok)
		}
		if _, ok := tt.m.TokenToID(tt.missTok); ok {
			t.Errorf("%s: TokenToID(%q) found", tt.typ, tt.missTok)
		}
		for _, id := range []int{tt.missID, -1, 1 << 40} {
			if _, ok := tt.m.IDToToken(id); ok {
				t.Errorf("%s: IDToToken(%d) found", tt.typ, id)
			}
		}
	}
	if s, _ := bpe.IDToToken(1); s != "B" {
		t.Errorf("BPE IDToToken(1) = %q, want the smaller of the tokens sharing id 1, %q", s, "B")
	}
	if _, err := NewBPE(BPEConfig{Vocab: map[string]int{"a": -1}}); err == nil {
		t.Error("NewBPE accepted a negative id")
	}
}

func TestAppendTokensReusesBuffer(t *testing.T) {
	m, err := NewWordPiece(WordPieceConfig{Vocab: map[string]int{"[UNK]": 0, "a": 1, "##b": 2}, UnkToken: "[UNK]", ContinuingSubwordPrefix: "##", MaxInputCharsPerWord: 100})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]Token, 0, 8)
	buf, err = m.AppendTokens(buf, "ab")
	if err != nil {
		t.Fatal(err)
	}
	buf, err = m.AppendTokens(buf, "abx") // falls back to [UNK], dropping its partial pieces
	if err != nil {
		t.Fatal(err)
	}
	want := []Token{{1, "a", 0, 1}, {2, "##b", 1, 2}, {0, "[UNK]", 0, 3}}
	if formatTokens(buf) != formatTokens(want) {
		t.Errorf("got %s, want %s", formatTokens(buf), formatTokens(want))
	}
}

func TestParseMergesFile(t *testing.T) {
	merges, err := ParseMergesFile([]byte("#version: 0.2\r\na b\r\nab c\nĠ t"))
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"a", "b"}, {"ab", "c"}, {"Ġ", "t"}}
	if len(merges) != len(want) {
		t.Fatalf("got %q, want %q", merges, want)
	}
	for i := range want {
		if merges[i] != want[i] {
			t.Fatalf("got %q, want %q", merges, want)
		}
	}
	if _, err := ParseMergesFile([]byte("a b\n\nc d\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("empty line: error %v, want one naming line 2", err)
	}
}
