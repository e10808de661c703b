package results

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"strconv"
	"strings"
)

// record is one data row of a CSV file with the line it starts on.
type record struct {
	file   string
	line   int
	fields map[string]string
	p      *problems
}

// readCSV reads name from fsys and checks that its header has exactly the
// given columns (in any order). It returns nil records (and records the
// problem) when the file is missing or malformed.
func readCSV(fsys fs.FS, name string, columns []string, p *problems) []*record {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		p.add(name, 0, "", "cannot read file: %v", err)
		return nil
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	r := csv.NewReader(bytes.NewReader(data))
	r.ReuseRecord = false
	header, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			p.add(name, 0, "", "empty file (no header)")
		} else {
			addParseError(p, name, data, nil, err)
		}
		return nil
	}
	index := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.TrimSpace(h)
		if _, dup := index[h]; dup {
			p.add(name, 1, h, "column appears twice in the header")
			return nil
		}
		index[h] = i
	}
	ok := true
	for _, c := range columns {
		if _, found := index[c]; !found {
			p.add(name, 1, c, "missing column in the header")
			ok = false
		}
	}
	known := make(map[string]bool, len(columns))
	for _, c := range columns {
		known[c] = true
	}
	for _, h := range header {
		if !known[strings.TrimSpace(h)] {
			p.add(name, 1, strings.TrimSpace(h), "unknown column")
			ok = false
		}
	}
	if !ok {
		return nil
	}
	var out []*record
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount) && row != nil {
				// The reader returns the row with this error; skip just this row.
				if len(row) < len(header) {
					p.add(name, pe.StartLine, strings.TrimSpace(header[len(row)]),
						"malformed CSV: missing (row has %d fields, header has %d)", len(row), len(header))
				} else {
					p.add(name, pe.StartLine, fmt.Sprintf("column %d", len(header)+1),
						"malformed CSV: extra field (row has %d fields, header has %d)", len(row), len(header))
				}
				continue
			}
			addParseError(p, name, data, header, err)
			return nil
		}
		line, _ := r.FieldPos(0)
		rec := &record{file: name, line: line, fields: make(map[string]string, len(columns)), p: p}
		for _, c := range columns {
			rec.fields[c] = strings.TrimSpace(row[index[c]])
		}
		out = append(out, rec)
	}
	return out
}

// addParseError turns an encoding/csv error into a FieldError naming the row
// and, where it can be told, the field.
func addParseError(p *problems, name string, data []byte, header []string, err error) {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		p.add(name, 0, "", "malformed CSV: %v", err)
		return
	}
	// An unterminated quote is detected at the end of the input; the row
	// to fix is where the record starts.
	field := ""
	if i := fieldIndexAt(data, pe.StartLine, pe.Line, pe.Column); i >= 0 {
		if i < len(header) {
			field = strings.TrimSpace(header[i])
		} else {
			field = fmt.Sprintf("column %d", i+1)
		}
	}
	p.add(name, pe.StartLine, field, "malformed CSV: %v", pe.Err)
}

// fieldIndexAt returns the 0-based index of the field a CSV error points
// at, counting commas outside quotes on the record's first line. When the
// error is on that line (errLine == startLine) it is the field holding byte
// column col; otherwise (an unterminated quote) it is the field whose quote
// is still open at the end of the line. It returns -1 when the line does not
// exist.
func fieldIndexAt(data []byte, startLine, errLine, col int) int {
	lines := bytes.Split(data, []byte("\n"))
	if startLine < 1 || startLine > len(lines) {
		return -1
	}
	text := lines[startLine-1]
	limit := len(text)
	if errLine == startLine && col >= 1 && col-1 < limit {
		limit = col - 1
	}
	idx, quoted, openedAt := 0, false, 0
	for i := 0; i < limit; i++ {
		switch text[i] {
		case '"':
			if !quoted {
				openedAt = idx
			}
			quoted = !quoted
		case ',':
			if !quoted {
				idx++
			}
		}
	}
	if errLine != startLine && quoted {
		return openedAt
	}
	return idx
}

func (r *record) fail(field, format string, args ...any) {
	r.p.add(r.file, r.line, field, format, args...)
}

// str returns a field's text.
func (r *record) str(field string) string { return r.fields[field] }

// required returns a field's text, recording a problem when it is empty.
func (r *record) required(field string) (string, bool) {
	v := r.fields[field]
	if v == "" {
		r.fail(field, "missing")
		return "", false
	}
	return v, true
}

// number parses a required finite number.
func (r *record) number(field string) (float64, bool) {
	s, ok := r.required(field)
	if !ok {
		return 0, false
	}
	return r.parseNumber(field, s)
}

// optionalNumber parses a number that may be empty (nil).
func (r *record) optionalNumber(field string) (*float64, bool) {
	s := r.fields[field]
	if s == "" {
		return nil, true
	}
	v, ok := r.parseNumber(field, s)
	if !ok {
		return nil, false
	}
	return &v, true
}

func (r *record) parseNumber(field, s string) (float64, bool) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		r.fail(field, "%q is not a number", s)
		return 0, false
	}
	return v, true
}

// score parses a required number in [0, 1].
func (r *record) score(field string) (float64, bool) {
	v, ok := r.number(field)
	if !ok {
		return 0, false
	}
	return v, r.checkScore(field, v)
}

// optionalStd parses an optional std (≥ 0, ≤ 1).
func (r *record) optionalStd(field string) (*float64, bool) {
	v, ok := r.optionalNumber(field)
	if !ok || v == nil {
		return v, ok
	}
	if !r.checkScore(field, *v) {
		return nil, false
	}
	return v, true
}

func (r *record) checkScore(field string, v float64) bool {
	if msg := unitProblem(v); msg != "" {
		r.fail(field, "%s", msg)
		return false
	}
	return true
}

// integer parses a required non-negative integer.
func (r *record) integer(field string) (int, bool) {
	s, ok := r.required(field)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		r.fail(field, "%q is not an integer", s)
		return 0, false
	}
	if v < 0 {
		r.fail(field, "%d is below 0", v)
		return 0, false
	}
	return v, true
}

// boolean parses "true" or "false".
func (r *record) boolean(field string) (bool, bool) {
	s, ok := r.required(field)
	if !ok {
		return false, false
	}
	switch s {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	r.fail(field, "%q is not true or false", s)
	return false, false
}

// domain parses one of Domains().
func (r *record) domain(field string) (Domain, bool) {
	d, msg := parseDomain(r.str(field))
	if msg != "" {
		r.fail(field, "%s", msg)
		return d, false
	}
	return d, true
}

// method parses finetuned or in-context.
func (r *record) method(field string) (Method, bool) {
	m, msg := parseMethod(r.str(field))
	if msg != "" {
		r.fail(field, "%s", msg)
		return m, false
	}
	return m, true
}

// printed parses a quantity printed with a unit suffix ("220M", "0.5B") or
// in E notation ("4.5E+19"). "–" (none), "?" (undisclosed) and "" have no
// value. allowEmpty says whether "" is acceptable.
func (r *record) printed(field string, allowEmpty bool) (Quantity, bool) {
	s := r.fields[field]
	q, err := parseQuantity(s)
	if err != nil {
		r.fail(field, "%s", err.Error())
		return Quantity{}, false
	}
	if s == "" && !allowEmpty {
		r.fail(field, "missing (write – for none or ? for undisclosed)")
		return Quantity{}, false
	}
	return q, true
}

// Dashes the paper prints for "none"; a plain hyphen is accepted too.
const (
	printedNone        = "–"
	printedUndisclosed = "?"
)

var unitScale = map[byte]float64{'K': 1e3, 'M': 1e6, 'B': 1e9, 'T': 1e12}

// parseQuantity parses a printed quantity. See record.printed.
func parseQuantity(s string) (Quantity, error) {
	q := Quantity{Printed: s}
	switch s {
	case "", printedNone, "-", printedUndisclosed:
		return q, nil
	}
	num, scale := s, 1.0
	if f, ok := unitScale[s[len(s)-1]]; ok {
		num, scale = s[:len(s)-1], f
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return q, errors.New(strconv.Quote(s) + ` is not a printed quantity (like "220M", "0.5B", "4.5E+19", "–" or "?")`)
	}
	if v < 0 {
		return q, errors.New(strconv.Quote(s) + " is below 0")
	}
	v *= scale
	q.Value = &v
	return q, nil
}

// fmtNum formats a float the short way (0.1, 1e+20).
func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
