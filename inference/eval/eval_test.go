package eval

import (
	"context"
	"errors"
	"maps"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/models"
)

// fakeEngine answers from a function, so the evaluation loop is tested
// without ONNX Runtime (the web package's test runs the real engine).
type fakeEngine struct {
	manifests map[string]models.Manifest
	broken    map[string]string
	answer    func(name string, in inference.Input) (any, error)
	// hold, when set, runs before each answer with the request's context.
	hold  func(ctx context.Context, in inference.Input)
	mu    sync.Mutex
	calls int
}

func (f *fakeEngine) Models() []inference.ModelInfo {
	var out []inference.ModelInfo
	for n := range f.manifests {
		info, _ := f.Model(n)
		out = append(out, info)
	}
	return out
}

func (f *fakeEngine) Model(name string) (inference.ModelInfo, bool) {
	mf, ok := f.manifests[name]
	if !ok {
		return inference.ModelInfo{}, false
	}
	info := inference.ModelInfo{Name: name, Task: string(mf.Task), Head: string(mf.Head), Labels: mf.Labels, Status: inference.StatusReady}
	if reason, bad := f.broken[name]; bad {
		info.Status, info.Error = inference.StatusError, reason
	}
	return info, true
}

func (f *fakeEngine) Manifest(name string) (models.Manifest, bool) {
	mf, ok := f.manifests[name]
	return mf, ok
}

func (f *fakeEngine) Infer(ctx context.Context, name string, in inference.Input, _ inference.Partial) (inference.Result, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	if f.hold != nil {
		f.hold(ctx, in)
	}
	out, err := f.answer(name, in)
	return inference.Result{Output: out}, err
}

var nliLabels = []string{"entailment", "neutral", "contradiction"}

func testEngine() *fakeEngine {
	return &fakeEngine{
		manifests: map[string]models.Manifest{
			"nli":      {Task: models.TaskNLI, Head: models.HeadPairClassification, Labels: nliLabels},
			"qa":       {Task: models.TaskQA, Head: models.HeadSpanExtraction},
			"qa-noans": {Task: models.TaskQA, Head: models.HeadSpanExtraction, NoAnswer: true},
			"clip":     {Task: models.TaskCLIP, Head: models.HeadSentenceMultiLabel, Labels: []string{"lab", "medication", "imaging"}},
			"unloaded": {Task: models.TaskNLI, Head: models.HeadPairClassification, Labels: nliLabels},
		},
		broken: map[string]string{"unloaded": "model.onnx does not load"},
		answer: func(name string, in inference.Input) (any, error) {
			switch name {
			case "nli":
				// "entailment" when the hypothesis is in the premise, else "neutral".
				top := "neutral"
				if strings.Contains(in.Premise, in.Hypothesis) {
					top = "entailment"
				}
				// Every label, highest first: the top one 0.9, the others 0.06 and 0.04.
				out := inference.NLIOutput{Labels: []inference.LabelScore{{Label: top, Score: 0.9}}}
				rest := []float64{0.06, 0.04}
				for _, l := range nliLabels {
					if l != top {
						out.Labels = append(out.Labels, inference.LabelScore{Label: l, Score: rest[len(out.Labels)-1]})
					}
				}
				return out, nil
			case "qa", "qa-noans":
				// The span is the context's first word (score 0.5); no-answer score 0.6
				// when the question asks about an MRI.
				null := 0.1
				if strings.Contains(in.Question, "MRI") {
					null = 0.6
				}
				word, _, _ := strings.Cut(in.Context, " ")
				out := inference.QAOutput{Answers: []inference.Answer{{Text: word, Score: 0.5}}}
				if name == "qa-noans" {
					out.NoAnswerScore = &null
				}
				return out, nil
			case "clip":
				// Two sentences: the first predicts lab, the second imaging.
				return inference.CLIPOutput{Sentences: []inference.Sentence{
					{Predicted: []string{"lab"}}, {Predicted: []string{"imaging"}}}}, nil
			}
			return nil, errors.New("no such model")
		},
	}
}

func metricMap(ms []Metric) map[string]float64 {
	out := map[string]float64{}
	for _, m := range ms {
		out[m.Name] = m.Value
	}
	return out
}

func TestRunNLI(t *testing.T) {
	data := `{"premise": "pain in chest", "hypothesis": "pain", "label": "entailment"}
{"premise": "fever", "hypothesis": "cough", "label": "neutral"}
{"premise": "no fever", "hypothesis": "fever", "label": "contradiction"}
{"premise": "x", "hypothesis": "y", "label": "neutral"}
`
	eng := testEngine()
	var seen []Progress
	progress := func(p Progress) { seen = append(seen, p) } // calls come one at a time
	rep, err := RunFile(context.Background(), eng, "nli", strings.NewReader(data), Options{Predictions: true, Concurrency: 3, Progress: progress})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 4 {
		t.Fatalf("progress called %d times, want 4", len(seen))
	}
	for i, p := range seen {
		if p.Done != i+1 || p.Metric.Name != "accuracy" || p.Metric.Value < 0 || p.Metric.Value > 1 {
			t.Errorf("progress call %d: %+v", i+1, p)
		}
	}
	if last := seen[3].Metric.Value; last != 0.75 {
		t.Errorf("running accuracy after the last example %v, want the report's 0.75", last)
	}
	m := metricMap(rep.Metrics)
	// predictions: entailment, neutral, entailment, neutral → 3 of 4 right.
	if rep.Examples != 4 || m["accuracy"] != 0.75 {
		t.Errorf("report %+v", rep)
	}
	// F1: entailment 2/3, neutral 1, contradiction 0.
	if want := (2.0/3 + 1 + 0) / 3; math.Abs(m["macro_f1"]-want) > 1e-15 {
		t.Errorf("macro_f1 %v, want %v", m["macro_f1"], want)
	}
	if got := rep.Predictions[2]; got.Line != 3 || got.Label != "entailment" {
		t.Errorf("prediction 3: %+v", got)
	}
	// Each prediction carries every label's probability, as the model gave it.
	if got, want := rep.Predictions[1].Probabilities, map[string]float64{"neutral": 0.9, "entailment": 0.06, "contradiction": 0.04}; !maps.Equal(got, want) {
		t.Errorf("prediction 2 probabilities %v, want %v", got, want)
	}
	rep, err = RunFile(context.Background(), eng, "nli", strings.NewReader(data), Options{Limit: 2})
	if err != nil || rep.Examples != 2 || rep.Predictions != nil {
		t.Errorf("--limit 2: %+v, %v", rep, err)
	}
}

func TestRunQANoAnswerRule(t *testing.T) {
	data := `{"context": "aspirin daily", "question": "What drug?", "answers": [{"text": "Aspirin", "answer_start": 0}]}
{"context": "CT clear", "question": "What did the MRI show?", "answers": []}
`
	for _, c := range []struct {
		model   string
		answers []string
		exact   float64
	}{
		// Without a no-answer head the best span is always given.
		{"qa", []string{"aspirin", "CT"}, 50},
		// With one, "" wins where the no-answer score beats the best span.
		{"qa-noans", []string{"aspirin", ""}, 100},
	} {
		var last Progress
		rep, err := RunFile(context.Background(), testEngine(), c.model, strings.NewReader(data), Options{Predictions: true,
			Progress: func(p Progress) { last = p }})
		if err != nil {
			t.Fatal(err)
		}
		if f1 := metricMap(rep.Metrics)["f1"]; last.Done != 2 || last.Metric.Name != "f1" || math.Abs(last.Metric.Value-f1) > 1e-9 {
			t.Errorf("%s: last progress %+v, want 2 done and the report's f1 %v", c.model, last, f1)
		}
		for i, want := range c.answers {
			if got := *rep.Predictions[i].Answer; got != want {
				t.Errorf("%s example %d: answer %q, want %q", c.model, i+1, got, want)
			}
		}
		m := metricMap(rep.Metrics)
		if m["exact"] != c.exact || m["NoAns_exact"] != c.exact*2-100 || rep.SQuADVersion != SQuADv2 {
			t.Errorf("%s: metrics %v", c.model, rep.Metrics)
		}
	}
}

func TestRunCLIPUnionOfSentences(t *testing.T) {
	data := `{"text": "Labs and CT.", "labels": ["lab", "imaging"]}
{"text": "Aspirin.", "labels": ["medication"]}
`
	var last Progress
	rep, err := RunFile(context.Background(), testEngine(), "clip", strings.NewReader(data), Options{Predictions: true,
		Progress: func(p Progress) { last = p }})
	if err != nil {
		t.Fatal(err)
	}
	if last.Done != 2 || last.Metric != (Metric{"micro_f1", 4.0 / 7}) {
		t.Errorf("last progress %+v, want 2 done at the report's micro_f1 4/7", last)
	}
	if got := strings.Join(rep.Predictions[0].Labels, ","); got != "lab,imaging" {
		t.Errorf("labels %q, want the union in label order", got)
	}
	m := metricMap(rep.Metrics)
	// TP 2 (lab, imaging on line 1), FP 2 (line 2), FN 1 (medication) → micro F1 4/7.
	if m["micro_f1"] != 4.0/7 || m["subset_accuracy"] != 0.5 {
		t.Errorf("metrics %v", rep.Metrics)
	}
}

func TestRunErrors(t *testing.T) {
	for _, c := range []struct {
		name, model, data, want string
	}{
		{"unknown model", "nope", "", `unknown model "nope" (models: `},
		{"not loaded", "unloaded", "", "model unloaded is not loaded: model.onnx does not load"},
		{"task mismatch", "nli", `{"text": "a", "labels": []}`, "line 1: task mismatch: this is a clip example (fields labels, text), the model does nli"},
		{"malformed", "nli", "\n" + `{"premise": "a",`, "line 2: not a JSON object"},
		{"unknown field", "qa", `{"context": "a", "question": "b", "answers": [], "title": "t"}`, `line 1: json: unknown field "title"`},
		{"missing answers", "qa", `{"context": "a", "question": "b"}`, `line 1: "answers" is required for a qa example (use "answers": [] when there is no answer)`},
		{"empty premise", "nli", `{"premise": "", "hypothesis": "b", "label": "neutral"}`, "line 1: premise, hypothesis and label must not be empty"},
		{"negative start", "qa", `{"context": "a", "question": "b", "answers": [{"text": "a", "answer_start": -1}]}`, "line 1: answers[0].answer_start is negative"},
		{"unknown nli label", "nli", `{"premise": "a", "hypothesis": "b", "label": "maybe"}`, `line 1: label "maybe" is not one of the model's labels (entailment, neutral, contradiction)`},
		{"unknown clip label", "clip", `{"text": "a", "labels": ["lab", "diet"]}`, `line 1: label "diet" is not one of the model's labels`},
		{"two values", "clip", `{"text": "a", "labels": []} {"text": "b", "labels": []}`, "line 1: not a JSON object: invalid character"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := RunFile(context.Background(), testEngine(), c.model, strings.NewReader(c.data), Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
	if _, err := RunFile(context.Background(), testEngine(), "nope", strings.NewReader(""), Options{}); !errors.Is(err, ErrUnknownModel) {
		t.Errorf("unknown model: %v is not ErrUnknownModel", err)
	}
	if _, err := RunFile(context.Background(), testEngine(), "nli", strings.NewReader(`{"text": "a", "labels": []}`), Options{}); !errors.Is(err, ErrTaskMismatch) {
		t.Errorf("task mismatch: %v is not ErrTaskMismatch", err)
	}
}

func TestRunStopsAtFirstInferenceError(t *testing.T) {
	eng := testEngine()
	next := eng.answer
	eng.answer = func(name string, in inference.Input) (any, error) {
		if in.Premise == "bad" {
			return nil, &inference.Error{Code: inference.CodeInternal, Message: "tokenization failed", Err: errors.New("stride too large")}
		}
		return next(name, in)
	}
	// The examples after the bad one are answered only once the run is
	// cancelled (or after a while, should it never be), so that the fake's
	// speed cannot let them all through before the failure is seen.
	var gaveUp atomic.Bool
	eng.hold = func(ctx context.Context, in inference.Input) {
		if in.Hypothesis != "later" || gaveUp.Load() {
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
			gaveUp.Store(true)
		}
	}
	var b strings.Builder
	for i := 0; i < 200; i++ {
		p, h := "ok", "ok"
		switch {
		case i == 5:
			p = "bad"
		case i > 5:
			h = "later"
		}
		b.WriteString(`{"premise": "` + p + `", "hypothesis": "` + h + `", "label": "entailment"}` + "\n")
	}
	_, err := RunFile(context.Background(), eng, "nli", strings.NewReader(b.String()), Options{Concurrency: 2})
	var le *LineError
	// The cause, which the engine keeps out of client answers, is shown.
	if !errors.As(err, &le) || le.Line != 6 || !strings.Contains(err.Error(), "internal: tokenization failed (stride too large)") {
		t.Fatalf("error %v, want line 6 with the cause", err)
	}
	if eng.calls == 200 {
		t.Error("the run went on after the failure")
	}
}
