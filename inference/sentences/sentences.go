// Package sentences splits clinical notes into sentences with byte offsets.
//
// Discharge summaries are not prose: they have section headers
// ("DISCHARGE MEDICATIONS:"), numbered and bulleted lists, vitals full of
// decimals and slashes, hard-wrapped lines and abbreviations ("Dr.", "b.i.d.",
// "p.o."). The rules, in order:
//
//  1. A blank line ends a sentence.
//  2. A header line (short, ending in ':') is a sentence of its own, and an
//     upper-case header that starts a line ("HPI: ...") is split from the text after it.
//  3. A line starting with a list marker ("1.", "2)", "-", "*", "•") starts a new sentence;
//     other line breaks inside a paragraph are wrapping and join lines.
//  4. Inside a segment, '.', '!' or '?' (with closing quotes or brackets)
//     followed by white space ends a sentence, unless the word before is a
//     known abbreviation, an initial or a list number, or the next word starts
//     in lower case.
package sentences

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Span is one sentence: text[Start:End] in bytes, trimmed of white space.
type Span struct {
	Start, End int
}

// abbreviations end in a period that does not end the sentence (compared in
// lower case, without the final period).
var abbreviations = map[string]bool{}

func init() {
	for _, a := range strings.Fields(`dr mr mrs ms prof st sr jr vs etc e.g i.e approx appt
		pt pts hx dx tx rx sx fx h/o s/p c/o w/ b.i.d t.i.d q.i.d q.d q.h q.o.d p.o p.r i.v i.m s.c s.q
		p.r.n prn q qd bid tid qid qhs hs mg mcg ml cc mmol meq min max no nos fig inc co cf al
		jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun a.m p.m
		ca wt ht temp resp approx est dept univ ave blvd`) {
		abbreviations[a] = true
	}
}

var (
	listMarker   = regexp.MustCompile(`^(?:\d{1,3}[.)]|[-*•·]|\(?[a-zA-Z]\))\s+`)
	inlineHeader = regexp.MustCompile(`^[A-Z][A-Z0-9 /&()-]{1,40}:\s+`)
)

// Split returns the sentences of text in order.
func Split(text string) []Span {
	var out []Span
	for _, seg := range segments(text) {
		out = append(out, splitSegment(text, seg)...)
	}
	return out
}

// segments applies the line rules (1–3) and returns byte ranges of text.
func segments(text string) []Span {
	var segs []Span
	cur := Span{Start: -1}
	flush := func() {
		if cur.Start >= 0 {
			segs = append(segs, cur)
		}
		cur = Span{Start: -1}
	}
	add := func(s, e int) {
		if cur.Start < 0 {
			cur.Start = s
		}
		cur.End = e
	}
	for pos := 0; pos <= len(text); {
		end := strings.IndexByte(text[pos:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += pos
		}
		line := text[pos:end]
		trimmed := strings.TrimSpace(line)
		lead := pos + strings.Index(line, trimmed)
		switch {
		case trimmed == "":
			flush()
		case isHeaderLine(trimmed):
			flush()
			segs = append(segs, Span{lead, lead + len(trimmed)})
		default:
			if m := inlineHeader.FindString(trimmed); m != "" && len(trimmed) > len(m) {
				flush()
				h := strings.TrimRight(m, " \t")
				segs = append(segs, Span{lead, lead + len(h)})
				add(lead+len(m), lead+len(trimmed))
			} else {
				if listMarker.MatchString(trimmed) {
					flush()
				}
				add(lead, lead+len(trimmed))
			}
		}
		if end == len(text) {
			break
		}
		pos = end + 1
	}
	flush()
	return segs
}

func isHeaderLine(s string) bool {
	if !strings.HasSuffix(s, ":") || listMarker.MatchString(s) {
		return false
	}
	return len(strings.Fields(s)) <= 6
}

// splitSegment applies rule 4 inside one segment.
func splitSegment(text string, seg Span) []Span {
	var out []Span
	start := seg.Start
	emit := func(s, e int) {
		part := text[s:e]
		t := strings.TrimSpace(part)
		if t == "" {
			return
		}
		ls := s + strings.Index(part, t)
		out = append(out, Span{ls, ls + len(t)})
	}
	s := text[:seg.End]
	for i := seg.Start; i < seg.End; i++ {
		c := s[i]
		if c != '.' && c != '!' && c != '?' {
			continue
		}
		j := i + 1
		for j < seg.End && strings.IndexByte(`"')]”’`, s[j]) >= 0 {
			j++
		}
		// Multi-byte closing quotes.
		for j < seg.End {
			r, n := utf8.DecodeRuneInString(s[j:])
			if r != '”' && r != '’' {
				break
			}
			j += n
		}
		if j >= seg.End {
			break
		}
		if r, _ := utf8.DecodeRuneInString(s[j:]); !unicode.IsSpace(r) {
			continue
		}
		if c == '.' && !endsSentence(s, start, i, j, seg.End) {
			continue
		}
		emit(start, j)
		start = j
	}
	emit(start, seg.End)
	return out
}

// endsSentence decides whether the period at i (closers up to j) ends a sentence.
func endsSentence(s string, segStart, i, j, segEnd int) bool {
	wordStart := i
	for wordStart > segStart {
		r, n := utf8.DecodeLastRuneInString(s[:wordStart])
		if unicode.IsSpace(r) {
			break
		}
		wordStart -= n
	}
	word := strings.ToLower(strings.TrimLeft(s[wordStart:i], `("'[`))
	switch {
	case word == "":
		return true
	case abbreviations[word]:
		return false
	case utf8.RuneCountInString(word) == 1 && unicode.IsLetter([]rune(word)[0]):
		return false // an initial: "J. Smith"
	case wordStart == segStart && isDigits(word):
		return false // a list number at the start of a segment: "1. Aspirin"
	case strings.Contains(word, ".") && isDottedInitials(word):
		return false // "b.i.d", "u.s"
	}
	// The next word decides: lower case continues the sentence.
	k := j
	for k < segEnd {
		r, n := utf8.DecodeRuneInString(s[k:])
		if !unicode.IsSpace(r) {
			return !unicode.IsLower(r)
		}
		k += n
	}
	return true
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func isDottedInitials(s string) bool {
	for _, part := range strings.Split(s, ".") {
		if utf8.RuneCountInString(part) > 2 {
			return false
		}
	}
	return true
}
