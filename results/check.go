package results

import (
	"fmt"
	"slices"
	"strings"
)

// The checks below are shared by every way a result comes in — an
// own-results CSV row (record methods) and a submission through the
// dashboard (CheckSubmission) — so both accept and refuse the same values
// with the same words. Each returns "" when the value is fine, otherwise
// the problem without the field name (the caller knows the field).

// unitProblem checks a score or std, which lie in [0, 1].
func unitProblem(v float64) string {
	switch {
	case v < 0:
		return fmtNum(v) + " is below 0"
	case v > 1:
		return fmtNum(v) + " is above 1"
	}
	return ""
}

// parseDomain reads one of Domains().
func parseDomain(s string) (Domain, string) {
	d := Domain(s)
	if !slices.Contains(Domains(), d) {
		return d, fmt.Sprintf("unknown domain %q (want clinical, biomedical or general)", s)
	}
	return d, ""
}

// parseMethod reads finetuned or in-context.
func parseMethod(s string) (Method, string) {
	m := Method(s)
	if m != MethodFinetuned && m != MethodInContext {
		return m, fmt.Sprintf("unknown method %q (want finetuned or in-context)", s)
	}
	return m, ""
}

// taskMetricProblem checks that task is one of Tasks() and metric one of
// its metrics; field says which of the two is wrong.
func taskMetricProblem(task, metric string) (field, msg string) {
	spec, found := taskSpec(task)
	if !found {
		return "task", fmt.Sprintf("unknown task %q", task)
	}
	if !slices.Contains(spec.Metrics, metric) {
		return "metric", fmt.Sprintf("unknown metric %q for task %s (want %s)", metric, task, strings.Join(spec.Metrics, " or "))
	}
	return "", ""
}

// nameProblem refuses a new model name that is already a model of s (the
// paper's, an alias, or an own model).
func (s *Set) nameProblem(name string) string {
	if i, clash := s.byName[strings.ToLower(name)]; clash {
		if s.models[i].Origin == OriginPaper {
			return fmt.Sprintf("%q is the paper's model %q: give your model a name of its own", name, s.models[i].Name)
		}
		return fmt.Sprintf("%q is already the name of model %q: give your model a name of its own", name, s.models[i].Name)
	}
	return ""
}
