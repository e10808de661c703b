package models

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The benchmarks tokenize words taken from the shared biomedical text
// (ADE corpus sentences and SICK pairs), split by small stand-ins for each
// tokenizer's pre-tokenizer (the real ones live in other packages):
// BERT-style lowercase/whitespace/punctuation splitting for WordPiece,
// GPT-2-style word/number/symbol runs with a leading space mapped through
// the byte-level alphabet for BPE, and "▁"-prefixed whitespace words for
// Unigram. Results are reported per word.
//
//   - .../warm: every word in text order, word cache on (a long-running server);
//   - .../cold: each distinct word once, word cache off (the merge/Viterbi cost).
//
// Set CLINLM_BENCH_DUMP_DIR to also write the word lists (one JSON string
// per line) for running the same words through another implementation.

const benchMaxWords = 200_000

func benchText(b *testing.B) string {
	b.Helper()
	var sb strings.Builder
	for _, rel := range []string{"data/ade/ADE-NEG.txt", "data/sick/SICK.txt"} {
		p, err := sharedFileErr(b, rel)
		if err != nil {
			b.Skipf("benchmark text %s not available (set CLINLM_SHARED): %v", rel, err)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		sb.Write(data)
		sb.WriteByte('\n')
	}
	return sb.String()
}

func limitWords(words []string) []string {
	if len(words) > benchMaxWords {
		words = words[:benchMaxWords]
	}
	return words
}

// bertWords lowercases and splits on whitespace and punctuation.
func bertWords(text string) []string {
	var words []string
	for _, f := range strings.Fields(strings.ToLower(text)) {
		start := 0
		for i, r := range f {
			if unicode.IsPunct(r) || (r < 0x80 && unicode.IsSymbol(r)) {
				if i > start {
					words = append(words, f[start:i])
				}
				words = append(words, f[i:i+utf8.RuneLen(r)])
				start = i + utf8.RuneLen(r)
			}
		}
		if start < len(f) {
			words = append(words, f[start:])
		}
	}
	return limitWords(words)
}

// byteLevelAlphabet is GPT-2's reversible byte → printable rune map.
func byteLevelAlphabet() [256]rune {
	var m [256]rune
	n := 0
	for b := 0; b < 256; b++ {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			m[b] = rune(b)
		} else {
			m[b] = rune(256 + n)
			n++
		}
	}
	return m
}

// gpt2Words splits into runs of letters, digits or other non-space
// characters, each taking one preceding space, then maps bytes to the
// byte-level alphabet.
func gpt2Words(text string) []string {
	alpha := byteLevelAlphabet()
	class := func(r rune) int {
		switch {
		case unicode.IsLetter(r):
			return 1
		case unicode.IsNumber(r):
			return 2
		case unicode.IsSpace(r):
			return 0
		}
		return 3
	}
	var words []string
	var sb strings.Builder
	emit := func(w string) {
		sb.Reset()
		for i := 0; i < len(w); i++ {
			sb.WriteRune(alpha[w[i]])
		}
		words = append(words, sb.String())
	}
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if class(r) == 0 && r != ' ' {
			i += n
			continue
		}
		start := i
		if r == ' ' {
			i += n
			if i >= len(text) {
				break
			}
			r, n = utf8.DecodeRuneInString(text[i:])
			if class(r) == 0 {
				continue
			}
		}
		c := class(r)
		for i < len(text) {
			r, n = utf8.DecodeRuneInString(text[i:])
			if class(r) != c {
				break
			}
			i += n
		}
		emit(text[start:i])
	}
	return limitWords(words)
}

// metaspaceWords prefixes every whitespace-separated word with "▁".
func metaspaceWords(text string) []string {
	fields := strings.Fields(text)
	words := make([]string, len(fields))
	for i, f := range fields {
		words[i] = "▁" + f
	}
	return limitWords(words)
}

func distinct(words []string) []string {
	seen := make(map[string]bool, len(words))
	var out []string
	for _, w := range words {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

func dumpWords(b *testing.B, name string, words []string) {
	dir := os.Getenv("CLINLM_BENCH_DUMP_DIR")
	if dir == "" {
		return
	}
	var sb strings.Builder
	for _, w := range words {
		j, _ := json.Marshal(w)
		sb.Write(j)
		sb.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, name+".jsonl"), []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
}

func runWords(b *testing.B, m Model, words []string) {
	b.Helper()
	var buf []Token
	var err error
	lockThread()
	defer unlockThread()
	b.ReportAllocs()
	cpu0, cpuOK := threadCPUTime()
	for b.Loop() {
		for _, w := range words {
			if buf, err = m.AppendTokens(buf[:0], w); err != nil {
				b.Fatal(err)
			}
		}
	}
	perWord := float64(b.N * len(words))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/perWord, "ns/word")
	if cpu1, ok := threadCPUTime(); ok && cpuOK {
		b.ReportMetric(float64(cpu1-cpu0)/perWord, "cpu-ns/word")
	}
}

// benchModel runs the warm and cold variants; coldModel returns the model
// without its word cache.
func benchModel(b *testing.B, name string, m Model, coldModel Model, words []string) {
	dumpWords(b, name+"-warm", words)
	uniq := distinct(words)
	dumpWords(b, name+"-cold", uniq)
	b.Run("warm", func(b *testing.B) {
		for _, w := range words { // fill the cache as a server would have
			_, _ = m.Tokenize(w)
		}
		runWords(b, m, words)
	})
	b.Run("cold", func(b *testing.B) { runWords(b, coldModel, uniq) })
}

func BenchmarkBPE(b *testing.B) {
	m := loadSharedModel(b, "roberta.json").(*BPE)
	benchModel(b, "bpe-roberta", m, withoutCache(m), gpt2Words(benchText(b)))
}

func BenchmarkWordPiece(b *testing.B) {
	m := loadSharedModel(b, "bert-base-uncased.json")
	benchModel(b, "wordpiece-bert-base-uncased", m, m, bertWords(benchText(b))) // WordPiece has no cache
}

func BenchmarkUnigram(b *testing.B) {
	m := loadSharedModel(b, "t5.json").(*Unigram)
	cold, err := NewUnigram(m.pieces, int(m.unkID), m.byteFall)
	if err != nil {
		b.Fatal(err)
	}
	cold.cache = nil
	benchModel(b, "unigram-t5", m, cold, metaspaceWords(benchText(b)))
}

func BenchmarkFromJSON(b *testing.B) {
	for _, name := range []string{"roberta.json", "bert-base-uncased.json", "t5.json"} {
		p := sharedFile(b, filepath.Join("tokenizers", name))
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		var file struct {
			Model json.RawMessage `json:"model"`
		}
		if err := json.Unmarshal(data, &file); err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := FromJSON(file.Model); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
