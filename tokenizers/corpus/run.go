package corpus

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/clinlm/clinlm/tokenizers/marked"
)

// maxErrors bounds the line errors a run keeps; the rest are only counted.
const maxErrors = 100

// Run is one pass over a corpus with several tokenizers side by side.
type Run struct {
	stats     []*Stats
	notes     int
	bytes     int64
	errors    []LineError
	errCount  int
	file      string
	fileNotes int
}

// Tokenizer names one tokenizer of a run.
type Tokenizer struct {
	Name string
	Tok  *marked.Tokenizer
}

// NewRun starts a run over the given tokenizers.
func NewRun(toks []Tokenizer) *Run {
	r := &Run{}
	for _, t := range toks {
		r.stats = append(r.stats, NewStats(t.Name, t.Tok))
	}
	return r
}

// AddNote adds one note with every tokenizer.
func (r *Run) AddNote(n Note) error {
	if n.Text == "" {
		r.bad(LineError{Line: n.Line, Err: "empty note"})
		return nil
	}
	r.notes++
	runes := []rune(n.Text)
	ws := words(n.Text)
	for _, s := range r.stats {
		if err := s.Add(r.notes, n, ws, runes); err != nil {
			return err
		}
	}
	return nil
}

func (r *Run) bad(e LineError) {
	r.errCount++
	if len(r.errors) < maxErrors {
		if r.file != "" {
			e.Err = r.file + ": " + e.Err
		}
		r.errors = append(r.errors, e)
	}
}

// File reads one file of the corpus through a Splitter; name prefixes its
// line errors (leave it empty for a single file).
func (r *Run) File(name string, f Format) (*FileFeed, error) {
	sp, err := NewSplitter(f)
	if err != nil {
		return nil, err
	}
	return &FileFeed{run: r, name: name, split: sp}, nil
}

// FileFeed feeds one file's chunks into a run.
type FileFeed struct {
	run   *Run
	name  string
	split *Splitter
}

// Feed adds a chunk of the file.
func (f *FileFeed) Feed(chunk []byte) error {
	f.run.file = f.name
	defer func() { f.run.file = "" }()
	f.run.bytes += int64(len(chunk))
	return f.split.Feed(chunk, f.run.AddNote, f.run.bad)
}

// Close ends the file.
func (f *FileFeed) Close() error {
	f.run.file = f.name
	defer func() { f.run.file = "" }()
	return f.split.Close(f.run.AddNote, f.run.bad)
}

// ReadFile feeds a whole reader in chunks and closes it.
func (f *FileFeed) ReadFile(rd io.Reader) error {
	buf := make([]byte, 256<<10)
	for {
		n, err := rd.Read(buf)
		if n > 0 {
			if err := f.Feed(buf[:n]); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return f.Close()
		}
		if err != nil {
			return err
		}
	}
}

// Report is a run's result.
type Report struct {
	Notes      int         `json:"notes"`
	Bytes      int64       `json:"bytes"`
	Tokenizers []Summary   `json:"tokenizers"`
	Errors     []LineError `json:"errors"`
	// ErrorCount counts every skipped line; Errors holds the first ones.
	ErrorCount int `json:"errorCount"`
	BinWidth   int `json:"binWidth"`
}

// Report summarises the run so far.
func (r *Run) Report() Report {
	out := Report{Notes: r.notes, Bytes: r.bytes, Errors: append([]LineError{}, r.errors...), ErrorCount: r.errCount, BinWidth: BinWidth}
	for _, s := range r.stats {
		out.Tokenizers = append(out.Tokenizers, s.Summary())
	}
	return out
}

// WriteCSV writes the side-by-side table: one row per tokenizer.
func (rep Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := []string{"tokenizer", "notes", "tokens", "mean_tokens", "max_tokens", "fertility", "unk_rate", "chars_per_token", "whole_words", "vocab_used", "vocab_size"}
	for _, l := range Limits {
		head = append(head, "over_"+strconv.Itoa(l))
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 4, 64) }
	for _, s := range rep.Tokenizers {
		row := []string{s.Tokenizer, strconv.Itoa(s.Notes), strconv.Itoa(s.Tokens), f(s.MeanTokens), strconv.Itoa(s.MaxTokens),
			f(s.Fertility), f(s.UnkRate), f(s.CharsPerToken), f(s.WholeWords), f(s.VocabUsed), strconv.Itoa(s.VocabSize)}
		for _, o := range s.Over {
			row = append(row, f(o.Share))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("corpus: writing CSV: %w", err)
	}
	return nil
}
