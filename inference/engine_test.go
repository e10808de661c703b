//go:build cgo

package inference_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/internal/onnxtest"
	"github.com/clinlm/clinlm/inference/ort"
	"github.com/clinlm/clinlm/internal/testenv"
)

const nliManifest = `{"task":"nli","head":"sequence-pair-classification","labels":["entailment","neutral","contradiction"],
 "max_length":32,"licence":"MIT","availability":"public","provenance":{},"metrics":[]}`

// fixedTokenizer maps each byte of the text (and pair) to an id.
type fixedTokenizer struct{}

func (fixedTokenizer) Encode(req inference.EncodeRequest) ([]inference.Encoding, error) {
	e := inference.Encoding{IDs: []int64{2}, TypeIDs: []int64{0}, Offsets: [][2]int{{0, 0}}, WordIDs: []int{-1}, SequenceIDs: []int{-1}}
	add := func(s string, seq int) {
		for i := 0; i < len(s) && len(e.IDs) < req.MaxLength-1; i++ {
			e.IDs = append(e.IDs, int64(s[i]))
			e.TypeIDs = append(e.TypeIDs, int64(seq))
			e.Offsets = append(e.Offsets, [2]int{i, i + 1})
			e.WordIDs = append(e.WordIDs, i)
			e.SequenceIDs = append(e.SequenceIDs, seq)
		}
	}
	add(req.Text, 0)
	if req.Pair != nil {
		add(*req.Pair, 1)
	}
	return []inference.Encoding{e}, nil
}

func writeModel(t *testing.T, root, name, manifest string, g *onnxtest.Graph, onnxBytes []byte) {
	t.Helper()
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if g != nil {
		onnxBytes = g.Encode()
	}
	for f, data := range map[string][]byte{"manifest.json": []byte(manifest), "tokenizer.json": []byte("{}"), "model.onnx": onnxBytes} {
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBrokenModelsAreListedAndOthersLoad(t *testing.T) {
	lib := testenv.ORTLibrary(t)
	root := t.TempDir()
	good := onnxtest.Classifier([]float32{1, 0, -1})
	writeModel(t, root, "good", nliManifest, &good, nil)
	two := onnxtest.Classifier([]float32{1, 0})
	writeModel(t, root, "wrong-labels", nliManifest, &two, nil)
	adder := onnxtest.Adder()
	writeModel(t, root, "wrong-inputs", nliManifest, &adder, nil)
	span := onnxtest.SpanExtractor()
	writeModel(t, root, "wrong-outputs", nliManifest, &span, nil)
	writeModel(t, root, "corrupt", nliManifest, nil, []byte("not onnx"))
	writeModel(t, root, "t5", strings.Replace(nliManifest, "sequence-pair-classification", "text-to-text", 1), &good, nil)

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
	eng, err := inference.Open(inference.Config{Dir: root, Runtime: rt, Metrics: metrics, MaxTextRunes: 100,
		LoadTokenizer: func(string) (inference.Tokenizer, error) { return fixedTokenizer{}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	want := map[string]string{
		"good":          "",
		"wrong-labels":  "2 classes",
		"wrong-inputs":  "no input \"input_ids\"",
		"wrong-outputs": "no output \"logits\"",
		"corrupt":       "does not load",
		"t5":            "text_to_text is required",
	}
	got := eng.Models()
	if len(got) != len(want) {
		t.Fatalf("models %+v", got)
	}
	for _, m := range got {
		w := want[m.Name]
		if (w == "") != (m.Status == inference.StatusReady) || !strings.Contains(m.Error, w) {
			t.Errorf("%s: status %s error %q, want error mentioning %q", m.Name, m.Status, m.Error, w)
		}
	}

	res, err := eng.Infer(context.Background(), "good", inference.Input{Premise: "ab", Hypothesis: "c"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out := res.Output.(inference.NLIOutput); len(out.Labels) != 3 || out.Labels[0].Label != "entailment" {
		t.Errorf("output %+v", out)
	}

	errTests := []struct {
		name  string
		model string
		in    inference.Input
		code  inference.Code
	}{
		{"unknown model", "nope", inference.Input{Premise: "a", Hypothesis: "b"}, inference.CodeUnknownModel},
		{"broken model", "corrupt", inference.Input{Premise: "a", Hypothesis: "b"}, inference.CodeUnavailable},
		{"missing field", "good", inference.Input{Premise: "a"}, inference.CodeBadRequest},
		{"too long", "good", inference.Input{Premise: strings.Repeat("é", 101), Hypothesis: "b"}, inference.CodeTooLong},
	}
	for _, tc := range errTests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := eng.Infer(context.Background(), tc.model, tc.in, nil)
			var ie *inference.Error
			if !errors.As(err, &ie) || ie.Code != tc.code {
				t.Errorf("err %v, want code %s", err, tc.code)
			}
			if strings.Contains(err.Error(), "éé") {
				t.Error("the error message echoes the input text")
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := eng.Infer(ctx, "good", inference.Input{Premise: "a", Hypothesis: "b"}, nil); inference.AsError(err).Code != inference.CodeCanceled {
		t.Errorf("cancelled request: %v", err)
	}

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range families {
		seen[f.GetName()] = true
	}
	for _, name := range []string{"clinlm_infer_batch_size", "clinlm_infer_run_seconds", "clinlm_infer_tokenize_seconds", "clinlm_infer_requests_total", "clinlm_infer_queue_depth"} {
		if !seen[name] {
			t.Errorf("metric %s not exported", name)
		}
	}
}

func TestWithoutRuntimeEveryModelSaysWhy(t *testing.T) {
	root := t.TempDir()
	good := onnxtest.Classifier([]float32{1, 0, -1})
	writeModel(t, root, "good", nliManifest, &good, nil)
	eng, err := inference.Open(inference.Config{Dir: root, RuntimeErr: errors.New("library libonnxruntime.so.1 not found")})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	m := eng.Models()
	if len(m) != 1 || m[0].Status != inference.StatusError || !strings.Contains(m[0].Error, "not found") {
		t.Errorf("models %+v", m)
	}
	empty, err := inference.Open(inference.Config{})
	if err != nil || len(empty.Models()) != 0 {
		t.Errorf("no repository: %v %v", empty.Models(), err)
	}
}
