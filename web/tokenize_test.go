package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A small but complete BERT-style tokenizer.json: lower-casing normalizer,
// BERT pre-tokenizer, WordPiece, [CLS] … [SEP] template, WordPiece decoder.
const cliTestTokenizer = `{
  "version": "1.0",
  "added_tokens": [
    {"id": 0, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
    {"id": 1, "content": "[CLS]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
    {"id": 2, "content": "[SEP]", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}
  ],
  "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
  "pre_tokenizer": {"type": "BertPreTokenizer"},
  "post_processor": {"type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
    "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
             {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
    "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [1], "tokens": ["[CLS]"]}, "[SEP]": {"id": "[SEP]", "ids": [2], "tokens": ["[SEP]"]}}},
  "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
  "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
    "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "the": 3, "pat": 4, "##ient": 5, "k": 6, "+": 7, "denies": 8}}
}`

type cliLine struct {
	ID                json.RawMessage `json:"id"`
	IDs               []int           `json:"ids"`
	Tokens            []string        `json:"tokens"`
	Offsets           [][2]int        `json:"offsets"`
	TypeIDs           []int           `json:"type_ids"`
	SpecialTokensMask []int           `json:"special_tokens_mask"`
	Decoded           *string         `json:"decoded"`
	Error             string          `json:"error"`
}

func runCLI(t *testing.T, stdin string, args ...string) (code int, lines []cliLine, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"tokenize"}, args...),
		stdio{in: strings.NewReader(stdin), out: &out, err: &errb, getenv: envMap(nil)})
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l == "" {
			continue
		}
		var cl cliLine
		if err := json.Unmarshal([]byte(l), &cl); err != nil {
			t.Fatalf("output line %q is not JSON: %v", l, err)
		}
		lines = append(lines, cl)
	}
	return code, lines, errb.String()
}

func TestTokenizeCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokenizer.json")
	if err := os.WriteFile(path, []byte(cliTestTokenizer), 0o644); err != nil {
		t.Fatal(err)
	}
	input := strings.Join([]string{
		`{"id": "a", "text": "The patient K+"}`,
		`not json`,
		`{"id": 7, "text": "Denies", "pair": "the xyz"}`,
	}, "\n") + "\n"
	code, lines, stderr := runCLI(t, input, "--tokenizer", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if len(lines) != 3 {
		t.Fatalf("want one output per input line, got %d: %+v", len(lines), lines)
	}
	a := lines[0]
	if string(a.ID) != `"a"` {
		t.Errorf("id %s", a.ID)
	}
	wantTokens := []string{"[CLS]", "the", "pat", "##ient", "k", "+", "[SEP]"}
	if strings.Join(a.Tokens, " ") != strings.Join(wantTokens, " ") {
		t.Errorf("tokens %q, want %q", a.Tokens, wantTokens)
	}
	wantIDs := []int{1, 3, 4, 5, 6, 7, 2}
	wantOffsets := [][2]int{{0, 0}, {0, 3}, {4, 7}, {7, 11}, {12, 13}, {13, 14}, {0, 0}}
	for i := range wantIDs {
		if i >= len(a.IDs) || a.IDs[i] != wantIDs[i] || a.Offsets[i] != wantOffsets[i] {
			t.Fatalf("ids %v offsets %v, want %v %v", a.IDs, a.Offsets, wantIDs, wantOffsets)
		}
	}
	if a.SpecialTokensMask[0] != 1 || a.SpecialTokensMask[1] != 0 || a.Decoded == nil || *a.Decoded != "the patient k +" {
		t.Errorf("special mask %v, decoded %v", a.SpecialTokensMask, a.Decoded)
	}
	if lines[1].Error == "" || len(lines[1].IDs) != 0 {
		t.Errorf("an unparsable line must yield an error and the run go on: %+v", lines[1])
	}
	pair := lines[2]
	if string(pair.ID) != "7" || pair.TypeIDs[len(pair.TypeIDs)-1] != 1 || !containsString(pair.Tokens, "[UNK]") {
		t.Errorf("pair line: %+v", pair)
	}
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func TestTokenizeCommandCatalogueName(t *testing.T) {
	// A committed catalogue entry works by name, without a file path.
	code, lines, stderr := runCLI(t, `{"id":"x","text":"SOB, s/p CABG"}`+"\n", "--tokenizer", "clinical-wordpiece")
	if code != 0 || len(lines) != 1 || len(lines[0].IDs) < 4 || lines[0].Tokens[0] != "[CLS]" {
		t.Fatalf("exit %d, %+v, %s", code, lines, stderr)
	}
}

func TestTokenizeCommandErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no tokenizer flag", nil, 2, "--tokenizer is required"},
		{"stray argument", []string{"--tokenizer", "x.json", "extra"}, 2, "unexpected arguments"},
		{"unknown name", []string{"--tokenizer", "no-such-vocab"}, 1, "no catalogue entry"},
		{"missing file", []string{"--tokenizer", "./missing/tokenizer.json"}, 1, "missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, "", tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.msg) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, tc.code, stderr, tc.msg)
			}
		})
	}
}
