package spans

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"

	"github.com/clinlm/clinlm/internal/smalljson"
	"github.com/clinlm/clinlm/tokenizers/marked"
)

// Issues of a span against the tokens. A span with none is aligned.
const (
	// StartInside: the span starts inside a token. A token that only reaches
	// over whitespace before the span (byte-level BPE's "Ġword" without
	// trimmed offsets) does not count: the span still starts on a word.
	StartInside = "start-inside-token"
	// EndInside: the span ends inside a token (whitespace after it aside).
	EndInside = "end-inside-token"
	// CrossesSpecial: the span covers a special token written in the note
	// ([SEP], <mask>), which the model reads as a control token.
	CrossesSpecial = "crosses-special-token"
	// Truncated: some (or all) of the span's tokens lie past the maximum
	// length, so a model truncating there never sees them.
	Truncated = "truncated"
	// NoTokens: the span covers only text no token comes from (whitespace).
	NoTokens = "no-tokens"
	// Overlaps: the span shares tokens with an earlier span; IOB2 gives each
	// token one tag, and the earlier span keeps it.
	Overlaps = "overlaps-another-span"
)

// Token is one token of an aligned document, with its IOB2 tag.
type Token struct {
	Text       string `json:"text"`
	Start      int    `json:"start"`
	End        int    `json:"end"`
	Special    bool   `json:"special,omitempty"`
	Tag        string `json:"tag"`
	Position   int    `json:"position"` // index in the encoding with special tokens
	AddedSpec  bool   `json:"addedSpecial,omitempty"`
	pastLength bool
}

// SpanResult is one span against the tokens.
type SpanResult struct {
	Span
	// Tokens are the indexes (into Alignment.Tokens) of the tokens the span
	// overlaps.
	Tokens []int    `json:"tokens"`
	Issues []string `json:"issues"`
}

// Aligned reports whether the span starts and ends on token boundaries and
// has no other issue.
func (r SpanResult) Aligned() bool { return len(r.Issues) == 0 }

// Alignment is one document under one tokenizer.
type Alignment struct {
	ID        string       `json:"id"`
	Tokenizer string       `json:"tokenizer"`
	MaxLength int          `json:"maxLength"`
	Tokens    []Token      `json:"tokens"` // the note's tokens, post-processor specials left out
	Spans     []SpanResult `json:"spans"`
}

// Align encodes the document (special tokens added, so that the truncation
// limit counts them as the model does) and checks every span. maxLength 0
// means no truncation limit.
//
// The IOB2 rule: every token a span overlaps is tagged, B-label on the first
// and I-label on the rest, even when the span cuts a token (then the span is
// also listed with its issue); each fragment of a discontinuous span begins
// with B-. Spans are taken in order of start (longer first); a token already
// tagged keeps its tag and the later span is listed as overlapping.
func Align(doc Document, name string, tok *marked.Tokenizer, maxLength int) (Alignment, error) {
	toks, err := tok.Tokens(doc.Text, true)
	if err != nil {
		return Alignment{}, fmt.Errorf("%s: %w", doc.ID, err)
	}
	// The post-processor's tokens after the note (e.g. [SEP]) stay within
	// the limit when truncating, so the note keeps maxLength minus all of them.
	specials := 0
	for _, t := range toks {
		if t.Special {
			specials++
		}
	}
	keep := -1
	if maxLength > 0 {
		keep = maxLength - specials
	}
	a := Alignment{ID: doc.ID, Tokenizer: name, MaxLength: maxLength}
	runes := []rune(doc.Text)
	for i, t := range toks {
		if t.Special {
			continue
		}
		a.Tokens = append(a.Tokens, Token{
			Text: t.Text, Start: t.Start, End: t.End, Tag: "O", Position: i, AddedSpec: t.AddedSpecial,
			pastLength: keep >= 0 && len(a.Tokens) >= keep,
		})
	}
	order := make([]int, len(doc.Spans))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := doc.Spans[order[i]].Fragments, doc.Spans[order[j]].Fragments
		if a[0][0] != b[0][0] {
			return a[0][0] < b[0][0]
		}
		return a[len(a)-1][1] > b[len(b)-1][1]
	})
	for _, si := range order {
		s := doc.Spans[si]
		r := SpanResult{Span: s, Tokens: []int{}, Issues: []string{}}
		issue := func(name string) {
			for _, have := range r.Issues {
				if have == name {
					return
				}
			}
			r.Issues = append(r.Issues, name)
		}
		overlapped := false
		for _, f := range s.Fragments {
			first := true
			for i := range a.Tokens {
				t := &a.Tokens[i]
				if t.End <= f[0] || t.Start >= f[1] || t.End == t.Start {
					continue
				}
				r.Tokens = append(r.Tokens, i)
				if t.Start < f[0] && !blank(runes[t.Start:f[0]]) {
					issue(StartInside)
				}
				if t.End > f[1] && !blank(runes[f[1]:t.End]) {
					issue(EndInside)
				}
				if t.AddedSpec {
					issue(CrossesSpecial)
				}
				if t.pastLength {
					issue(Truncated)
				}
				if t.Tag != "O" {
					overlapped = true
					first = false
					continue
				}
				if first {
					t.Tag = "B-" + s.Label
					first = false
				} else {
					t.Tag = "I-" + s.Label
				}
			}
		}
		if len(r.Tokens) == 0 {
			issue(NoTokens)
		}
		if overlapped {
			issue(Overlaps)
		}
		a.Spans = append(a.Spans, r)
	}
	return a, nil
}

func blank(rs []rune) bool {
	for _, r := range rs {
		if !unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// Counts are one label's spans under one tokenizer, by issue.
type Counts struct {
	Tokenizer string         `json:"tokenizer"`
	Label     string         `json:"label"`
	Spans     int            `json:"spans"`
	Aligned   int            `json:"aligned"`
	Issues    map[string]int `json:"issues"`
}

// Count tallies alignments per tokenizer and label, in a stable order.
func Count(as []Alignment) []Counts {
	idx := map[[2]string]*Counts{}
	var keys [][2]string
	for _, a := range as {
		for _, s := range a.Spans {
			k := [2]string{a.Tokenizer, s.Label}
			c, ok := idx[k]
			if !ok {
				c = &Counts{Tokenizer: a.Tokenizer, Label: s.Label, Issues: map[string]int{}}
				idx[k] = c
				keys = append(keys, k)
			}
			c.Spans++
			if s.Aligned() {
				c.Aligned++
			}
			for _, is := range s.Issues {
				c.Issues[is]++
			}
		}
	}
	out := make([]Counts, 0, len(keys))
	for _, k := range keys {
		out = append(out, *idx[k])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}

// Misaligned is one span with issues, as the exports list it.
type Misaligned struct {
	Span   string   `json:"span"`
	Label  string   `json:"label"`
	Start  int      `json:"start"`
	End    int      `json:"end"`
	Issues []string `json:"issues"`
}

func misaligned(a Alignment) []Misaligned {
	out := []Misaligned{}
	for _, s := range a.Spans {
		if s.Aligned() {
			continue
		}
		out = append(out, Misaligned{Span: s.ID, Label: s.Label, Start: s.Fragments[0][0], End: s.Fragments[len(s.Fragments)-1][1], Issues: s.Issues})
	}
	return out
}

// WriteJSONL writes one line per document:
// {"id","tokenizer","tokens","tags","offsets","misaligned"}.
func WriteJSONL(w io.Writer, as []Alignment) error {
	bw := bufio.NewWriter(w)
	for _, a := range as {
		line := struct {
			ID         string       `json:"id"`
			Tokenizer  string       `json:"tokenizer"`
			Tokens     []string     `json:"tokens"`
			Tags       []string     `json:"tags"`
			Offsets    [][2]int     `json:"offsets"`
			Misaligned []Misaligned `json:"misaligned"`
		}{ID: a.ID, Tokenizer: a.Tokenizer, Tokens: []string{}, Tags: []string{}, Offsets: [][2]int{}, Misaligned: misaligned(a)}
		for _, t := range a.Tokens {
			line.Tokens = append(line.Tokens, t.Text)
			line.Tags = append(line.Tags, t.Tag)
			line.Offsets = append(line.Offsets, [2]int{t.Start, t.End})
		}
		// smalljson, not encoding/json: this package is in the WASM build, which
		// leaves encoding/json out for size. Both escape <, > and & the same way.
		b, err := smalljson.Marshal(line)
		if err != nil {
			return err
		}
		bw.Write(b)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// WriteCoNLL writes token<TAB>tag lines, a blank line between documents.
// Each document starts with "# id = ..." and "# tokenizer = ..." comment
// lines, then one "# misaligned = ..." line per span with issues.
func WriteCoNLL(w io.Writer, as []Alignment) error {
	bw := bufio.NewWriter(w)
	oneLine := strings.NewReplacer("\n", " ", "\r", " ", "\t", " ")
	for i, a := range as {
		if i > 0 {
			bw.WriteString("\n")
		}
		fmt.Fprintf(bw, "# id = %s\n# tokenizer = %s\n", oneLine.Replace(a.ID), oneLine.Replace(a.Tokenizer))
		for _, m := range misaligned(a) {
			fmt.Fprintf(bw, "# misaligned = %s %s %d %d %s\n", oneLine.Replace(m.Span), oneLine.Replace(m.Label), m.Start, m.End, strings.Join(m.Issues, ","))
		}
		for _, t := range a.Tokens {
			text := oneLine.Replace(t.Text)
			if strings.TrimSpace(text) == "" {
				text = "_" // a whitespace token would read as a blank line
			}
			fmt.Fprintf(bw, "%s\t%s\n", text, t.Tag)
		}
	}
	return bw.Flush()
}
