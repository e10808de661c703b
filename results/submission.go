package results

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// OriginSubmitted marks a model and scores a researcher submitted through
// the dashboard and a moderator approved.
const OriginSubmitted Origin = "submitted"

// Submission is the part of a submitted result the leaderboard checks and
// shows: the own-results columns plus the number of runs the mean is over.
// Field names in problems are the JSON names of the submissions API.
type Submission struct {
	Model  string
	Params string
	Domain string
	Method string
	Task   string
	Metric string
	Value  float64
	Std    *float64
	Runs   int
	// PretrainingFLOPs is the model's total pretraining compute (optional).
	PretrainingFLOPs *float64
	// Source says where the number comes from (shown as the result's source).
	Source string
}

// Problem is one thing wrong with one field of a submission.
type Problem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// MaxRuns bounds the number of runs a submission may claim.
const MaxRuns = 1000

// CheckSubmission checks a submission against the same rules as an
// own-results row (score ranges, domain, method, task and metric, a name
// of its own) and returns every problem at once; nil means it is fine.
func (s *Set) CheckSubmission(sub Submission) []Problem {
	var out []Problem
	add := func(field, format string, args ...any) {
		out = append(out, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(sub.Model) == "" {
		add("model_name", "missing")
	} else if msg := s.nameProblem(sub.Model); msg != "" {
		add("model_name", "%s", msg)
	}
	if sub.Params == "" {
		add("model_params", "missing (write ? for undisclosed)")
	} else if _, err := parseQuantity(sub.Params); err != nil {
		add("model_params", "%s", err.Error())
	}
	if _, msg := parseDomain(sub.Domain); msg != "" {
		add("model_domain", "%s", msg)
	}
	if _, msg := parseMethod(sub.Method); msg != "" {
		add("model_method", "%s", msg)
	}
	if field, msg := taskMetricProblem(sub.Task, sub.Metric); field != "" {
		add(field, "%s", msg)
	}
	if msg := unitProblem(sub.Value); msg != "" {
		add("value", "%s", msg)
	}
	if sub.Std != nil {
		if msg := unitProblem(*sub.Std); msg != "" {
			add("std", "%s", msg)
		}
	}
	if f := sub.PretrainingFLOPs; f != nil && (*f < 1 || *f > 1e30 || math.IsNaN(*f) || math.IsInf(*f, 0)) {
		add("pretraining_flops", "%g is not a FLOPs count (between 1 and 1e30)", *f)
	}
	if sub.Runs < 1 || sub.Runs > MaxRuns {
		add("runs", "%d is not between 1 and %d", sub.Runs, MaxRuns)
	} else if sub.Runs == 1 && sub.Std != nil && *sub.Std != 0 {
		add("std", "a std over a single run must be empty or 0")
	}
	return out
}

// WithSubmitted returns a copy of s with approved submissions added as
// models of origin "submitted", ranked among the paper's. A later
// submission of the same model, task and metric replaces an earlier one; a
// model's params, domain and method are those of its first submission.
// Submissions that no longer pass CheckSubmission against s (say, an own
// model of that name was added since) are left out and returned, so the
// caller can say why.
func (s *Set) WithSubmitted(subs []Submission) (*Set, []Submission) {
	if len(subs) == 0 {
		return s, nil
	}
	out := s.clone()
	var skipped []Submission
	index := map[string]int{} // model|task|metric → index in out.results
	for _, sub := range subs {
		if len(s.CheckSubmission(sub)) > 0 {
			skipped = append(skipped, sub)
			continue
		}
		key := strings.ToLower(sub.Model)
		i, known := out.byName[key]
		if !known {
			params, _ := parseQuantity(sub.Params)
			i = len(out.models)
			out.byName[key] = i
			out.models = append(out.models, Model{
				Name: sub.Model, Aliases: []string{}, Origin: OriginSubmitted, Family: "submitted",
				Params: params, ParamsSource: sub.Source, Domain: Domain(sub.Domain),
				DomainReason: "as submitted", Method: Method(sub.Method), MethodSource: sub.Source,
			})
		}
		if sub.PretrainingFLOPs != nil && out.models[i].SubmittedFLOPs == nil {
			flops := *sub.PretrainingFLOPs
			out.models[i].SubmittedFLOPs = &flops
		}
		res := Result{Model: out.models[i].Name, Task: sub.Task, Metric: sub.Metric, Value: sub.Value, Std: sub.Std,
			Source: sub.Source, Origin: OriginSubmitted, Note: fmt.Sprintf("mean of %d run(s)", sub.Runs)}
		if sub.Std != nil {
			res.StdSource = sub.Source
		}
		rk := key + "|" + sub.Task + "|" + sub.Metric
		if j, dup := index[rk]; dup {
			out.results[j] = res
			continue
		}
		index[rk] = len(out.results)
		out.results = append(out.results, res)
	}
	order := out.modelOrder()
	sort.SliceStable(out.results, func(a, b int) bool { return resultLess(order, out.results[a], out.results[b]) })
	return out, skipped
}

// SubmittedFigure3 returns the points of approved submissions for a Figure
// 3 panel: each finetuned submitted model that gave its pretraining FLOPs
// and has a score for the task metric, with x = ln(FLOPs), in submission
// order. They are drawn apart from the paper's points and take no part in
// its regression fits.
func (s *Set) SubmittedFigure3(task, metric string) ([]Point, error) {
	if err := checkTaskMetric(task, metric); err != nil {
		return nil, err
	}
	scores := map[string]float64{}
	for _, r := range s.results {
		if r.Origin == OriginSubmitted && r.Task == task && r.Metric == metric {
			scores[r.Model] = r.Value
		}
	}
	var out []Point
	for _, m := range s.models {
		y, scored := scores[m.Name]
		if m.Origin != OriginSubmitted || m.SubmittedFLOPs == nil || m.Method != MethodFinetuned || !scored {
			continue
		}
		out = append(out, Point{Model: m.Name, Domain: m.Domain, Family: m.Family, X: math.Log(*m.SubmittedFLOPs), Y: y})
	}
	return out, nil
}
