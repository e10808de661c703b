package normalizers

import (
	"encoding/json"
	"github.com/clinlm/clinlm/internal/smalljson"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/inference/tokenizer/internal/testutil"
	"github.com/clinlm/clinlm/inference/tokenizer/normalized"

	"github.com/clinlm/clinlm/internal/testenv"
)

// normalizerCase is written by testdata/hfgen/component_cases.py from HF
// tokenizers 0.23.3: the normalized text and, for each of its characters, the
// code point range of the original text it is aligned to.
type normalizerCase struct {
	Normalizer smalljson.RawMessage `json:"normalizer"`
	Text       string               `json:"text"`
	Normalized string               `json:"normalized"`
	Offsets    [][2]int             `json:"offsets"`
}

// alignmentsByChar returns the original code point range of each character
// of n.
func alignmentsByChar(n *normalized.String, original string) [][2]int {
	out := [][2]int{}
	s := n.Get()
	for i, r := range s {
		size := len(string(r))
		span, _ := n.ToOriginal(i, i+size)
		out = append(out, testutil.CharOffsets(original, span.Start, span.End))
	}
	return out
}

func TestNormalizersMatchHF(t *testing.T) {
	var cases []normalizerCase
	testutil.LoadCases(t, "cases.json", &cases)
	for _, c := range cases {
		n, err := FromJSON(c.Normalizer)
		if err != nil {
			t.Errorf("%s: %v", c.Normalizer, err)
			continue
		}
		s := normalized.New(c.Text)
		if err := n.Normalize(&s); err != nil {
			t.Errorf("%s on %q: %v", c.Normalizer, c.Text, err)
			continue
		}
		if s.Get() != c.Normalized {
			t.Errorf("%s on %q:\n got  %q\n want %q", c.Normalizer, c.Text, s.Get(), c.Normalized)
			continue
		}
		if got := alignmentsByChar(&s, c.Text); !reflect.DeepEqual(got, c.Offsets) {
			t.Errorf("%s on %q (%q): alignments\n got  %v\n want %v", c.Normalizer, c.Text, c.Normalized, got, c.Offsets)
		}
	}
}

func TestFromJSONErrors(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{`{"type": "Foo"}`, `type "Foo" is not supported`},
		{`{}`, `normalizer without a "type" is not supported`},
		{`{"type": "Sequence"}`, `Sequence: missing field "normalizers"`},
		{`{"type": "Sequence", "normalizers": [{"type": "Bar"}]}`, `Sequence[0]: type "Bar" is not supported`},
		{`{"type": "Replace", "pattern": {"Regex": "(a)\\1"}, "content": ""}`, `back-references are not supported`},
		{`{"type": "Replace", "pattern": {"Regex": "a"}}`, `Replace: missing field "content"`},
		{`{"type": "Prepend"}`, `Prepend: missing field "prepend"`},
		{`{"type": "Precompiled", "precompiled_charsmap": "%%%"}`, `precompiled_charsmap is not base64`},
	} {
		_, err := FromJSON(smalljson.RawMessage(tc.json))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("FromJSON(%s) = %v, want an error containing %q", tc.json, err, tc.want)
		}
	}
}

func TestBertStripAccentsFollowsLowercase(t *testing.T) {
	for _, tc := range []struct {
		json, want string
	}{
		{`{"type": "BertNormalizer", "lowercase": true, "strip_accents": null}`, "cafe"},
		{`{"type": "BertNormalizer", "lowercase": false, "strip_accents": null}`, "Café"},
		{`{"type": "BertNormalizer", "lowercase": false, "strip_accents": true}`, "Cafe"},
		{`{"type": "BertNormalizer", "lowercase": true, "strip_accents": false}`, "café"},
	} {
		n, err := FromJSON(smalljson.RawMessage(tc.json))
		if err != nil {
			t.Fatal(err)
		}
		s := normalized.New("Café")
		if err := n.Normalize(&s); err != nil {
			t.Fatal(err)
		}
		if s.Get() != tc.want {
			t.Errorf("%s: got %q, want %q", tc.json, s.Get(), tc.want)
		}
	}
}

// TestPrecompiledT5 checks the Precompiled normalizer of T5's tokenizer.json
// against HF tokenizers 0.23.3 (values from normalize_str and the alignment
// probe of testdata/hfgen).
func TestPrecompiledT5(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(testenv.SharedDir(t), "tokenizers", "t5.json"))
	if err != nil {
		t.Skip("t5.json not available:", err)
	}
	var f struct {
		Normalizer smalljson.RawMessage `json:"normalizer"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	n, err := FromJSON(f.Normalizer)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text, want string
		offsets    [][2]int
	}{
		{"ﬁ ①", "fi 1", [][2]int{{0, 1}, {0, 1}, {1, 2}, {2, 3}}},
		{"a\u00a0b", "a b", [][2]int{{0, 1}, {1, 2}, {2, 3}}},
		{"x\u200by", "x y", [][2]int{{0, 1}, {1, 2}, {2, 3}}},
		{"\u200bx", " x", [][2]int{{0, 1}, {1, 2}}},
		{"e\u0301", "\u00e9", [][2]int{{0, 1}}},
		{"plain", "plain", [][2]int{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}}},
	} {
		s := normalized.New(tc.text)
		if err := n.Normalize(&s); err != nil {
			t.Fatal(err)
		}
		if s.Get() != tc.want {
			t.Errorf("%q: got %q, want %q", tc.text, s.Get(), tc.want)
			continue
		}
		if got := alignmentsByChar(&s, tc.text); !reflect.DeepEqual(got, tc.offsets) {
			t.Errorf("%q: alignments %v, want %v", tc.text, got, tc.offsets)
		}
	}
}
