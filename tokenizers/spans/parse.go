// Package spans checks character-span annotations (BRAT standoff, JSONL)
// against a tokenizer's tokens: which spans start and end on token
// boundaries, which cut a token, cross a special token or the truncation
// limit, and the token-level IOB2 tags a token-classification model trains on.
//
// Offsets are Unicode code points of the note (Python str indices, what BRAT
// and the JSONL tools write, and what clinlm's encodings report). The browser
// gets UTF-16 offsets beside them (wasm/corpus.go).
package spans

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/clinlm/clinlm/internal/smalljson"
)

// MaxFileBytes bounds an annotation or text file.
const MaxFileBytes = 32 << 20

// Span is one annotated entity: one or more [start, end) fragments (BRAT's
// discontinuous spans), in code points.
type Span struct {
	ID        string   `json:"id"`
	Label     string   `json:"label"`
	Fragments [][2]int `json:"fragments"`
	Line      int      `json:"line"`
}

// Document is one note with its spans.
type Document struct {
	ID    string
	Text  string
	Spans []Span
}

// LineError is a problem with one line of an annotation file; the span (or
// document) is skipped.
type LineError struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line"`
	Err  string `json:"error"`
}

func (e LineError) Error() string {
	if e.File != "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Err)
}

// checkFragments validates fragments against a text of n code points.
func checkFragments(frags [][2]int, n int) error {
	if len(frags) == 0 {
		return errors.New("no offsets")
	}
	prev := -1
	for _, f := range frags {
		switch {
		case f[0] < 0 || f[1] < 0:
			return fmt.Errorf("negative offset in %d %d", f[0], f[1])
		case f[1] <= f[0]:
			return fmt.Errorf("empty or reversed span %d %d", f[0], f[1])
		case f[1] > n:
			return fmt.Errorf("span %d %d ends beyond the text (%d characters)", f[0], f[1], n)
		case f[0] < prev:
			return fmt.Errorf("fragments out of order at %d %d", f[0], f[1])
		}
		prev = f[1]
	}
	return nil
}

func readAll(r io.Reader, name string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, MaxFileBytes)
	}
	return b, nil
}

// ParseBRAT reads a BRAT standoff .ann file for the note text. Only text-bound
// annotations (T lines: "T1<TAB>Label 0 5;7 9<TAB>covered text") are spans;
// relations, events, attributes, normalisations and notes are skipped. A T
// line whose covered text differs from the note's text at those offsets is
// an error: the file was most likely written with other offsets (bytes,
// UTF-16) or for another text.
func ParseBRAT(ann io.Reader, name, text string) (Document, []LineError, error) {
	if !utf8.ValidString(text) {
		return Document{}, nil, fmt.Errorf("%s: the text is not valid UTF-8", name)
	}
	data, err := readAll(ann, name)
	if err != nil {
		return Document{}, nil, err
	}
	runes := []rune(text)
	doc := Document{ID: name, Text: text}
	var bad []LineError
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), MaxFileBytes)
	line := 0
	for sc.Scan() {
		line++
		l := strings.TrimRight(sc.Text(), "\r")
		if !strings.HasPrefix(l, "T") {
			continue
		}
		fail := func(format string, a ...any) {
			bad = append(bad, LineError{File: name, Line: line, Err: fmt.Sprintf(format, a...)})
		}
		if !utf8.ValidString(l) {
			fail("not valid UTF-8")
			continue
		}
		parts := strings.SplitN(l, "\t", 3)
		if len(parts) < 2 {
			fail("a T line needs ID<TAB>Label START END[;START END]<TAB>text")
			continue
		}
		label, offs, ok := strings.Cut(parts[1], " ")
		if !ok || label == "" {
			fail("no label and offsets in %q", parts[1])
			continue
		}
		var frags [][2]int
		var perr error
		for _, f := range strings.Split(offs, ";") {
			se := strings.Fields(f)
			if len(se) != 2 {
				perr = fmt.Errorf("offsets %q are not START END", f)
				break
			}
			s, err1 := strconv.Atoi(se[0])
			e, err2 := strconv.Atoi(se[1])
			if err1 != nil || err2 != nil {
				perr = fmt.Errorf("offsets %q are not numbers", f)
				break
			}
			frags = append(frags, [2]int{s, e})
		}
		if perr == nil {
			perr = checkFragments(frags, len(runes))
		}
		if perr != nil {
			fail("%v", perr)
			continue
		}
		if len(parts) == 3 {
			var covered []string
			for _, f := range frags {
				covered = append(covered, string(runes[f[0]:f[1]]))
			}
			if got := strings.Join(covered, " "); got != parts[2] {
				fail("covered text %q differs from the note's %q at those offsets", parts[2], got)
				continue
			}
		}
		doc.Spans = append(doc.Spans, Span{ID: parts[0], Label: label, Fragments: frags, Line: line})
	}
	if err := sc.Err(); err != nil {
		return Document{}, bad, fmt.Errorf("%s: %w", name, err)
	}
	return doc, bad, nil
}

// ParseJSONL reads one document per line:
// {"id": "...", "text": "...", "spans": [{"start": 0, "end": 5, "label": "Drug"}]}.
// "id" is optional (the line number stands in); a span may carry its own "id".
func ParseJSONL(r io.Reader, name string) ([]Document, []LineError, error) {
	data, err := readAll(r, name)
	if err != nil {
		return nil, nil, err
	}
	var docs []Document
	var bad []LineError
	line := 0
	for len(data) > 0 {
		l := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line++
		l = bytes.TrimSpace(l)
		if len(l) == 0 {
			continue
		}
		fail := func(format string, a ...any) {
			bad = append(bad, LineError{File: name, Line: line, Err: fmt.Sprintf(format, a...)})
		}
		if !utf8.Valid(l) {
			fail("not valid UTF-8")
			continue
		}
		var d struct {
			ID    smalljson.RawMessage `json:"id"`
			Text  *string              `json:"text"`
			Spans []struct {
				ID    smalljson.RawMessage `json:"id"`
				Start *int                 `json:"start"`
				End   *int                 `json:"end"`
				Label string               `json:"label"`
			} `json:"spans"`
		}
		if err := smalljson.Unmarshal(l, &d); err != nil {
			fail("not a JSON document: %v", err)
			continue
		}
		if d.Text == nil {
			fail(`no "text" field`)
			continue
		}
		doc := Document{ID: rawID(d.ID, strconv.Itoa(line)), Text: *d.Text}
		n := utf8.RuneCountInString(doc.Text)
		for i, s := range d.Spans {
			if s.Start == nil || s.End == nil || s.Label == "" {
				fail(`span %d needs "start", "end" and "label"`, i+1)
				continue
			}
			frags := [][2]int{{*s.Start, *s.End}}
			if err := checkFragments(frags, n); err != nil {
				fail("span %d: %v", i+1, err)
				continue
			}
			doc.Spans = append(doc.Spans, Span{ID: rawID(s.ID, "s"+strconv.Itoa(i+1)), Label: s.Label, Fragments: frags, Line: line})
		}
		docs = append(docs, doc)
	}
	return docs, bad, nil
}

func rawID(raw smalljson.RawMessage, fallback string) string {
	if len(raw) == 0 || string(raw) == "null" {
		return fallback
	}
	var s string
	if smalljson.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
