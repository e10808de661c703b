package refranges

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Insertion is a mark added to a text: Text was inserted at byte offset At
// of the original, after the reading that runs from byte Start (its name)
// to At, whose value is State against the reference interval of Analyte;
// Term is what clinicians call that state ("hyponatremia"), empty for a
// normal value and for states a value alone does not name.
type Insertion struct {
	At      int
	Text    string
	Start   int
	Analyte string
	State   State
	Term    string
}

// Marker marks the values of a text. It is safe for concurrent use.
type Marker struct {
	// names holds the aliases by their first byte in lower case, longest
	// first, so "hemoglobin A1c" wins over "hemoglobin".
	names [128][]aliasOf
	units []string // every unit any analyte knows, longest first
	// fillers may stand between a name and its value ("INR on admission
	// 1.1", "heart rate in the 140s", "a temperature of 38.9").
	fillers []string
}

type aliasOf struct {
	alias string
	lower string // alias in lower case
	// fold compares in any case. Short names match as written or in lower
	// case ("HR", "hr"), never in other mixes ("Hr"), and one letter only as
	// written ("T 38.2" but not "t").
	fold bool
	a    *analyte
	bp   bool
}

// New builds a Marker over the adult reference table.
func New() *Marker {
	m := &Marker{fillers: []string{"of", "was", "is", "were", "at", "to", "on", "admission", "arrival", "presentation", "exam",
		"today", "initially", "now", "max", "peak", "peaked", "remained", "level", "in", "the", "value", "count"}}
	table := adultTable()
	seenUnit := map[string]bool{}
	for i := range table {
		a := &table[i]
		for _, al := range a.aliases {
			m.addName(al, a)
		}
		for u := range a.units {
			if u != "" && !seenUnit[u] {
				seenUnit[u] = true
				m.units = append(m.units, u)
			}
		}
	}
	for _, al := range bloodPressureAliases() {
		m.addName(al, nil)
	}
	for _, u := range []string{"mmhg", "mg", "g", "mcg", "ml", "l", "kg", "cm", "mm", "hours", "days", "units", "x"} {
		if !seenUnit[u] { // units of no analyte: a value in them is not one of ours
			seenUnit[u] = true
			m.units = append(m.units, u)
		}
	}
	byLen := func(a, b string) int { return len(b) - len(a) }
	for k := range m.names {
		slices.SortStableFunc(m.names[k], func(x, y aliasOf) int { return byLen(x.alias, y.alias) })
	}
	slices.SortStableFunc(m.units, byLen)
	return m
}

// addName files an alias of analyte a (nil: of blood pressure).
func (m *Marker) addName(alias string, a *analyte) {
	al := aliasOf{alias: alias, lower: strings.ToLower(alias), fold: len(alias) > 3, a: a, bp: a == nil}
	k := al.lower[0] & 0x7F // every alias starts with an ASCII letter
	m.names[k] = append(m.names[k], al)
}

// Mark returns the text with a mark after each value it can read, and the
// marks it inserted, in order.
func (m *Marker) Mark(text string) (string, []Insertion) {
	var ins []Insertion
	for i := 0; i < len(text); {
		al, end, ok := m.nameAt(text, i)
		if !ok {
			_, w := utf8.DecodeRuneInString(text[i:])
			i += w
			continue
		}
		if in, ok := m.reading(text, end, al); ok {
			in.Start = i
			in.Text = " (" + string(in.State) + " " + in.Analyte + ")"
			if in.Term != "" {
				in.Text = " (" + string(in.State) + " " + in.Analyte + ": " + in.Term + ")"
			}
			ins = append(ins, in)
			i = in.At
			continue
		}
		i = end
	}
	if len(ins) == 0 {
		return text, nil
	}
	var b strings.Builder
	last := 0
	for _, in := range ins {
		b.WriteString(text[last:in.At])
		b.WriteString(in.Text)
		last = in.At
	}
	b.WriteString(text[last:])
	return b.String(), ins
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// nameAt finds an alias starting at byte i on a word boundary.
func (m *Marker) nameAt(text string, i int) (aliasOf, int, bool) {
	c := text[i]
	if i > 0 && isWordByte(text[i-1]) || c >= 0x80 {
		return aliasOf{}, 0, false
	}
	if 'A' <= c && c <= 'Z' {
		c += 'a' - 'A'
	}
	for _, al := range m.names[c] {
		n := len(al.alias)
		if i+n > len(text) {
			continue
		}
		s := text[i : i+n]
		if s != al.alias && !(al.fold && strings.EqualFold(s, al.alias)) && !(n > 1 && s == al.lower) {
			continue
		}
		last := al.alias[n-1]
		if i+n < len(text) && isWordByte(last) && isWordByte(text[i+n]) {
			continue
		}
		return al, i + n, true
	}
	return aliasOf{}, 0, false
}

// reading reads what follows a name: fillers, a comparator, the number(s)
// and a unit. It answers where the reading ends (At), and the value's
// analyte, state and term.
func (m *Marker) reading(text string, i int, al aliasOf) (Insertion, bool) {
	for fillers := 0; ; {
		j := skipSpace(text, i)
		if j < len(text) && (text[j] == ':' || text[j] == '=') {
			i = j + 1
			continue
		}
		w := wordAt(text, j)
		if w == "" || fillers == 3 || !slices.Contains(m.fillers, strings.ToLower(w)) {
			i = j
			break
		}
		i, fillers = j+len(w), fillers+1
	}
	if i < len(text) && strings.ContainsRune("<>≤≥", rune(text[i])) || strings.HasPrefix(text[i:], "≤") || strings.HasPrefix(text[i:], "≥") {
		_, w := utf8.DecodeRuneInString(text[i:])
		i = skipSpace(text, i+w)
	}
	v, end, ok := number(text, i)
	if !ok {
		return Insertion{}, false
	}
	if al.bp {
		if end >= len(text) || text[end] != '/' {
			return Insertion{}, false
		}
		dia, end2, ok := number(text, end+1)
		if !ok {
			return Insertion{}, false
		}
		st, ok := bpState(v, dia)
		if !ok || isRange(text, end2) {
			return Insertion{}, false
		}
		if u, n := m.unitAt(text, end2); u == "mmhg" {
			end2 = n
		}
		return Insertion{At: end2, Analyte: "blood pressure", State: st, Term: bloodPressureTerms.of(st)}, true
	}
	if end < len(text) && text[end] == '/' || isRange(text, end) {
		return Insertion{}, false // a ratio or a range, not one value
	}
	if end < len(text) && text[end] == 's' && (end+1 == len(text) || !isWordByte(text[end+1])) {
		end++ // "in the 140s"
	}
	a := al.a
	factor, unitEnd := 1.0, end
	if u, n := m.unitAt(text, end); u != "" {
		f, known := a.units[u]
		if !known {
			return Insertion{}, false
		}
		factor, unitEnd = f, n
	} else if end < len(text) && isWordByte(text[end]) {
		return Insertion{}, false // "5x", "2nd": not a measurement
	}
	switch {
	case factor < 0: // Fahrenheit
		v = (v - 32) * 5 / 9
	case unitEnd == end && a.guess != nil:
		v = a.guess(v)
	default:
		v *= factor
	}
	if v < a.plausible[0] || v > a.plausible[1] {
		return Insertion{}, false
	}
	for _, b := range a.bands {
		if v >= b.from && v < b.to {
			return Insertion{At: unitEnd, Analyte: a.name, State: b.state, Term: a.terms.of(b.state)}, true
		}
	}
	return Insertion{}, false
}

func skipSpace(text string, i int) int {
	for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
		i++
	}
	return i
}

func wordAt(text string, i int) string {
	j := i
	for j < len(text) && (text[j] >= 'a' && text[j] <= 'z' || text[j] >= 'A' && text[j] <= 'Z') {
		j++
	}
	return text[i:j]
}

// number reads 124, 1,250, 6.9 or .5 at byte i.
func number(text string, i int) (float64, int, bool) {
	j := i
	digits := func() int {
		k := j
		for j < len(text) && text[j] >= '0' && text[j] <= '9' {
			j++
		}
		return j - k
	}
	n := digits()
	for n > 0 && n <= 3 && j+3 < len(text) && text[j] == ',' && allDigits(text[j+1:j+4]) && (j+4 == len(text) || text[j+4] < '0' || text[j+4] > '9') {
		j += 4
	}
	if j+1 < len(text) && text[j] == '.' && text[j+1] >= '0' && text[j+1] <= '9' {
		j++
		n += digits()
	}
	if n == 0 {
		return 0, 0, false
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(text[i:j], ",", ""), 64)
	return v, j, err == nil
}

func allDigits(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) }) < 0
}

// isRange tells "3.2-3.8" and "3.2 to 3.8" from one value.
func isRange(text string, i int) bool {
	for _, sep := range []string{"-", "–", " - ", " to "} {
		if strings.HasPrefix(text[i:], sep) {
			j := i + len(sep)
			return j < len(text) && text[j] >= '0' && text[j] <= '9'
		}
	}
	return false
}

// unitAt reads a unit right after a number, with or without a space.
func (m *Marker) unitAt(text string, i int) (string, int) {
	j := skipSpace(text, i)
	for _, u := range m.units {
		n := len(u)
		if j+n > len(text) || !strings.EqualFold(text[j:j+n], u) {
			continue
		}
		if u == "k" && j != i {
			// Thousands ("plt 22K") only when attached: "Na 140 K 4.0" is
			// potassium's name after the sodium.
			continue
		}
		if j+n < len(text) && isWordByte(text[j+n]) && isWordByte(u[n-1]) {
			continue
		}
		return u, j + n
	}
	return "", i
}
