package inference

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/inference/batcher"
	"github.com/clinlm/clinlm/inference/internal/onnxtest"
	"github.com/clinlm/clinlm/internal/testenv"
)

// A graph with DynamicQuantizeLinear (onnxruntime's quantize_dynamic) is
// batch-dependent; one without is not.
func TestBatchDependentFindsDynamicQuantization(t *testing.T) {
	dir := t.TempDir()
	plain := onnxtest.Classifier([]float32{1, 0, -1})
	quantized := onnxtest.Classifier([]float32{1, 0, -1})
	quantized.Nodes = append(quantized.Nodes, onnxtest.Node{Op: "DynamicQuantizeLinear", Inputs: []string{"logits"},
		Outputs: []string{"q", "q_scale", "q_zero"}})
	for name, g := range map[string]onnxtest.Graph{"plain": plain, "quantized": quantized} {
		path := filepath.Join(dir, name+".onnx")
		if err := g.Write(path); err != nil {
			t.Fatal(err)
		}
		got, err := batchDependent(path)
		if err != nil || got != (name == "quantized") {
			t.Errorf("%s: batchDependent %v, %v", name, got, err)
		}
	}
	if _, err := graphOps([]byte("not a protobuf \xff\xff\xff")); err == nil {
		t.Error("garbage parsed as a graph")
	}
	// The committed int8 demo models whose card says quantize_dynamic and
	// that were not made weight-only afterwards.
	models := filepath.Join(testenv.RepoRoot(t), "models")
	entries, _ := os.ReadDir(models)
	for _, e := range entries {
		manifest, err := os.ReadFile(filepath.Join(models, e.Name(), "manifest.json"))
		if err != nil || !strings.Contains(string(manifest), "quantize_dynamic") || strings.Contains(string(manifest), "weight-only") {
			continue
		}
		if got, err := batchDependent(filepath.Join(models, e.Name(), "model.onnx")); err != nil || !got {
			t.Errorf("%s: its manifest says quantize_dynamic, batchDependent %v, %v", e.Name(), got, err)
		}
	}
}

// Errors of the batcher become the documented codes.
func TestBatcherErrorCodes(t *testing.T) {
	for err, code := range map[error]Code{
		batcher.ErrBusy:     CodeBusy,
		batcher.ErrTooLarge: CodeTooLong,
		batcher.ErrClosed:   CodeUnavailable, // shutdown, not a server fault
		batcher.ErrPanic:    CodeInternal,
	} {
		if got := AsError(errors.Join(errors.New("context"), err)).Code; got != code {
			t.Errorf("%v: %s, want %s", err, got, code)
		}
	}
}

// Client-facing load errors name files relative to the model folder.
func TestRelativePaths(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "models", "nli")
	msg := "model.onnx does not load: open " + filepath.Join(dir, "model.onnx") + ": no such file; folder " + dir
	got := relativePaths(msg, dir)
	if strings.Contains(got, dir) || !strings.Contains(got, "open model.onnx") {
		t.Errorf("relativePaths: %q", got)
	}
}
