package corpus

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/clinlm/clinlm/tokenizers/marked"
)

// Limits are the model input lengths the statistics count notes over
// (tokens, special tokens included): BERT-style models take 512, the
// paper's long-context baselines 1024.
var Limits = [...]int{128, 256, 512, 1024}

// Histogram bins: BinWidth tokens each, the last one open-ended.
const (
	BinWidth = 32
	Bins     = 64 // [0,32) ... [2016,2048), then ≥2048 in the last bin
)

// TopK bounds the longest-notes and most-split-words lists.
const TopK = 15

// previewRunes is how much of a long note the list shows.
const previewRunes = 80

// Stats are one tokenizer's running totals over a corpus.
type Stats struct {
	Name string
	tok  *marked.Tokenizer

	notes, tokens, contentTokens, unknown int
	words, wordPieces, wholeWords         int
	chars                                 int
	over                                  [len(Limits)]int
	maxTokens                             int
	hist                                  [Bins + 1]int
	seen                                  []uint64 // bit per vocabulary id
	seenCount                             int
	longest                               []LongNote
	split                                 []SplitWord
}

// LongNote is one entry of the longest notes.
type LongNote struct {
	Index   int    `json:"index"` // 1-based position in the corpus
	Line    int    `json:"line"`
	ID      string `json:"id,omitempty"`
	Tokens  int    `json:"tokens"`
	Preview string `json:"preview"`
}

// SplitWord is one entry of the most split words.
type SplitWord struct {
	Word   string   `json:"word"`
	Pieces []string `json:"pieces"`
}

// NewStats starts the totals of one tokenizer.
func NewStats(name string, t *marked.Tokenizer) *Stats {
	return &Stats{Name: name, tok: t, seen: make([]uint64, (t.VocabSize+63)/64+1)}
}

func byStart(a, b marked.Token) int { return a.Start - b.Start }

// word is a maximal run of letters, digits and marks, in code points.
type word struct{ start, end int }

// words finds the words of a note. Words are the same for every tokenizer,
// which is what makes fertility comparable across them.
func words(text string) []word {
	var out []word
	cp, start := 0, -1
	for _, r := range text {
		in := unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
		switch {
		case in && start < 0:
			start = cp
		case !in && start >= 0:
			out = append(out, word{start, cp})
			start = -1
		}
		cp++
	}
	if start >= 0 {
		out = append(out, word{start, cp})
	}
	return out
}

// Add encodes one note (with special tokens, never truncated) and adds it.
// index is the note's 1-based position in the corpus.
func (s *Stats) Add(index int, n Note, ws []word, runes []rune) error {
	toks, err := s.tok.Tokens(n.Text, true)
	if err != nil {
		return fmt.Errorf("%s: %w", s.Name, err)
	}
	s.notes++
	s.chars += len(runes)
	s.tokens += len(toks)
	for i, l := range Limits {
		if len(toks) > l {
			s.over[i]++
		}
	}
	s.maxTokens = max(s.maxTokens, len(toks))
	s.hist[min(len(toks)/BinWidth, Bins)]++

	content := make([]marked.Token, 0, len(toks))
	for _, t := range toks {
		if t.ID >= 0 && t.ID/64 < len(s.seen) && s.seen[t.ID/64]&(1<<(t.ID%64)) == 0 {
			s.seen[t.ID/64] |= 1 << (t.ID % 64)
			s.seenCount++
		}
		if t.Special {
			continue
		}
		s.contentTokens++
		if t.Unknown {
			s.unknown++
		}
		if t.End > t.Start {
			content = append(content, t)
		}
	}
	// Tokens come in text order (sorted here should a model ever differ):
	// walk words and tokens together.
	if !slices.IsSortedFunc(content, byStart) {
		slices.SortStableFunc(content, byStart)
	}
	j := 0
	for _, w := range ws {
		for j < len(content) && content[j].End <= w.start {
			j++
		}
		pieces := 0
		for k := j; k < len(content) && content[k].Start < w.end; k++ {
			if content[k].End > w.start {
				pieces++
			}
		}
		if pieces == 0 {
			continue // inside a special token written in the note
		}
		s.words++
		s.wordPieces += pieces
		if pieces == 1 {
			s.wholeWords++
			continue
		}
		s.considerSplit(w, pieces, content[j:], runes)
	}
	s.considerLong(index, n, len(toks), runes)
	return nil
}

func (s *Stats) considerSplit(w word, pieces int, from []marked.Token, runes []rune) {
	if len(s.split) == TopK && pieces <= len(s.split[len(s.split)-1].Pieces) {
		return
	}
	text := string(runes[w.start:w.end])
	for _, sw := range s.split {
		if sw.Word == text {
			return
		}
	}
	sw := SplitWord{Word: text}
	for _, t := range from {
		if t.Start >= w.end {
			break
		}
		if t.End > w.start {
			sw.Pieces = append(sw.Pieces, t.Text)
		}
	}
	// Most pieces first; among equals, the first seen.
	at := sort.Search(len(s.split), func(i int) bool { return len(s.split[i].Pieces) < pieces })
	s.split = append(s.split, SplitWord{})
	copy(s.split[at+1:], s.split[at:])
	s.split[at] = sw
	if len(s.split) > TopK {
		s.split = s.split[:TopK]
	}
}

func (s *Stats) considerLong(index int, n Note, tokens int, runes []rune) {
	if len(s.longest) == TopK && tokens <= s.longest[len(s.longest)-1].Tokens {
		return
	}
	preview := runes
	if len(preview) > previewRunes {
		preview = preview[:previewRunes]
	}
	ln := LongNote{Index: index, Line: n.Line, ID: n.ID, Tokens: tokens, Preview: strings.Join(strings.Fields(string(preview)), " ")}
	at := sort.Search(len(s.longest), func(i int) bool { return s.longest[i].Tokens < tokens })
	s.longest = append(s.longest, LongNote{})
	copy(s.longest[at+1:], s.longest[at:])
	s.longest[at] = ln
	if len(s.longest) > TopK {
		s.longest = s.longest[:TopK]
	}
}

// Summary is one tokenizer's statistics, as the page and the CLI show them.
type Summary struct {
	Tokenizer string `json:"tokenizer"`
	Notes     int    `json:"notes"`
	Tokens    int    `json:"tokens"` // special tokens included
	// Fertility is word pieces per word: for every word (a run of letters,
	// digits and marks) the tokens that overlap it, averaged.
	Fertility float64 `json:"fertility"`
	// UnkRate is unknown tokens per token, special tokens left out.
	UnkRate float64 `json:"unkRate"`
	// CharsPerToken: code points of the notes per token, special tokens
	// left out.
	CharsPerToken float64 `json:"charsPerToken"`
	MeanTokens    float64 `json:"meanTokens"`
	MaxTokens     int     `json:"maxTokens"`
	// Over[i] is the share of notes longer than Limits[i] tokens.
	Over []LimitShare `json:"over"`
	// WholeWords is the share of words kept as one token (word coverage).
	WholeWords float64 `json:"wholeWords"`
	// VocabUsed is the share of the vocabulary the corpus used.
	VocabUsed float64 `json:"vocabUsed"`
	VocabSize int     `json:"vocabSize"`
	// Histogram counts notes by length in BinWidth-token bins; the last bin
	// holds every note of Bins*BinWidth tokens or more.
	Histogram []int       `json:"histogram"`
	Longest   []LongNote  `json:"longest"`
	MostSplit []SplitWord `json:"mostSplit"`
}

// LimitShare is the share of notes over one length limit.
type LimitShare struct {
	Limit int     `json:"limit"`
	Notes int     `json:"notes"`
	Share float64 `json:"share"`
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Summary reports the totals so far.
func (s *Stats) Summary() Summary {
	out := Summary{
		Tokenizer: s.Name, Notes: s.notes, Tokens: s.tokens,
		Fertility: ratio(s.wordPieces, s.words), UnkRate: ratio(s.unknown, s.contentTokens),
		CharsPerToken: ratio(s.chars, s.contentTokens), MeanTokens: ratio(s.tokens, s.notes), MaxTokens: s.maxTokens,
		WholeWords: ratio(s.wholeWords, s.words), VocabUsed: ratio(s.seenCount, s.tok.VocabSize), VocabSize: s.tok.VocabSize,
		Histogram: append([]int{}, s.hist[:]...),
		Longest:   append([]LongNote{}, s.longest...), MostSplit: append([]SplitWord{}, s.split...),
	}
	for i, l := range Limits {
		out.Over = append(out.Over, LimitShare{Limit: l, Notes: s.over[i], Share: ratio(s.over[i], s.notes)})
	}
	return out
}
