package results

import (
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// Data file names, relative to the root of the fs.FS given to Load.
const (
	FileSources       = "sources.csv"
	FileModels        = "models.csv"
	FileFLOPs         = "flops.csv"
	FileTable5        = "table5.csv"
	FileMetrics       = "metrics.csv"
	FileTable2        = "table2.csv"
	FileTable8        = "table8.csv"
	FileAblationSizes = "ablation_sizes.csv"
	FileAblation      = "ablation.csv"
	FileICLLines      = "icl_lines.csv"
	FileCostInputs    = "cost_inputs.csv"
	FileEquations     = "equations.csv"
	FileDiscrepancies = "discrepancies.csv"
)

// Files lists every data file Load reads, in the order it reads them.
func Files() []string {
	return []string{
		FileSources, FileModels, FileFLOPs, FileTable5, FileMetrics, FileTable2, FileTable8,
		FileAblationSizes, FileAblation, FileICLLines, FileCostInputs, FileEquations, FileDiscrepancies, FileDemo,
	}
}

// Set is the validated content of the data files. It is read-only; every
// method returns copies.
type Set struct {
	sources       []Source
	sourceIDs     map[string]bool
	models        []Model
	byName        map[string]int // lower-cased name or alias → index in models
	results       []Result       // sorted: model order, task order, metric order
	ablation      []AblationRow  // sorted: task, metric, model, fraction
	sizes         []AblationSize // sorted: task, fraction
	icl           []ICLLine
	table2        []Table2Row
	table5        []Table5Row
	table8        []Table8Row
	cost          []CostInput
	costInputs    CostInputs
	equations     []Equation
	discrepancies []Discrepancy
	demo          []DemoResult // clinlm's own demo runs (demo.go), sorted by stand-in task and metric
}

// loader carries the state of one Load call.
type loader struct {
	fsys fs.FS
	p    problems
	s    *Set
	// sourcesRead and modelsRead say whether sources.csv and models.csv
	// could be parsed; when not, references to them are not checked, so
	// one broken file is reported once rather than on every row elsewhere.
	sourcesRead, modelsRead bool
}

// Load reads and validates the data files from the root of fsys. On any
// problem it returns a *LoadError listing every *FieldError found.
func Load(fsys fs.FS) (*Set, error) {
	l := &loader{fsys: fsys, s: &Set{sourceIDs: map[string]bool{}, byName: map[string]int{}}}
	l.loadSources()
	l.loadModels()
	if !l.modelsRead {
		return nil, l.p.err() // every other file refers to the models
	}
	l.loadFLOPs()
	l.loadTable5()
	l.loadMetrics()
	l.loadTable2()
	l.loadTable8()
	l.loadAblationSizes()
	l.loadAblation()
	l.loadICLLines()
	l.loadCostInputs()
	l.loadEquations()
	l.loadDiscrepancies()
	l.loadDemo()
	if err := l.p.err(); err != nil {
		return nil, err
	}
	return l.s, nil
}

// read reads one file; the records are nil when the file could not be
// parsed, in which case the problem is already recorded.
func (l *loader) read(name string, columns ...string) []*record {
	before := len(l.p.list)
	recs := readCSV(l.fsys, name, columns, &l.p)
	if recs == nil && len(l.p.list) == before {
		recs = []*record{} // a header-only file: readable, no rows
	}
	return recs
}

// source validates a field that must name a row of sources.csv.
func (l *loader) source(r *record, field string) (string, bool) {
	v, ok := r.required(field)
	if !ok {
		return "", false
	}
	if l.sourcesRead && !l.s.sourceIDs[v] {
		r.fail(field, "unknown source %q (not in %s)", v, FileSources)
		return "", false
	}
	return v, true
}

// model validates a field that must name a model by its exact name.
func (l *loader) model(r *record, field string) (int, bool) {
	v, ok := r.required(field)
	if !ok {
		return -1, false
	}
	i, found := l.s.byName[strings.ToLower(v)]
	if !found {
		r.fail(field, "unknown model %q", v)
		return -1, false
	}
	if l.s.models[i].Name != v {
		r.fail(field, "%q is an alias; write the model's name %q", v, l.s.models[i].Name)
		return -1, false
	}
	return i, true
}

// taskMetric validates a task field and a metric field against Tasks().
func (r *record) taskMetric(taskField, metricField string) (string, string, bool) {
	task, ok := r.required(taskField)
	if !ok {
		return "", "", false
	}
	if field, msg := taskMetricProblem(task, r.str(metricField)); field == "task" {
		r.fail(taskField, "%s", msg)
		return "", "", false
	}
	metric, ok := r.required(metricField)
	if !ok {
		return "", "", false
	}
	if field, msg := taskMetricProblem(task, metric); field != "" {
		r.fail(metricField, "%s", msg)
		return "", "", false
	}
	return task, metric, true
}

// task validates a task name (no metric).
func (l *loader) task(r *record, field string) (string, bool) {
	task, ok := r.required(field)
	if !ok {
		return "", false
	}
	if _, found := taskSpec(task); !found {
		r.fail(field, "unknown task %q", task)
		return "", false
	}
	return task, true
}

// seen detects duplicate keys within one file and reports the first row.
type seen map[string]int

func (s seen) dup(r *record, field, key, what string) bool {
	if first, ok := s[key]; ok {
		r.fail(field, "duplicate row for %s (first at row %d)", what, first)
		return true
	}
	s[key] = r.line
	return false
}

func (l *loader) loadSources() {
	ids := seen{}
	recs := l.read(FileSources, "id", "page", "title")
	l.sourcesRead = recs != nil
	for _, r := range recs {
		id, ok1 := r.required("id")
		title, ok2 := r.required("title")
		page := 0
		ok3 := true
		if r.str("page") != "" {
			page, ok3 = r.integer("page")
		}
		if !ok1 || !ok2 || !ok3 || ids.dup(r, "id", id, id) {
			continue
		}
		l.s.sources = append(l.s.sources, Source{ID: id, Page: page, Title: title})
		l.s.sourceIDs[id] = true
	}
}

func (l *loader) loadModels() {
	recs := l.read(FileModels, "name", "appendix_only", "family", "params", "params_source",
		"architecture", "ptt_general", "ptt_biomed", "ptt_clinical", "ptt_source", "domain",
		"domain_reason", "method", "method_source", "aliases")
	l.modelsRead = recs != nil
	for _, r := range recs {
		// Each parser records its own problem; the row is kept either way
		// (Load fails on any problem), so that the other files' references
		// to the model do not cascade into "unknown model" problems.
		m := Model{Origin: OriginPaper}
		m.Name, _ = r.required("name")
		appendixOnly, boolOK := r.boolean("appendix_only")
		m.AppendixOnly = appendixOnly
		m.Family, _ = r.required("family")
		if params, ok := r.printed("params", false); ok && !params.Known() {
			r.fail("params", "%q has no value", params.Printed)
		} else {
			m.Params = params
		}
		m.ParamsSource, _ = l.source(r, "params_source")
		m.Architecture = r.str("architecture")
		if m.Architecture == "" && boolOK && !m.AppendixOnly {
			r.fail("architecture", "missing (only appendix-only models may leave it empty)")
		}
		m.PretrainingTokens.General, _ = r.printed("ptt_general", false)
		m.PretrainingTokens.Biomed, _ = r.printed("ptt_biomed", false)
		m.PretrainingTokens.Clinical, _ = r.printed("ptt_clinical", false)
		m.PTTSource, _ = l.source(r, "ptt_source")
		var known bool
		if m.Domain, known = r.domain("domain"); known {
			if rule, decided := DomainFromTokens(m.PretrainingTokens); decided && rule != m.Domain {
				r.fail("domain", "%q disagrees with the pretraining-token rule, which gives %q", m.Domain, rule)
			}
		}
		m.DomainReason, _ = r.required("domain_reason")
		m.Method, _ = r.method("method")
		m.MethodSource, _ = l.source(r, "method_source")
		m.Aliases = []string{}
		if a := r.str("aliases"); a != "" {
			for _, alias := range strings.Split(a, "|") {
				if alias = strings.TrimSpace(alias); alias == "" {
					r.fail("aliases", "empty alias in %q", a)
					continue
				}
				m.Aliases = append(m.Aliases, alias)
			}
		}
		if m.Name == "" {
			continue
		}
		// Register the name and each alias that is free; a clash is reported
		// and that spelling skipped. A model whose own name clashes is dropped.
		idx := len(l.s.models)
		if j, dup := l.s.byName[strings.ToLower(m.Name)]; dup {
			r.fail("name", "duplicate model name or alias %q (first used by %q)", m.Name, l.s.models[j].Name)
			continue
		}
		l.s.byName[strings.ToLower(m.Name)] = idx
		aliases := m.Aliases[:0]
		for _, alias := range m.Aliases {
			key := strings.ToLower(alias)
			if j, dup := l.s.byName[key]; dup {
				owner := m.Name
				if j < idx {
					owner = l.s.models[j].Name
				}
				if owner == m.Name {
					r.fail("aliases", "%q repeats the model's name or another alias (names are matched ignoring case)", alias)
				} else {
					r.fail("aliases", "duplicate model name or alias %q (first used by %q)", alias, owner)
				}
				continue
			}
			l.s.byName[key] = idx
			aliases = append(aliases, alias)
		}
		m.Aliases = aliases
		l.s.models = append(l.s.models, m)
	}
}

func (l *loader) loadFLOPs() {
	keys := seen{}
	for _, r := range l.read(FileFLOPs, "model", "general", "biomed", "clinical", "source") {
		i, ok := l.model(r, "model")
		var f ByDomain
		var g, b, c bool
		f.General, g = r.printed("general", false)
		f.Biomed, b = r.printed("biomed", false)
		f.Clinical, c = r.printed("clinical", false)
		src, s := l.source(r, "source")
		if !ok || !g || !b || !c || !s {
			continue
		}
		m := &l.s.models[i]
		if m.AppendixOnly {
			r.fail("model", "%q is appendix-only and has no Table 3 row", m.Name)
			continue
		}
		if keys.dup(r, "model", m.Name, m.Name) {
			continue
		}
		m.FLOPs, m.FLOPsSource = f, src
	}
}

func (l *loader) loadTable5() {
	keys := seen{}
	recs := l.read(FileTable5, "model", "printed_name", "size", "ptt_general", "ptt_biomed",
		"ptt_clinical", "unique_general", "unique_biomed", "unique_clinical")
	for _, r := range recs {
		i, ok := l.model(r, "model")
		if ok && keys.dup(r, "model", l.s.models[i].Name, l.s.models[i].Name) {
			continue
		}
		row := Table5Row{}
		var good bool
		row.PrintedName, good = r.required("printed_name")
		ok = ok && good
		row.Size, good = r.printed("size", false)
		ok = ok && good
		for _, c := range []struct {
			field string
			dst   *Quantity
		}{
			{"ptt_general", &row.PTT.General}, {"ptt_biomed", &row.PTT.Biomed}, {"ptt_clinical", &row.PTT.Clinical},
			{"unique_general", &row.UniquePTT.General}, {"unique_biomed", &row.UniquePTT.Biomed}, {"unique_clinical", &row.UniquePTT.Clinical},
		} {
			*c.dst, good = r.printed(c.field, false)
			ok = ok && good
		}
		if !ok {
			continue
		}
		m := &l.s.models[i]
		row.Model = m.Name
		m.UniquePTT, m.UniquePTTSource = row.UniquePTT, "Table 5"
		l.s.table5 = append(l.s.table5, row)
	}
	if recs == nil {
		return // unreadable file, already reported
	}
	for _, m := range l.s.models {
		if _, ok := keys[m.Name]; !ok {
			l.p.add(FileTable5, 0, "model", "no row for model %q", m.Name)
		}
	}
}

func (l *loader) loadMetrics() {
	keys := seen{}
	recs := l.read(FileMetrics, "model", "task", "metric", "value", "source", "std",
		"std_source", "alt_value", "alt_source", "note")
	for _, r := range recs {
		i, ok := l.model(r, "model")
		task, metric, good := r.taskMetric("task", "metric")
		ok = ok && good
		// Mark the key before checking the other fields, so a bad value is
		// reported once and not again as a missing row.
		if ok && keys.dup(r, "model", l.s.models[i].Name+"|"+task+"|"+metric, l.s.models[i].Name+" "+task+" "+metric) {
			continue
		}
		res := Result{Origin: OriginPaper}
		res.Value, good = r.score("value")
		ok = ok && good
		res.Source, good = l.source(r, "source")
		ok = ok && good
		res.Std, good = r.optionalStd("std")
		ok = ok && good
		res.StdSource, good = l.source(r, "std_source")
		ok = ok && good
		res.AltValue, good = r.optionalNumber("alt_value")
		if good && res.AltValue != nil {
			good = r.checkScore("alt_value", *res.AltValue)
		}
		ok = ok && good
		if res.AltValue != nil {
			res.AltSource, good = l.source(r, "alt_source")
			ok = ok && good
		} else if r.str("alt_source") != "" {
			r.fail("alt_source", "set without alt_value")
			ok = false
		}
		res.Note = r.str("note")
		if !ok {
			continue
		}
		res.Model, res.Task, res.Metric = l.s.models[i].Name, task, metric
		l.s.results = append(l.s.results, res)
	}
	for _, m := range l.s.models {
		if recs == nil {
			break // unreadable file, already reported
		}
		for _, t := range Tasks() {
			for _, metric := range t.Metrics {
				if _, ok := keys[m.Name+"|"+t.Name+"|"+metric]; !ok {
					l.p.add(FileMetrics, 0, "model", "no row for %s %s %s", m.Name, t.Name, metric)
				}
			}
		}
	}
	order := l.s.modelOrder()
	sort.SliceStable(l.s.results, func(a, b int) bool {
		return resultLess(order, l.s.results[a], l.s.results[b])
	})
}

func (l *loader) loadTable2() {
	keys := seen{}
	for _, r := range l.read(FileTable2, "model", "size", "task", "metric", "value") {
		i, ok := l.model(r, "model")
		task, metric, good := r.taskMetric("task", "metric")
		ok = ok && good
		size, good := r.required("size")
		ok = ok && good
		value, good := r.score("value")
		if !ok || !good {
			continue
		}
		name := l.s.models[i].Name
		if keys.dup(r, "model", name+"|"+task+"|"+metric, name+" "+task+" "+metric) {
			continue
		}
		l.s.table2 = append(l.s.table2, Table2Row{Model: name, Size: size, Task: task, Metric: metric, Value: value})
	}
}

func (l *loader) loadTable8() {
	keys := seen{}
	for _, r := range l.read(FileTable8, "label", "model", "dapt_steps", "clinical_ptt", "accuracy", "std") {
		label, ok := r.required("label")
		row := Table8Row{Label: label}
		if r.str("model") != "" {
			i, good := l.model(r, "model")
			ok = ok && good
			if good {
				row.Model = l.s.models[i].Name
			}
		}
		var good bool
		row.DAPTSteps, good = r.integer("dapt_steps")
		ok = ok && good
		row.ClinicalPTT, good = r.printed("clinical_ptt", false)
		ok = ok && good
		row.Accuracy, good = r.score("accuracy")
		ok = ok && good
		std, good := r.optionalStd("std")
		if good && std == nil {
			r.fail("std", "missing")
			good = false
		}
		if !ok || !good || keys.dup(r, "label", label, label) {
			continue
		}
		row.Std = *std
		l.s.table8 = append(l.s.table8, row)
	}
}

// fraction parses a training-set fraction in (0, 1].
func fraction(r *record, field string) (float64, bool) {
	f, ok := r.number(field)
	if !ok {
		return 0, false
	}
	if f <= 0 || f > 1 {
		r.fail(field, "%s is outside (0, 1]", fmtNum(f))
		return 0, false
	}
	return f, true
}

func fractionKey(task string, f float64) string { return task + "|" + fmtNum(f) }

func (l *loader) loadAblationSizes() {
	keys := seen{}
	for _, r := range l.read(FileAblationSizes, "task", "fraction", "examples", "unit", "source") {
		task, ok := l.task(r, "task")
		f, good := fraction(r, "fraction")
		ok = ok && good
		n, good := r.integer("examples")
		ok = ok && good
		unit, good := r.required("unit")
		ok = ok && good
		src, good := l.source(r, "source")
		if !ok || !good || keys.dup(r, "fraction", fractionKey(task, f), task+" at "+fmtNum(f)) {
			continue
		}
		l.s.sizes = append(l.s.sizes, AblationSize{Task: task, Fraction: f, Examples: n, Unit: unit, Source: src})
	}
	taskOrder := taskOrder()
	sort.SliceStable(l.s.sizes, func(a, b int) bool {
		x, y := l.s.sizes[a], l.s.sizes[b]
		if x.Task != y.Task {
			return taskOrder[x.Task] < taskOrder[y.Task]
		}
		return x.Fraction < y.Fraction
	})
}

func (l *loader) loadAblation() {
	examples := map[string]int{}
	for _, sz := range l.s.sizes {
		examples[fractionKey(sz.Task, sz.Fraction)] = sz.Examples
	}
	keys := seen{}
	for _, r := range l.read(FileAblation, "model", "task", "metric", "fraction", "mean", "std", "source", "note") {
		i, ok := l.model(r, "model")
		task, metric, good := r.taskMetric("task", "metric")
		ok = ok && good
		f, good := fraction(r, "fraction")
		ok = ok && good
		mean, good := r.score("mean")
		ok = ok && good
		std, good := r.optionalStd("std")
		if good && std == nil {
			r.fail("std", "missing")
			good = false
		}
		ok = ok && good
		src, good := l.source(r, "source")
		if !ok || !good {
			continue
		}
		n, found := examples[fractionKey(task, f)]
		if !found {
			r.fail("fraction", "no row in %s for %s at %s", FileAblationSizes, task, fmtNum(f))
			continue
		}
		name := l.s.models[i].Name
		if keys.dup(r, "model", name+"|"+task+"|"+metric+"|"+fmtNum(f), name+" "+task+" "+metric+" at "+fmtNum(f)) {
			continue
		}
		l.s.ablation = append(l.s.ablation, AblationRow{Model: name, Task: task, Metric: metric, Fraction: f,
			Examples: n, Mean: mean, Std: *std, Source: src, Note: r.str("note")})
	}
	models, tasks, metrics := l.s.modelOrder(), taskOrder(), metricOrder()
	sort.SliceStable(l.s.ablation, func(a, b int) bool {
		x, y := l.s.ablation[a], l.s.ablation[b]
		switch {
		case x.Task != y.Task:
			return tasks[x.Task] < tasks[y.Task]
		case x.Metric != y.Metric:
			return metrics[x.Metric] < metrics[y.Metric]
		case x.Model != y.Model:
			return models[x.Model] < models[y.Model]
		}
		return x.Fraction < y.Fraction
	})
}

func (l *loader) loadICLLines() {
	keys := seen{}
	for _, r := range l.read(FileICLLines, "line", "model", "task", "metric", "value", "source") {
		line, ok := r.required("line")
		i, good := l.model(r, "model")
		ok = ok && good
		task, metric, good := r.taskMetric("task", "metric")
		ok = ok && good
		v, good := r.score("value")
		ok = ok && good
		src, good := l.source(r, "source")
		if !ok || !good || keys.dup(r, "line", line+"|"+task+"|"+metric, line+" "+task+" "+metric) {
			continue
		}
		l.s.icl = append(l.s.icl, ICLLine{Line: line, Model: l.s.models[i].Name, Task: task, Metric: metric, Value: v, Source: src})
	}
}

// costFields maps each cost input name to its field in CostInputs.
func costFields(c *CostInputs) map[string]*float64 {
	return map[string]*float64{
		"w_clinical":                &c.WClinical,
		"w_general":                 &c.WGeneral,
		"params_clinical":           &c.ParamsClinical,
		"tokens_pretrain_clinical":  &c.TokensPretrainClin,
		"params_general":            &c.ParamsGeneral,
		"tokens_finetune":           &c.TokensFinetune,
		"uf_health_tokens_per_year": &c.UFHealthTokensPerYear,
		"paper_breakeven_tokens":    &c.PaperBreakEvenTokens,
		"paper_years_to_recover":    &c.PaperYearsToRecover,
	}
}

func (l *loader) loadCostInputs() {
	fields := costFields(&l.s.costInputs)
	keys := seen{}
	recs := l.read(FileCostInputs, "name", "value", "printed", "unit", "source", "note")
	if recs == nil {
		return
	}
	for _, r := range recs {
		name, ok := r.required("name")
		if ok {
			if _, known := fields[name]; !known {
				r.fail("name", "unknown cost input %q", name)
				ok = false
			} else if keys.dup(r, "name", name, name) {
				continue
			}
		}
		v, good := r.number("value")
		if good && v < 0 {
			r.fail("value", "%s is below 0", fmtNum(v))
			good = false
		}
		ok = ok && good
		printed, good := r.required("printed")
		ok = ok && good
		unit, good := r.required("unit")
		ok = ok && good
		src, good := l.source(r, "source")
		if !ok || !good {
			continue
		}
		*fields[name] = v
		l.s.cost = append(l.s.cost, CostInput{Name: name, Value: v, Printed: printed, Unit: unit, Source: src, Note: r.str("note")})
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, ok := keys[name]; !ok {
			l.p.add(FileCostInputs, 0, "name", "no row for cost input %q", name)
		}
	}
}

// equationCount is the number of cost equations in §4.1.
const equationCount = 6

func (l *loader) loadEquations() {
	keys := seen{}
	recs := l.read(FileEquations, "id", "name", "formula", "source")
	if recs == nil {
		return
	}
	for _, r := range recs {
		id, ok := r.integer("id")
		if ok && (id < 1 || id > equationCount) {
			r.fail("id", "%d is not an equation of §4.1 (1–%d)", id, equationCount)
			ok = false
		}
		if ok && keys.dup(r, "id", strconv.Itoa(id), "equation "+strconv.Itoa(id)) {
			continue
		}
		name, good := r.required("name")
		ok = ok && good
		formula, good := r.required("formula")
		ok = ok && good
		src, good := l.source(r, "source")
		if !ok || !good {
			continue
		}
		l.s.equations = append(l.s.equations, Equation{ID: id, Name: name, Formula: formula, Source: src})
	}
	for id := 1; id <= equationCount; id++ {
		if _, ok := keys[strconv.Itoa(id)]; !ok {
			l.p.add(FileEquations, 0, "id", "no row for equation %d", id)
		}
	}
	sort.SliceStable(l.s.equations, func(a, b int) bool { return l.s.equations[a].ID < l.s.equations[b].ID })
}

func (l *loader) loadDiscrepancies() {
	keys := seen{}
	for _, r := range l.read(FileDiscrepancies, "id", "summary", "tables") {
		id, ok := r.integer("id")
		summary, good := r.required("summary")
		ok = ok && good
		tables, good := r.required("tables")
		ok = ok && good
		var list []string
		if good {
			for _, t := range strings.Split(tables, "|") {
				t = strings.TrimSpace(t)
				if l.sourcesRead && !l.s.sourceIDs[t] {
					r.fail("tables", "unknown source %q (not in %s)", t, FileSources)
					ok = false
				}
				list = append(list, t)
			}
		}
		if !ok || keys.dup(r, "id", strconv.Itoa(id), "discrepancy "+strconv.Itoa(id)) {
			continue
		}
		l.s.discrepancies = append(l.s.discrepancies, Discrepancy{ID: id, Summary: summary, Tables: list})
	}
	sort.SliceStable(l.s.discrepancies, func(a, b int) bool { return l.s.discrepancies[a].ID < l.s.discrepancies[b].ID })
}

// taskSpec finds a task by name.
func taskSpec(name string) (TaskSpec, bool) {
	for _, t := range Tasks() {
		if t.Name == name {
			return t, true
		}
	}
	return TaskSpec{}, false
}

func taskOrder() map[string]int {
	order := map[string]int{}
	for i, t := range Tasks() {
		order[t.Name] = i
	}
	return order
}

func metricOrder() map[string]int {
	order := map[string]int{}
	for _, t := range Tasks() {
		for _, m := range t.Metrics {
			order[m] = len(order)
		}
	}
	return order
}

func (s *Set) modelOrder() map[string]int {
	order := make(map[string]int, len(s.models))
	for i, m := range s.models {
		order[m.Name] = i
	}
	return order
}

func resultLess(models map[string]int, x, y Result) bool {
	if x.Model != y.Model {
		return models[x.Model] < models[y.Model]
	}
	tasks, metrics := taskOrder(), metricOrder()
	if x.Task != y.Task {
		return tasks[x.Task] < tasks[y.Task]
	}
	return metrics[x.Metric] < metrics[y.Metric]
}
