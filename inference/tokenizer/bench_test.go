package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/clinlm/clinlm/internal/testenv"
)

// benchTexts returns the PubMedQA abstract paragraphs of ../shared/data (about
// 2.6 MB of clinical-research English), the benchmark corpus.
func benchTexts(b *testing.B) ([]string, int) {
	b.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.SharedDir(b), "data", "pubmedqa", "ori_pqal.json"))
	if err != nil {
		b.Skip("pubmedqa not available:", err)
	}
	var data map[string]struct {
		Contexts []string `json:"CONTEXTS"`
	}
	if err := json.Unmarshal(raw, &data); err != nil {
		b.Fatal(err)
	}
	var texts []string
	size := 0
	for _, d := range data {
		for _, c := range d.Contexts {
			texts = append(texts, c)
			size += len(c)
		}
	}
	return texts, size
}

// BenchmarkEncode encodes every paragraph once per iteration, with special
// tokens and offsets, on one goroutine. b.SetBytes makes -bench report MB/s.
func BenchmarkEncode(b *testing.B) {
	for _, name := range []string{"bert-base-uncased", "bert-base-cased", "roberta", "t5"} {
		b.Run(name, func(b *testing.B) {
			tok, err := FromFile(filepath.Join(testenv.SharedDir(b), "tokenizers", name+".json"))
			if err != nil {
				b.Fatal(err)
			}
			texts, size := benchTexts(b)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			tokens := 0
			for i := 0; i < b.N; i++ {
				for _, s := range texts {
					e, err := tok.Encode(s, true)
					if err != nil {
						b.Fatal(err)
					}
					tokens += e.Len()
				}
			}
			b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}
