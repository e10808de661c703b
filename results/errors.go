package results

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotFound is wrapped by query errors for an unknown model, task, metric
// or domain, so HTTP handlers can answer 404/400 with errors.Is.
var ErrNotFound = errors.New("not found")

// FieldError is one problem in one data file. Row is the 1-based line number
// in the file (the header is row 1); 0 means the problem concerns the whole
// file. Field is the CSV column; empty when the problem is not about one field.
type FieldError struct {
	File  string
	Row   int
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Row > 0 {
		fmt.Fprintf(&b, ": row %d", e.Row)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %q", e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// LoadError collects every FieldError found by Load. errors.As(err,
// new(*FieldError)) finds the first one.
type LoadError struct {
	Problems []*FieldError
}

// maxListed caps how many problems Error() spells out; all stay in Problems.
const maxListed = 20

func (e *LoadError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "results: %d problem(s) in the data files", len(e.Problems))
	for i, p := range e.Problems {
		if i == maxListed {
			fmt.Fprintf(&b, "\n  ... and %d more", len(e.Problems)-maxListed)
			break
		}
		b.WriteString("\n  ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap exposes the individual problems to errors.Is and errors.As.
func (e *LoadError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// problems accumulates FieldErrors while loading.
type problems struct {
	list []*FieldError
}

func (p *problems) add(file string, row int, field, format string, args ...any) {
	p.list = append(p.list, &FieldError{File: file, Row: row, Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &LoadError{Problems: p.list}
}
