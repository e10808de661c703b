package results

import (
	"io/fs"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Origin says where a model and its numbers come from.
type Origin string

// Origins: the paper's tables, or a file of the user's own results.
const (
	OriginPaper Origin = "paper"
	OriginOwn   Origin = "own"
)

// OwnColumns are the columns of an own-results file, in the order the README
// documents them.
func OwnColumns() []string {
	return []string{"model", "params", "domain", "method", "task", "metric", "value", "std", "note"}
}

// ownModel is what the rows of one own model must agree on.
type ownModel struct {
	params Quantity
	domain Domain
	method Method
	row    int
}

// WithOwn returns a copy of s with the models and scores of an own-results
// file added, so researchers see their models ranked among the paper's.
// The file (name, at the root of fsys) has one row per model × task × metric
// (OwnColumns): a model may report any subset of the five metrics, but the
// rows of one model must agree on its params, domain and method, and a
// model may not take the name of a paper model or alias. Every problem is
// reported at once, as a *LoadError naming file, row and field; s itself
// never changes.
func (s *Set) WithOwn(fsys fs.FS, name string) (*Set, error) {
	var p problems
	recs := readCSV(fsys, name, OwnColumns(), &p)
	if len(recs) == 0 && len(p.list) == 0 { // a header and nothing else
		p.add(name, 0, "", "no rows: an own-results file needs at least one score")
	}
	out := s.clone()
	models := map[string]*ownModel{}
	var order []string
	keys := seen{}
	source := "own results (" + name + ")"
	for _, r := range recs {
		modelName, ok := r.required("model")
		if ok {
			if msg := s.nameProblem(modelName); msg != "" {
				r.fail("model", "%s", msg)
				ok = false
			}
		}
		task, metric, good := r.taskMetric("task", "metric")
		ok = ok && good
		if ok && keys.dup(r, "model", strings.ToLower(modelName)+"|"+task+"|"+metric, modelName+" "+task+" "+metric) {
			continue
		}
		m := ownModel{row: r.line}
		m.params, good = r.printed("params", false)
		ok = ok && good
		m.domain, good = r.domain("domain")
		ok = ok && good
		m.method, good = r.method("method")
		ok = ok && good
		res := Result{Task: task, Metric: metric, Source: source, Note: r.str("note")}
		res.Value, good = r.score("value")
		ok = ok && good
		res.Std, good = r.optionalStd("std")
		ok = ok && good
		if !ok {
			continue
		}
		key := strings.ToLower(modelName)
		first, known := models[key]
		switch {
		case !known:
			models[key] = &m
			order = append(order, modelName)
		case first.params.Printed != m.params.Printed:
			r.fail("params", "%q differs from row %d of the same model (%q)", m.params.Printed, first.row, first.params.Printed)
			continue
		case first.domain != m.domain:
			r.fail("domain", "%q differs from row %d of the same model (%q)", m.domain, first.row, first.domain)
			continue
		case first.method != m.method:
			r.fail("method", "%q differs from row %d of the same model (%q)", m.method, first.row, first.method)
			continue
		default:
			modelName = order[slices.IndexFunc(order, func(n string) bool { return strings.EqualFold(n, modelName) })]
		}
		res.Model = modelName
		res.Origin = OriginOwn
		res.StdSource = source
		if res.Std == nil {
			res.StdSource = ""
		}
		out.results = append(out.results, res)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	for _, n := range order {
		m := models[strings.ToLower(n)]
		out.byName[strings.ToLower(n)] = len(out.models)
		out.models = append(out.models, Model{
			Name: n, Aliases: []string{}, Origin: OriginOwn, Family: "own", Params: m.params, ParamsSource: source,
			Domain: m.domain, DomainReason: "as given in " + name, Method: m.method, MethodSource: source,
		})
	}
	order2 := out.modelOrder()
	sort.SliceStable(out.results, func(a, b int) bool { return resultLess(order2, out.results[a], out.results[b]) })
	return out, nil
}

// clone copies what WithOwn extends; the rest is shared, since a Set is
// read-only.
func (s *Set) clone() *Set {
	c := *s
	c.models = slices.Clone(s.models)
	c.byName = maps.Clone(s.byName)
	c.results = slices.Clone(s.results)
	return &c
}
