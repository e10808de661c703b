package models

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

// The fuzz targets check each model against a naive reference written
// straight from HF's description of the algorithm (no tries, no heaps, no
// caches), plus structural invariants. They run on the real shared
// tokenizers when present and on small hand-made models otherwise.

var fuzzSeeds = []string{"a", "hello", "Ġhello", "▁hello", "unaffable", "aaaaaaaaaaaaaaaa", "ab", "日本語",
	"é", "e\u0301", "😀", "<unk>", "##", "[UNK]", "\xff\xfe", "x" + strings.Repeat("ab", 40)}

// naiveBPE merges by repeatedly taking the lowest-ranked adjacent pair,
// leftmost first. With no two tokens sharing an id this is what HF's queue
// computes. It handles words made only of vocabulary characters.
func naiveBPE(vocab map[string]uint32, ranks map[[2]string]int, word string) ([]string, bool) {
	var parts []string
	for _, r := range word {
		s := string(r)
		if _, ok := vocab[s]; !ok {
			return nil, false
		}
		parts = append(parts, s)
	}
	for {
		best, at := math.MaxInt, -1
		for i := 0; i+1 < len(parts); i++ {
			if r, ok := ranks[[2]string{parts[i], parts[i+1]}]; ok && r < best {
				best, at = r, i
			}
		}
		if at < 0 {
			return parts, true
		}
		parts[at] += parts[at+1]
		parts = append(parts[:at+1], parts[at+2:]...)
	}
}

func fuzzBPEModel(f *testing.F) (*BPE, map[[2]string]int) {
	var m Model
	if _, err := sharedFileErr(f, "tokenizers/roberta.json"); err == nil {
		m = loadSharedModel(f, "roberta.json")
	} else {
		var err error
		m, err = FromJSON([]byte(`{"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "bc": 4, "abc": 5, "é": 6},
			"merges": [["a", "b"], ["b", "c"], ["ab", "c"]]}`))
		if err != nil {
			f.Fatal(err)
		}
	}
	b := m.(*BPE)
	ranks := make(map[[2]string]int)
	b.merges.each(func(k, v uint64) {
		l, _ := b.ids.get(int(k >> 32))
		r, _ := b.ids.get(int(uint32(k)))
		ranks[[2]string{l, r}] = int(v >> 32)
	})
	return b, ranks
}

// withoutCache returns a copy of b that never caches.
func withoutCache(b *BPE) *BPE {
	c := &BPE{vocab: b.vocab, ids: b.ids, merges: b.merges, noMerges: b.noMerges, unkToken: b.unkToken,
		prefix: b.prefix, suffix: b.suffix, fuseUnk: b.fuseUnk, byteFallback: b.byteFallback,
		ignoreMerges: b.ignoreMerges, byteIDs: b.byteIDs, charIDs: b.charIDs}
	c.scratch.New = func() any { return &bpeScratch{} }
	return c
}

func FuzzBPE(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	m, ranks := fuzzBPEModel(f)
	uncached := withoutCache(m)
	f.Fuzz(func(t *testing.T, word string) {
		got, err := m.Tokenize(word)
		if err != nil {
			t.Fatalf("%q: %v", word, err)
		}
		again, err := m.Tokenize(word) // from the cache when short enough
		if err != nil || formatTokens(again) != formatTokens(got) {
			t.Fatalf("%q: second call gave %s, first %s", word, formatTokens(again), formatTokens(got))
		}
		if direct, _ := uncached.Tokenize(word); formatTokens(direct) != formatTokens(got) {
			t.Fatalf("%q: uncached %s, cached %s", word, formatTokens(direct), formatTokens(got))
		}
		pos := 0
		for _, tk := range got {
			if tk.Start != pos || tk.End <= tk.Start || tk.End > len(word) {
				t.Fatalf("%q: token %+v breaks the contiguous spans", word, tk)
			}
			pos = tk.End
			if v, ok := m.IDToToken(tk.ID); !ok || v != tk.Value {
				t.Fatalf("%q: token %+v does not match the vocabulary (%q)", word, tk, v)
			}
		}
		if parts, ok := naiveBPE(m.vocab, ranks, word); ok {
			var s []string
			for _, tk := range got {
				s = append(s, tk.Value)
			}
			if strings.Join(s, " ") != strings.Join(parts, " ") {
				t.Fatalf("%q: got %q, naive BPE %q", word, s, parts)
			}
			if pos != len(word) {
				t.Fatalf("%q: tokens cover %d of %d bytes", word, pos, len(word))
			}
		}
	})
}

// naiveWordPiece is HF's WordPiece::tokenize with map lookups.
func naiveWordPiece(vocab map[string]uint32, unk, prefix string, maxChars int, word string) []string {
	if utf8.RuneCountInString(word) > maxChars {
		return []string{unk}
	}
	var out []string
	for start := 0; start < len(word); {
		end := len(word)
		found := ""
		for start < end {
			sub := word[start:end]
			if start > 0 {
				sub = prefix + sub
			}
			if _, ok := vocab[sub]; ok {
				found = sub
				break
			}
			_, n := utf8.DecodeLastRuneInString(word[start:end])
			end -= n
		}
		if found == "" {
			return []string{unk}
		}
		out = append(out, found)
		start = end
	}
	return out
}

func FuzzWordPiece(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	var m Model
	if _, err := sharedFileErr(f, "tokenizers/bert-base-uncased.json"); err == nil {
		m = loadSharedModel(f, "bert-base-uncased.json")
	} else {
		var err error
		m, err = NewWordPiece(WordPieceConfig{Vocab: map[string]int{"[UNK]": 0, "un": 1, "##aff": 2, "##able": 3, "a": 4, "##a": 5, "é": 6},
			UnkToken: "[UNK]", ContinuingSubwordPrefix: "##", MaxInputCharsPerWord: 20})
		if err != nil {
			f.Fatal(err)
		}
	}
	w := m.(*WordPiece)
	f.Fuzz(func(t *testing.T, word string) {
		if !utf8.ValidString(word) {
			return // HF only sees valid UTF-8; the naive reference assumes it
		}
		got, err := w.Tokenize(word)
		if err != nil {
			t.Fatalf("%q: %v", word, err)
		}
		want := naiveWordPiece(w.vocab, w.unkToken, w.prefix, w.maxChars, word)
		var vals []string
		pos := 0
		for _, tk := range got {
			vals = append(vals, tk.Value)
			if tk.Value == w.unkToken && len(got) == 1 {
				pos = tk.End
				continue
			}
			if tk.Start != pos || !strings.HasSuffix(tk.Value, word[tk.Start:tk.End]) {
				t.Fatalf("%q: token %+v does not continue at %d", word, tk, pos)
			}
			pos = tk.End
		}
		if strings.Join(vals, " ") != strings.Join(want, " ") {
			t.Fatalf("%q: got %q, naive WordPiece %q", word, vals, want)
		}
		if pos != len(word) {
			t.Fatalf("%q: tokens cover %d of %d bytes", word, pos, len(word))
		}
	})
}

// naiveUnigram is SentencePiece's Viterbi with a map lookup of every
// substring, HF's tie-breaking (first best kept), and fused unknown runs.
func naiveUnigram(u *Unigram, word string) []string {
	n := len(word)
	type node struct {
		score float64
		from  int
		id    int
	}
	best := make([]node, n+1)
	for i := range best {
		best[i].from = -1
	}
	for pos := 0; pos < n; {
		_, mb := utf8.DecodeRuneInString(word[pos:])
		single := false
		for end := pos + 1; end <= n; end++ {
			id, ok := u.tokenToID[word[pos:end]]
			if !ok {
				continue
			}
			c := u.pieces[id].Score + best[pos].score
			if best[end].from < 0 || c > best[end].score {
				best[end] = node{c, pos, int(id)}
			}
			if end-pos == mb {
				single = true
			}
		}
		if !single {
			c := u.unkScore + best[pos].score
			if best[pos+mb].from < 0 || c > best[pos+mb].score {
				best[pos+mb] = node{c, pos, int(u.unkID)}
			}
		}
		pos += mb
	}
	var rev []string
	unk := ""
	for end := n; end > 0; end = best[end].from {
		piece := word[best[end].from:end]
		if best[end].id == int(u.unkID) {
			unk = piece + unk
			continue
		}
		if unk != "" {
			rev = append(rev, unk)
			unk = ""
		}
		rev = append(rev, piece)
	}
	if unk != "" {
		rev = append(rev, unk)
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}

func FuzzUnigram(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	var m Model
	if _, err := sharedFileErr(f, "tokenizers/t5.json"); err == nil {
		m = loadSharedModel(f, "t5.json")
	} else {
		var err error
		m, err = NewUnigram([]UnigramPiece{{"<unk>", 0}, {"a", -1}, {"b", -2}, {"ab", -2.5}, {"▁", -0.5}, {"é", -3}}, 0, false)
		if err != nil {
			f.Fatal(err)
		}
	}
	u := m.(*Unigram)
	f.Fuzz(func(t *testing.T, word string) {
		if !utf8.ValidString(word) {
			return
		}
		got, err := u.Tokenize(word)
		if err != nil {
			t.Fatalf("%q: %v", word, err)
		}
		pos := 0
		var spans []string
		for _, tk := range got {
			if tk.Start != pos || tk.End <= tk.Start {
				t.Fatalf("%q: token %+v does not continue at %d", word, tk, pos)
			}
			if tk.Value != word[tk.Start:tk.End] {
				t.Fatalf("%q: token %+v is not its span (no byte fallback here)", word, tk)
			}
			spans = append(spans, tk.Value)
			pos = tk.End
		}
		if pos != len(word) {
			t.Fatalf("%q: tokens cover %d of %d bytes", word, pos, len(word))
		}
		if want := naiveUnigram(u, word); strings.Join(spans, "|") != strings.Join(want, "|") {
			t.Fatalf("%q: got %q, naive Viterbi %q", word, spans, want)
		}
	})
}

func FuzzWordLevel(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	m, err := NewWordLevel(map[string]int{"<unk>": 0, "hello": 1, "a": 2, "é": 3}, "<unk>")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, word string) {
		got, err := m.Tokenize(word)
		if err != nil || len(got) != 1 || got[0].Start != 0 || got[0].End != len(word) {
			t.Fatalf("%q: got %s, %v; want one token spanning the word", word, formatTokens(got), err)
		}
		if id, ok := m.TokenToID(word); ok && (got[0].ID != id || got[0].Value != word) {
			t.Fatalf("%q: got %s, want the word's own id %d", word, formatTokens(got), id)
		}
	})
}

// FuzzFromJSON feeds arbitrary model objects to the loader: it must never
// panic, and a model it accepts must tokenize without panicking.
func FuzzFromJSON(f *testing.F) {
	for _, s := range []string{
		`{"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"], "unk_token": "a", "byte_fallback": true}`,
		`{"vocab": {"a": 0, "##b": 1, "ab": 2}, "merges": [["a", "##b"]], "continuing_subword_prefix": "##", "end_of_word_suffix": "</w>"}`,
		`{"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 3, "vocab": {"[UNK]": 0, "a": 1}}`,
		`{"type": "WordLevel", "unk_token": "<unk>", "vocab": {"<unk>": 0}}`,
		`{"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0], ["a", -1e308], ["", 5]], "byte_fallback": true}`,
	} {
		f.Add(s, "ab")
	}
	f.Fuzz(func(t *testing.T, model, word string) {
		m, err := FromJSON([]byte(model))
		if err != nil {
			return
		}
		_, _ = m.Tokenize(word)
		_, _ = m.IDToToken(len(word))
		_, _ = m.TokenToID(word)
	})
}
