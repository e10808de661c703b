package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/inference/sentences"

	"github.com/clinlm/clinlm/internal/testenv"
)

// evalEnv is what the end-to-end eval test needs outside the module; a
// missing piece skips the test, or fails it under CI=true.
type evalEnv struct {
	repo, ortLib, testModels, python string
}

func needEvalEnv(t *testing.T) evalEnv {
	t.Helper()
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	env := evalEnv{repo: repo, ortLib: os.Getenv("CLINLM_ORT_LIB"), testModels: filepath.Join(repo, ".cache", "testmodels"),
		python: filepath.Join(repo, ".venv-models", "bin", "python")}
	if env.ortLib == "" {
		env.ortLib = filepath.Join(repo, ".cache", "ort", "libonnxruntime.so.1")
	}
	missing := func(what, fix string) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing (CI=true requires it): %s", what, fix)
		}
		t.Skipf("%s is missing; %s (with CI=true this test fails instead)", what, fix)
	}
	if _, err := os.Stat(env.ortLib); err != nil {
		missing("the ONNX Runtime library "+env.ortLib, "run `go tool task ort` or set CLINLM_ORT_LIB")
	}
	if _, err := os.Stat(filepath.Join(env.testModels, "COMPLETE")); err != nil {
		missing("the test models in "+env.testModels, "run `go tool task models-venv`")
	}
	if err := exec.Command(env.python, "-c", "import sklearn, onnxruntime, tokenizers").Run(); err != nil {
		missing("the evaluation venv ("+env.python+" with scikit-learn)", "run `bash tools/eval/setup.sh`")
	}
	return env
}

// evalRepository builds a fresh repository whose folders copy the test
// models' files, and adds tiny-qa-noans: tiny-qa's weights with a manifest
// that declares a no-answer head, so the no-answer rule is exercised too.
func evalRepository(t *testing.T, env evalEnv) string {
	t.Helper()
	dir := t.TempDir()
	place := func(src, dst string, noAnswer bool) {
		if err := os.Mkdir(filepath.Join(dir, dst), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"model.onnx", "tokenizer.json", "manifest.json"} {
			from, to := filepath.Join(env.testModels, src, f), filepath.Join(dir, dst, f)
			if f == "manifest.json" && noAnswer {
				var mf map[string]any
				raw, err := os.ReadFile(from)
				if err == nil {
					err = json.Unmarshal(raw, &mf)
				}
				if err != nil {
					t.Fatal(err)
				}
				mf["no_answer"] = true
				raw, _ = json.Marshal(mf)
				if err := os.WriteFile(to, raw, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			testenv.CopyFile(t, from, to)
		}
	}
	for _, m := range []string{"tiny-nli", "tiny-qa", "tiny-clip", "tiny-zeroshot"} {
		place(m, m, false)
	}
	place("tiny-qa", "tiny-qa-noans", true)
	return dir
}

func runEvalCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"eval"}, args...),
		stdio{in: strings.NewReader(""), out: &out, err: &errb, getenv: envMap(nil)})
	return code, out.String(), errb.String()
}

type evalMetric struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

type evalPrediction struct {
	Label  string   `json:"label"`
	Answer *string  `json:"answer"`
	Labels []string `json:"labels"`
}

// TestEvalMatchesPythonReference runs `clinlm eval` on the random-weight
// test models and requires the metrics it prints (and every prediction) to
// equal tools/eval/pipeline_reference.py's, which runs the same model folder
// with the HF tokenizers library and Python onnxruntime and scores with
// scikit-learn and the restated SQuAD script.
func TestEvalMatchesPythonReference(t *testing.T) {
	env := needEvalEnv(t)
	repo := evalRepository(t, env)
	data := filepath.Join(env.repo, "inference", "eval", "testdata")
	checkOneSentencePerLine(t, filepath.Join(data, "clip.jsonl"))
	for _, c := range []struct{ model, data, squad string }{
		{"tiny-nli", "nli.jsonl", ""},
		{"tiny-qa", "qa.jsonl", ""},
		{"tiny-qa", "qa.jsonl", "1.1"},
		{"tiny-qa-noans", "qa.jsonl", ""},
		{"tiny-clip", "clip.jsonl", ""},
		{"tiny-zeroshot", "clip.jsonl", ""},
	} {
		t.Run(c.model+"/"+c.data+c.squad, func(t *testing.T) {
			file := filepath.Join(data, c.data)
			args := []string{"--models", repo, "--model", c.model, "--data", file, "--json", "--predictions",
				"--ort-lib", env.ortLib, "--device", "cpu", "--ort-threads", "1"}
			pyArgs := []string{filepath.Join(env.repo, "tools", "eval", "pipeline_reference.py"),
				"--model-dir", filepath.Join(repo, c.model), "--data", file}
			if c.squad != "" {
				args = append(args, "--squad-version", c.squad)
				pyArgs = append(pyArgs, "--squad-version", c.squad)
			}
			code, stdout, stderr := runEvalCLI(t, args...)
			if code != 0 {
				t.Fatalf("clinlm eval exited %d: %s", code, stderr)
			}
			var got struct {
				Examples    int              `json:"examples"`
				Metrics     []evalMetric     `json:"metrics"`
				Predictions []evalPrediction `json:"predictions"`
			}
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("clinlm eval --json: %v\n%s", err, stdout)
			}
			cmd := exec.Command(env.python, pyArgs...)
			var pyErr bytes.Buffer
			cmd.Stderr = &pyErr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("pipeline_reference.py: %v\n%s", err, pyErr.String())
			}
			var want struct {
				Metrics     []evalMetric     `json:"metrics"`
				Predictions []evalPrediction `json:"predictions"`
			}
			if err := json.Unmarshal(out, &want); err != nil {
				t.Fatal(err)
			}
			if got.Examples != len(want.Predictions) || len(got.Predictions) != len(want.Predictions) {
				t.Fatalf("Go scored %d examples (%d predictions), Python %d", got.Examples, len(got.Predictions), len(want.Predictions))
			}
			for i, w := range want.Predictions {
				g := got.Predictions[i]
				if g.Label != w.Label || strings.Join(g.Labels, "|") != strings.Join(w.Labels, "|") ||
					(w.Answer != nil && (g.Answer == nil || *g.Answer != *w.Answer)) {
					t.Errorf("example %d: Go %+v, Python %+v", i+1, show(g), show(w))
				}
			}
			if len(got.Metrics) != len(want.Metrics) {
				t.Fatalf("metrics: Go %v, Python %v", got.Metrics, want.Metrics)
			}
			for i, w := range want.Metrics {
				if g := got.Metrics[i]; g.Name != w.Name || math.Abs(g.Value-w.Value) > 1e-9 {
					t.Errorf("metric %d: Go %s=%v, Python %s=%v", i, g.Name, g.Value, w.Name, w.Value)
				}
			}
			if c.model == "tiny-qa-noans" {
				empty := 0
				for _, p := range got.Predictions {
					if p.Answer != nil && *p.Answer == "" {
						empty++
					}
				}
				if empty == 0 {
					t.Error("the no-answer model never predicted no answer; the test data no longer exercises that rule")
				}
			}
			t.Logf("%v", got.Metrics)
		})
	}
}

func show(p evalPrediction) string {
	if p.Answer != nil {
		return "answer " + *p.Answer
	}
	if p.Labels != nil {
		return "labels " + strings.Join(p.Labels, ", ")
	}
	return "label " + p.Label
}

// checkOneSentencePerLine makes sure the sentence splitter keeps each clip
// test line whole, so the Python reference (which does not split) sees the
// same sentence as the engine.
func checkOneSentencePerLine(t *testing.T, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var ex struct{ Text string }
		if err := json.Unmarshal([]byte(line), &ex); err != nil {
			t.Fatal(err)
		}
		if spans := sentences.Split(ex.Text); len(spans) != 1 || spans[0].Start != 0 || spans[0].End != len(ex.Text) {
			t.Fatalf("%s line %d: the splitter finds %v, want the whole line as one sentence", path, i+1, spans)
		}
	}
}

func TestEvalCommandErrors(t *testing.T) {
	env := needEvalEnv(t)
	repo := evalRepository(t, env)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	nli := filepath.Join(env.repo, "inference", "eval", "testdata", "nli.jsonl")
	common := []string{"--models", repo, "--ort-lib", env.ortLib, "--device", "cpu"}
	for _, c := range []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"missing flags", []string{"--model", "tiny-nli"}, 2, "--model and --data are required"},
		{"unknown model", []string{"--model", "nope", "--data", nli}, 1, `unknown model "nope" (models: tiny-clip, tiny-nli, tiny-qa, tiny-qa-noans, tiny-zeroshot)`},
		{"task mismatch", []string{"--model", "tiny-qa", "--data", nli}, 1, "line 1: task mismatch: this is a nli example"},
		{"malformed line", []string{"--model", "tiny-nli", "--data", write("bad.jsonl",
			`{"premise": "a", "hypothesis": "b", "label": "neutral"}`+"\n\n"+`{"premise": "a", "hypothesis": "b", "label": "neutral"`+"\n")}, 1, "line 3: not a JSON object"},
		{"unknown field", []string{"--model", "tiny-nli", "--data", write("typo.jsonl",
			`{"premise": "a", "hypothesis": "b", "lable": "neutral"}`+"\n")}, 1, `line 1: json: unknown field "lable"`},
		{"unknown label", []string{"--model", "tiny-nli", "--data", write("label.jsonl",
			`{"premise": "a", "hypothesis": "b", "label": "neutral"}`+"\n"+`{"premise": "a", "hypothesis": "b", "label": "maybe"}`+"\n")}, 1, `line 2: label "maybe" is not one of the model's labels`},
		{"missing file", []string{"--model", "tiny-nli", "--data", filepath.Join(dir, "none.jsonl")}, 1, "no such file"},
		{"bad squad version", []string{"--model", "tiny-qa", "--data", nli, "--squad-version", "3"}, 2, "want 1.1 or 2.0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runEvalCLI(t, append(c.args, common...)...)
			if code != c.code || !strings.Contains(stderr, c.contains) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, c.code, c.contains)
			}
		})
	}
}

func TestEvalTable(t *testing.T) {
	env := needEvalEnv(t)
	repo := evalRepository(t, env)
	qa := filepath.Join(env.repo, "inference", "eval", "testdata", "qa.jsonl")
	code, stdout, stderr := runEvalCLI(t, "--models", repo, "--model", "tiny-qa", "--data", qa, "--limit", "3",
		"--ort-lib", env.ortLib, "--device", "cpu")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"tiny-qa (qa, span-extraction)", "(3 examples", "official SQuAD v2.0 script", "exact", "has answer",
		"model version", "data sha256"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}
}

// goEvalSubset is what tools/train/record_go_subset.py recorded for a
// committed model: its Python reference predictions and metrics on the
// first test examples, one sequence per run.
type goEvalSubset struct {
	Examples     int                `json:"examples"`
	IDs          []string           `json:"ids"`
	MaxBatch     int                `json:"max_batch"`
	SQuADVersion *string            `json:"squad_version"`
	Metrics      map[string]float64 `json:"metrics"`
	Predictions  []json.RawMessage  `json:"predictions"`
}

// trainMetrics is the part of tools/train/metrics/<model>.json the test
// needs to rebuild the model's test examples.
type trainMetrics struct {
	TestArticleIDs []string      `json:"test_article_ids"`
	TestPMIDs      []string      `json:"test_pmids"`
	Subset         *goEvalSubset `json:"go_eval_subset"`
}

// TestEvalCommittedModels re-runs `clinlm eval` on the first test examples
// of every committed demo model (models/) and requires the predictions and
// metrics that tools/train/metrics/<model>.json recorded from the Python
// reference pipeline. The examples are rebuilt here from ../shared/data the
// way tools/train/taskfiles.py builds them (the data are research-licensed
// and never committed), and their ids are checked against the recorded ones.
func TestEvalCommittedModels(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the committed models on CPU (about a minute); skipped with -short")
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	ortLib := testenv.ORTLibrary(t)
	data := filepath.Join(testenv.SharedPath(t), "data")
	if _, err := os.Stat(data); err != nil {
		t.Skipf("the shared data %s are missing (set CLINLM_SHARED): %v", data, err)
	}
	builders := map[string]func(trainMetrics) ([]map[string]any, error){
		"minilm-nli":   func(trainMetrics) ([]map[string]any, error) { return sickTest(data) },
		"minilm-radqa": func(m trainMetrics) ([]map[string]any, error) { return covidQATest(data, m.TestArticleIDs) },
		"minilm-hoc":   func(m trainMetrics) ([]map[string]any, error) { return hocTest(data, m.TestPMIDs) },
	}
	tested := 0
	for _, name := range []string{"minilm-nli", "minilm-radqa", "minilm-hoc"} {
		raw, err := os.ReadFile(filepath.Join(repo, "tools", "train", "metrics", name+".json"))
		if err != nil {
			continue // not trained yet
		}
		if _, err := os.Stat(filepath.Join(repo, "models", name, "model.onnx")); err != nil {
			t.Errorf("%s: metrics recorded but no committed model: %v", name, err)
			continue
		}
		var m trainMetrics
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s metrics: %v", name, err)
		}
		if m.Subset == nil {
			t.Errorf("%s: no go_eval_subset in its metrics; run tools/train/record_go_subset.py %s", name, name)
			continue
		}
		tested++
		t.Run(name, func(t *testing.T) {
			all, err := builders[name](m)
			if err != nil {
				t.Fatal(err)
			}
			sub := m.Subset
			if len(sub.IDs) != sub.Examples || len(sub.Predictions) != sub.Examples {
				t.Fatalf("recorded %d examples, %d ids, %d predictions", sub.Examples, len(sub.IDs), len(sub.Predictions))
			}
			// The subset is the recorded ids, in test-set order (for HoC some lines are left out).
			var picked []map[string]any
			for _, ex := range all {
				if len(picked) < len(sub.IDs) && ex["id"] == sub.IDs[len(picked)] {
					picked = append(picked, ex)
				}
			}
			if len(picked) != len(sub.IDs) {
				t.Fatalf("found %d of the %d recorded example ids in test-set order (next missing: %s): the test set is built differently",
					len(picked), len(sub.IDs), sub.IDs[len(picked)])
			}
			var file bytes.Buffer
			for _, ex := range picked {
				line, _ := json.Marshal(ex)
				file.Write(append(line, '\n'))
			}
			if name == "minilm-hoc" {
				checkOneSentenceEach(t, picked)
			}
			path := filepath.Join(t.TempDir(), name+".jsonl")
			if err := os.WriteFile(path, file.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			args := []string{"--models", filepath.Join(repo, "models"), "--model", name, "--data", path, "--json",
				"--predictions", "--ort-lib", ortLib, "--device", "cpu", "--ort-threads", "1",
				"--max-batch", "1"}
			if sub.SQuADVersion != nil {
				args = append(args, "--squad-version", *sub.SQuADVersion)
			}
			code, stdout, stderr := runEvalCLI(t, args...)
			if code != 0 {
				t.Fatalf("clinlm eval exited %d: %s", code, stderr)
			}
			var got struct {
				Metrics     []evalMetric     `json:"metrics"`
				Predictions []evalPrediction `json:"predictions"`
			}
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("clinlm eval --json: %v", err)
			}
			for i, rec := range sub.Predictions {
				var want evalPrediction
				switch name {
				case "minilm-nli":
					err = json.Unmarshal(rec, &want.Label)
				case "minilm-radqa":
					err = json.Unmarshal(rec, &want.Answer)
				default:
					err = json.Unmarshal(rec, &want.Labels)
				}
				if err != nil {
					t.Fatalf("prediction %d in the metrics file: %v", i+1, err)
				}
				g := got.Predictions[i]
				if g.Label != want.Label || strings.Join(g.Labels, "|") != strings.Join(want.Labels, "|") ||
					(want.Answer != nil && (g.Answer == nil || *g.Answer != *want.Answer)) {
					t.Errorf("example %d (%s): Go %s, Python %s", i+1, sub.IDs[i], show(g), show(want))
				}
			}
			if len(got.Metrics) < len(sub.Metrics) {
				t.Fatalf("Go printed %v, the metrics file has %v", got.Metrics, sub.Metrics)
			}
			for _, g := range got.Metrics {
				w, ok := sub.Metrics[g.Name]
				if !ok {
					t.Errorf("Go printed %s, which the metrics file does not record", g.Name)
				} else if math.Abs(g.Value-w) > 1e-9 {
					t.Errorf("%s: Go %v, Python %v", g.Name, g.Value, w)
				}
			}
			t.Logf("%d examples: %v", sub.Examples, got.Metrics)
		})
	}
	if tested == 0 {
		t.Skip("no demo model has metrics in tools/train/metrics")
	}
}

// checkOneSentenceEach makes sure the engine's sentence splitter keeps each
// clip example whole: the engine labels each sentence of a text and takes
// the union, while the Python reference labels the text as one sentence.
func checkOneSentenceEach(t *testing.T, examples []map[string]any) {
	t.Helper()
	for _, ex := range examples {
		text := ex["text"].(string)
		if spans := sentences.Split(text); len(spans) != 1 {
			t.Errorf("%s: the sentence splitter finds %d sentences; the recorded Python prediction labels it whole",
				ex["id"], len(spans))
		}
	}
}

// sickTest is SICK's TEST pairs in file order (tools/train/taskfiles.py sick_test).
func sickTest(data string) ([]map[string]any, error) {
	raw, err := os.ReadFile(filepath.Join(data, "sick", "SICK.txt"))
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\r\n"), "\n")
	col := map[string]int{}
	for i, c := range strings.Split(strings.TrimRight(lines[0], "\r"), "\t") {
		col[c] = i
	}
	var out []map[string]any
	for _, line := range lines[1:] {
		f := strings.Split(strings.TrimRight(line, "\r"), "\t")
		if len(f) <= col["SemEval_set"] || strings.TrimSpace(f[col["SemEval_set"]]) != "TEST" {
			continue
		}
		out = append(out, map[string]any{"id": f[col["pair_ID"]], "premise": f[col["sentence_A"]],
			"hypothesis": f[col["sentence_B"]], "label": strings.ToLower(strings.TrimSpace(f[col["entailment_label"]]))})
	}
	return out, nil
}

// covidQATest is every answered question of the test articles, in file order
// (tools/train/taskfiles.py covidqa_test).
func covidQATest(data string, articles []string) ([]map[string]any, error) {
	raw, err := os.ReadFile(filepath.Join(data, "covidqa", "200423_covidQA.json"))
	if err != nil {
		return nil, err
	}
	var d struct {
		Data []struct {
			Paragraphs []struct {
				DocumentID json.Number `json:"document_id"`
				Context    string      `json:"context"`
				QAs        []struct {
					ID       json.Number `json:"id"`
					Question string      `json:"question"`
					Answers  []struct {
						Text        string `json:"text"`
						AnswerStart int    `json:"answer_start"`
					} `json:"answers"`
				} `json:"qas"`
			} `json:"paragraphs"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, a := range articles {
		keep[a] = true
	}
	var out []map[string]any
	for _, e := range d.Data {
		for _, p := range e.Paragraphs {
			if !keep[p.DocumentID.String()] {
				continue
			}
			for _, qa := range p.QAs {
				if len(qa.Answers) == 0 {
					continue
				}
				answers := make([]map[string]any, len(qa.Answers))
				for i, a := range qa.Answers {
					answers[i] = map[string]any{"text": a.Text, "answer_start": a.AnswerStart}
				}
				out = append(out, map[string]any{"id": qa.ID.String(), "context": p.Context,
					"question": qa.Question, "answers": answers})
			}
		}
	}
	return out, nil
}

// hocLabels is the logit order of minilm-hoc (tools/train/train_hoc.py LABELS).
var hocLabels = []string{
	"Sustaining proliferative signaling", "Evading growth suppressors", "Resisting cell death",
	"Enabling replicative immortality", "Inducing angiogenesis", "Activating invasion and metastasis",
	"Genomic instability and mutation", "Tumor promoting inflammation", "Cellular energetics",
	"Avoiding immune destruction",
}

// hocTest is the sentences of the test abstracts, in the given PMID order,
// labelled with their top-level hallmarks (tools/train/train_hoc.py load_hoc).
func hocTest(data string, pmids []string) ([]map[string]any, error) {
	var out []map[string]any
	for _, p := range pmids {
		text, err := os.ReadFile(filepath.Join(data, "hoc", "text", p+".txt"))
		if err != nil {
			return nil, err
		}
		marks, err := os.ReadFile(filepath.Join(data, "hoc", "labels", p+".txt"))
		if err != nil {
			return nil, err
		}
		var sents []string
		for _, s := range strings.Split(string(text), "\n") {
			if strings.TrimSpace(s) != "" {
				sents = append(sents, s)
			}
		}
		groups := strings.Split(string(marks), "<")[1:]
		if len(groups) != len(sents) {
			return nil, fmt.Errorf("hoc %s: %d sentences, %d label groups", p, len(sents), len(groups))
		}
		for i, s := range sents {
			tops := map[string]bool{}
			for _, part := range strings.Split(groups[i], "AND") {
				if part = strings.TrimSpace(part); part != "" {
					tops[strings.TrimSpace(strings.SplitN(part, "--", 2)[0])] = true
				}
			}
			labels := []string{}
			for _, l := range hocLabels {
				if tops[l] {
					labels = append(labels, l)
				}
			}
			out = append(out, map[string]any{"id": fmt.Sprintf("%s:%d", p, i), "text": strings.TrimSpace(s), "labels": labels})
		}
	}
	return out, nil
}

// TestDemoCardNumbersReproduce re-runs `clinlm eval` on every task file whose
// numbers tools/train/eval_demo.py recorded for the shared-encoder demo
// models (eval.int8.<set> in tools/train/metrics/<model>.json, which their
// cards print) and requires the same metrics. The clinician-style dev set is
// in the repository, so it always runs; the public tests' task files are
// built from ../shared into the git-ignored .cache/taskfiles
// (tools/train/taskfiles.py) and are skipped when absent.
func TestDemoCardNumbersReproduce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the committed models on CPU; skipped with -short")
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	ortLib := testenv.ORTLibrary(t)
	tested := 0
	for _, name := range []string{"minilm-nli", "minilm-radqa", "minilm-clip"} {
		raw, err := os.ReadFile(filepath.Join(repo, "tools", "train", "metrics", name+".json"))
		if err != nil {
			continue
		}
		var m struct {
			Eval struct {
				Int8 map[string]map[string]any `json:"int8"`
			} `json:"eval"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for set, rec := range m.Eval.Int8 {
			file, _ := rec["file"].(string)
			path := filepath.Join(repo, filepath.FromSlash(file))
			if _, err := os.Stat(path); file == "" || err != nil {
				t.Logf("%s %s: task file %q not here; skipped", name, set, file)
				continue
			}
			tested++
			t.Run(name+"/"+set, func(t *testing.T) {
				args := []string{"--models", filepath.Join(repo, "models"), "--model", name, "--data", path, "--json",
					"--ort-lib", ortLib, "--device", "cpu"}
				if v, ok := rec["squad_version"].(string); ok {
					args = append(args, "--squad-version", v)
				}
				code, stdout, stderr := runEvalCLI(t, args...)
				if code != 0 {
					t.Fatalf("clinlm eval exited %d: %s", code, stderr)
				}
				var got struct {
					Metrics []evalMetric `json:"metrics"`
				}
				if err := json.Unmarshal([]byte(stdout), &got); err != nil {
					t.Fatal(err)
				}
				for _, g := range got.Metrics {
					want, ok := rec[g.Name].(float64)
					if !ok {
						t.Errorf("Go printed %s, which the metrics file does not record", g.Name)
					} else if math.Abs(g.Value-want) > 1e-9 {
						t.Errorf("%s: Go %v, the card's record %v", g.Name, g.Value, want)
					}
				}
			})
		}
	}
	if tested == 0 {
		t.Skip("no recorded task file is present")
	}
}
