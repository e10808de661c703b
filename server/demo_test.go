package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/clinlm/clinlm/components"
	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/models"
	"github.com/clinlm/clinlm/results"
	"github.com/clinlm/clinlm/static"
)

// demoInferer lists a ready NLI and QA model and a broken CLIP model, and
// answers with fixed outputs (the QA answer is the word "right").
type demoInferer struct{}

func (demoInferer) Models() []inference.ModelInfo {
	return []inference.ModelInfo{
		{Name: "nli-a", Task: "nli", Head: "sequence-pair-classification", Labels: []string{"entailment", "neutral", "contradiction"},
			MaxLength: 128, Availability: "public", Status: inference.StatusReady},
		{Name: "qa-a", Task: "qa", Head: "span-extraction", Labels: []string{}, MaxLength: 128, Availability: "public", Status: inference.StatusReady},
		{Name: "clip-broken", Task: "clip", Head: "sentence-multi-label", Labels: []string{"appointment"}, MaxLength: 128,
			Availability: "public", Status: inference.StatusError, Error: "model.onnx does not load: truncated file"},
	}
}

func (demoInferer) Infer(_ context.Context, model string, in inference.Input, _ inference.Partial) (inference.Result, error) {
	timing := inference.Timing{QueueMS: 1, TokenizeMS: 2, RunMS: 3}
	switch model {
	case "nli-a":
		return inference.Result{Output: inference.NLIOutput{Labels: []inference.LabelScore{
			{Label: "contradiction", Score: 0.7}, {Label: "neutral", Score: 0.2}, {Label: "entailment", Score: 0.1}},
			Values: []inference.ValueReading{{Field: "premise", Start: 9, End: 17, Text: "T 36.8 C", Analyte: "temperature", State: "normal"},
				{Field: "premise", Start: 19, End: 25, Text: "Na 124", Analyte: "sodium", State: "low", Term: "hyponatremia"}}}, Timing: timing}, nil
	case "qa-a":
		i := strings.Index(in.Context, "right")
		if i < 0 {
			return inference.Result{Output: inference.QAOutput{Answers: []inference.Answer{}}, Timing: timing}, nil
		}
		start := len([]rune(in.Context[:i]))
		return inference.Result{Output: inference.QAOutput{Answers: []inference.Answer{{Text: "right", Start: start, End: start + 5, Score: 0.9}}}, Timing: timing}, nil
	}
	return inference.Result{}, &inference.Error{Code: inference.CodeUnavailable, Message: "model " + model + " is not loaded"}
}

func newDemoServer(t *testing.T, inf Inferer, checks []Check, logs io.Writer) *httptest.Server {
	t.Helper()
	set, err := results.Default()
	if err != nil {
		t.Fatal(err)
	}
	assets, err := static.New(fstest.MapFS{"css/app.css": {Data: []byte("body{}")}, "css/demo.css": {Data: []byte(".d{}")},
		"js/demo.js": {Data: []byte("//")}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Results: set, Assets: assets, Inference: inf, Checks: checks})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts
}

func demoGet(t *testing.T, u string) (int, string) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestDemoPages(t *testing.T) {
	ortMissing := []Check{{Name: "onnx runtime", Optional: true, Error: "libonnxruntime.so.1 not found"}}
	cases := []struct {
		name   string
		inf    Inferer
		checks []Check
		path   string
		status int
		want   []string
		absent []string
	}{
		{"nli page", demoInferer{}, nil, "/demo/nli", 200,
			[]string{`data-task="nli"`, "processed in memory only", `value="nli-a"`, `href="/demo/card/nli-a"`, `src="/static/`, "The patient had a myocardial infarction."},
			[]string{"demo-problem", "<script>"}},
		{"sample from the query", demoInferer{}, nil, "/demo/qa?sample=mri-knee", 200,
			[]string{"Which meniscus is torn?", `value="qa-a" id="model-qa-a" checked`}, nil},
		{"broken model explained", demoInferer{}, nil, "/demo/clip", 200,
			[]string{"No CLIP model is loaded.", "truncated file", `id="threshold"`, "disabled"}, nil},
		{"missing runtime", demoInferer{}, ortMissing, "/demo/nli", 200,
			[]string{"ONNX Runtime is not available: libonnxruntime.so.1 not found", "go tool task ort", "--ort-lib"}, nil},
		{"no engine", nil, nil, "/demo/qa", 200, []string{"Inference is not configured", "--models DIR"}, nil},
		{"unknown task", demoInferer{}, nil, "/demo/ner", 404, []string{"/demo/nli"}, nil},
		{"models page", demoInferer{}, nil, "/models", 200,
			[]string{`data-model="nli-a" data-status="ready"`, `data-model="clip-broken" data-status="error"`, "truncated file", "sequence-pair-classification"}, nil},
		{"model card from the manifest-less engine", demoInferer{}, nil, "/demo/card/qa-a", 200, []string{"Model card: qa-a", "span-extraction"}, nil},
		{"unknown card", demoInferer{}, nil, "/demo/card/nope", 404, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts := newDemoServer(t, c.inf, c.checks, io.Discard)
			status, body := demoGet(t, ts.URL+c.path)
			if status != c.status {
				t.Fatalf("status %d, want %d: %s", status, c.status, body)
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, a := range c.absent {
				if strings.Contains(body, a) {
					t.Errorf("page has %q", a)
				}
			}
		})
	}
}

func TestDemoPOSTRendersResultsWithoutJavaScript(t *testing.T) {
	logs := &syncBuffer{}
	ts := newDemoServer(t, demoInferer{}, nil, logs)
	const marker = "Zq7xPostMarker"
	cases := []struct {
		task string
		form url.Values
		want []string
	}{
		{"nli", url.Values{"premise": {"Afebrile " + marker}, "hypothesis": {"Has fever."}, "model": {"nli-a"}},
			[]string{`<th scope="row">contradiction</th>`, `value="70.0"`, "queue 1.0 ms · tokenize 2.0 ms · run 3.0 ms",
				`<li>T 36.8 C: normal temperature</li>`, `<li>Na 124: low sodium (hyponatremia)</li>`}},
		// "é" and "½" make code-point and byte offsets differ.
		{"qa", url.Values{"context": {"Épanchement ½: right side " + marker}, "question": {"Which side?"}, "model": {"qa-a"}},
			[]string{`<mark class="rank-1">right</mark>`, "characters 15–20"}},
	}
	for _, c := range cases {
		t.Run(c.task, func(t *testing.T) {
			res, err := http.PostForm(ts.URL+"/demo/"+c.task, c.form)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Fatalf("status %d: %s", res.StatusCode, b)
			}
			for _, w := range c.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("result lacks %q", w)
				}
			}
		})
	}
	if strings.Contains(logs.String(), marker) {
		t.Error("the note text was logged")
	}
}

func TestAPIModelsListsDemoModels(t *testing.T) {
	ts := newDemoServer(t, demoInferer{}, nil, io.Discard)
	_, body := demoGet(t, ts.URL+"/api/v1/models")
	var got struct {
		Models []map[string]any `json:"models"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	demo := map[string]map[string]any{}
	paper := 0
	for _, m := range got.Models {
		switch m["kind"] {
		case "demo":
			demo[m["name"].(string)] = m
		case "paper":
			paper++
			if m["availability"] != "results-only" {
				t.Errorf("paper model %v: availability %v", m["name"], m["availability"])
			}
		}
	}
	if paper == 0 || len(demo) != 3 {
		t.Fatalf("%d paper and %d demo models", paper, len(demo))
	}
	nli := demo["nli-a"]
	for _, k := range []string{"name", "task", "head", "labels", "max_length", "availability", "status"} {
		if _, ok := nli[k]; !ok {
			t.Errorf("nli-a lacks %q: %v", k, nli)
		}
	}
	if demo["clip-broken"]["status"] != "error" || demo["clip-broken"]["error"] != "model.onnx does not load: truncated file" {
		t.Errorf("broken model: %v", demo["clip-broken"])
	}
}

func TestQASegments(t *testing.T) {
	cases := []struct {
		name    string
		context string
		answers []inference.Answer
		want    []components.DemoSegment
	}{
		{"none", "abc", nil, []components.DemoSegment{{Text: "abc"}}},
		{"one in the middle", "a½cd", []inference.Answer{{Start: 1, End: 3}}, []components.DemoSegment{{Text: "a"}, {Text: "½c", Rank: 1}, {Text: "d"}}},
		{"overlap keeps the better rank", "abcdef", []inference.Answer{{Start: 2, End: 4}, {Start: 0, End: 5}},
			[]components.DemoSegment{{Text: "ab", Rank: 2}, {Text: "cd", Rank: 1}, {Text: "e", Rank: 2}, {Text: "f"}}},
		{"offsets past the end are clipped", "ab", []inference.Answer{{Start: 1, End: 9}}, []components.DemoSegment{{Text: "a"}, {Text: "b", Rank: 1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := qaSegments(c.context, c.answers)
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("segment %d: got %v, want %v", i, got[i], c.want[i])
				}
			}
		})
	}
}

func TestDemoSamplesFillEveryField(t *testing.T) {
	for _, task := range demoTasks() {
		samples := demoSamples(task.Key)
		if len(samples) < 5 {
			t.Errorf("%s: %d samples, want at least 5", task.Key, len(samples))
		}
		seen := map[string]bool{}
		for _, s := range samples {
			if seen[s.ID] {
				t.Errorf("%s: duplicate sample id %q", task.Key, s.ID)
			}
			seen[s.ID] = true
			if len(s.Values) != len(task.Fields) {
				t.Errorf("%s/%s: fields %v", task.Key, s.ID, s.Values)
			}
			for _, f := range task.Fields {
				if strings.TrimSpace(s.Values[f.Name]) == "" {
					t.Errorf("%s/%s: empty %s", task.Key, s.ID, f.Name)
				}
			}
		}
	}
}

// TestCLIPCut: the demo shows a CLIP model's labels as the model decides them
// (its tuned per-label thresholds) unless the user picks one threshold for all.
func TestCLIPCut(t *testing.T) {
	out := inference.CLIPOutput{
		Thresholds: map[string]float64{"lab": 0.2, "imaging": 0.9},
		Sentences: []inference.Sentence{{Text: "Repeat CT and BMP in a week.", Labels: []inference.LabelScore{
			{Label: "imaging", Score: 0.5}, {Label: "lab", Score: 0.3}, {Label: "other", Score: 0.45}}}},
	}
	cases := []struct {
		name string
		cut  clipCut
		want []string
	}{
		{"model thresholds; a label without one falls back to the slider", clipCut{value: 0.4}, []string{"lab", "other"}},
		{"one threshold for every label", clipCut{single: true, value: 0.4}, []string{"imaging", "other"}},
		{"a low single threshold keeps all", clipCut{single: true, value: 0.25}, []string{"imaging", "lab", "other"}},
		{"a high single threshold keeps none", clipCut{single: true, value: 0.95}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := demoResult("m", inference.Input{}, inference.Result{Output: out}, nil, []string{"lab", "imaging"}, c.cut)
			var got []string
			for _, l := range r.Sentences[0].Labels {
				got = append(got, l.Label)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("labels %v, want %v", got, c.want)
			}
		})
	}
}

// clipChoiceInferer lists three ready CLIP models whose names sort the
// stand-ins first: a zero-shot model and one trained on other labels.
type clipChoiceInferer struct{ demoInferer }

func (clipChoiceInferer) Models() []inference.ModelInfo {
	ready := func(name, head string, labels []string) inference.ModelInfo {
		return inference.ModelInfo{Name: name, Task: "clip", Head: head, Labels: labels, MaxLength: 128,
			Availability: "public", Status: inference.StatusReady}
	}
	return []inference.ModelInfo{
		ready("a-zero-shot", "zero-shot-nli", models.CLIPLabels),
		ready("b-hallmarks", "sentence-multi-label", []string{"Inducing angiogenesis", "Resisting cell death"}),
		ready("c-trained", "sentence-multi-label", models.CLIPLabels),
	}
}

func TestDemoPageOpensOnTrainedModel(t *testing.T) {
	ts := newDemoServer(t, clipChoiceInferer{}, nil, io.Discard)
	status, body := demoGet(t, ts.URL+"/demo/clip")
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	if !strings.Contains(body, `value="c-trained" id="model-c-trained" checked`) {
		t.Error("the CLIP page does not open on the model trained with CLIP's labels")
	}
	for _, standIn := range []string{"a-zero-shot", "b-hallmarks"} {
		if strings.Contains(body, `id="model-`+standIn+`" checked`) {
			t.Errorf("%s is checked by default", standIn)
		}
	}
	// The model list keeps the stand-ins, after the trained model.
	if i, j := strings.Index(body, `value="c-trained"`), strings.Index(body, `value="a-zero-shot"`); i < 0 || j < 0 || i > j {
		t.Errorf("trained model at %d, zero-shot at %d: want the trained model listed first", i, j)
	}
}
