package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/clinlm/clinlm/tokenizers/corpus"
	"github.com/clinlm/clinlm/tokenizers/marked"
	"github.com/clinlm/clinlm/tokenizers/spans"
)

// openMarked loads each tokenizer of a comma-separated list, named as given.
func openMarked(list string) ([]corpus.Tokenizer, error) {
	var out []corpus.Tokenizer
	for _, arg := range strings.Split(list, ",") {
		arg = strings.TrimSpace(arg)
		if arg == "" {
			continue
		}
		data, err := tokenizerFile(arg)
		if err != nil {
			return nil, err
		}
		tok, err := marked.FromJSON(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", arg, err)
		}
		name := strings.TrimSuffix(filepath.Base(arg), ".json")
		out = append(out, corpus.Tokenizer{Name: name, Tok: tok})
	}
	if len(out) == 0 {
		return nil, errors.New("--tokenizer names no tokenizer")
	}
	return out, nil
}

// runCorpusStats is `clinlm tokenize --stats FILE`: the statistics the
// inspector's corpus panel shows, as its CSV export (or JSON).
func runCorpusStats(tokList, path string, asJSON bool, sio stdio) error {
	toks, err := openMarked(tokList)
	if err != nil {
		return err
	}
	run := corpus.NewRun(toks)
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	var files []string
	if info.IsDir() {
		// A folder of notes: every .txt file in it is one note.
		entries, err := os.ReadDir(path)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ".txt") {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
		if len(files) == 0 {
			return fmt.Errorf("%s: no .txt notes in this folder", path)
		}
	} else {
		files = []string{path}
	}
	for _, f := range files {
		format, err := corpus.ParseFormat(f)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		name := ""
		if info.IsDir() {
			name = filepath.Base(f)
		}
		if err := feedFile(run, f, name, format); err != nil {
			return err
		}
	}
	rep := run.Report()
	for _, e := range rep.Errors {
		fmt.Fprintf(sio.err, "%s: %s\n", path, e)
	}
	if rep.ErrorCount > len(rep.Errors) {
		fmt.Fprintf(sio.err, "%s: %d more lines skipped\n", path, rep.ErrorCount-len(rep.Errors))
	}
	if rep.Notes == 0 {
		return fmt.Errorf("%s: no notes read", path)
	}
	if asJSON {
		enc := json.NewEncoder(sio.out)
		enc.SetIndent("", " ")
		return enc.Encode(rep)
	}
	return rep.WriteCSV(sio.out)
}

func feedFile(run *corpus.Run, path, name string, format corpus.Format) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	feed, err := run.File(name, format)
	if err != nil {
		return err
	}
	return feed.ReadFile(f)
}

// readDocuments reads a BRAT .ann (with the .txt of the same name), a folder
// of them (a BRAT collection), or a JSONL file of documents.
func readDocuments(path string) ([]spans.Document, []spans.LineError, error) {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, nil, err
		}
		var docs []spans.Document
		var bad []spans.LineError
		for _, e := range entries {
			if e.IsDir() || !strings.EqualFold(filepath.Ext(e.Name()), ".ann") {
				continue
			}
			d, b, err := readDocuments(filepath.Join(path, e.Name()))
			bad = append(bad, b...)
			if err != nil {
				return nil, bad, err
			}
			docs = append(docs, d...)
		}
		if len(docs) == 0 {
			return nil, bad, fmt.Errorf("%s: no .ann files in this folder", path)
		}
		return docs, bad, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	switch strings.ToLower(filepath.Ext(path)) {
	case ".ann":
		txtPath := strings.TrimSuffix(path, filepath.Ext(path)) + ".txt"
		text, err := readLimited(txtPath, spans.MaxFileBytes)
		if err != nil {
			return nil, nil, fmt.Errorf("the note of a BRAT .ann file is the .txt beside it: %w", err)
		}
		doc, bad, err := spans.ParseBRAT(f, filepath.Base(path), string(text))
		if err != nil {
			return nil, bad, err
		}
		doc.ID = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		return []spans.Document{doc}, bad, nil
	case ".jsonl", ".ndjson":
		return spans.ParseJSONL(f, filepath.Base(path))
	}
	return nil, nil, fmt.Errorf("%s: annotations are a BRAT .ann file or a .jsonl file", path)
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return b, nil
}

// runSpans is `clinlm tokenize --spans FILE`: every span against every
// tokenizer's tokens, counted per label, with the misaligned spans listed;
// --tags writes the IOB2 tags instead and moves the summary to stderr.
func runSpans(tokList, path string, maxLength int, tags string, asJSON bool, sio stdio) error {
	toks, err := openMarked(tokList)
	if err != nil {
		return err
	}
	docs, bad, err := readDocuments(path)
	if err != nil {
		return err
	}
	for _, e := range bad {
		fmt.Fprintln(sio.err, e)
	}
	if len(docs) == 0 {
		return fmt.Errorf("%s: no documents read", path)
	}
	var all []spans.Alignment
	for _, t := range toks {
		for _, d := range docs {
			a, err := spans.Align(d, t.Name, t.Tok, maxLength)
			if err != nil {
				return err
			}
			all = append(all, a)
		}
	}
	summary := sio.out
	out := bufio.NewWriter(sio.out)
	switch tags {
	case "conll":
		summary = sio.err
		err = spans.WriteCoNLL(out, all)
	case "jsonl":
		summary = sio.err
		err = spans.WriteJSONL(out, all)
	}
	if err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return err
	}
	counts := spans.Count(all)
	if asJSON {
		enc := json.NewEncoder(summary)
		enc.SetIndent("", " ")
		return enc.Encode(map[string]any{"counts": counts, "errors": bad, "alignments": all})
	}
	return writeSpanSummary(summary, counts, all)
}

func writeSpanSummary(w io.Writer, counts []spans.Counts, all []spans.Alignment) error {
	issues := []string{spans.StartInside, spans.EndInside, spans.CrossesSpecial, spans.Truncated, spans.NoTokens, spans.Overlaps}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "label\ttokenizer\tspans\taligned\t%s\n", strings.Join(issues, "\t"))
	for _, c := range counts {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d", c.Label, c.Tokenizer, c.Spans, c.Aligned)
		for _, is := range issues {
			fmt.Fprintf(tw, "\t%d", c.Issues[is])
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var lines []string
	for _, a := range all {
		for _, s := range a.Spans {
			if !s.Aligned() {
				lines = append(lines, fmt.Sprintf("%s\t%s\t%s\t%s\t%d-%d\t%s", a.ID, a.Tokenizer, s.ID, s.Label,
					s.Fragments[0][0], s.Fragments[len(s.Fragments)-1][1], strings.Join(s.Issues, ",")))
			}
		}
	}
	sort.Strings(lines)
	if len(lines) > 0 {
		fmt.Fprintln(w, "\nmisaligned spans (document, tokenizer, span, label, start-end, issues):")
		for _, l := range lines {
			fmt.Fprintln(w, l)
		}
	}
	return nil
}
