//go:build !(js && wasm) || corpus

package main

import (
	"bytes"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/clinlm/clinlm/tokenizers/corpus"
	"github.com/clinlm/clinlm/tokenizers/spans"
)

// The corpus panel's side of the shim (no syscall/js here; corpus_js.go binds
// it): corpus runs that the worker feeds file chunk by file chunk, and span
// alignment of uploaded annotations. Offsets given to and taken from Go are
// code points; what the page slices the note with are the u16 offsets added
// here (JavaScript strings index UTF-16 code units).

// corpusRuns are the runs in progress, by number.
type corpusRuns struct {
	reg  *registry
	runs map[int]*corpusRun
	next int
}

type corpusRun struct {
	run   *corpus.Run
	files map[int]*corpus.FileFeed
	next  int
}

func newCorpusRuns(r *registry) *corpusRuns {
	return &corpusRuns{reg: r, runs: map[int]*corpusRun{}}
}

// tokenizers looks up loaded tokenizers by the page's keys.
func (c *corpusRuns) tokenizers(keys []string) ([]corpus.Tokenizer, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("no tokenizer chosen")
	}
	var out []corpus.Tokenizer
	for _, k := range keys {
		e, ok := c.reg.loaded[k]
		if !ok {
			return nil, fmt.Errorf("tokenizer %s is not loaded", k)
		}
		out = append(out, corpus.Tokenizer{Name: k, Tok: e.marked})
	}
	return out, nil
}

// corpusMemoryLimit is the soft memory limit of a worker that runs a corpus.
// With the shim's GOGC=400 (set by tokenize-worker.js) the heap grows to
// about five times what is live, up to the 512 MiB limit: 424 MiB of wasm
// memory after 10 MB of notes with three tokenizers. A corpus worker is one of several the page may
// start, and it runs for minutes, so it trades some speed for a lower ceiling
// (BENCHMARKS.md has both).
const corpusMemoryLimit = 192 << 20

func (c *corpusRuns) start(keys []string) (int, error) {
	toks, err := c.tokenizers(keys)
	if err != nil {
		return 0, err
	}
	debug.SetMemoryLimit(corpusMemoryLimit)
	c.next++
	c.runs[c.next] = &corpusRun{run: corpus.NewRun(toks), files: map[int]*corpus.FileFeed{}}
	return c.next, nil
}

func (c *corpusRuns) get(run int) (*corpusRun, error) {
	r, ok := c.runs[run]
	if !ok {
		return nil, fmt.Errorf("no corpus run %d", run)
	}
	return r, nil
}

// openFile starts one file of a run; name prefixes its errors in a folder.
func (c *corpusRuns) openFile(run int, name, format string) (int, error) {
	r, err := c.get(run)
	if err != nil {
		return 0, err
	}
	f, err := corpus.ParseFormat(format)
	if err != nil {
		return 0, err
	}
	feed, err := r.run.File(name, f)
	if err != nil {
		return 0, err
	}
	r.next++
	r.files[r.next] = feed
	return r.next, nil
}

// progress is what the worker reports after each chunk.
type progress struct {
	Notes  int `json:"notes"`
	Errors int `json:"errors"`
}

func (c *corpusRuns) feed(run, file int, chunk []byte, last bool) (progress, error) {
	r, err := c.get(run)
	if err != nil {
		return progress{}, err
	}
	f, ok := r.files[file]
	if !ok {
		return progress{}, fmt.Errorf("no file %d in corpus run %d", file, run)
	}
	if len(chunk) > 0 {
		if err := f.Feed(chunk); err != nil {
			return progress{}, err
		}
	}
	if last {
		delete(r.files, file)
		if err := f.Close(); err != nil {
			return progress{}, err
		}
	}
	rep := r.run.Report()
	return progress{Notes: rep.Notes, Errors: rep.ErrorCount}, nil
}

// corpusResult is the report with its CSV export.
type corpusResult struct {
	corpus.Report
	CSV string `json:"csv"`
}

func (c *corpusRuns) report(run int) (corpusResult, error) {
	r, err := c.get(run)
	if err != nil {
		return corpusResult{}, err
	}
	rep := r.run.Report()
	var b bytes.Buffer
	if err := rep.WriteCSV(&b); err != nil {
		return corpusResult{}, err
	}
	return corpusResult{Report: rep, CSV: b.String()}, nil
}

func (c *corpusRuns) end(run int) { delete(c.runs, run) }

// annotationFile is one file the page read for the span check.
type annotationFile struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

// spanView is one span under one tokenizer as the page lists it.
type spanView struct {
	Doc       string   `json:"doc"`
	Tokenizer string   `json:"tokenizer"`
	ID        string   `json:"id"`
	Label     string   `json:"label"`
	Start     int      `json:"start"` // code points
	End       int      `json:"end"`
	U16       [2]int32 `json:"u16"` // the same in UTF-16 units of the note
	Text      string   `json:"text"`
	Tokens    []string `json:"tokens"`
	// TokenText is the note's text under the span's tokens, from the first
	// token's start to the last one's end, so the page can show what the
	// tokens cover beyond the span.
	TokenText string   `json:"tokenText"`
	Issues    []string `json:"issues"`
}

// spansResult is the alignment of every document with every tokenizer.
type spansResult struct {
	Documents int               `json:"documents"`
	Counts    []spans.Counts    `json:"counts"`
	Errors    []spans.LineError `json:"errors"`
	// Spans are the misaligned spans first, then the aligned ones, at most
	// maxSpanViews of them.
	Spans      []spanView `json:"spans"`
	SpansTotal int        `json:"spansTotal"`
	JSONL      string     `json:"jsonl"`
	CoNLL      string     `json:"conll"`
}

const maxSpanViews = 500

// readAnnotations pairs BRAT .ann files with their .txt and reads JSONL files.
func readAnnotations(files []annotationFile) ([]spans.Document, []spans.LineError, error) {
	texts := map[string]string{}
	for _, f := range files {
		if strings.HasSuffix(strings.ToLower(f.Name), ".txt") {
			texts[strings.TrimSuffix(f.Name, f.Name[len(f.Name)-4:])] = f.Text
		}
	}
	var docs []spans.Document
	var bad []spans.LineError
	for _, f := range files {
		lower := strings.ToLower(f.Name)
		switch {
		case strings.HasSuffix(lower, ".ann"):
			stem := f.Name[:len(f.Name)-4]
			text, ok := texts[stem]
			if !ok {
				return nil, bad, fmt.Errorf("%s: choose its note %s.txt too", f.Name, stem)
			}
			d, b, err := spans.ParseBRAT(strings.NewReader(f.Text), f.Name, text)
			bad = append(bad, b...)
			if err != nil {
				return nil, bad, err
			}
			d.ID = stem
			docs = append(docs, d)
		case strings.HasSuffix(lower, ".jsonl"), strings.HasSuffix(lower, ".ndjson"):
			d, b, err := spans.ParseJSONL(strings.NewReader(f.Text), f.Name)
			bad = append(bad, b...)
			if err != nil {
				return nil, bad, err
			}
			docs = append(docs, d...)
		case strings.HasSuffix(lower, ".txt"):
		default:
			return nil, bad, fmt.Errorf("%s: annotations are BRAT .ann files (with their .txt) or .jsonl files", f.Name)
		}
	}
	if len(docs) == 0 {
		return nil, bad, fmt.Errorf("no annotated documents: choose .ann files with their .txt, or a .jsonl file")
	}
	return docs, bad, nil
}

func (c *corpusRuns) alignSpans(keys []string, files []annotationFile, maxLength int) (spansResult, error) {
	toks, err := c.tokenizers(keys)
	if err != nil {
		return spansResult{}, err
	}
	if maxLength < 0 {
		return spansResult{}, fmt.Errorf("negative maximum length")
	}
	docs, bad, err := readAnnotations(files)
	if err != nil {
		return spansResult{}, err
	}
	res := spansResult{Documents: len(docs), Errors: bad, Spans: []spanView{}}
	if res.Errors == nil {
		res.Errors = []spans.LineError{}
	}
	var all []spans.Alignment
	var misaligned, aligned []spanView
	for _, d := range docs {
		runes := []rune(d.Text)
		u16 := newUTF16Index(d.Text, nil)
		for _, t := range toks {
			a, err := spans.Align(d, t.Name, t.Tok, maxLength)
			if err != nil {
				return spansResult{}, err
			}
			all = append(all, a)
			for _, s := range a.Spans {
				res.SpansTotal++
				start, end := s.Fragments[0][0], s.Fragments[len(s.Fragments)-1][1]
				v := spanView{Doc: d.ID, Tokenizer: t.Name, ID: s.ID, Label: s.Label, Start: start, End: end,
					U16: [2]int32{u16.of(int32(start)), u16.of(int32(end))}, Tokens: []string{}, Issues: s.Issues}
				var parts []string
				for _, f := range s.Fragments {
					parts = append(parts, string(runes[f[0]:f[1]]))
				}
				v.Text = strings.Join(parts, " … ")
				if len(s.Tokens) > 0 {
					first, last := a.Tokens[s.Tokens[0]], a.Tokens[s.Tokens[len(s.Tokens)-1]]
					v.TokenText = string(runes[first.Start:last.End])
				}
				for _, i := range s.Tokens {
					v.Tokens = append(v.Tokens, a.Tokens[i].Text)
				}
				if s.Aligned() {
					if len(aligned) < maxSpanViews {
						aligned = append(aligned, v)
					}
				} else if len(misaligned) < maxSpanViews {
					misaligned = append(misaligned, v)
				}
			}
		}
	}
	res.Spans = append(misaligned, aligned...)
	if len(res.Spans) > maxSpanViews {
		res.Spans = res.Spans[:maxSpanViews]
	}
	res.Counts = spans.Count(all)
	var jl, cn bytes.Buffer
	if err := spans.WriteJSONL(&jl, all); err != nil {
		return spansResult{}, err
	}
	if err := spans.WriteCoNLL(&cn, all); err != nil {
		return spansResult{}, err
	}
	res.JSONL, res.CoNLL = jl.String(), cn.String()
	return res, nil
}
