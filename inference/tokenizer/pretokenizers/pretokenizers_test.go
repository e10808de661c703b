package pretokenizers

import (
	"github.com/clinlm/clinlm/internal/smalljson"
	"reflect"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/inference/tokenizer/internal/testutil"
	"github.com/clinlm/clinlm/inference/tokenizer/normalized"
)

// preTokenizerCase is written by testdata/hfgen/component_cases.py from HF
// tokenizers 0.23.3 (PreTokenizer.pre_tokenize_str): the pieces and their
// code point offsets in the input.
type preTokenizerCase struct {
	PreTokenizer smalljson.RawMessage `json:"pre_tokenizer"`
	Text         string               `json:"text"`
	Pieces       [][2]any             `json:"pieces"`
}

func TestPreTokenizersMatchHF(t *testing.T) {
	var cases []preTokenizerCase
	testutil.LoadCases(t, "cases.json", &cases)
	for _, c := range cases {
		p, err := FromJSON(c.PreTokenizer)
		if err != nil {
			t.Errorf("%s: %v", c.PreTokenizer, err)
			continue
		}
		pt := normalized.NewPreTokenized(c.Text)
		if err := p.PreTokenize(pt); err != nil {
			t.Errorf("%s on %q: %v", c.PreTokenizer, c.Text, err)
			continue
		}
		got := [][2]any{}
		for _, piece := range pt.Pieces {
			span := piece.Norm.OffsetsOriginal()
			offs := testutil.CharOffsets(c.Text, span.Start, span.End)
			got = append(got, [2]any{piece.Norm.Get(), []any{float64(offs[0]), float64(offs[1])}})
		}
		if !reflect.DeepEqual(got, c.Pieces) {
			t.Errorf("%s on %q:\n got  %v\n want %v", c.PreTokenizer, c.Text, got, c.Pieces)
		}
	}
}

func TestFromJSONErrors(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{`{"type": "Foo"}`, `type "Foo" is not supported`},
		{`{"type": "Split", "pattern": {"Regex": "\\K"}, "behavior": "Isolated", "invert": false}`, `\K is not supported`},
		{`{"type": "Split", "pattern": {"Regex": "a"}, "behavior": "Sideways", "invert": false}`, `unknown split behavior "Sideways"`},
		{`{"type": "Split", "pattern": {"Regex": "a"}, "behavior": "Isolated"}`, `"invert" are required`},
		{`{"type": "Metaspace", "replacement": "▁", "add_prefix_space": false, "prepend_scheme": "always"}`, `add_prefix_space does not match`},
		{`{"type": "Metaspace", "replacement": "ab"}`, `"replacement" must be one character`},
		{`{"type": "Sequence", "pretokenizers": [{"type": "Nope"}]}`, `Sequence[0]: type "Nope" is not supported`},
	} {
		_, err := FromJSON(smalljson.RawMessage(tc.json))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("FromJSON(%s) = %v, want an error containing %q", tc.json, err, tc.want)
		}
	}
}

// TestMetaspaceOldFormat reads the legacy fields of T5's tokenizer.json
// (add_prefix_space and str_rep, no prepend_scheme).
func TestMetaspaceOldFormat(t *testing.T) {
	p, err := FromJSON(smalljson.RawMessage(`{"type": "Metaspace", "replacement": "▁", "str_rep": "▁", "add_prefix_space": true}`))
	if err != nil {
		t.Fatal(err)
	}
	m := p.(Metaspace)
	if m.PrependScheme != PrependAlways || !m.Split || m.Replacement != '▁' {
		t.Errorf("got %+v", m)
	}
}
