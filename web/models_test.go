package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/clinlm/clinlm/inference/models"
	"github.com/clinlm/clinlm/inference/models/hfimport"
	"github.com/clinlm/clinlm/internal/testenv"
)

// onnxExportFolder is an optimum-style ONNX export folder (model.onnx,
// config.json, tokenizer.json, no manifest) of a random-weight test model.
func onnxExportFolder(t *testing.T, model string) string {
	t.Helper()
	src, dir := filepath.Join(testenv.TestModels(t), model), filepath.Join(t.TempDir(), "export-"+model)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(src, "config.json")); err != nil {
		testenv.Missing(t, "config.json of the test model "+model, "rebuild the test models: go tool task models-venv")
	}
	for _, f := range []string{"model.onnx", "tokenizer.json", "config.json"} {
		testenv.CopyFile(t, filepath.Join(src, f), filepath.Join(dir, f))
	}
	return dir
}

// runModelsCLI runs `clinlm models ARGS` (stdin is not a terminal).
func runModelsCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"models"}, args...),
		stdio{in: strings.NewReader(""), out: &out, err: &errb, getenv: envMap(nil)})
	return code, out.String(), errb.String()
}

// TestModelsAddThenServeAndEval is the README's path from an export folder
// to a live demo: `clinlm models add` writes the manifest from the folder
// (task, head and labels from config.json, the length from
// max_position_embeddings), checks one example, and the model is then
// evaluated by `clinlm eval` and served, live evaluation included.
func TestModelsAddThenServeAndEval(t *testing.T) {
	ortLib := testenv.ORTLibrary(t)
	repo := filepath.Join(t.TempDir(), "models")
	for _, c := range []struct {
		model, name string
		want        models.Manifest
	}{
		{"tiny-nli", "my-nli", models.Manifest{Task: models.TaskNLI, Head: models.HeadPairClassification,
			Labels: []string{"entailment", "neutral", "contradiction"}, MaxLength: 64}},
		{"tiny-qa", "my-qa", models.Manifest{Task: models.TaskQA, Head: models.HeadSpanExtraction, Labels: []string{}, MaxLength: 64, Stride: 16}},
		{"tiny-clip", "my-clip", models.Manifest{Task: models.TaskCLIP, Head: models.HeadSentenceMultiLabel,
			Labels: models.CLIPLabels, MaxLength: 64}},
	} {
		code, stdout, stderr := runModelsCLI(t, "add", onnxExportFolder(t, c.model), "--models", repo, "--name", c.name,
			"--licence", "MIT", "--availability", "public", "--ort-lib", ortLib)
		if code != 0 {
			t.Fatalf("models add %s: exit %d: %s", c.model, code, stderr)
		}
		if !strings.Contains(stdout, "added "+c.name) || !strings.Contains(stdout, "checked on one example") {
			t.Errorf("models add said: %s", stdout)
		}
		raw, err := os.ReadFile(filepath.Join(repo, c.name, "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := models.ParseManifest(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got.Task != c.want.Task || got.Head != c.want.Head || !reflect.DeepEqual(got.Labels, c.want.Labels) ||
			got.MaxLength != c.want.MaxLength || got.Stride != c.want.Stride || got.Licence != "MIT" || got.Availability != models.Public {
			t.Errorf("%s manifest %+v", c.name, got)
		}
	}
	if entries, _ := os.ReadDir(repo); len(entries) != 3 {
		t.Errorf("the repository holds %d entries, want the 3 models (no staging left behind)", len(entries))
	}
	code, stdout, stderr := runEvalCLI(t, "--models", repo, "--model", "my-nli", "--data", "devset:nli", "--limit", "5",
		"--ort-lib", ortLib, "--device", "cpu")
	if code != 0 || !strings.Contains(stdout, "(5 examples") {
		t.Fatalf("clinlm eval on the added model: exit %d: %s%s", code, stdout, stderr)
	}
	url := startServe(t, "--models", repo, "--ort-lib", ortLib, "--device", "cpu")
	client := &http.Client{Timeout: 10 * time.Second}
	get := func(path string) string {
		t.Helper()
		resp, err := client.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		return string(b)
	}
	var body struct {
		Models []struct {
			Name, Kind, Status, Version string
		}
	}
	if err := json.Unmarshal([]byte(get("api/v1/models")), &body); err != nil {
		t.Fatal(err)
	}
	demo := 0
	for _, m := range body.Models {
		if m.Kind != "demo" {
			continue
		}
		demo++
		if m.Status != "ready" || len(m.Version) != 64 {
			t.Errorf("served model %+v", m)
		}
	}
	if demo != 3 {
		t.Errorf("serve lists %d demo models, want the 3 added", demo)
	}
	if demo := get("demo/nli"); !strings.Contains(demo, "my-nli") {
		t.Error("the NLI demo does not offer the added model")
	}
	if form := get("evaluate"); !strings.Contains(form, `value="my-qa"`) {
		t.Error("live evaluation does not offer the added model")
	}
}

// TestModelsAddAsksAndRefuses: what the folder cannot say must be given
// (no prompt without a terminal), nothing is written then, and a
// checkpoint without model.onnx needs optimum, said in words.
func TestModelsAddAsksAndRefuses(t *testing.T) {
	ortLib := testenv.ORTLibrary(t)
	repo := filepath.Join(t.TempDir(), "models")
	export := onnxExportFolder(t, "tiny-nli")
	code, _, stderr := runModelsCLI(t, "add", export, "--models", repo, "--ort-lib", ortLib)
	if code != 2 || !strings.Contains(stderr, "--licence --availability") {
		t.Errorf("without licence and availability: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(repo); err == nil {
		t.Error("a refused add wrote the repository")
	}
	// A broken export is checked before it is added.
	if err := os.WriteFile(filepath.Join(export, "model.onnx"), []byte("not onnx"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runModelsCLI(t, "add", export, "--models", repo, "--licence", "MIT", "--availability", "public", "--ort-lib", ortLib)
	if code != 1 || !strings.Contains(stderr, "was not added") {
		t.Errorf("a broken model.onnx: exit %d: %s", code, stderr)
	}
	if entries, _ := os.ReadDir(repo); len(entries) != 0 {
		t.Errorf("a model that failed its check left %d entries in the repository", len(entries))
	}
	// A checkpoint (no model.onnx) with a Python that lacks optimum.
	if err := os.Remove(filepath.Join(export, "model.onnx")); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runModelsCLI(t, "add", export, "--models", repo, "--licence", "MIT", "--availability", "public",
		"--python", "/bin/false", "--ort-lib", ortLib)
	if code != 1 || !strings.Contains(stderr, "needs HF optimum") || !strings.Contains(stderr, "optimum-cli export onnx") {
		t.Errorf("a checkpoint without optimum: exit %d: %s", code, stderr)
	}
	for _, bad := range []string{"../escape", "a/b", ".hidden", "with space"} {
		code, _, stderr = runModelsCLI(t, "add", onnxExportFolder(t, "tiny-nli"), "--models", repo, "--name", bad,
			"--licence", "MIT", "--availability", "public", "--ort-lib", ortLib)
		if code != 1 || !strings.Contains(stderr, "model name") {
			t.Errorf("--name %q: exit %d: %s", bad, code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(repo), "escape")); err == nil {
		t.Error("a name with .. wrote outside the repository")
	}
	t5 := filepath.Join(t.TempDir(), "t5")
	os.Mkdir(t5, 0o755)
	os.WriteFile(filepath.Join(t5, "config.json"), []byte(`{"architectures": ["T5ForConditionalGeneration"], "is_encoder_decoder": true}`), 0o644)
	if code, _, stderr = runModelsCLI(t, "add", t5, "--models", repo); code != 1 || !strings.Contains(stderr, "text-to-text") {
		t.Errorf("a T5 folder: exit %d: %s", code, stderr)
	}
}

// TestModelsAddPrompts: on a terminal, what the folder cannot say is asked,
// again until the answer is one of the choices.
func TestModelsAddPrompts(t *testing.T) {
	dir := t.TempDir()
	config := `{"architectures": ["BertForSequenceClassification"], "max_position_embeddings": 64, "id2label": {"0": "a", "1": "b"}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	folder, err := hfimport.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	var c hfimport.Choices
	var out bytes.Buffer
	in := strings.NewReader("classification\nclip\n\nMIT\nmaybe\ncredentialed\n")
	if err := ask(&c, folder, in, true, &out); err != nil {
		t.Fatal(err)
	}
	if c.Task != models.TaskCLIP || c.Licence != "MIT" || c.Availability != models.Credentialed {
		t.Errorf("choices %+v", c)
	}
	if n := strings.Count(out.String(), "task of this classifier"); n != 2 {
		t.Errorf("the task was asked %d times, want 2 (one wrong answer): %s", n, out.String())
	}
	c = hfimport.Choices{}
	if err := ask(&c, folder, strings.NewReader("nli\n"), true, &out); err == nil {
		t.Error("an input that ends before every answer is given was accepted")
	}
	if err := ask(&hfimport.Choices{}, folder, strings.NewReader(""), false, &out); err != errUsage {
		t.Errorf("without a terminal: %v, want the usage error", err)
	}
	if isTerminal(strings.NewReader("")) {
		t.Error("a string reader is a terminal")
	}
}
