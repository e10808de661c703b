package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/components"
	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/models"
)

// demoScript is the demo pages' websocket client; domScript, the helpers it
// shares with the tokenizer page's scripts, loaded before them.
const (
	demoScript = "js/demo.js"
	domScript  = "js/dom.js"
)

// registerDemo adds the live demo pages: /demo/{nli,qa,clip} (GET, and POST
// for browsers without JavaScript), /models and the model cards.
func (s *Server) registerDemo() {
	e := s.echo
	e.GET("/demo", func(c echo.Context) error { return c.Redirect(http.StatusFound, "/demo/nli") })
	e.GET("/demo/:task", s.demoPage)
	e.POST("/demo/:task", s.clients.limitRate(s.demoPage))
	e.GET("/demo/card/:name", s.demoCardPage)
	e.GET("/models", s.demoModelsPage)
}

// demoTask describes one task's page and form.
type demoTask struct {
	Key, Title, Intro string
	Fields            []components.DemoField
}

func demoTasks() []demoTask {
	return []demoTask{
		{"nli", "Natural language inference (MedNLI-style)",
			"Does the premise, a sentence from a note, entail, contradict or say nothing about the hypothesis? " +
				"Each model answers with the probability of each label.",
			[]components.DemoField{{Name: "premise", Label: "Premise", Rows: 4}, {Name: "hypothesis", Label: "Hypothesis", Rows: 1}}},
		{"qa", "Question answering over a radiology report (RadQA-style)",
			"Ask a question about a report; each model marks its top answers in the report by their character offsets.",
			[]components.DemoField{{Name: "context", Label: "Report", Rows: 10}, {Name: "question", Label: "Question", Rows: 1}}},
		{"clip", "Action items in a discharge summary (CLIP-style)",
			"The note is split into sentences and each is scored against the model's labels: the seven CLIP labels " +
				"(appointment, medication, lab, patient instructions, procedure, imaging, other) for CLIP models; a demo " +
				"model trained on other labels (Hallmarks of Cancer) shows its own, in grey.",
			[]components.DemoField{{Name: "text", Label: "Discharge summary", Rows: 10}}},
	}
}

func findDemoTask(key string) (demoTask, bool) {
	for _, t := range demoTasks() {
		if t.Key == key {
			return t, true
		}
	}
	return demoTask{}, false
}

// modelDetails is what the pages read from the engine beyond Inferer;
// *inference.Engine has it, test doubles may not.
type modelDetails interface {
	Manifest(name string) (models.Manifest, bool)
	ModelCard(name string) string
}

// demoModels lists the engine's models (all tasks when task is "").
func (s *Server) demoModels(task string) []components.DemoModel {
	if s.cfg.Inference == nil {
		return nil
	}
	details, _ := s.cfg.Inference.(modelDetails)
	var out []components.DemoModel
	for _, m := range s.cfg.Inference.Models() {
		if task != "" && m.Task != task {
			continue
		}
		dm := components.DemoModel{Name: m.Name, Task: m.Task, Head: m.Head, Availability: m.Availability,
			Status: m.Status, Error: m.Error, Labels: m.Labels, MaxLength: m.MaxLength,
			Ready: m.Status == inference.StatusReady, CardHref: demoCardHref(m.Name), RunsOn: runsOn(m)}
		if details != nil {
			if mf, ok := details.Manifest(m.Name); ok {
				dm.Description = mf.Description
			}
		}
		out = append(out, dm)
	}
	if task != "" {
		// A task page opens on its first ready model: models trained for the
		// task come before stand-ins (zero-shot through an NLI model, or a CLIP
		// head with other labels), names alphabetical within each group.
		slices.SortStableFunc(out, func(a, b components.DemoModel) int { return demoStandIn(a) - demoStandIn(b) })
	}
	return out
}

// runsOn says where a loaded model runs, for the model pages.
func runsOn(m inference.ModelInfo) string {
	where := m.Provider
	if m.Provider == inference.ProviderRemote {
		where = "remote " + m.Endpoint
	}
	if m.SharesWith != "" {
		where += " (session shared with " + m.SharesWith + ")"
	}
	return where
}

// demoStandIn is 1 for a model that only stands in for the task's own
// models: a zero-shot head, or a CLIP model whose labels are not CLIP's.
func demoStandIn(m components.DemoModel) int {
	if m.Head == string(models.HeadZeroShotNLI) ||
		(m.Task == string(models.TaskCLIP) && !slices.Equal(m.Labels, models.CLIPLabels)) {
		return 1
	}
	return 0
}

// demoProblems says what keeps a task's demo (or every demo, task "") from
// running and how to fix it.
func (s *Server) demoProblems(task string, list []components.DemoModel) []components.DemoProblem {
	var out []components.DemoProblem
	if s.cfg.Inference == nil {
		return []components.DemoProblem{{What: "Inference is not configured in this server.",
			Fix: "Start the dashboard with `clinlm serve --models DIR` (go tool task run -- --models DIR)."}}
	}
	for _, ch := range s.cfg.Checks {
		if ch.Name == "onnx runtime" && !ch.OK {
			out = append(out, components.DemoProblem{What: "ONNX Runtime is not available: " + ch.Error,
				Fix: "Run `go tool task ort` to fetch it into .cache/ort, or point --ort-lib (CLINLM_ORT_LIB) at libonnxruntime.so.1, then restart the server."})
		}
	}
	ready := slices.ContainsFunc(list, func(m components.DemoModel) bool { return m.Ready })
	what := "No model is loaded."
	if task != "" {
		what = "No " + strings.ToUpper(task) + " model is loaded."
	}
	switch {
	case len(list) == 0:
		out = append(out, components.DemoProblem{What: what,
			Fix: "Start the server with --models DIR, a model repository (one folder per model: model.onnx, tokenizer.json, " +
				"manifest.json; see inference/models/README.md). `go tool task models-venv` builds small random-weight test " +
				"models into .cache/testmodels."})
	case !ready:
		out = append(out, components.DemoProblem{What: what, Fix: "Every model of the repository failed to load; the reasons are listed beside each model."})
	}
	return out
}

// demoPage serves GET and POST /demo/{task}.
func (s *Server) demoPage(c echo.Context) error {
	task, ok := findDemoTask(c.Param("task"))
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "no demo "+strconv.Quote(c.Param("task"))+": try /demo/nli, /demo/qa or /demo/clip")
	}
	req := c.Request()
	limits := s.cfg.InferLimits.withDefaults()
	if req.Method == http.MethodPost {
		req.Body = http.MaxBytesReader(c.Response(), req.Body, limits.MaxFrameBytes)
		select {
		case s.bodySlots <- struct{}{}: // the same bound on bodies being read as the API's
		default:
			return retryLater(c, http.StatusServiceUnavailable, "too many requests are sending their body; retry shortly")
		}
		lift := bodyDeadline(c, limits.BodyTimeout)
		err := req.ParseForm()
		lift(err)
		<-s.bodySlots
		switch {
		case isTimeout(err):
			return echo.NewHTTPError(http.StatusRequestTimeout, "the form did not arrive within "+limits.BodyTimeout.String())
		case err != nil:
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "the form is larger than "+strconv.FormatInt(limits.MaxFrameBytes, 10)+" bytes")
		}
	}
	q := c.QueryParams()
	page := components.DemoPage{Task: task.Key, TaskTitle: task.Title, Intro: task.Intro, Threshold: "0.50", ModelThresholds: true}
	for _, t := range demoTasks() {
		page.Tabs = append(page.Tabs, components.Tab{Label: strings.ToUpper(t.Key), Href: "/demo/" + t.Key, Current: t.Key == task.Key})
	}
	samples := demoSamples(task.Key)
	chosen := samples[0]
	for _, sm := range samples {
		if sm.ID == q.Get("sample") {
			chosen = sm
		}
	}
	for _, sm := range samples {
		values, err := json.Marshal(sm.Values)
		if err != nil {
			return err
		}
		page.Samples = append(page.Samples, components.DemoSample{ID: sm.ID, Title: sm.Title,
			Href: "/demo/" + task.Key + "?sample=" + url.QueryEscape(sm.ID), ValuesJSON: string(values), Active: sm.ID == chosen.ID})
	}
	for _, f := range task.Fields {
		f.Value = chosen.Values[f.Name]
		if req.Method == http.MethodPost {
			f.Value = req.PostForm.Get(f.Name)
		}
		page.Fields = append(page.Fields, f)
	}
	page.Models = s.demoModels(task.Key)
	page.Problems = s.demoProblems(task.Key, page.Models)
	picked := q["model"]
	if req.Method == http.MethodPost {
		picked = req.PostForm["model"]
	}
	anyPicked := false
	for i := range page.Models {
		m := &page.Models[i]
		m.Checked = m.Ready && slices.Contains(picked, m.Name)
		anyPicked = anyPicked || m.Checked
	}
	if i := defaultDemoModel(page.Models); !anyPicked && i >= 0 {
		page.Models[i].Checked = true
	}
	if task.Key == "clip" && len(page.Models) > 0 {
		page.Labels = page.Models[0].Labels
	}
	cut := clipCut{value: 0.5}
	if v := req.PostForm.Get("threshold"); v != "" {
		if t, err := strconv.ParseFloat(v, 64); err == nil && t >= 0 && t <= 1 {
			cut.value = t
			page.Threshold = strconv.FormatFloat(t, 'f', 2, 64)
		}
	}
	if req.Method == http.MethodPost {
		// An unticked checkbox is not sent: its absence asks for one threshold.
		cut.single = req.PostForm.Get("model_thresholds") == ""
		page.ModelThresholds = !cut.single
	}
	page.Saliency = req.PostForm.Get("saliency") != ""
	if req.Method == http.MethodPost && s.cfg.Inference != nil {
		in := demoInput(task.Key, req.PostForm)
		for _, m := range page.Models {
			if !m.Checked {
				continue
			}
			res, err := s.infer(req.Context(), m.Name, in, nil)
			r := demoResult(m.Name, in, res, err, page.Labels, cut)
			if err == nil {
				r.Unseen = unseenTexts(task, in, res.Output)
				if page.Saliency {
					sal, err := s.explain(req.Context(), m.Name, in, inference.SaliencyOptions{}, nil)
					r.Saliency = saliencyView(task, in, sal, err)
				}
			}
			page.Results = append(page.Results, r)
		}
	}
	ch := s.chrome("Demo: "+strings.ToUpper(task.Key), "demo", domScript, demoScript)
	ch.Description = task.Intro
	return render(c, http.StatusOK, components.Demo(ch, page))
}

// defaultDemoModel is the index of the model a task's page opens on (and
// runs its gallery with) when none is picked: the first ready one; -1 when
// none is ready.
func defaultDemoModel(list []components.DemoModel) int {
	return slices.IndexFunc(list, func(m components.DemoModel) bool { return m.Ready })
}

// demoInput builds the task input from the POSTed form.
func demoInput(task string, form url.Values) inference.Input {
	switch task {
	case "nli":
		return inference.Input{Premise: form.Get("premise"), Hypothesis: form.Get("hypothesis")}
	case "qa":
		return inference.Input{Context: form.Get("context"), Question: form.Get("question"), TopK: 3}
	}
	return inference.Input{Text: form.Get("text")}
}

// demoResult turns one model's answer into its server-rendered view.
// clipCut says where a CLIP label is cut: at the model's own tuned threshold
// for that label (the default: a model tuned per label is shown as it
// decides), or at one threshold the user picked for every label.
type clipCut struct {
	single bool
	value  float64
}

func (c clipCut) of(out inference.CLIPOutput, label string) float64 {
	if t, ok := out.Thresholds[label]; ok && !c.single {
		return t
	}
	return c.value
}

func demoResult(model string, in inference.Input, res inference.Result, err error, labels []string, cut clipCut) components.DemoResult {
	r := components.DemoResult{Model: model}
	if err != nil {
		r.Error = inference.AsError(err).Message
		return r
	}
	t := res.Timing
	r.Timing = fmt.Sprintf("queue %.1f ms · tokenize %.1f ms · run %.1f ms", t.QueueMS, t.TokenizeMS, t.RunMS)
	switch out := res.Output.(type) {
	case inference.NLIOutput:
		r.Generated = out.Generated
		for _, l := range out.Labels {
			r.Bars = append(r.Bars, components.DemoBar{Label: l.Label, Score: fmtScore(l.Score), Percent: 100 * l.Score})
		}
		for _, v := range out.Values {
			reading := v.Text + ": " + v.State + " " + v.Analyte
			if v.Term != "" {
				reading += " (" + v.Term + ")"
			}
			r.Values = append(r.Values, reading)
		}
	case inference.QAOutput:
		r.Segments = qaSegments(in.Context, out.Answers)
		r.Generated = out.Generated
		for i, a := range out.Answers {
			r.Answers = append(r.Answers, components.DemoAnswer{Rank: i + 1, Text: a.Text, Score: fmtScore(a.Score),
				Span: fmt.Sprintf("characters %d–%d", a.Start, a.End)})
		}
	case inference.CLIPOutput:
		for _, sn := range out.Sentences {
			ds := components.DemoSentence{Text: sn.Text, Generated: sn.Generated}
			for _, l := range sn.Labels {
				if l.Score >= cut.of(out, l.Label) {
					ds.Labels = append(ds.Labels, components.DemoLabel{Label: l.Label, Score: fmtScore(l.Score),
						Class: labelClass(labels, l.Label)})
				}
			}
			r.Sentences = append(r.Sentences, ds)
		}
	}
	return r
}

// demoCardHref is where a demo model's card is served (demoCardPage).
func demoCardHref(name string) string { return "/demo/card/" + url.PathEscape(name) }

// labelClass colours a label by its place in the legend; a label the legend
// lacks (a model with other labels) is grey, as in the page's script.
func labelClass(legend []string, label string) string {
	if i := slices.Index(legend, label); i >= 0 && i < 6 {
		return "lab-" + strconv.Itoa(i)
	}
	return "lab-6"
}

// qaSegments cuts the report at the answers' code-point offsets; each piece
// carries the rank of the best answer covering it (0: none), so overlapping
// answers still highlight the better one.
func qaSegments(context string, answers []inference.Answer) []components.DemoSegment {
	runes := []rune(context)
	rank := make([]int, len(runes))
	for i := len(answers) - 1; i >= 0; i-- {
		a := answers[i]
		for j := max(0, a.Start); j < min(a.End, len(runes)); j++ {
			rank[j] = i + 1
		}
	}
	var out []components.DemoSegment
	start := 0
	for j := 1; j <= len(runes); j++ {
		if j == len(runes) || rank[j] != rank[start] {
			out = append(out, components.DemoSegment{Text: string(runes[start:j]), Rank: rank[start]})
			start = j
		}
	}
	return out
}

// demoModelsPage serves /models: every demo model with its status.
func (s *Server) demoModelsPage(c echo.Context) error {
	list := s.demoModels("")
	page := components.ModelsPage{Models: list, Configured: s.cfg.Inference != nil, Problems: s.demoProblems("", list)}
	ch := s.chrome("Demo models", "models")
	ch.Description = "The models the live demos run, with their status and model cards."
	return render(c, http.StatusOK, components.Models(ch, page))
}

// demoCardPage serves /demo/card/{name}: the model's README when it has one,
// else a card written from its manifest.
func (s *Server) demoCardPage(c echo.Context) error {
	name := c.Param("name")
	var model *components.DemoModel
	list := s.demoModels("")
	for i := range list {
		if list[i].Name == name {
			model = &list[i]
		}
	}
	if model == nil {
		return echo.NewHTTPError(http.StatusNotFound, "no demo model named "+strconv.Quote(name))
	}
	page := components.ModelCardPage{Model: *model, LastEvaluation: s.lastEvaluation(name)}
	if details, ok := s.cfg.Inference.(modelDetails); ok {
		if mf, ok := details.Manifest(name); ok {
			page.Card = manifestCard(name, mf)
		}
		if p := details.ModelCard(name); p != "" {
			if b, err := os.ReadFile(p); err == nil {
				page.Card = string(b) + "\n\n---\n" + page.Card
			}
		}
	}
	ch := s.chrome("Model card: "+name, "models")
	return render(c, http.StatusOK, components.ModelCard(ch, page))
}

// manifestCard writes the facts of a manifest as a short plain-text card.
func manifestCard(name string, mf models.Manifest) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", name)
	if mf.Description != "" {
		fmt.Fprintf(&b, "%s\n\n", mf.Description)
	}
	fmt.Fprintf(&b, "Task: %s\nHead: %s\nLabels: %s\nMaximum length: %d tokens\n", mf.Task, mf.Head, strings.Join(mf.Labels, ", "), mf.MaxLength)
	fmt.Fprintf(&b, "Licence: %s\nAvailability: %s\n\nProvenance\n", mf.Licence, mf.Availability)
	p := mf.Provenance
	for _, kv := range [][2]string{{"base model", p.BaseModel}, {"training data", p.TrainingData}, {"source", p.Source},
		{"weights", p.Weights}, {"notes", p.Notes}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, "  %s: %s\n", kv[0], kv[1])
		}
	}
	versions := make([]string, 0, len(p.Versions))
	for k, v := range p.Versions {
		versions = append(versions, k+" "+v)
	}
	slices.Sort(versions)
	if len(versions) > 0 {
		fmt.Fprintf(&b, "  versions: %s\n", strings.Join(versions, ", "))
	}
	b.WriteString("\nMetrics\n")
	if len(mf.Metrics) == 0 {
		b.WriteString("  none reported\n")
	}
	for _, m := range mf.Metrics {
		fmt.Fprintf(&b, "  %s %.3f on %s\n", m.Name, m.Value, m.Data)
	}
	return b.String()
}
