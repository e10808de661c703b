package server

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/components"
	"github.com/clinlm/clinlm/results"
	"github.com/clinlm/clinlm/store"
)

// submitFieldSpec is one input of the submission form, in display order;
// Name is the JSON field of the API.
type submitFieldSpec struct {
	name, label, hint, typ string
	required               bool
	options                []string
}

func submitFieldSpecs() []submitFieldSpec {
	var tasks, metrics []string
	for _, t := range results.Tasks() {
		tasks = append(tasks, t.Name)
		metrics = append(metrics, t.Metrics...)
	}
	var domains []string
	for _, d := range results.Domains() {
		domains = append(domains, string(d))
	}
	return []submitFieldSpec{
		{"model_name", "Model name", "A name of its own, not one of the paper's models", "text", true, nil},
		{"model_params", "Parameters", `As printed: "110M", "1.5B", or "?" if undisclosed`, "text", true, nil},
		{"model_domain", "Pretraining domain", "Clinical if any clinical text was in pretraining", "select", true, domains},
		{"model_method", "Method", "", "select", true, []string{string(results.MethodFinetuned), string(results.MethodInContext)}},
		{"model_link", "Model link", "http(s) link to the weights or model card", "url", false, nil},
		{"task", "Task", "", "select", true, tasks},
		{"metric", "Metric", "MedNLI: accuracy; RadQA: exact_match or f1; CLIP: micro_f1 or macro_f1", "select", true, metrics},
		{"value", "Score", "Between 0 and 1, e.g. 0.845", "text", true, nil},
		{"std", "Standard deviation", "Over the runs, between 0 and 1", "text", false, nil},
		{"runs", "Number of runs", "How many runs (seeds) the score is the mean of", "number", true, nil},
		{"pretraining_flops", "Pretraining FLOPs", "Total pretraining compute, e.g. 2.1e20 (optional; places the model on the FLOPs figure)", "text", false, nil},
		{"paper_link", "Paper or code link", "Where the number comes from", "url", false, nil},
		{"contact", "Contact", "E-mail or handle; seen only by moderators, never shown", "text", true, nil},
	}
}

// submitPage serves the form and the list of submissions.
func (s *Server) submitPage(c echo.Context) error {
	return s.renderSubmit(c, http.StatusOK, map[string]string{"runs": "1"}, nil, nil)
}

// submitForm takes a same-origin form post: the form again with its
// problems beside each field, or 201 with the edit key. The form with
// problems is a 200, not the API's 422: it is a page that renders fine, and
// browsers log every 4xx document as a console error.
func (s *Server) submitForm(c echo.Context) error {
	if err := s.enabled(); err != nil {
		return err
	}
	if err := c.Request().ParseForm(); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "the form could not be read")
	}
	values := map[string]string{}
	for _, sp := range submitFieldSpecs() {
		values[sp.name] = strings.TrimSpace(c.Request().PostForm.Get(sp.name))
	}
	f, problems := fieldsFromForm(values)
	problems = append(problems, s.checkSubmission(f)...)
	if len(problems) > 0 {
		return s.renderSubmit(c, http.StatusOK, values, problems, nil)
	}
	v, err := s.create(c, f)
	if err != nil {
		return err
	}
	id := strconv.FormatInt(v.ID, 10)
	created := &components.SubmitCreated{ID: id, EditKey: v.EditKey, APIHref: "/api/v1/submissions/" + id}
	return s.renderSubmit(c, http.StatusCreated, map[string]string{"runs": "1"}, nil, created)
}

// fieldsFromForm reads the form's text into fields; numbers that do not
// parse are problems of their field (results checks the rest).
func fieldsFromForm(v map[string]string) (store.Fields, []results.Problem) {
	f := store.Fields{ModelName: v["model_name"], ModelParams: v["model_params"], ModelDomain: v["model_domain"],
		ModelMethod: v["model_method"], ModelLink: v["model_link"], Task: v["task"], Metric: v["metric"],
		PaperLink: v["paper_link"], Contact: v["contact"]}
	var problems []results.Problem
	number := func(field string) (float64, bool) {
		x, err := strconv.ParseFloat(v[field], 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			msg := strconv.Quote(v[field]) + " is not a number"
			if v[field] == "" {
				msg = "missing"
			}
			problems = append(problems, results.Problem{Field: field, Message: msg})
			return 0, false
		}
		return x, true
	}
	f.Value, _ = number("value")
	if v["std"] != "" {
		if std, ok := number("std"); ok {
			f.Std = &std
		}
	}
	if v["pretraining_flops"] != "" {
		if flops, ok := number("pretraining_flops"); ok {
			f.PretrainingFLOPs = &flops
		}
	}
	runs, err := strconv.Atoi(v["runs"])
	if err != nil {
		problems = append(problems, results.Problem{Field: "runs", Message: strconv.Quote(v["runs"]) + " is not a whole number"})
		runs = 1 // checked above; keeps results from repeating the problem
	}
	f.Runs = runs
	return f, problems
}

func (s *Server) renderSubmit(c echo.Context, status int, values map[string]string, problems []results.Problem, created *components.SubmitCreated) error {
	page := components.SubmitPage{Enabled: s.subs.store != nil, Created: created}
	byField := map[string][]string{}
	for _, p := range problems {
		byField[p.Field] = append(byField[p.Field], p.Message)
	}
	for _, sp := range submitFieldSpecs() {
		f := components.SubmitField{Name: sp.name, Label: sp.label, Hint: sp.hint, Type: sp.typ, Required: sp.required,
			Value: values[sp.name], Problem: strings.Join(byField[sp.name], "; ")}
		if f.Problem != "" {
			page.Problems++
		}
		for _, o := range sp.options {
			f.Options = append(f.Options, components.Choice{Value: o, Label: o, Checked: o == values[sp.name]})
		}
		page.Fields = append(page.Fields, f)
	}
	if s.subs.store != nil {
		all, err := s.subs.store.List(c.Request().Context())
		if err != nil {
			return err
		}
		for i := len(all) - 1; i >= 0; i-- { // newest first
			page.Rows = append(page.Rows, s.submissionRow(all[i]))
		}
	}
	ch := s.chrome("Submit a result", "submit")
	ch.Description = "Submit a clinical NLP result to the clinlm leaderboard."
	return render(c, status, components.Submit(ch, page))
}

// submissionRow is the public view of one submission (never the contact).
func (s *Server) submissionRow(sub store.Submission) components.SubmissionRow {
	r := components.SubmissionRow{ID: strconv.FormatInt(sub.ID, 10), Model: sub.ModelName, Task: sub.Task,
		Metric: sub.Metric, Value: strconv.FormatFloat(sub.Value, 'f', -1, 64), Runs: strconv.Itoa(sub.Runs),
		Status: string(sub.Status), PaperLink: sub.PaperLink, Submitted: sub.CreatedAt.Format("2006-01-02")}
	if sub.Std != nil {
		r.Std = strconv.FormatFloat(*sub.Std, 'f', -1, 64)
	}
	if sub.Status == store.StatusApproved {
		if m, ok := s.board().Model(sub.ModelName); ok && m.Origin == results.OriginSubmitted {
			r.ModelHref = modelHref(m.Name)
		}
	}
	return r
}
