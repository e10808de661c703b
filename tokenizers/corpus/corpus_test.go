package corpus

import (
	"bytes"
	"encoding/json"
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

// split feeds data in chunks of size n (0: whole) and collects what comes out.
func split(t *testing.T, f Format, data string, n int) ([]Note, []LineError) {
	t.Helper()
	sp, err := NewSplitter(f)
	if err != nil {
		t.Fatal(err)
	}
	var notes []Note
	var bad []LineError
	note := func(n Note) error { notes = append(notes, n); return nil }
	badf := func(e LineError) { bad = append(bad, e) }
	b := []byte(data)
	if n == 0 {
		n = len(b) + 1
	}
	for len(b) > 0 {
		k := min(n, len(b))
		if err := sp.Feed(b[:k], note, badf); err != nil {
			t.Fatal(err)
		}
		b = b[k:]
	}
	if err := sp.Close(note, badf); err != nil {
		t.Fatal(err)
	}
	return notes, bad
}

func TestSplitter(t *testing.T) {
	cases := []struct {
		name   string
		format Format
		data   string
		notes  []Note
		errors []LineError
	}{
		{"jsonl", FormatJSONL, "{\"id\":\"a\",\"text\":\"BP 120/80.\"}\n\n{\"id\":7,\"text\":\"Héparine 5000 U\"}",
			[]Note{{Line: 1, ID: "a", Text: "BP 120/80."}, {Line: 3, ID: "7", Text: "Héparine 5000 U"}}, nil},
		{"jsonl bad lines", FormatJSONL, "{\"text\":\"ok\"}\nnot json\n{\"id\":1}\n{\"text\":\"\xff\"}\n{\"text\":\"last\"}\n",
			[]Note{{Line: 1, Text: "ok"}, {Line: 5, Text: "last"}},
			[]LineError{{Line: 2, Err: "not a JSON object: …"}, {Line: 3, Err: `no "text" field`}, {Line: 4, Err: "not valid UTF-8"}}},
		{"csv quoted newlines", FormatCSV, "id,text\r\n1,\"Pt c/o SOB,\nworse at night\"\n2,\"said \"\"fine\"\"\"\n",
			[]Note{{Line: 2, Text: "Pt c/o SOB,\nworse at night"}, {Line: 4, Text: `said "fine"`}}, nil},
		{"csv one column", FormatCSV, "note\nfirst\nsecond",
			[]Note{{Line: 2, Text: "first"}, {Line: 3, Text: "second"}}, nil},
		{"csv no text column", FormatCSV, "a,b\n1,2\n", nil,
			[]LineError{{Line: 1, Err: `no column named "text" in the header (and more than one column)`}}},
		{"csv unclosed quote", FormatCSV, "text\n\"open\n", nil,
			[]LineError{{Line: 2, Err: "a quoted field is never closed"}}},
		{"text", FormatText, "Line one.\nLine two.\n", []Note{{Line: 1, Text: "Line one.\nLine two.\n"}}, nil},
		{"text invalid utf-8", FormatText, "a\xffb", nil, []LineError{{Line: 1, Err: "not valid UTF-8"}}},
	}
	for _, tc := range cases {
		// The same notes whether the file comes whole or a byte at a time.
		for _, chunk := range []int{0, 1, 7} {
			notes, bad := split(t, tc.format, tc.data, chunk)
			if !reflect.DeepEqual(notes, tc.notes) {
				t.Errorf("%s (chunks of %d): notes\n got %+v\nwant %+v", tc.name, chunk, notes, tc.notes)
			}
			for i := range bad {
				bad[i].Err = decoderNeutral(bad[i].Err)
			}
			if !reflect.DeepEqual(bad, tc.errors) {
				t.Errorf("%s (chunks of %d): errors\n got %+v\nwant %+v", tc.name, chunk, bad, tc.errors)
			}
		}
	}
}

func TestSplitterSkipsOverlongLine(t *testing.T) {
	long := `{"text":"` + strings.Repeat("a", MaxNoteBytes) + `"}`
	notes, bad := split(t, FormatJSONL, `{"text":"one"}`+"\n"+long+"\n"+`{"text":"three"}`+"\n", 64<<10)
	if len(notes) != 2 || notes[1].Text != "three" || notes[1].Line != 3 {
		t.Errorf("%d notes, want two: one and three (line 3)", len(notes))
	}
	if len(bad) != 1 || bad[0].Line != 2 {
		t.Errorf("errors = %+v, want one for line 2", bad)
	}
}

func TestWords(t *testing.T) {
	cases := []struct {
		text string
		want []word
	}{
		{"", nil},
		{"BP 120/80, HR 72.", []word{{0, 2}, {3, 6}, {7, 9}, {11, 13}, {14, 16}}},
		{"naïve café", []word{{0, 5}, {6, 10}}},
		{"😀x", []word{{1, 2}}},
	}
	for _, tc := range cases {
		if got := words(tc.text); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("words(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func load(t *testing.T, path string) *marked.Tokenizer {
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

// committed are the catalogue's own tokenizer files, always in the repository.
func committed(t *testing.T) []Tokenizer {
	root := testenv.RepoRoot(t)
	var out []Tokenizer
	for _, name := range []string{"clinical-wordpiece", "clinical-bpe", "clinical-unigram"} {
		out = append(out, Tokenizer{Name: name, Tok: load(t, filepath.Join(root, "tokenizers", "files", name+".json"))})
	}
	return out
}

func TestStatsByHand(t *testing.T) {
	tok := load(t, filepath.Join(testenv.RepoRoot(t), "tokenizers", "files", "clinical-wordpiece.json"))
	cases := []struct {
		name  string
		notes []string
		check func(s Summary) string
	}{
		{"nothing but unknown characters", []string{"😀 😀 😀"}, func(s Summary) string {
			if s.UnkRate != 1 || s.Fertility != 0 {
				return "want unknown rate 1 and no words"
			}
			return ""
		}},
		{"long and short notes", []string{strings.Repeat("the ", 600), "the"}, func(s Summary) string {
			// 600 words + [CLS] + [SEP]; "the" is surely one piece.
			if s.MaxTokens != 602 || s.Over[2] != (LimitShare{Limit: 512, Notes: 1, Share: 0.5}) || s.Over[3].Notes != 0 {
				return "want one of two notes over 512 and none over 1024"
			}
			if s.Fertility != 1 || s.WholeWords != 1 || s.Histogram[602/BinWidth] != 1 || s.Histogram[0] != 1 {
				return "want fertility 1 and the two notes in their bins"
			}
			if len(s.Longest) != 2 || s.Longest[0].Index != 1 || s.Longest[0].Tokens != 602 {
				return "want the first note longest"
			}
			return ""
		}},
	}
	for _, tc := range cases {
		r := NewRun([]Tokenizer{{Name: "wp", Tok: tok}})
		for _, n := range tc.notes {
			if err := r.AddNote(Note{Text: n}); err != nil {
				t.Fatal(err)
			}
		}
		s := r.Report().Tokenizers[0]
		if msg := tc.check(s); msg != "" {
			t.Errorf("%s: %s; got %+v", tc.name, msg, s)
		}
	}
}

// syntheticJSONL is a small corpus of made-up notes (no real patient).
func syntheticJSONL() string {
	notes := []string{
		"Pt is a 67 y/o M w/ hx of CHF, HTN and DM2 presenting with SOB x3 days.",
		"Metoprolol succinate 25 mg PO daily; hydrochlorothiazide 12.5 mg daily.",
		"CXR: bilateral pleural effusions, no pneumothorax. Troponin 0.04 ng/mL.",
		"Discharge: follow up with cardiology in 2 weeks. Résumé of care sent.",
		strings.Repeat("Patient tolerated the procedure well without complications. ", 40),
	}
	var b strings.Builder
	for i, n := range notes {
		line, _ := json.Marshal(map[string]any{"id": i + 1, "text": n})
		b.Write(line)
		b.WriteByte('\n')
	}
	b.WriteString("{broken\n")
	return b.String()
}

func TestReportGolden(t *testing.T) {
	toks := committed(t)
	if shared := testenv.SharedPath(t); true {
		for _, name := range []string{"bert-base-cased", "t5"} {
			path := filepath.Join(shared, "tokenizers", name+".json")
			if _, err := os.Stat(path); err == nil {
				toks = append(toks, Tokenizer{Name: name, Tok: load(t, path)})
			} else {
				t.Logf("%s absent; the golden file has it only beside ../shared", path)
				if !*update {
					t.Skip("../shared/tokenizers is absent: the golden report needs its files")
				}
			}
		}
	}
	r := NewRun(toks)
	feed, err := r.File("", FormatJSONL)
	if err != nil {
		t.Fatal(err)
	}
	if err := feed.ReadFile(strings.NewReader(syntheticJSONL())); err != nil {
		t.Fatal(err)
	}
	rep := r.Report()
	for i := range rep.Errors {
		rep.Errors[i].Err = decoderNeutral(rep.Errors[i].Err)
	}
	var csvOut bytes.Buffer
	if err := rep.WriteCSV(&csvOut); err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(rep, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "report.json", append(js, '\n'))
	golden(t, "report.csv", csvOut.Bytes())
}

// decoderNeutral cuts the JSON decoder's own words from a syntax error: they
// differ between encoding/json and the WASM build's smalljson.
func decoderNeutral(msg string) string {
	const prefix = "not a JSON object: "
	if strings.HasPrefix(msg, prefix) {
		return prefix + "…"
	}
	return msg
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testenv.Golden(t, *update, name, got)
}

// BenchmarkRun is the statistics' own cost beside encoding: the notes of
// syntheticJSONL through the three committed tokenizers.
func BenchmarkRun(b *testing.B) {
	root := testenv.RepoRoot(b)
	var toks []Tokenizer
	for _, name := range []string{"clinical-wordpiece", "clinical-bpe", "clinical-unigram"} {
		data, err := os.ReadFile(filepath.Join(root, "tokenizers", "files", name+".json"))
		if err != nil {
			b.Fatal(err)
		}
		tok, err := marked.FromJSON(data)
		if err != nil {
			b.Fatal(err)
		}
		toks = append(toks, Tokenizer{Name: name, Tok: tok})
	}
	data := syntheticJSONL()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r := NewRun(toks)
		feed, _ := r.File("", FormatJSONL)
		if err := feed.ReadFile(strings.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
