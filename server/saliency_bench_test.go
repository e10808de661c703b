package server

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/batcher"
	"github.com/clinlm/clinlm/internal/testenv"
)

// BenchmarkSaliencyDemoNotes times word importance on every gallery note
// with each task's page model from the committed models/ (MiniLM; the
// engine at clinlm serve's batching defaults: batches of 8, 2 workers; ORT
// one intra-op thread per session). Reported per note: words (one model run
// each) and milliseconds per word; ns/op is the time per note. `go tool
// task bench-saliency` runs it; BENCHMARKS.md has the numbers.
func BenchmarkSaliencyDemoNotes(b *testing.B) {
	dir := filepath.Join(testenv.RepoRoot(b), "models")
	if _, err := os.Stat(dir); err != nil {
		b.Skipf("no model repository at %s", dir)
	}
	eng, err := inference.Open(inference.Config{Dir: dir, Runtime: openRuntime(b), LoadTokenizer: inference.HFTokenizer,
		Batch: batcher.Config{MaxBatch: 8, Workers: 2}, Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { eng.Close() })
	for _, task := range []string{"nli", "qa", "clip"} {
		var models []string
		for _, m := range eng.Models() {
			if m.Task == task && m.Status == inference.StatusReady {
				models = append(models, m.Name)
			}
		}
		if len(models) == 0 {
			b.Fatalf("no ready %s model in %s", task, dir)
		}
		// The page's model: trained for the task before stand-ins, like demoModels.
		srv := &Server{cfg: Config{Inference: eng}}
		list := srv.demoModels(task)
		model := list[defaultDemoModel(list)].Name
		for _, sm := range demoSamples(task) {
			in := demoInput(task, mapValues(sm.Values))
			b.Run(task+"/"+model+"/"+sm.ID, func(b *testing.B) {
				var runs int
				for b.Loop() {
					res, err := eng.Saliency(context.Background(), model, in, inference.SaliencyOptions{}, nil)
					if err != nil {
						b.Fatal(err)
					}
					runs = res.Output.Runs
				}
				b.ReportMetric(float64(runs), "words")
				b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/float64(max(runs, 1)), "ms/word")
			})
		}
	}
}

// mapValues turns a sample's values into the form demoInput reads.
func mapValues(v map[string]string) map[string][]string {
	out := map[string][]string{}
	for k, s := range v {
		out[k] = []string{s}
	}
	return out
}
