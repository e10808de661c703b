package tokenizer

import (
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/clinlm/clinlm/inference/tokenizer/internal/runeclass"
	"github.com/clinlm/clinlm/inference/tokenizer/models"
	"github.com/clinlm/clinlm/inference/tokenizer/normalized"
	"github.com/clinlm/clinlm/inference/tokenizer/normalizers"
)

// AddedToken is an entry of tokenizer.json's "added_tokens".
type AddedToken struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

// addedVocabulary extracts added tokens from the text before the model sees
// it, like HF's AddedVocabulary: tokens with normalized=false are found in
// the raw text first, then tokens with normalized=true in the normalized
// remainder. Matching is leftmost-longest.
type addedVocabulary struct {
	byContent map[string]int
	byID      map[int]AddedToken
	// normalizedForm is the normalizer's output for normalized tokens whose
	// content it changes; it is what they match and decode as.
	normalizedForm map[int]string
	special        map[string]bool
	raw, norm      *trie // nil when empty
	ordered        []AddedToken
}

// newAddedVocabulary assigns ids the way HF's deserializer does: a token that
// is in the model's vocabulary takes that id, otherwise the next id after the
// largest added id (or the vocabulary size). The "id" written in the file is
// not used.
func newAddedVocabulary(tokens []AddedToken, model models.Model, norm normalizers.Normalizer) (*addedVocabulary, error) {
	av := &addedVocabulary{
		byContent:      map[string]int{},
		byID:           map[int]AddedToken{},
		normalizedForm: map[int]string{},
		special:        map[string]bool{},
	}
	vocabSize := model.VocabSize()
	nextID := vocabSize
	for _, t := range tokens {
		if t.Content == "" {
			continue
		}
		if id, ok := av.byContent[t.Content]; ok {
			prev := av.byID[id]
			prev.ID = t.ID
			if prev == t {
				continue
			}
		}
		id, ok := av.byContent[t.Content]
		if !ok {
			id, ok = model.TokenToID(t.Content)
		}
		if !ok {
			id = nextID
			nextID++
		}
		if t.Normalized && norm != nil {
			s := normalized.New(t.Content)
			if err := norm.Normalize(&s); err != nil {
				return nil, err
			}
			if s.Get() != t.Content {
				av.normalizedForm[id] = s.Get()
			}
		}
		av.byContent[t.Content] = id
		if t.Special {
			av.special[t.Content] = true
		}
		t.ID = id
		av.byID[id] = t
	}
	var rawPatterns, normPatterns []trieEntry
	for id, t := range av.byID {
		if t.Normalized {
			p := t.Content
			if f, ok := av.normalizedForm[id]; ok {
				p = f
			}
			normPatterns = append(normPatterns, trieEntry{p, id})
		} else {
			rawPatterns = append(rawPatterns, trieEntry{t.Content, id})
		}
		av.ordered = append(av.ordered, t)
	}
	sort.Slice(av.ordered, func(i, j int) bool { return av.ordered[i].ID < av.ordered[j].ID })
	av.raw = newTrie(rawPatterns)
	av.norm = newTrie(normPatterns)
	return av, nil
}

// decodeToken is HF's simple_id_to_token: the normalized form of a
// normalized token when the normalizer changes it, else the content.
func (av *addedVocabulary) decodeToken(id int) (string, bool) {
	t, ok := av.byID[id]
	if !ok {
		return "", false
	}
	if f, ok := av.normalizedForm[id]; ok {
		return f, true
	}
	return t.Content, true
}

// extract splits the raw text around non-normalized added tokens, normalizes
// the rest, then splits it around normalized added tokens (HF's
// extract_and_normalize).
func (av *addedVocabulary) extract(norm normalizers.Normalizer, text string) (*normalized.PreTokenized, error) {
	pt := normalized.NewPreTokenized(text)
	if err := av.extractInto(pt, norm, text); err != nil {
		return nil, err
	}
	return pt, nil
}

// extractInto is extract reusing pt.
func (av *addedVocabulary) extractInto(pt *normalized.PreTokenized, norm normalizers.Normalizer, text string) error {
	pt.ResetText(text)
	if av.raw != nil {
		if err := pt.SplitPieces(func(s *normalized.String, dst []normalized.Piece) ([]normalized.Piece, error) {
			return av.splitWithIndices(s, av.raw, dst), nil
		}); err != nil {
			return err
		}
	}
	return pt.SplitPieces(func(s *normalized.String, dst []normalized.Piece) ([]normalized.Piece, error) {
		if norm != nil {
			if err := norm.Normalize(s); err != nil {
				return dst, err
			}
		}
		// Even without normalized added tokens HF slices the normalized
		// piece, which recomputes the original range it covers from its
		// alignments (a Strip normalizer moves it, for instance).
		return av.splitWithIndices(s, av.norm, dst), nil
	})
}

func (av *addedVocabulary) splitWithIndices(s *normalized.String, t *trie, dst []normalized.Piece) []normalized.Piece {
	text := s.Get()
	var buf [8]addedSplit
	for _, m := range av.findMatches(text, t, buf[:0]) {
		piece, ok := s.Slice(m.start, m.end)
		if !ok {
			continue
		}
		if m.id < 0 {
			dst = append(dst, normalized.Piece{Norm: piece})
			continue
		}
		value := av.tokenValue(m.id, piece.Get())
		dst = append(dst, normalized.Piece{
			Norm:      piece,
			Token:     normalized.Token{ID: m.id, Value: value, Start: 0, End: len(value)},
			Tokenized: true,
		})
	}
	return dst
}

// tokenValue is the value of added token id matched as text: the token's
// own content when it is the same, a copy otherwise (lstrip and rstrip
// take whitespace into it): the text lives in memory reused for the next
// input.
func (av *addedVocabulary) tokenValue(id int, text string) string {
	if tok := av.byID[id]; text == tok.Content {
		return tok.Content
	}
	return strings.Clone(text)
}

type addedSplit struct {
	start, end int
	id         int // -1: not an added token
}

// findMatches is HF's AddedVocabulary::find_matches: leftmost-longest matches,
// filtered by single_word, widened by lstrip/rstrip.
func (av *addedVocabulary) findMatches(text string, t *trie, splits []addedSplit) []addedSplit {
	if len(text) == 0 {
		return append(splits, addedSplit{0, 0, -1})
	}
	if t == nil {
		return append(splits, addedSplit{0, len(text), -1})
	}
	startOffset := 0
	for pos := 0; pos < len(text); {
		start, end, id, ok := t.leftmostLongest(text, pos)
		if !ok {
			break
		}
		pos = end
		tok := av.byID[id]
		if tok.SingleWord {
			startSpace := start == 0 || !endsWithWord(text[:start])
			stopSpace := end == len(text) || !startsWithWord(text[end:])
			if !startSpace || !stopSpace {
				continue
			}
		}
		if tok.LStrip {
			newStart := start
			for newStart > 0 {
				r, size := utf8.DecodeLastRuneInString(text[:newStart])
				if !runeclass.IsWhitespace(r) {
					break
				}
				newStart -= size
			}
			start = max(newStart, startOffset)
		}
		if tok.RStrip {
			for end < len(text) {
				r, size := utf8.DecodeRuneInString(text[end:])
				if !runeclass.IsWhitespace(r) {
					break
				}
				end += size
			}
		}
		if startOffset < start {
			splits = append(splits, addedSplit{startOffset, start, -1})
		}
		splits = append(splits, addedSplit{start, end, id})
		startOffset = end
		// The next search starts after the token's own match, before any
		// whitespace rstrip swallowed (HF's matcher iterates independently).
	}
	if startOffset != len(text) {
		splits = append(splits, addedSplit{startOffset, len(text), -1})
	}
	return splits
}

// endsWithWord and startsWithWord are \w$ and ^\w of Rust's regex crate.
func endsWithWord(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return len(s) > 0 && runeclass.IsRegexWord(r)
}

func startsWithWord(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return len(s) > 0 && runeclass.IsRegexWord(r)
}

// trie is a byte trie of the added tokens' patterns.
type trie struct {
	nodes []trieNode
	first [256]bool // bytes that start some pattern
	// only is the byte that starts every pattern, -1 when they start with
	// different bytes. Most tokenizers' added tokens all start with one
	// ("[" in BERT's, "<" in RoBERTa's), and strings.IndexByte finds it
	// faster than a test of each byte (in WebAssembly, where the scan of
	// every note showed in the profile, it reads four bytes at a time).
	only int
}

type trieNode struct {
	edges []trieEdge // sorted by byte
	id    int        // -1: no pattern ends here
}

type trieEdge struct {
	b    byte
	next int32
}

type trieEntry struct {
	pattern string
	id      int
}

func newTrie(entries []trieEntry) *trie {
	if len(entries) == 0 {
		return nil
	}
	// Insert in a fixed order so that duplicates resolve deterministically:
	// by id (entries with one id give the same trie in any order). sort.Slice,
	// not slices.SortFunc, whose instantiation costs tokenizer.wasm ~20 KB.
	sort.Slice(entries, func(i, j int) bool { return entries[i].id < entries[j].id })
	t := &trie{nodes: []trieNode{{id: -1}}}
	for _, e := range entries {
		if e.pattern == "" {
			continue
		}
		t.first[e.pattern[0]] = true
		n := 0
		for i := 0; i < len(e.pattern); i++ {
			n = t.child(n, e.pattern[i])
		}
		if t.nodes[n].id < 0 {
			t.nodes[n].id = e.id
		}
	}
	firsts := 0
	for c, ok := range t.first {
		if ok {
			firsts, t.only = firsts+1, c
		}
	}
	if firsts != 1 {
		t.only = -1
	}
	return t
}

func (t *trie) child(n int, b byte) int {
	edges := t.nodes[n].edges
	i := sort.Search(len(edges), func(i int) bool { return edges[i].b >= b })
	if i < len(edges) && edges[i].b == b {
		return int(edges[i].next)
	}
	t.nodes = append(t.nodes, trieNode{id: -1})
	next := len(t.nodes) - 1
	edges = slices.Insert(edges, i, trieEdge{b, int32(next)})
	t.nodes[n].edges = edges
	return next
}

func (t *trie) step(n int, b byte) int {
	edges := t.nodes[n].edges
	if len(edges) < 8 {
		for _, e := range edges {
			if e.b == b {
				return int(e.next)
			}
		}
		return -1
	}
	i := sort.Search(len(edges), func(i int) bool { return edges[i].b >= b })
	if i < len(edges) && edges[i].b == b {
		return int(edges[i].next)
	}
	return -1
}

// leftmostLongest finds the match that starts first at or after from and,
// among those, is longest.
func (t *trie) leftmostLongest(text string, from int) (start, end, id int, ok bool) {
	for s := from; s < len(text); s++ {
		if t.only >= 0 {
			i := strings.IndexByte(text[s:], byte(t.only))
			if i < 0 {
				break
			}
			s += i
		} else if !t.first[text[s]] {
			continue
		}
		n := 0
		best := -1
		for i := s; i < len(text); i++ {
			n = t.step(n, text[i])
			if n < 0 {
				break
			}
			if t.nodes[n].id >= 0 {
				best, id = i+1, t.nodes[n].id
			}
		}
		if best >= 0 {
			return s, best, id, true
		}
	}
	return 0, 0, 0, false
}
