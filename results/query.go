package results

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Filter selects result rows. Empty fields match everything. Model accepts
// a name or an alias (case-insensitive).
type Filter struct {
	Task   string
	Metric string
	Model  string
	Domain string
	// IncludeAppendix adds the four appendix-only models (ClinicalBERT,
	// Clinical-Longformer, SciFive, SciFive-Large); by default only the 12
	// Table 1 models are returned.
	IncludeAppendix bool
}

// Results returns one row per model × task × metric matching f, ordered by
// model (Table 1 order, then the appendix-only models), task (MedNLI, RadQA,
// CLIP) and metric (Table 3 column order). An unknown task, metric, model or
// domain gives an error wrapping ErrNotFound.
func (s *Set) Results(f Filter) ([]Result, error) {
	if err := checkFilterTaskMetric(f.Task, f.Metric); err != nil {
		return nil, err
	}
	if f.Domain != "" && !slices.Contains(Domains(), Domain(f.Domain)) {
		return nil, fmt.Errorf("results: unknown domain %q: %w", f.Domain, ErrNotFound)
	}
	model := ""
	if f.Model != "" {
		m, ok := s.Model(f.Model)
		if !ok {
			return nil, fmt.Errorf("results: unknown model %q: %w", f.Model, ErrNotFound)
		}
		model = m.Name
		if m.AppendixOnly {
			f.IncludeAppendix = true // asking for one by name is asking for it
		}
	}
	out := []Result{}
	for _, r := range s.results {
		m := s.models[s.byName[strings.ToLower(r.Model)]]
		switch {
		case m.AppendixOnly && !f.IncludeAppendix,
			f.Task != "" && r.Task != f.Task,
			f.Metric != "" && r.Metric != f.Metric,
			model != "" && r.Model != model,
			f.Domain != "" && m.Domain != Domain(f.Domain):
			continue
		}
		out = append(out, r.clone())
	}
	return out, nil
}

func (r Result) clone() Result {
	r.Std = clonePtr(r.Std)
	r.AltValue = clonePtr(r.AltValue)
	return r
}

func clonePtr(p *float64) *float64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func (m Model) clone() Model {
	m.Aliases = slices.Clone(m.Aliases)
	m.Params = m.Params.clone()
	m.PretrainingTokens = m.PretrainingTokens.clone()
	m.UniquePTT = m.UniquePTT.clone()
	m.FLOPs = m.FLOPs.clone()
	m.SubmittedFLOPs = clonePtr(m.SubmittedFLOPs)
	return m
}

func (q Quantity) clone() Quantity { q.Value = clonePtr(q.Value); return q }

func (b ByDomain) clone() ByDomain {
	return ByDomain{General: b.General.clone(), Biomed: b.Biomed.clone(), Clinical: b.Clinical.clone()}
}

// Models returns the 12 Table 1 models in Table 1 order, then the models of
// an own-results file (WithOwn) in file order.
func (s *Set) Models() []Model {
	var out []Model
	for _, m := range s.models {
		if !m.AppendixOnly {
			out = append(out, m.clone())
		}
	}
	return out
}

// AllModels returns the 12 Table 1 models, the four appendix-only models,
// then any own models.
func (s *Set) AllModels() []Model {
	out := make([]Model, len(s.models))
	for i, m := range s.models {
		out[i] = m.clone()
	}
	return out
}

// Model finds a model by name or alias, ignoring case.
func (s *Set) Model(name string) (Model, bool) {
	i, ok := s.byName[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return Model{}, false
	}
	return s.models[i].clone(), true
}

// Best returns the Table 1 model rows with the highest value for a task
// metric; more than one when the paper prints a tie (RadQA F1: BioClinRoBERTa
// and GatorTron, 0.759).
func (s *Set) Best(task, metric string) ([]Result, error) {
	if err := checkTaskMetric(task, metric); err != nil {
		return nil, err
	}
	rows, err := s.Results(Filter{Task: task, Metric: metric})
	if err != nil {
		return nil, err
	}
	var best []Result
	for _, r := range rows {
		switch {
		case len(best) == 0 || r.Value > best[0].Value:
			best = []Result{r}
		case r.Value == best[0].Value:
			best = append(best, r)
		}
	}
	return best, nil
}

func checkTaskMetric(task, metric string) error {
	spec, ok := taskSpec(task)
	if !ok {
		return fmt.Errorf("results: unknown task %q: %w", task, ErrNotFound)
	}
	if !slices.Contains(spec.Metrics, metric) {
		return fmt.Errorf("results: unknown metric %q for task %s: %w", metric, task, ErrNotFound)
	}
	return nil
}

// AblationFilter selects data-ablation rows; empty fields match everything.
// Model accepts a name or an alias.
type AblationFilter struct {
	Task   string
	Metric string
	Model  string
}

// Ablation returns the data-ablation rows (Tables 11–15) matching f, ordered
// by task, metric, model (Table 1 order) and fraction.
func (s *Set) Ablation(f AblationFilter) ([]AblationRow, error) {
	if err := checkFilterTaskMetric(f.Task, f.Metric); err != nil {
		return nil, err
	}
	model := ""
	if f.Model != "" {
		m, ok := s.Model(f.Model)
		if !ok {
			return nil, fmt.Errorf("results: unknown model %q: %w", f.Model, ErrNotFound)
		}
		model = m.Name
	}
	out := []AblationRow{}
	for _, r := range s.ablation {
		if (f.Task == "" || r.Task == f.Task) && (f.Metric == "" || r.Metric == f.Metric) && (model == "" || r.Model == model) {
			out = append(out, r)
		}
	}
	return out, nil
}

// AblationSizes returns the training examples per fraction for each task
// (the Figure 4 axis), ordered by task and fraction.
func (s *Set) AblationSizes() []AblationSize { return slices.Clone(s.sizes) }

// ICLLines returns Figure 4's in-context-learning reference lines.
func (s *Set) ICLLines() []ICLLine { return slices.Clone(s.icl) }

// Table2 returns Table 2 as one row per model × task × metric.
func (s *Set) Table2() []Table2Row { return slices.Clone(s.table2) }

// Table5 returns Table 5 in the paper's row order.
func (s *Set) Table5() []Table5Row {
	out := make([]Table5Row, len(s.table5))
	for i, r := range s.table5 {
		r.Size, r.PTT, r.UniquePTT = r.Size.clone(), r.PTT.clone(), r.UniquePTT.clone()
		out[i] = r
	}
	return out
}

// Table8 returns Table 8 in the paper's row order.
func (s *Set) Table8() []Table8Row {
	out := make([]Table8Row, len(s.table8))
	for i, r := range s.table8 {
		r.ClinicalPTT = r.ClinicalPTT.clone()
		out[i] = r
	}
	return out
}

// CostInputs returns the §4.1 cost-analysis inputs.
func (s *Set) CostInputs() CostInputs { return s.costInputs }

// CostInputRows returns the cost inputs with how the paper prints them and
// their sources, in file order.
func (s *Set) CostInputRows() []CostInput { return slices.Clone(s.cost) }

// Equations returns the cost equations 1–6.
func (s *Set) Equations() []Equation { return slices.Clone(s.equations) }

// Discrepancies returns the paper's own inconsistencies, by id.
func (s *Set) Discrepancies() []Discrepancy {
	out := make([]Discrepancy, len(s.discrepancies))
	for i, d := range s.discrepancies {
		d.Tables = slices.Clone(d.Tables)
		out[i] = d
	}
	return out
}

// Sources returns the citable sources, in file order.
func (s *Set) Sources() []Source { return slices.Clone(s.sources) }

// Source finds a source by id ("Table 3").
func (s *Set) Source(id string) (Source, bool) {
	for _, src := range s.sources {
		if src.ID == id {
			return src, true
		}
	}
	return Source{}, false
}

// resultsCSVHeader is the header WriteResultsCSV writes.
func resultsCSVHeader() []string {
	return []string{"model", "task", "metric", "value", "std", "source", "std_source", "alt_value", "alt_source", "note"}
}

// WriteResultsCSV writes rows as CSV with a header; an empty std or
// alt_value cell means none.
func WriteResultsCSV(w io.Writer, rows []Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(resultsCSVHeader()); err != nil {
		return err
	}
	for _, r := range rows {
		rec := []string{r.Model, r.Task, r.Metric, formatScore(r.Value), formatOptional(r.Std),
			r.Source, r.StdSource, formatOptional(r.AltValue), r.AltSource, r.Note}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func formatScore(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func formatOptional(p *float64) string {
	if p == nil {
		return ""
	}
	return formatScore(*p)
}

// checkFilterTaskMetric rejects a task or metric filter that names nothing;
// empty values match everything.
func checkFilterTaskMetric(task, metric string) error {
	if task != "" {
		if _, ok := taskSpec(task); !ok {
			return fmt.Errorf("results: unknown task %q: %w", task, ErrNotFound)
		}
	}
	if metric != "" {
		if _, ok := metricOrder()[metric]; !ok {
			return fmt.Errorf("results: unknown metric %q: %w", metric, ErrNotFound)
		}
	}
	return nil
}
