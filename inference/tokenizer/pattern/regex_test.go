package pattern

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/inference/tokenizer/normalized"
)

// regexCase is one line of testdata/regex_cases.json, written by
// testdata/hfgen/regex_cases.py from HF tokenizers 0.23.3: the non-empty
// pieces of HF's find_matches (byte offsets, is-match), or HF's error.
type regexCase struct {
	Pattern string   `json:"pattern"`
	Text    string   `json:"text"`
	Pieces  [][3]any `json:"pieces"`
	Error   string   `json:"error"`
}

// unsupportedByDesign are patterns HF accepts that the engine refuses at load
// time rather than risk a wrong answer.
var unsupportedByDesign = map[string]bool{
	`(a)\1`: true, `\K`: true, `\X`: true, `a**`: true, `(?<n>a)\k<n>`: true,
}

func TestRegexMatchesOniguruma(t *testing.T) {
	raw, err := os.ReadFile("testdata/regex_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []regexCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	compiled := map[string]normalized.Pattern{}
	failures := 0
	for _, c := range cases {
		p, ok := compiled[c.Pattern]
		if !ok {
			var err error
			p, err = Compile(c.Pattern)
			if c.Error != "" || unsupportedByDesign[c.Pattern] {
				if err == nil {
					t.Errorf("Compile(%q) succeeded; HF says %q", c.Pattern, c.Error)
				}
				continue
			}
			if err != nil {
				t.Errorf("Compile(%q): %v", c.Pattern, err)
				continue
			}
			compiled[c.Pattern] = p
		}
		got, err := p.FindMatches(c.Text, nil)
		if err != nil {
			t.Errorf("%q on %q: %v", c.Pattern, c.Text, err)
			continue
		}
		var gotPieces [][3]any
		for _, m := range got {
			if m.Start == m.End {
				continue
			}
			gotPieces = append(gotPieces, [3]any{float64(m.Start), float64(m.End), m.IsMatch})
		}
		if !reflect.DeepEqual(gotPieces, c.Pieces) && !(len(gotPieces) == 0 && len(c.Pieces) == 0) {
			failures++
			if failures < 30 {
				t.Errorf("%q on %q:\n got  %v\n want %v", c.Pattern, c.Text, gotPieces, c.Pieces)
			}
		}
	}
	if failures > 0 {
		t.Errorf("%d of %d cases differ", failures, len(cases))
	}
}

func TestGPT2ScannerEqualsRegexEngine(t *testing.T) {
	engine, err := CompileRegex(GPT2Regex)
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{
		"Hello world", "  a  b   c    ", "it's 'tis", "x\n\ny", "1,000.50 $", "\t\tz", " ", "  ",
		"naïve 漢字 😀", "a\u00a0 b", strings.Repeat("ab  ", 20),
	}
	for _, s := range texts {
		want, _ := engine.FindMatches(s, nil)
		got, _ := GPT2{}.FindMatches(s, nil)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: scanner %v, engine %v", s, got, want)
		}
	}
}
