//go:build cgo

package inference_test

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/batcher"
	"github.com/clinlm/clinlm/inference/internal/onnxtest"
	"github.com/clinlm/clinlm/inference/ort"
	"github.com/clinlm/clinlm/internal/testenv"
)

// Models with the same model.onnx bytes (minilm-nli and
// minilm-clip-zeroshot) run on one session and one batcher.
func TestModelsWithTheSameFileShareOneSession(t *testing.T) {
	lib := testenv.ORTLibrary(t)
	root := t.TempDir()
	same := onnxtest.Classifier([]float32{1, 0, -1})
	other := onnxtest.Classifier([]float32{-1, 0, 1})
	writeModel(t, root, "a", nliManifest, &same, nil)
	writeModel(t, root, "b", nliManifest, &same, nil)
	writeModel(t, root, "c", nliManifest, &other, nil)
	rt, err := ort.Open(ort.Config{LibraryPath: lib, Device: ort.DeviceCPU, IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	reg := prometheus.NewRegistry()
	metrics, err := inference.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := inference.Open(inference.Config{Dir: root, Runtime: rt, Metrics: metrics,
		LoadTokenizer: func(string) (inference.Tokenizer, error) { return fixedTokenizer{}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	want := map[string]string{"a": "", "b": "a", "c": ""}
	for _, m := range eng.Models() {
		if m.Status != inference.StatusReady || m.Provider != inference.ProviderCPU || m.SharesWith != want[m.Name] {
			t.Errorf("%s: status %s provider %q shares with %q, want ready on cpu sharing with %q", m.Name, m.Status, m.Provider, m.SharesWith, want[m.Name])
		}
	}
	top := map[string]string{}
	for _, name := range []string{"a", "b", "c"} {
		res, err := eng.Infer(context.Background(), name, inference.Input{Premise: "ab", Hypothesis: "c"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		top[name] = res.Output.(inference.NLIOutput).Labels[0].Label
	}
	if top["a"] != "entailment" || top["b"] != "entailment" || top["c"] != "contradiction" {
		t.Errorf("top labels %v", top)
	}
	for _, name := range []string{"a", "b", "c"} {
		if v := providerGauge(t, reg, name, "cpu"); v != 1 {
			t.Errorf("clinlm_model_provider{model=%q,provider=\"cpu\"} = %v, want 1", name, v)
		}
	}
}

// providerGauge is the value of clinlm_model_provider{model, provider}, -1 when absent.
func providerGauge(t *testing.T, reg *prometheus.Registry, model, provider string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "clinlm_model_provider" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["model"] == model && labels["provider"] == provider {
				return m.GetGauge().GetValue()
			}
		}
	}
	return -1
}

// Padding a batch to a length bucket changes its shape, not its answers.
func TestPadBucketsKeepAnswers(t *testing.T) {
	lib := testenv.ORTLibrary(t)
	dir := testenv.TestModels(t)
	rt, err := ort.Open(ort.Config{LibraryPath: lib, Device: ort.DeviceCPU, IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	open := func(buckets []int) *inference.Engine {
		eng, err := inference.Open(inference.Config{Dir: dir, Runtime: rt, LoadTokenizer: inference.HFTokenizer, PadBuckets: buckets})
		if err != nil {
			t.Fatal(err)
		}
		return eng
	}
	// Engines close before the runtime (deferred first, run last).
	exact, bucketed := open(nil), open([]int{32, 64, 128, 256})
	defer exact.Close()
	defer bucketed.Close()
	inputs := []struct {
		model string
		in    inference.Input
	}{
		{"tiny-nli", inference.Input{Premise: "No fever.", Hypothesis: "The patient is afebrile."}},
		{"tiny-qa", inference.Input{Context: "Aspirin was started at 81 mg daily after the stent.", Question: "What dose of aspirin?", TopK: 2}},
	}
	for _, tc := range inputs {
		a, err := exact.Infer(context.Background(), tc.model, tc.in, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := bucketed.Infer(context.Background(), tc.model, tc.in, nil)
		if err != nil {
			t.Fatal(err)
		}
		switch x := a.Output.(type) {
		case inference.NLIOutput:
			y := b.Output.(inference.NLIOutput)
			for i := range x.Labels {
				if x.Labels[i].Label != y.Labels[i].Label || math.Abs(x.Labels[i].Score-y.Labels[i].Score) > 1e-5 {
					t.Errorf("%s label %d: exact %+v, bucketed %+v", tc.model, i, x.Labels[i], y.Labels[i])
				}
			}
		case inference.QAOutput:
			y := b.Output.(inference.QAOutput)
			if len(x.Answers) == 0 || len(x.Answers) != len(y.Answers) {
				t.Fatalf("%s: exact %+v, bucketed %+v", tc.model, x, y)
			}
			for i := range x.Answers {
				if x.Answers[i].Text != y.Answers[i].Text || math.Abs(x.Answers[i].Score-y.Answers[i].Score) > 1e-4 {
					t.Errorf("%s answer %d: exact %+v, bucketed %+v", tc.model, i, x.Answers[i], y.Answers[i])
				}
			}
		}
	}
}

// The demo models minilm-nli, -radqa, -clip and -clip-zeroshot are one file
// (symlinks) read through different heads: the engine opens one session and
// one batcher for it, and rows of different heads batched together each get
// their own model's outputs.
func TestOneSessionAndBatcherPerFile(t *testing.T) {
	reg := prometheus.NewRegistry()
	metrics, err := inference.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	// A long wait lets the concurrent requests below meet in one batch.
	eng := openRepository(t, inference.Config{Metrics: metrics, Batch: batcher.Config{MaxBatch: 8, MaxWait: time.Second}})
	// The first model loaded (in name order) owns the session and batcher.
	shared := map[string]string{"minilm-clip": "", "minilm-nli": "minilm-clip", "minilm-radqa": "minilm-clip", "minilm-clip-zeroshot": "minilm-clip"}
	for name, with := range shared {
		m, ok := eng.Model(name)
		if !ok || m.Status != inference.StatusReady || m.SharesWith != with {
			t.Errorf("%s: %+v, want ready sharing with %q", name, m, with)
		}
	}
	// models/ holds minilm-hoc's file beside the shared one.
	if sessions, batchers := eng.Loaded(); sessions != 2 || batchers != 2 {
		t.Errorf("models/: %d sessions and %d batchers, want 2 and 2", sessions, batchers)
	}
	requests := map[string]inference.Input{
		"minilm-nli":   {Premise: "The patient denies chest pain.", Hypothesis: "The patient has chest pain."},
		"minilm-radqa": {Context: "Small left pleural effusion. No pneumothorax.", Question: "Which side is the effusion on?"},
		"minilm-clip":  {Text: "Follow up with cardiology in two weeks."},
	}
	alone := map[string]any{}
	for name, in := range requests {
		res, err := eng.Infer(context.Background(), name, in, nil)
		if err != nil {
			t.Fatal(err)
		}
		alone[name] = res.Output
	}
	together := map[string]any{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, in := range requests {
		wg.Go(func() {
			res, err := eng.Infer(context.Background(), name, in, nil)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			together[name] = res.Output
			mu.Unlock()
		})
	}
	wg.Wait()
	for name := range requests {
		if d := maxScoreDiff(alone[name], together[name]); d > 1e-4 {
			t.Errorf("%s: answers alone and batched with other heads differ by %g:\n%+v\n%+v", name, d, alone[name], together[name])
		}
	}
	// Every row ran in the shared batcher, which reports under its owner.
	for _, name := range []string{"minilm-nli", "minilm-radqa"} {
		if n := batchCount(t, reg, name); n != 0 {
			t.Errorf("%s has %d batches of its own, want none (it shares minilm-clip's)", name, n)
		}
	}
	if n := batchCount(t, reg, "minilm-clip"); n == 0 {
		t.Error("the shared batcher reported no batches")
	}
}

// Test models: tiny-nli and tiny-zeroshot are one file, tiny-qa and tiny-clip
// two more; the four T5 folders hold one encoder, one decoder, one decoder
// with past and one merged decoder between them (symlinks); each T5 model
// keeps its own batcher, as its generation settings are its own.
func TestTestModelsOpenOneSessionPerFile(t *testing.T) {
	eng := openModels(t, testenv.TestModels(t), inference.Config{})
	if sessions, batchers := eng.Loaded(); sessions != 3+4 || batchers != 3+4 {
		t.Errorf("test models: %d sessions and %d batchers, want 7 and 7", sessions, batchers)
	}
}

// batchCount is how many batches clinlm_infer_batch_size counted for model.
func batchCount(t *testing.T, reg *prometheus.Registry, model string) uint64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "clinlm_infer_batch_size" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "model" && l.GetValue() == model {
					return m.GetHistogram().GetSampleCount()
				}
			}
		}
	}
	return 0
}

// clinlm_infer_positions_total counts a batch's own tokens and the padding
// that filled it to its width: one row padded to the bucket of 32 adds up
// to 32 positions.
func TestPaddingPositionsAreCounted(t *testing.T) {
	lib := testenv.ORTLibrary(t)
	root := t.TempDir()
	g := onnxtest.Classifier([]float32{1, 0, -1})
	writeModel(t, root, "a", nliManifest, &g, nil)
	rt, err := ort.Open(ort.Config{LibraryPath: lib, Device: ort.DeviceCPU, IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	reg := prometheus.NewRegistry()
	metrics, err := inference.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := inference.Open(inference.Config{Dir: root, Runtime: rt, Metrics: metrics, PadBuckets: []int{32}, BucketBatches: true,
		LoadTokenizer: func(string) (inference.Tokenizer, error) { return fixedTokenizer{}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if _, err := eng.Infer(context.Background(), "a", inference.Input{Premise: "ab", Hypothesis: "c"}, nil); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "clinlm_infer_positions_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" {
					got[l.GetValue()] = m.GetCounter().GetValue()
				}
			}
		}
	}
	if got["token"] < 3 || got["token"]+got["padding"] != 32 {
		t.Errorf("positions %v, want the row's tokens (at least 3) and padding to 32", got)
	}
}
