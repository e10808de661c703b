package server

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/clinlm/clinlm/components"
	"github.com/clinlm/clinlm/results"
)

// mainTable is the paper's main results table; numbers taken from any other
// table get a footnote on the leaderboard.
const mainTable = "Table 3"

// lbColumn is a column a leaderboard can show and sort by.
type lbColumn struct {
	Key, Label, Title string
	Numeric           bool
	// DefaultShown columns appear when the URL chooses none.
	DefaultShown bool
	// Task and Metric are set on score columns.
	Task, Metric string
}

func (c lbColumn) isScore() bool { return c.Metric != "" }

// defaultDir is the direction a first click sorts in: best scores and
// biggest models first, names alphabetically.
func (c lbColumn) defaultDir() string {
	if c.Numeric {
		return "desc"
	}
	return "asc"
}

// modelColumnKey names the model column, always shown, first.
const modelColumnKey = "model"

// scoreKey is a score column's key: mednli_accuracy.
func scoreKey(task, metric string) string { return taskSlug(task) + "_" + metric }

// lbColumns lists the columns of the combined leaderboard (task "") or one
// task's, in display order. The model column is not among them.
func lbColumns(task string) []lbColumn {
	cols := []lbColumn{
		{Key: "domain", Label: "Domain", Title: "Pretraining domain: clinical if the model saw clinical notes", DefaultShown: true},
		{Key: "size", Label: "Size", Title: "Parameters (Table 1)", Numeric: true, DefaultShown: true},
		{Key: "arch", Label: "Architecture", Title: "Architecture (Table 1)"},
		{Key: "method", Label: "Method", Title: "Finetuned on each task, or used in-context without finetuning (§3.2)", DefaultShown: true},
		{Key: "flops", Label: "FLOPs", Title: "Total pretraining FLOPs: the sum of Table 3's printed columns", Numeric: true},
	}
	for _, t := range results.Tasks() {
		if task != "" && t.Name != task {
			continue
		}
		for _, m := range t.Metrics {
			label := metricLabel(m)
			if task == "" {
				label = t.Name + " " + label
			}
			cols = append(cols, lbColumn{Key: scoreKey(t.Name, m), Label: label, Numeric: true, DefaultShown: true,
				Task: t.Name, Metric: m, Title: t.Name + " " + metricLabel(m) + ", mean over seeds"})
		}
	}
	return cols
}

// primarySort is the column a leaderboard sorts by when the URL names none:
// the paper's model-selection metric for a task, size (Table 3's own row
// order) for the combined board.
func primarySort(task string) (string, string) {
	switch task {
	case results.TaskMedNLI:
		return scoreKey(task, results.MetricAccuracy), "desc"
	case results.TaskRadQA:
		return scoreKey(task, results.MetricF1), "desc"
	case results.TaskCLIP:
		return scoreKey(task, results.MetricMacroF1), "desc"
	}
	return "size", "asc"
}

// lbState is a leaderboard's URL state.
type lbState struct {
	Task   string
	Filter modelFilter
	// Cols are the chosen column keys; nil means the defaults.
	Cols []string
	// Sort and Dir as given in the URL ("" when absent).
	Sort, Dir string
}

// parseLeaderboard reads a leaderboard's query; an unknown value is a 400
// that names it.
func (s *Server) parseLeaderboard(task string, q url.Values) (lbState, error) {
	st := lbState{Task: task}
	f, err := s.parseModelFilter(q, false)
	if err != nil {
		return st, err
	}
	st.Filter = f
	cols := lbColumns(task)
	known := func(key string) bool {
		return key == modelColumnKey || slices.ContainsFunc(cols, func(c lbColumn) bool { return c.Key == key })
	}
	for _, v := range values(q, "col") {
		v = strings.ToLower(v)
		if v == modelColumnKey {
			continue
		}
		if !known(v) {
			return st, badParam("column", v, "one of the leaderboard's column keys")
		}
		if !slices.Contains(st.Cols, v) {
			st.Cols = append(st.Cols, v)
		}
	}
	if v := strings.ToLower(q.Get("sort")); v != "" {
		if !known(v) {
			return st, badParam("sort column", v, "one of the leaderboard's column keys")
		}
		st.Sort = v
	}
	if v := strings.ToLower(q.Get("dir")); v != "" {
		if v != "asc" && v != "desc" {
			return st, badParam("sort direction", v, "asc or desc")
		}
		st.Dir = v
	}
	return st, nil
}

// sortBy is the effective sort column and direction.
func (st lbState) sortBy() (string, string) {
	key, dir := primarySort(st.Task)
	if st.Sort != "" {
		key = st.Sort
		dir = ""
		for _, c := range lbColumns(st.Task) {
			if c.Key == key {
				dir = c.defaultDir()
			}
		}
		if dir == "" {
			dir = "asc" // the model column
		}
	}
	if st.Dir != "" {
		dir = st.Dir
	}
	return key, dir
}

// shown reports whether a column is visible.
func (st lbState) shown(c lbColumn) bool {
	if st.Cols == nil {
		return c.DefaultShown
	}
	return slices.Contains(st.Cols, c.Key)
}

// query encodes the state; with sort false the sort parameters are left out
// (for links that choose their own sort).
func (st lbState) query(sort bool) url.Values {
	q := url.Values{}
	st.Filter.query(q)
	for _, c := range st.Cols {
		q.Add("col", c)
	}
	if sort {
		if st.Sort != "" {
			q.Set("sort", st.Sort)
		}
		if st.Dir != "" {
			q.Set("dir", st.Dir)
		}
	}
	return q
}

// lbRow is one model with its scores and total FLOPs.
type lbRow struct {
	Model  results.Model
	Order  int
	Scores map[string]results.Result // by score column key
	FLOPs  *float64
}

// leaderboardPage serves /leaderboard and /leaderboard/{task}.
func (s *Server) leaderboardPage(c echo.Context) error {
	task := ""
	if slug := c.Param("task"); slug != "" {
		t, ok := canonicalTask(slug)
		if !ok {
			return echo.NewHTTPError(http.StatusNotFound, "There is no leaderboard for that task. The tasks are MedNLI, RadQA and CLIP.")
		}
		task = t
	}
	st, err := s.parseLeaderboard(task, c.QueryParams())
	if err != nil {
		return err
	}
	page, err := s.buildLeaderboard(st)
	if err != nil {
		return err
	}
	title := "Leaderboard"
	if task != "" {
		title = task + " leaderboard"
	}
	ch := s.chrome(title, "leaderboard", "js/leaderboard.js")
	ch.Description = page.Intro
	return render(c, http.StatusOK, components.Leaderboard(ch, page))
}

// lbRows gathers every Table 1 model's row, in Table 1 order.
func (s *Server) lbRows() ([]lbRow, error) {
	set := s.board()
	all, err := set.Results(results.Filter{})
	if err != nil {
		return nil, err
	}
	totals := map[string]*float64{}
	for _, t := range set.FLOPsTotals() {
		totals[t.Model] = t.Printed
	}
	var rows []lbRow
	for i, m := range set.Models() {
		r := lbRow{Model: m, Order: i, Scores: map[string]results.Result{}, FLOPs: totals[m.Name]}
		for _, res := range all {
			if res.Model == m.Name {
				r.Scores[scoreKey(res.Task, res.Metric)] = res
			}
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// compareRows orders two rows by a column ascending; missing values sort
// after present ones whatever the direction (handled by the caller).
func compareRows(key string, a, b lbRow) (int, bool, bool) {
	switch key {
	case modelColumnKey:
		return cmp.Compare(strings.ToLower(a.Model.Name), strings.ToLower(b.Model.Name)), true, true
	case "domain":
		return cmp.Compare(domainRank(a.Model.Domain), domainRank(b.Model.Domain)), true, true
	case "size":
		return cmp.Compare(a.Model.Params.Float(), b.Model.Params.Float()), a.Model.Params.Known(), b.Model.Params.Known()
	case "arch":
		return cmp.Compare(a.Model.Architecture, b.Model.Architecture), a.Model.Architecture != "", b.Model.Architecture != ""
	case "method":
		return cmp.Compare(a.Model.Method, b.Model.Method), true, true
	case "flops":
		av, bv := 0.0, 0.0
		if a.FLOPs != nil {
			av = *a.FLOPs
		}
		if b.FLOPs != nil {
			bv = *b.FLOPs
		}
		return cmp.Compare(av, bv), a.FLOPs != nil, b.FLOPs != nil
	}
	ra, okA := a.Scores[key]
	rb, okB := b.Scores[key]
	return cmp.Compare(ra.Value, rb.Value), okA, okB
}

func domainRank(d results.Domain) int {
	i := slices.Index(results.Domains(), d)
	if i < 0 {
		return len(results.Domains())
	}
	return i
}

// sortRows sorts in place by key and direction; rows without a value go
// last, and equal rows keep Table 1 order.
func sortRows(rows []lbRow, key, dir string) {
	slices.SortStableFunc(rows, func(a, b lbRow) int {
		c, okA, okB := compareRows(key, a, b)
		switch {
		case okA && !okB:
			return -1
		case !okA && okB:
			return 1
		case !okA && !okB:
			return cmp.Compare(a.Order, b.Order)
		}
		if dir == "desc" {
			c = -c
		}
		if c == 0 {
			return cmp.Compare(a.Order, b.Order)
		}
		return c
	})
}

// buildLeaderboard turns the URL state into the page's view model.
func (s *Server) buildLeaderboard(st lbState) (components.LeaderboardPage, error) {
	all, err := s.lbRows()
	if err != nil {
		return components.LeaderboardPage{}, err
	}
	var rows []lbRow
	for _, r := range all {
		if st.Filter.keep(r.Model) {
			rows = append(rows, r)
		}
	}
	sortKey, sortDir := st.sortBy()
	sortRows(rows, sortKey, sortDir)

	cols := lbColumns(st.Task)
	var shown []lbColumn
	for _, c := range cols {
		if st.shown(c) {
			shown = append(shown, c)
		}
	}
	standings := rankShown(rows, shown)
	path := leaderboardHref(st.Task)

	page := components.LeaderboardPage{
		Heading: "Leaderboard: all tasks",
		Intro: fmt.Sprintf("The %d models of the paper's Table 1 on three clinical tasks: means over three seeds (Table 3), "+
			"± the std from the appendix. Click a column to sort; filters and columns live in the URL.", len(all)),
		Shown:     len(rows),
		Total:     len(all),
		Permalink: withQuery(path, st.query(true)),
	}
	if st.Task != "" {
		page.Heading = st.Task + " leaderboard"
		page.Intro = taskIntro(st.Task)
	}
	page.Tabs = lbTabs(st)
	page.Form = lbForm(st, cols, path)
	page.Columns = append(page.Columns, headerCell(st, lbColumn{Key: modelColumnKey, Label: "Model"}, sortKey, sortDir, path))
	for _, c := range shown {
		page.Columns = append(page.Columns, headerCell(st, c, sortKey, sortDir, path))
	}
	notes := footnoter{}
	for _, r := range rows {
		lr := components.LeaderRow{Model: r.Model.Name, Href: modelHref(r.Model.Name), Own: r.Model.Origin == results.OriginOwn,
			Submitted: r.Model.Origin == results.OriginSubmitted}
		for _, c := range shown {
			lr.Cells = append(lr.Cells, bodyCell(c, r, standings, &notes))
		}
		page.Rows = append(page.Rows, lr)
	}
	page.Footnotes = notes.list
	page.Downloads = lbDownloads(st)
	page.Demo = demoScores(s.cfg.Results.Demo(st.Task))
	page.Evaluated = s.evaluatedScores(st.Task) // server/evaluations_page.go
	return page, nil
}

// demoScores lays out clinlm's demo rows for the leaderboard; a shipped run
// links its model card.
func demoScores(rows []results.DemoResult) []components.DemoScore {
	english := message.NewPrinter(language.English) // 30522 as "30,522"
	out := make([]components.DemoScore, 0, len(rows))
	for _, d := range rows {
		ds := components.DemoScore{Run: d.Run, Encoder: d.Encoder, Domain: string(d.Domain), StandIn: d.StandIn,
			Dataset: d.Dataset, Metric: metricLabel(d.Metric), Value: fmt.Sprintf("%.3f", d.Value), Weights: d.Weights,
			Note: d.Note, Layers: strconv.Itoa(d.Layers), Vocab: english.Sprintf("%d", d.Vocab)}
		if d.Shipped {
			ds.CardHref = demoCardHref(d.Run)
		}
		out = append(out, ds)
	}
	return out
}

// rankShown ranks the shown rows within each shown score column, keyed by
// column then model.
func rankShown(rows []lbRow, shown []lbColumn) map[string]map[string]results.Standing {
	out := map[string]map[string]results.Standing{}
	for _, c := range shown {
		if !c.isScore() {
			continue
		}
		var col []results.Result
		for _, r := range rows {
			if res, ok := r.Scores[c.Key]; ok {
				col = append(col, res)
			}
		}
		out[c.Key] = map[string]results.Standing{}
		for _, st := range results.Rank(col) {
			out[c.Key][st.Model] = st
		}
	}
	return out
}

// footnoter numbers distinct notes in order of first use.
type footnoter struct {
	list []components.Footnote
}

func (f *footnoter) number(text string) int {
	for _, n := range f.list {
		if n.Text == text {
			return n.N
		}
	}
	n := len(f.list) + 1
	f.list = append(f.list, components.Footnote{N: n, Text: text})
	return n
}

func headerCell(st lbState, c lbColumn, sortKey, sortDir, path string) components.Column {
	q := st.query(false)
	dir := c.defaultDir()
	if c.Key == modelColumnKey {
		dir = "asc"
	}
	aria := "none"
	if c.Key == sortKey {
		if sortDir == "asc" {
			aria, dir = "ascending", "desc"
		} else {
			aria, dir = "descending", "asc"
		}
	}
	q.Set("sort", c.Key)
	q.Set("dir", dir)
	return components.Column{Key: c.Key, Label: c.Label, Title: c.Title, Numeric: c.Numeric || c.Key == "size",
		Sort: aria, SortHref: withQuery(path, q)}
}

func bodyCell(c lbColumn, r lbRow, standings map[string]map[string]results.Standing, notes *footnoter) components.Cell {
	m := r.Model
	switch c.Key {
	case "domain":
		return components.Cell{Kind: components.CellBadge, Key: c.Key, Text: string(m.Domain), Title: m.DomainReason}
	case "size":
		return components.Cell{Kind: components.CellText, Key: c.Key, Text: printedOrDash(m.Params), Title: m.ParamsSource}
	case "arch":
		return components.Cell{Kind: components.CellText, Key: c.Key, Text: m.Architecture, Title: "Table 1"}
	case "method":
		return components.Cell{Kind: components.CellText, Key: c.Key, Text: string(m.Method), Title: m.MethodSource}
	case "flops":
		if r.FLOPs == nil {
			return components.Cell{Kind: components.CellScore, Key: c.Key, Text: "–", Title: "No printed Table 3 FLOPs"}
		}
		return components.Cell{Kind: components.CellScore, Key: c.Key, Text: fmtSci(*r.FLOPs),
			Title: "Sum of Table 3's printed FLOPs columns"}
	}
	res, ok := r.Scores[c.Key]
	if !ok {
		return components.Cell{Kind: components.CellScore, Key: c.Key, Text: "–", Title: "Not reported"}
	}
	cell := components.Cell{Kind: components.CellScore, Key: c.Key, Text: fmtScore(res.Value), Std: fmtStd(res.Std),
		Title: sourceTitle(res)}
	if st, ok := standings[c.Key][m.Name]; ok {
		cell.Best, cell.Tie = st.Best, st.TiedWithBest && !st.Best
	}
	if res.Note != "" && (res.AltValue != nil || res.Source != mainTable) {
		cell.Footnote = notes.number(res.Note)
	}
	return cell
}

func lbTabs(st lbState) []components.Tab {
	q := url.Values{}
	st.Filter.query(q)
	tabs := []components.Tab{{Label: "All tasks", Href: withQuery(leaderboardHref(""), q), Current: st.Task == ""}}
	for _, t := range results.Tasks() {
		tabs = append(tabs, components.Tab{Label: t.Name, Href: withQuery(leaderboardHref(t.Name), q), Current: st.Task == t.Name})
	}
	return tabs
}

func lbForm(st lbState, cols []lbColumn, path string) components.FilterForm {
	f := components.FilterForm{Action: path, Sort: st.Sort, Dir: st.Dir, ResetHref: path}
	for _, d := range results.Domains() {
		f.Domains = append(f.Domains, components.Choice{ID: "f-domain-" + string(d), Name: "domain", Value: string(d),
			Label: string(d), Checked: slices.Contains(st.Filter.Domains, d)})
	}
	f.Sizes = append(f.Sizes, components.Choice{ID: "f-size-any", Name: "size", Value: "", Label: "Any size", Checked: st.Filter.Size == ""})
	for _, b := range sizeBuckets() {
		f.Sizes = append(f.Sizes, components.Choice{ID: "f-size-" + b.Key, Name: "size", Value: b.Key, Label: b.Label,
			Checked: st.Filter.Size == b.Key})
	}
	for _, m := range []results.Method{results.MethodFinetuned, results.MethodInContext} {
		f.Methods = append(f.Methods, components.Choice{ID: "f-method-" + string(m), Name: "method", Value: string(m),
			Label: string(m), Checked: slices.Contains(st.Filter.Methods, m)})
	}
	for _, c := range cols {
		f.Columns = append(f.Columns, components.Choice{ID: "f-col-" + c.Key, Name: "col", Value: c.Key, Label: c.Label,
			Checked: st.shown(c)})
	}
	return f
}

// lbDownloads links the API with the page's task and filters.
func lbDownloads(st lbState) []components.Link {
	q := url.Values{}
	if st.Task != "" {
		q.Set("task", st.Task)
	}
	st.Filter.query(q)
	return []components.Link{
		{Text: "Download CSV", Href: withQuery("/api/v1/results.csv", q)},
		{Text: "Download JSON", Href: withQuery("/api/v1/results", q)},
	}
}

// taskIntro explains a task in one paragraph on its leaderboard.
func taskIntro(task string) string {
	for _, t := range taskCards() {
		if t.Name == task {
			return t.Question + " Scored by " + t.Metrics + "."
		}
	}
	return ""
}
