package server

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/results"
)

// registerResults adds the paper-results API and pages.
func (s *Server) registerResults(e *echo.Echo) {
	e.GET("/api/v1/results", s.apiResults)
	e.GET("/api/v1/results.csv", s.apiResultsCSV)
	e.GET("/api/v1/models", s.apiModels)
	e.GET("/api/v1/ablation", s.apiAblation)
	e.GET("/api/v1/demo-results", s.apiDemoResults)
	s.registerPages(e)
}

// sizeBucket is a size filter choice; a model matches when its parameter
// count lies in (Above, AtMost].
type sizeBucket struct {
	Key, Label    string
	Above, AtMost float64
}

// sizeBuckets are the size filter's choices, in display order.
func sizeBuckets() []sizeBucket {
	return []sizeBucket{
		{"le400m", "≤ 400M", 0, 400e6},
		{"le1b", "≤ 1B", 0, 1e9},
		{"gt1b", "> 1B", 1e9, math.Inf(1)},
	}
}

// modelFilter selects models by domain, size and method. Within one
// parameter repeated values are alternatives (domain=clinical&domain=general);
// an empty set matches everything.
type modelFilter struct {
	Domains []results.Domain
	Methods []results.Method
	Size    string // a sizeBucket key, or "" for any size
	// Models are canonical model names (the API's ?model=).
	Models []string
}

// badParam is a 400 naming the parameter and the value it did not understand.
func badParam(name, value, want string) error {
	return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("unknown %s %q: want %s", name, value, want))
}

// values reads a repeatable parameter; each value may also be a
// comma-separated list. Blank values are dropped, so an empty form field
// means "no filter".
func values(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// parseModelFilter reads ?domain= ?size= ?method= (and ?model= when
// withModel) and rejects any value it does not know.
func (s *Server) parseModelFilter(q url.Values, withModel bool) (modelFilter, error) {
	var f modelFilter
	for _, v := range values(q, "domain") {
		d := results.Domain(strings.ToLower(v))
		if !slices.Contains(results.Domains(), d) {
			return f, badParam("domain", v, "clinical, biomedical or general")
		}
		f.Domains = append(f.Domains, d)
	}
	for _, v := range values(q, "method") {
		m := results.Method(strings.ToLower(v))
		if m != results.MethodFinetuned && m != results.MethodInContext {
			return f, badParam("method", v, "finetuned or in-context")
		}
		f.Methods = append(f.Methods, m)
	}
	if sizes := values(q, "size"); len(sizes) > 0 {
		if len(sizes) > 1 {
			return f, echo.NewHTTPError(http.StatusBadRequest, "size takes one value")
		}
		if _, ok := findSize(sizes[0]); !ok {
			return f, badParam("size", sizes[0], "le400m, le1b or gt1b")
		}
		f.Size = strings.ToLower(sizes[0])
	}
	if withModel {
		for _, v := range values(q, "model") {
			m, ok := s.board().Model(v)
			if !ok {
				return f, badParam("model", v, "a model name from /api/v1/models")
			}
			f.Models = append(f.Models, m.Name)
		}
	}
	return f, nil
}

func findSize(key string) (sizeBucket, bool) {
	for _, b := range sizeBuckets() {
		if strings.EqualFold(b.Key, key) {
			return b, true
		}
	}
	return sizeBucket{}, false
}

// keep reports whether a model passes the filter.
func (f modelFilter) keep(m results.Model) bool {
	if len(f.Domains) > 0 && !slices.Contains(f.Domains, m.Domain) {
		return false
	}
	if len(f.Methods) > 0 && !slices.Contains(f.Methods, m.Method) {
		return false
	}
	if len(f.Models) > 0 && !slices.Contains(f.Models, m.Name) {
		return false
	}
	if f.Size != "" {
		b, _ := findSize(f.Size)
		p := m.Params.Float()
		if !m.Params.Known() || p <= b.Above || p > b.AtMost {
			return false
		}
	}
	return true
}

// query writes the filter back as URL parameters (for download links and
// permalinks), in a fixed order.
func (f modelFilter) query(q url.Values) {
	for _, d := range f.Domains {
		q.Add("domain", string(d))
	}
	if f.Size != "" {
		q.Set("size", f.Size)
	}
	for _, m := range f.Methods {
		q.Add("method", string(m))
	}
	for _, m := range f.Models {
		q.Add("model", m)
	}
}

// parseTasks reads ?task= (repeatable); names match case-insensitively and
// come back as the paper prints them.
func parseTasks(q url.Values) ([]string, error) {
	var out []string
	for _, v := range values(q, "task") {
		t, err := taskParam(v)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// taskParam reads one ?task= value as the paper prints the task, or answers
// 400 naming the value.
func taskParam(v string) (string, error) {
	t, ok := canonicalTask(v)
	if !ok {
		return "", badParam("task", v, "MedNLI, RadQA or CLIP")
	}
	return t, nil
}

func canonicalTask(name string) (string, bool) {
	for _, t := range results.Tasks() {
		if strings.EqualFold(t.Name, name) {
			return t.Name, true
		}
	}
	return "", false
}

// onlyParams rejects query parameters an endpoint does not know, so that a
// misspelt filter (?tsk=) is an error rather than a silently unfiltered answer.
func onlyParams(q url.Values, known ...string) error {
	for name := range q {
		if !slices.Contains(known, name) {
			return echo.NewHTTPError(http.StatusBadRequest,
				fmt.Sprintf("unknown parameter %q: want one of %s", name, strings.Join(known, ", ")))
		}
	}
	return nil
}

// filteredResults answers /api/v1/results and its CSV twin: the Table 1
// rows (or a model asked for by name) that pass every filter, in the
// results package's order.
func (s *Server) filteredResults(q url.Values) ([]results.Result, error) {
	if err := onlyParams(q, "task", "model", "domain", "size", "method"); err != nil {
		return nil, err
	}
	tasks, err := parseTasks(q)
	if err != nil {
		return nil, err
	}
	f, err := s.parseModelFilter(q, true)
	if err != nil {
		return nil, err
	}
	set := s.board() // one snapshot: the paper's, own and approved submitted results
	all, err := set.Results(results.Filter{IncludeAppendix: len(f.Models) > 0})
	if err != nil {
		return nil, err
	}
	out := []results.Result{}
	for _, r := range all {
		m, _ := set.Model(r.Model)
		if m.AppendixOnly && !slices.Contains(f.Models, m.Name) {
			continue
		}
		if (len(tasks) == 0 || slices.Contains(tasks, r.Task)) && f.keep(m) {
			out = append(out, r)
		}
	}
	return out, nil
}

type resultsBody struct {
	Results []results.Result `json:"results"`
}

// apiResults serves GET /api/v1/results.
func (s *Server) apiResults(c echo.Context) error {
	rows, err := s.filteredResults(c.QueryParams())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resultsBody{Results: rows})
}

// apiResultsCSV serves GET /api/v1/results.csv: the same rows as a download.
func (s *Server) apiResultsCSV(c echo.Context) error {
	rows, err := s.filteredResults(c.QueryParams())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := results.WriteResultsCSV(&buf, rows); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="clinlm-results.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// modelEntry is one entry of /api/v1/models. Paper models and the demo
// inference models share the list: every entry has name, kind, availability
// and status; a paper model ("kind":"paper", "availability":"results-only")
// carries its Table 1/5 metadata under "paper", a demo model ("kind":"demo")
// its task, head, labels and max_length.
type modelEntry struct {
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	Availability string `json:"availability"`
	Status       string `json:"status"`
	Error        string `json:"error,omitempty"`
	// Tasks the paper reports the model on.
	Tasks []string `json:"tasks,omitempty"`
	// Demo-model fields, filled by the inference side.
	Task      string   `json:"task,omitempty"`
	Head      string   `json:"head,omitempty"`
	Labels    []string `json:"labels,omitempty"`
	MaxLength int      `json:"max_length,omitempty"`
	// Provider, Endpoint and SharesWith say where a loaded demo model runs
	// (inference.ModelInfo).
	Provider   string `json:"provider,omitempty"`
	Endpoint   string `json:"endpoint,omitempty"`
	SharesWith string `json:"shares_session_with,omitempty"`
	// Version is a loaded demo model's version (the SHA-256 over its files).
	Version string `json:"version,omitempty"`
	// Paper is the model's metadata from the paper; absent for demo models.
	Paper *paperModel `json:"paper,omitempty"`
	// Links are the model's page and its results.
	Links map[string]string `json:"links,omitempty"`
}

type paperModel struct {
	results.Model
	// Ablation reports whether the model has data-ablation curves.
	Ablation bool `json:"ablation"`
}

// Availability and status of paper models: their numbers are served, no
// weights are loaded.
const (
	kindPaper               = "paper"
	kindDemo                = "demo"
	availabilityResultsOnly = "results-only"
	statusOK                = "ok"
)

type modelsBody struct {
	Models []modelEntry `json:"models"`
}

// paperModelEntries lists every paper model (Table 1 first, then the
// appendix-only ones) as /api/v1/models entries.
func (s *Server) paperModelEntries() ([]modelEntry, error) {
	set := s.cfg.Results
	var out []modelEntry
	for _, m := range set.AllModels() {
		abl, err := set.Ablation(results.AblationFilter{Model: m.Name})
		if err != nil {
			return nil, err
		}
		rows, err := set.Results(results.Filter{Model: m.Name})
		if err != nil {
			return nil, err
		}
		var tasks []string
		for _, r := range rows {
			if !slices.Contains(tasks, r.Task) {
				tasks = append(tasks, r.Task)
			}
		}
		out = append(out, modelEntry{
			Name: m.Name, Kind: kindPaper, Availability: availabilityResultsOnly, Status: statusOK,
			Tasks: tasks,
			Paper: &paperModel{Model: m, Ablation: len(abl) > 0},
			Links: map[string]string{
				"page":    modelHref(m.Name),
				"results": "/api/v1/results?model=" + url.QueryEscape(m.Name),
			},
		})
	}
	return out, nil
}

// demoModelEntries lists the inference engine's models (none when the
// engine is not configured) as /api/v1/models entries.
func (s *Server) demoModelEntries() []modelEntry {
	if s.cfg.Inference == nil {
		return nil
	}
	var out []modelEntry
	for _, m := range s.cfg.Inference.Models() {
		labels := m.Labels
		if labels == nil {
			labels = []string{}
		}
		out = append(out, modelEntry{Name: m.Name, Kind: kindDemo, Availability: m.Availability, Status: m.Status,
			Error: m.Error, Task: m.Task, Head: m.Head, Labels: labels, MaxLength: m.MaxLength,
			Provider: m.Provider, Endpoint: m.Endpoint, SharesWith: m.SharesWith, Version: m.Version,
			Links: map[string]string{"demo": "/demo/" + m.Task, "card": demoCardHref(m.Name)}})
	}
	return out
}

// apiModels serves GET /api/v1/models.
func (s *Server) apiModels(c echo.Context) error {
	if err := onlyParams(c.QueryParams()); err != nil {
		return err
	}
	entries, err := s.paperModelEntries()
	if err != nil {
		return err
	}
	entries = append(entries, s.demoModelEntries()...)
	return c.JSON(http.StatusOK, modelsBody{Models: entries})
}

type ablationBody struct {
	Ablation []results.AblationRow `json:"ablation"`
}

// apiAblation serves GET /api/v1/ablation with optional ?task= ?metric=
// ?model= filters (one value each).
func (s *Server) apiAblation(c echo.Context) error {
	q := c.QueryParams()
	if err := onlyParams(q, "task", "metric", "model"); err != nil {
		return err
	}
	var f results.AblationFilter
	if v := q.Get("task"); v != "" {
		var err error
		if f.Task, err = taskParam(v); err != nil {
			return err
		}
	}
	if v := q.Get("metric"); v != "" {
		if !knownMetric(v) {
			return badParam("metric", v, "accuracy, exact_match, f1, micro_f1 or macro_f1")
		}
		f.Metric = v
	}
	if v := q.Get("model"); v != "" {
		m, ok := s.cfg.Results.Model(v)
		if !ok {
			return badParam("model", v, "a model name from /api/v1/models")
		}
		f.Model = m.Name
	}
	rows, err := s.cfg.Results.Ablation(f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ablationBody{Ablation: rows})
}

type demoResultsBody struct {
	Results []results.DemoResult `json:"results"`
}

// apiDemoResults serves GET /api/v1/demo-results: clinlm's own demo models
// on public stand-in data ("origin":"clinlm demo"), kept apart from
// /api/v1/results, which holds the paper's numbers only. ?task= picks the
// paper task the rows stand in for.
func (s *Server) apiDemoResults(c echo.Context) error {
	q := c.QueryParams()
	if err := onlyParams(q, "task"); err != nil {
		return err
	}
	task := ""
	if v := q.Get("task"); v != "" {
		var err error
		if task, err = taskParam(v); err != nil {
			return err
		}
	}
	rows := s.cfg.Results.Demo(task)
	if rows == nil {
		rows = []results.DemoResult{}
	}
	return c.JSON(http.StatusOK, demoResultsBody{Results: rows})
}

func knownMetric(name string) bool {
	for _, t := range results.Tasks() {
		if slices.Contains(t.Metrics, name) {
			return true
		}
	}
	return false
}

// modelHref is the URL of a model's page.
func modelHref(name string) string { return "/models/" + url.PathEscape(name) }
