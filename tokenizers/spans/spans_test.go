package spans

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/internal/testenv"
	"github.com/clinlm/clinlm/tokenizers/marked"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// note is a made-up note; its spans below cover its words by code points.
const note = "Pt on metoprolol 25 mg [SEP] for HTN; né à Paris."

// A byte-level BPE token that carries the space before a word ("Ġmet" at
// [5,9) when offsets are not trimmed) does not make the span start inside it.
func TestAlignIgnoresWhitespaceInTokens(t *testing.T) {
	root := testenv.RepoRoot(t)
	path := filepath.Join(root, "tokenizers", "files", "built", "p50k.json")
	if _, err := os.Stat(path); err != nil {
		testenv.Missing(t, path, "run `go tool task catalogue`")
	}
	tok := loadTok(t, path)
	doc := Document{ID: "n", Text: "Pt on metoprolol", Spans: []Span{
		{ID: "T1", Label: "Drug", Fragments: [][2]int{{6, 16}}},
		{ID: "T2", Label: "Part", Fragments: [][2]int{{7, 16}}},
	}}
	a, err := Align(doc, "p50k", tok, 0)
	if err != nil {
		t.Fatal(err)
	}
	if first := a.Tokens[a.Spans[0].Tokens[0]]; first.Start != 5 {
		t.Fatalf("first token of metoprolol %+v; this test wants one that starts on the space", first)
	}
	if got := a.Spans[0].Issues; len(got) != 0 {
		t.Errorf("metoprolol: issues %v, want aligned", got)
	}
	if got := a.Spans[1].Issues; !reflect.DeepEqual(got, []string{StartInside, Overlaps}) {
		t.Errorf("etoprolol: issues %v, want %s and %s", got, StartInside, Overlaps)
	}
}

func TestParseBRAT(t *testing.T) {
	cases := []struct {
		name  string
		ann   string
		spans []Span
		bad   []LineError
	}{
		{"spans and other lines", "T1\tDrug 6 16\tmetoprolol\nR1\tDose Arg1:T1 Arg2:T2\nT2\tDose 17 22\t25 mg\n#1\tAnnotatorNotes T1\tok\n",
			[]Span{{ID: "T1", Label: "Drug", Fragments: [][2]int{{6, 16}}, Line: 1}, {ID: "T2", Label: "Dose", Fragments: [][2]int{{17, 22}}, Line: 3}}, nil},
		{"discontinuous", "T1\tDrug 6 16;20 22\tmetoprolol mg\n",
			[]Span{{ID: "T1", Label: "Drug", Fragments: [][2]int{{6, 16}, {20, 22}}, Line: 1}}, nil},
		{"code points, not bytes", "T1\tPlace 38 40\tné\n",
			[]Span{{ID: "T1", Label: "Place", Fragments: [][2]int{{38, 40}}, Line: 1}}, nil},
		{"malformed", "T1\n\nT2\tDrug\tx\nT3\tDrug a b\tx\nT4\tDrug 5 3\tx\nT5\tDrug 0 99\tx\nT6\tDrug 0 2\tXX\nT7\tDrug 0 2 4\tx\n", nil, []LineError{
			{File: "n.ann", Line: 1, Err: "a T line needs ID<TAB>Label START END[;START END]<TAB>text"},
			{File: "n.ann", Line: 3, Err: `no label and offsets in "Drug"`},
			{File: "n.ann", Line: 4, Err: `offsets "a b" are not numbers`},
			{File: "n.ann", Line: 5, Err: "empty or reversed span 5 3"},
			{File: "n.ann", Line: 6, Err: "span 0 99 ends beyond the text (49 characters)"},
			{File: "n.ann", Line: 7, Err: `covered text "XX" differs from the note's "Pt" at those offsets`},
			{File: "n.ann", Line: 8, Err: `offsets "0 2 4" are not START END`},
		}},
	}
	for _, tc := range cases {
		doc, bad, err := ParseBRAT(strings.NewReader(tc.ann), "n.ann", note)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(doc.Spans, tc.spans) || !reflect.DeepEqual(bad, tc.bad) {
			t.Errorf("%s:\n spans %+v\n  want %+v\nerrors %+v\n  want %+v", tc.name, doc.Spans, tc.spans, bad, tc.bad)
		}
	}
	if _, _, err := ParseBRAT(strings.NewReader(""), "n.ann", "a\xffb"); err == nil {
		t.Error("a text that is not UTF-8 was accepted")
	}
}

func TestParseJSONL(t *testing.T) {
	in := `{"id":"n1","text":"Pt on aspirin","spans":[{"start":6,"end":13,"label":"Drug"},{"start":6,"end":40,"label":"Drug"},{"start":1,"label":"X"}]}
not json
{"spans":[]}
` + "{\"text\":\"\xff\"}\n" + `{"text":"no spans"}
`
	docs, bad, err := ParseJSONL(strings.NewReader(in), "a.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	want := []Document{
		{ID: "n1", Text: "Pt on aspirin", Spans: []Span{{ID: "s1", Label: "Drug", Fragments: [][2]int{{6, 13}}, Line: 1}}},
		{ID: "5", Text: "no spans"},
	}
	if !reflect.DeepEqual(docs, want) {
		t.Errorf("documents %+v, want %+v", docs, want)
	}
	wantBad := []LineError{
		{File: "a.jsonl", Line: 1, Err: "span 2: span 6 40 ends beyond the text (13 characters)"},
		{File: "a.jsonl", Line: 1, Err: `span 3 needs "start", "end" and "label"`},
		{File: "a.jsonl", Line: 2, Err: "not a JSON document: "},
		{File: "a.jsonl", Line: 3, Err: `no "text" field`},
		{File: "a.jsonl", Line: 4, Err: "not valid UTF-8"},
	}
	// The decoder's own words differ between encoding/json and the WASM
	// build's smalljson, so the syntax error is compared up to its prefix.
	if len(bad) == len(wantBad) && strings.HasPrefix(bad[2].Err, wantBad[2].Err) {
		wantBad[2].Err = bad[2].Err
	}
	if !reflect.DeepEqual(bad, wantBad) {
		t.Errorf("errors\n %+v\nwant %+v", bad, wantBad)
	}
}

func loadTok(t *testing.T, path string) *marked.Tokenizer {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := marked.FromJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// annotated covers each issue: aligned words, a span starting inside a word
// ("prolol"), one ending inside ("meto"), one over a typed [SEP], one that
// is only whitespace, one nested in another, and a discontinuous one.
func annotated() Document {
	return Document{ID: "n1", Text: note, Spans: []Span{
		{ID: "T1", Label: "Drug", Fragments: [][2]int{{6, 16}}},
		{ID: "T2", Label: "Dose", Fragments: [][2]int{{17, 22}}},
		{ID: "T3", Label: "Part", Fragments: [][2]int{{10, 16}}},
		{ID: "T4", Label: "Part", Fragments: [][2]int{{6, 10}}},
		{ID: "T5", Label: "Marker", Fragments: [][2]int{{23, 28}}},
		{ID: "T6", Label: "Blank", Fragments: [][2]int{{22, 23}}},
		{ID: "T7", Label: "Problem", Fragments: [][2]int{{33, 36}}},
		{ID: "T8", Label: "Place", Fragments: [][2]int{{38, 40}, {43, 48}}},
	}}
}

func TestAlignIssues(t *testing.T) {
	tok := loadTok(t, filepath.Join(testenv.SharedDir(t), "tokenizers", "bert-base-cased.json"))
	a, err := Align(annotated(), "bert-base-cased", tok, 12)
	if err != nil {
		t.Fatal(err)
	}
	issues := map[string][]string{}
	for _, s := range a.Spans {
		issues[s.ID] = s.Issues
	}
	// bert-base-cased: Pt on me ##top ##rol ##ol 25 mg [SEP] for HT ##N ; ...
	// so with 12 tokens (10 of the note after [CLS] and [SEP]) "HTN" is cut.
	want := map[string][]string{
		"T1": {}, "T2": {}, "T3": {StartInside, Overlaps}, "T4": {EndInside, Overlaps},
		"T5": {CrossesSpecial}, "T6": {NoTokens}, "T7": {Truncated}, "T8": {Truncated},
	}
	if !reflect.DeepEqual(issues, want) {
		t.Errorf("issues %v\nwant %v\ntokens %v", issues, want, a.Tokens)
	}
}

func TestAlignGolden(t *testing.T) {
	shared := testenv.SharedDir(t)
	root := testenv.RepoRoot(t)
	toks := []struct{ name, path string }{
		{"bert-base-cased", filepath.Join(shared, "tokenizers", "bert-base-cased.json")},
		{"roberta", filepath.Join(shared, "tokenizers", "roberta.json")},
		{"t5", filepath.Join(shared, "tokenizers", "t5.json")},
		{"clinical-wordpiece", filepath.Join(root, "tokenizers", "files", "clinical-wordpiece.json")},
	}
	var all []Alignment
	for _, tk := range toks {
		a, err := Align(annotated(), tk.name, loadTok(t, tk.path), 0)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, a)
	}
	var jsonl, conll bytes.Buffer
	if err := WriteJSONL(&jsonl, all); err != nil {
		t.Fatal(err)
	}
	if err := WriteCoNLL(&conll, all); err != nil {
		t.Fatal(err)
	}
	golden(t, "aligned.jsonl", jsonl.Bytes())
	golden(t, "aligned.conll", conll.Bytes())

	counts := Count(all)
	if len(counts) != len(toks)*7 { // 7 labels per tokenizer
		t.Errorf("%d count rows, want %d", len(counts), len(toks)*7)
	}
	for _, c := range counts {
		if c.Label == "Part" && (c.Spans != 2 || c.Issues[Overlaps] != 2) {
			t.Errorf("%s Part: %+v, want 2 spans both overlapping Drug", c.Tokenizer, c)
		}
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testenv.Golden(t, *update, name, got)
}
