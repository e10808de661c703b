// Package corpus summarises how tokenizers split a whole corpus of notes:
// fertility, unknown tokens, lengths against model limits, the longest notes
// and the most split words, side by side per tokenizer. It reads the corpus as
// a stream of byte chunks and keeps only running totals, bounded top-k lists
// and histogram bins, so a 50 MB file fits in the browser (wasm/corpus.go)
// as well as on the command line (clinlm tokenize --stats).
package corpus

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/clinlm/clinlm/internal/smalljson"
)

// Format is how a corpus file holds its notes.
type Format string

const (
	// FormatText: the whole file is one note (a folder of .txt files is a
	// corpus of such notes).
	FormatText Format = "text"
	// FormatJSONL: one JSON object per line with the note in "text" (and an
	// optional "id"); blank lines are skipped.
	FormatJSONL Format = "jsonl"
	// FormatCSV: a header row, then one note per record in the column named
	// "text" (or the only column); quoted fields may span lines.
	FormatCSV Format = "csv"
)

// ParseFormat reads a format name or a file name's extension.
func ParseFormat(s string) (Format, error) {
	s = strings.ToLower(s)
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		s = s[i+1:]
	}
	switch s {
	case "txt", "text":
		return FormatText, nil
	case "jsonl", "ndjson":
		return FormatJSONL, nil
	case "csv":
		return FormatCSV, nil
	}
	return "", fmt.Errorf("corpus: unknown format %q (want text, jsonl or csv)", s)
}

// MaxNoteBytes bounds one note (one line, record or text file): a longer one
// is reported and skipped, so memory never follows the file's choice.
const MaxNoteBytes = 1 << 20

// Note is one note of the corpus.
type Note struct {
	// Line is the 1-based line where the note starts (1 for a text file).
	Line int
	// ID is the note's "id" in JSONL, when it has one.
	ID   string
	Text string
}

// LineError is a problem with one line (or record) of the file; the note is
// skipped and the rest of the file is read.
type LineError struct {
	Line int    `json:"line"`
	Err  string `json:"error"`
}

func (e LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Err) }

// Splitter cuts a stream of byte chunks into notes. Feed it the file in any
// chunk sizes, then Close it; it holds at most one incomplete note.
type Splitter struct {
	format  Format
	pending []byte
	line    int // lines consumed before pending
	// csv state
	header    []string
	textCol   int
	skipping  bool // discarding an over-long line up to its newline
	skipStart int
}

// NewSplitter starts a splitter for one file.
func NewSplitter(f Format) (*Splitter, error) {
	switch f {
	case FormatText, FormatJSONL, FormatCSV:
	default:
		return nil, fmt.Errorf("corpus: unknown format %q", f)
	}
	return &Splitter{format: f, textCol: -1}, nil
}

// Feed adds a chunk, calling note for every complete note and bad for every
// line that cannot be read. It returns note's first error.
func (s *Splitter) Feed(chunk []byte, note func(Note) error, bad func(LineError)) error {
	if s.format == FormatText {
		if len(s.pending)+len(chunk) > MaxNoteBytes {
			if !s.skipping {
				bad(LineError{Line: 1, Err: fmt.Sprintf("note longer than %d bytes; skipped", MaxNoteBytes)})
			}
			s.skipping, s.pending = true, nil
			return nil
		}
		s.pending = append(s.pending, chunk...)
		return nil
	}
	for len(chunk) > 0 {
		if s.skipping {
			i := bytes.IndexByte(chunk, '\n')
			if i < 0 {
				return nil
			}
			s.line++
			chunk = chunk[i+1:]
			s.skipping = false
			continue
		}
		end := s.completeEnd(chunk)
		if end < 0 {
			if len(s.pending)+len(chunk) > MaxNoteBytes {
				bad(LineError{Line: s.line + 1, Err: fmt.Sprintf("longer than %d bytes; skipped", MaxNoteBytes)})
				s.pending, s.skipping = s.pending[:0], true
				s.line += bytes.Count(chunk, []byte{'\n'}) // none for JSONL; CSV quotes may hold some
				return nil
			}
			s.pending = append(s.pending, chunk...)
			return nil
		}
		s.pending = append(s.pending, chunk[:end]...)
		chunk = chunk[end:]
		if err := s.flush(note, bad); err != nil {
			return err
		}
	}
	return nil
}

// completeEnd is the length of chunk's prefix that completes the last whole
// line (JSONL) or record (CSV: a newline outside quotes), or -1.
func (s *Splitter) completeEnd(chunk []byte) int {
	if s.format == FormatJSONL {
		i := bytes.LastIndexByte(chunk, '\n')
		if i < 0 {
			return -1
		}
		return i + 1
	}
	// Quote parity over pending and chunk: "" inside a field flips twice.
	quoted := bytes.Count(s.pending, []byte{'"'})%2 == 1
	end := -1
	for i, c := range chunk {
		switch c {
		case '"':
			quoted = !quoted
		case '\n':
			if !quoted {
				end = i + 1
			}
		}
	}
	return end
}

// Close ends the file: what remains is the last note.
func (s *Splitter) Close(note func(Note) error, bad func(LineError)) error {
	if s.format == FormatText {
		if s.skipping {
			return nil
		}
		if !utf8.Valid(s.pending) {
			bad(LineError{Line: 1, Err: "not valid UTF-8"})
			return nil
		}
		text := string(s.pending)
		s.pending = nil
		if strings.TrimSpace(text) == "" {
			bad(LineError{Line: 1, Err: "empty note"})
			return nil
		}
		return note(Note{Line: 1, Text: text})
	}
	if s.skipping || len(s.pending) == 0 {
		return nil
	}
	if s.format == FormatCSV && bytes.Count(s.pending, []byte{'"'})%2 == 1 {
		bad(LineError{Line: s.line + 1, Err: "a quoted field is never closed"})
		s.pending = nil
		return nil
	}
	return s.flush(note, bad)
}

// flush reads the complete lines or records in pending.
func (s *Splitter) flush(note func(Note) error, bad func(LineError)) error {
	data := s.pending
	s.pending = s.pending[:0]
	if s.format == FormatJSONL {
		for len(data) > 0 {
			line := data
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				line, data = data[:i], data[i+1:]
			} else {
				data = nil
			}
			s.line++
			if len(line) > MaxNoteBytes {
				bad(LineError{Line: s.line, Err: fmt.Sprintf("longer than %d bytes; skipped", MaxNoteBytes)})
				continue
			}
			n, err := parseJSONLine(line)
			if err != nil {
				bad(LineError{Line: s.line, Err: err.Error()})
				continue
			}
			if n == nil {
				continue // blank line
			}
			n.Line = s.line
			if err := note(*n); err != nil {
				return err
			}
		}
		return nil
	}
	return s.flushCSV(data, note, bad)
}

func parseJSONLine(line []byte) (*Note, error) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return nil, nil
	}
	if !utf8.Valid(line) {
		return nil, errors.New("not valid UTF-8")
	}
	var doc struct {
		ID   smalljson.RawMessage `json:"id"`
		Text *string              `json:"text"`
	}
	if err := smalljson.Unmarshal(line, &doc); err != nil {
		return nil, fmt.Errorf("not a JSON object: %v", err)
	}
	if doc.Text == nil {
		return nil, errors.New(`no "text" field`)
	}
	n := &Note{Text: *doc.Text}
	if len(doc.ID) > 0 && string(doc.ID) != "null" {
		var id string
		if smalljson.Unmarshal(doc.ID, &id) != nil {
			id = string(doc.ID) // a number
		}
		n.ID = id
	}
	return n, nil
}

func (s *Splitter) flushCSV(data []byte, note func(Note) error, bad func(LineError)) error {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	base := s.line
	s.line += bytes.Count(data, []byte{'\n'})
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				bad(LineError{Line: base + 1, Err: err.Error()})
				return nil
			}
			// The reader goes on after the record it rejected.
			bad(LineError{Line: base + pe.StartLine, Err: pe.Err.Error()})
			continue
		}
		// FieldPos is only valid after a record was read without error.
		line, _ := r.FieldPos(0)
		line += base
		if s.header == nil {
			s.header = append([]string{}, rec...)
			s.textCol = textColumn(s.header)
			if s.textCol < 0 {
				bad(LineError{Line: line, Err: `no column named "text" in the header (and more than one column)`})
			}
			continue
		}
		if s.textCol < 0 {
			continue
		}
		if s.textCol >= len(rec) {
			bad(LineError{Line: line, Err: fmt.Sprintf("%d fields, no %q column", len(rec), s.header[s.textCol])})
			continue
		}
		text := rec[s.textCol]
		if len(text) > MaxNoteBytes {
			bad(LineError{Line: line, Err: fmt.Sprintf("longer than %d bytes; skipped", MaxNoteBytes)})
			continue
		}
		if !utf8.ValidString(text) {
			bad(LineError{Line: line, Err: "not valid UTF-8"})
			continue
		}
		if err := note(Note{Line: line, Text: text}); err != nil {
			return err
		}
	}
}

func textColumn(header []string) int {
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")), "text") {
			return i
		}
	}
	if len(header) == 1 {
		return 0
	}
	return -1
}
