//go:build !(js && wasm) || corpus

package main

import (
	"encoding/csv"
	"strings"
	"testing"
)

func corpusRegistry(t *testing.T, names ...string) *corpusRuns {
	t.Helper()
	r := &registry{loaded: map[string]*entry{}}
	for _, n := range names {
		r.loaded[n] = loadCatalogueEntry(t, n)
	}
	return newCorpusRuns(r)
}

func TestCorpusRunInChunks(t *testing.T) {
	c := corpusRegistry(t, "clinical-wordpiece", "clinical-bpe")
	if _, err := c.start([]string{"clinical-wordpiece", "missing"}); err == nil {
		t.Error("a run over a tokenizer that is not loaded started")
	}
	run, err := c.start([]string{"clinical-wordpiece", "clinical-bpe"})
	if err != nil {
		t.Fatal(err)
	}
	file, err := c.openFile(run, "", "notes.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	data := []byte(`{"text":"Pt on metoprolol 25 mg."}` + "\n" + `{"text":"BP 120/80 😀"}` + "\n{oops\n")
	// The worker cuts the file wherever its chunks end, even inside a character.
	var p progress
	for i := 0; i < len(data); i += 5 {
		p, err = c.feed(run, file, data[i:min(i+5, len(data))], i+5 >= len(data))
		if err != nil {
			t.Fatal(err)
		}
	}
	if p != (progress{Notes: 2, Errors: 1}) {
		t.Errorf("progress %+v, want 2 notes and 1 error", p)
	}
	res, err := c.report(run)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(res.CSV)).ReadAll()
	if err != nil || len(rows) != 3 || rows[1][0] != "clinical-wordpiece" || rows[2][0] != "clinical-bpe" {
		t.Errorf("CSV %q (%v), want a row per tokenizer", res.CSV, err)
	}
	c.end(run)
	if _, err := c.report(run); err == nil {
		t.Error("an ended run still reports")
	}
}

// The page slices the note with the u16 offsets: after an astral character
// (two UTF-16 units, one code point) they run one ahead of the code points.
func TestAlignSpansOffsets(t *testing.T) {
	c := corpusRegistry(t, "clinical-wordpiece")
	files := []annotationFile{
		{Name: "n1.txt", Text: "😀 Pt on metoprolol."},
		{Name: "n1.ann", Text: "T1\tDrug 8 18\tmetoprolol\nT2\tDrug 12 18\tprolol\nT3\tbroken\n"},
	}
	res, err := c.alignSpans([]string{"clinical-wordpiece"}, files, 512)
	if err != nil {
		t.Fatal(err)
	}
	if res.Documents != 1 || len(res.Errors) != 1 || res.Errors[0].Line != 3 {
		t.Errorf("documents %d, errors %+v; want 1 document and an error on line 3", res.Documents, res.Errors)
	}
	if len(res.Spans) != 2 {
		t.Fatalf("spans %+v, want 2", res.Spans)
	}
	// Misaligned spans come first.
	mis, ok := res.Spans[0], res.Spans[1]
	if mis.ID != "T2" || mis.U16 != [2]int32{13, 19} || mis.Text != "prolol" || len(mis.Issues) == 0 {
		t.Errorf("misaligned span %+v, want T2 at UTF-16 [13,19) with issues", mis)
	}
	if ok.ID != "T1" || ok.U16 != [2]int32{9, 19} || ok.Text != "metoprolol" || ok.TokenText != "metoprolol" || len(ok.Issues) != 0 {
		t.Errorf("aligned span %+v, want T1 at UTF-16 [9,19)", ok)
	}
	if !strings.Contains(res.CoNLL, "\tB-Drug\n") || !strings.Contains(res.JSONL, `"misaligned":[{"span":"T2"`) {
		t.Errorf("exports lack the tags or the misaligned span:\n%s\n%s", res.CoNLL, res.JSONL)
	}
	if _, err := c.alignSpans([]string{"clinical-wordpiece"}, files[1:], 0); err == nil || !strings.Contains(err.Error(), "n1.txt") {
		t.Errorf("an .ann without its .txt: %v, want a request for n1.txt", err)
	}
}
