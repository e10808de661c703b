package server

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/components"
	"github.com/clinlm/clinlm/inference/eval"
	"github.com/clinlm/clinlm/inference/evaljobs"
	"github.com/clinlm/clinlm/results"
)

// figurePanel names a task metric drawn as one chart.
type figurePanel struct{ Task, Metric string }

// figure3Panels are the three panels of Figure 3 (and of Figure 4): each
// task's model-selection metric.
func figure3Panels() []figurePanel {
	return []figurePanel{
		{results.TaskMedNLI, results.MetricAccuracy},
		{results.TaskRadQA, results.MetricF1},
		{results.TaskCLIP, results.MetricMacroF1},
	}
}

// flopsPage serves /figures/flops (Figure 3).
func (s *Server) flopsPage(c echo.Context) error {
	page, err := s.buildFlops()
	if err != nil {
		return err
	}
	ch := s.chrome("FLOPs vs score", "flops", echartsAsset, chartsAsset)
	ch.Description = "Figure 3: score against the natural log of total pretraining FLOPs, with T5 regression lines and the Pareto frontier."
	return render(c, http.StatusOK, components.Flops(ch, page))
}

func (s *Server) buildFlops() (components.FlopsPage, error) {
	set := s.board()
	var page components.FlopsPage
	totals := map[string]results.FLOPsTotal{}
	for _, t := range set.FLOPsTotals() {
		totals[t.Model] = t
		if !t.InFigure3 {
			page.Excluded = append(page.Excluded, components.Link{Text: t.Model + ": " + t.Reason, Href: modelHref(t.Model)})
		}
	}
	for _, fp := range figure3Panels() {
		panel, err := s.flopsPanel(fp, totals)
		if err != nil {
			return page, err
		}
		page.Panels = append(page.Panels, panel)
	}
	page.Unplotted = s.unplottedOnFlops(set)
	return page, nil
}

// The markers of Figure 3's points that are not the paper's.
const (
	kindSubmitted = "submitted"
	kindEvaluated = "evaluated here"
)

// evaluatedFigure3 are the live-evaluated models for a Figure 3 panel: the
// latest finished evaluation of each model whose task stands in for the
// panel's and whose manifest gives its pretraining FLOPs, scored by the
// evaluation's metric of the panel (qa F1 from percent to a fraction).
func (s *Server) evaluatedFigure3(fp figurePanel) []results.Point {
	if s.cfg.Evaluations == nil {
		return nil
	}
	metric := map[string]string{results.MetricAccuracy: "accuracy", results.MetricF1: "f1", results.MetricMacroF1: "macro_f1"}[fp.Metric]
	jobs := s.cfg.Evaluations.List()
	seen := map[string]bool{}
	var out []results.Point
	for i := len(jobs) - 1; i >= 0; i-- { // newest first
		j := jobs[i]
		if j.Status != evaljobs.StatusDone || seen[j.Model] || paperTaskOf(j.Task) != fp.Task || j.Report == nil {
			continue
		}
		seen[j.Model] = true
		mf, ok := s.cfg.Evaluations.Manifest(j.Model)
		if !ok || mf.Provenance.PretrainingFLOPs < 1 {
			continue
		}
		for _, m := range j.Report.Metrics {
			if m.Name == metric {
				y := m.Value
				if j.Task == eval.TaskQA {
					y /= 100
				}
				out = append(out, results.Point{Model: j.Model, X: math.Log(mf.Provenance.PretrainingFLOPs), Y: y})
			}
		}
	}
	return out
}

// unplottedOnFlops names the submitted and live-evaluated models left off
// Figure 3, and why.
func (s *Server) unplottedOnFlops(set *results.Set) []string {
	var out []string
	for _, m := range set.Models() {
		if m.Origin == results.OriginSubmitted && m.SubmittedFLOPs == nil {
			out = append(out, m.Name+" (submitted without its pretraining FLOPs)")
		}
	}
	if s.cfg.Evaluations == nil {
		return out
	}
	seen := map[string]bool{}
	for _, j := range s.cfg.Evaluations.List() {
		if j.Status != evaljobs.StatusDone || seen[j.Model] {
			continue
		}
		seen[j.Model] = true
		if mf, ok := s.cfg.Evaluations.Manifest(j.Model); !ok || mf.Provenance.PretrainingFLOPs < 1 {
			out = append(out, j.Model+" (evaluated here; its manifest gives no provenance.pretraining_flops)")
		}
	}
	return out
}

func (s *Server) flopsPanel(fp figurePanel, totals map[string]results.FLOPsTotal) (components.FlopsPanel, error) {
	set := s.board()
	id := "flops-" + taskSlug(fp.Task)
	title := fp.Task + " " + metricLabel(fp.Metric)
	panel := components.FlopsPanel{ID: id, Title: title, Metric: metricLabel(fp.Metric)}
	points, err := set.Figure3(fp.Task, fp.Metric, results.FLOPsPrinted)
	if err != nil {
		return panel, err
	}
	fits, err := set.Figure3Fits(fp.Task, fp.Metric, results.FLOPsPrinted)
	if err != nil {
		return panel, err
	}
	submitted, err := set.SubmittedFigure3(fp.Task, fp.Metric)
	if err != nil {
		return panel, err
	}
	evaluated := s.evaluatedFigure3(fp)
	all := slices.Concat(points, submitted, evaluated)
	frontier := results.ParetoFrontier(all)
	onFrontier := map[string]bool{}
	for _, p := range frontier {
		onFrontier[p.Model] = true
	}

	var groups []components.ScatterGroup
	for _, d := range results.Domains() {
		g := components.ScatterGroup{Name: string(d), Color: components.DomainColor(string(d))}
		for _, p := range points {
			if p.Domain == d {
				g.Points = append(g.Points, components.ScatterPoint{Label: p.Model, X: p.X, Y: p.Y})
			}
		}
		if len(g.Points) > 0 {
			groups = append(groups, g)
		}
	}
	for _, k := range []struct {
		name, color, symbol string
		points              []results.Point
	}{{kindSubmitted, "#7b3294", "diamond", submitted}, {kindEvaluated, "#b35806", "triangle", evaluated}} {
		g := components.ScatterGroup{Name: k.name, Color: k.color, Symbol: k.symbol}
		for _, p := range k.points {
			g.Points = append(g.Points, components.ScatterPoint{Label: p.Model, X: p.X, Y: p.Y})
		}
		if len(g.Points) > 0 {
			groups = append(groups, g)
		}
	}
	var curves []components.Curve
	for _, f := range fits {
		curves = append(curves, fitCurve(f, points))
		panel.Fits = append(panel.Fits, components.FitRow{
			Group: string(f.Group) + " fit", Models: strings.Join(f.Models, ", "),
			Slope: trimZero(f.Slope, 4), Intercept: trimZero(f.Intercept, 4), R2: trimZero(f.R2, 3),
		})
	}
	curves = append(curves, frontierCurve(frontier, all))

	chart, err := components.Scatter(components.ScatterSpec{
		ID: id, Label: title + " against ln(total pretraining FLOPs), coloured by pretraining domain",
		XName: "ln(total pretraining FLOPs)", YName: title,
		Groups: groups, Curves: curves,
	})
	if err != nil {
		return panel, err
	}
	panel.Chart = chart
	for _, p := range points {
		row := components.FlopsRow{Model: p.Model, Href: modelHref(p.Model), Domain: string(p.Domain),
			LnFLOPs: trimZero(p.X, 2), Score: fmtScore(p.Y), Frontier: onFrontier[p.Model], FLOPs: "–"}
		if t, ok := totals[p.Model]; ok && t.Printed != nil {
			row.FLOPs = fmtSci(*t.Printed)
		}
		panel.Rows = append(panel.Rows, row)
	}
	for _, p := range submitted {
		panel.Rows = append(panel.Rows, components.FlopsRow{Model: p.Model, Href: modelHref(p.Model), Domain: string(p.Domain),
			LnFLOPs: trimZero(p.X, 2), Score: fmtScore(p.Y), Frontier: onFrontier[p.Model], FLOPs: fmtSci(math.Exp(p.X)),
			Kind: kindSubmitted})
	}
	for _, p := range evaluated {
		panel.Rows = append(panel.Rows, components.FlopsRow{Model: p.Model, Href: "/demo/card/" + url.PathEscape(p.Model),
			LnFLOPs: trimZero(p.X, 2), Score: fmtScore(p.Y), Frontier: onFrontier[p.Model], FLOPs: fmtSci(math.Exp(p.X)),
			Kind: kindEvaluated})
	}
	return panel, nil
}

// fitCurve draws a regression line across its group's x range, half a
// unit past each end so that the line reads as a trend.
func fitCurve(f results.Fit, points []results.Point) components.Curve {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range points {
		if slices.Contains(f.Models, p.Model) {
			lo, hi = math.Min(lo, p.X), math.Max(hi, p.X)
		}
	}
	lo, hi = lo-0.5, hi+0.5
	domain := results.DomainGeneral
	if f.Group == results.GroupClinicalT5 {
		domain = results.DomainClinical
	}
	return components.Curve{
		Name: string(f.Group) + " fit", Color: components.DomainColor(string(domain)), Dashed: true,
		Points: []components.XY{{X: lo, Y: f.At(lo)}, {X: hi, Y: f.At(hi)}},
	}
}

// frontierCurve draws the Pareto frontier as a staircase: each best score
// holds until more compute buys a better one, and the last holds to the
// right edge of the plot.
func frontierCurve(frontier, points []results.Point) components.Curve {
	c := components.Curve{Name: "Pareto frontier", Color: "#1b2430", Step: "end"}
	maxX := math.Inf(-1)
	for _, p := range points {
		maxX = math.Max(maxX, p.X)
	}
	for _, p := range frontier {
		c.Points = append(c.Points, components.XY{X: p.X, Y: p.Y})
	}
	if n := len(frontier); n > 0 && frontier[n-1].X < maxX {
		c.Points = append(c.Points, components.XY{X: maxX, Y: frontier[n-1].Y})
	}
	return c
}

// ablationPage serves /figures/ablation (Figure 4 and Tables 11–15).
func (s *Server) ablationPage(c echo.Context) error {
	page, err := s.buildAblation()
	if err != nil {
		return err
	}
	ch := s.chrome("Data ablation", "ablation", echartsAsset, chartsAsset)
	ch.Description = "Figure 4: scores with 1–100% of the training data, with ±std bands and in-context reference lines."
	return render(c, http.StatusOK, components.Ablation(ch, page))
}

func ablationPanelID(task, metric string) string {
	return "ablation-" + taskSlug(task) + "-" + strings.ReplaceAll(metric, "_", "-")
}

func (s *Server) buildAblation() (components.AblationPage, error) {
	var page components.AblationPage
	// One colour per model across every panel.
	colors := map[string]string{}
	all, err := s.cfg.Results.Ablation(results.AblationFilter{})
	if err != nil {
		return page, err
	}
	for _, r := range all {
		if _, ok := colors[r.Model]; !ok {
			colors[r.Model] = components.SeriesColor(len(colors))
		}
	}
	inFigure := map[figurePanel]bool{}
	for _, fp := range figure3Panels() {
		inFigure[fp] = true
	}
	for _, t := range results.Tasks() {
		for _, m := range t.Metrics {
			panel, err := s.ablationPanel(figurePanel{t.Name, m}, colors, inFigure[figurePanel{t.Name, m}])
			if err != nil {
				return page, err
			}
			page.Panels = append(page.Panels, panel)
		}
	}
	return page, nil
}

func (s *Server) ablationPanel(fp figurePanel, colors map[string]string, inFigure bool) (components.AblationPanel, error) {
	set := s.cfg.Results
	rows, err := set.Ablation(results.AblationFilter{Task: fp.Task, Metric: fp.Metric})
	if err != nil {
		return components.AblationPanel{}, err
	}
	id := ablationPanelID(fp.Task, fp.Metric)
	title := fp.Task + " " + metricLabel(fp.Metric)
	panel := components.AblationPanel{ID: id, Title: title, RowHead: "Model"}
	var sizes []results.AblationSize
	for _, sz := range set.AblationSizes() {
		if sz.Task == fp.Task {
			sizes = append(sizes, sz)
			panel.Unit = sz.Unit
			panel.Fractions = append(panel.Fractions, components.AblationFraction{Percent: percent(sz.Fraction),
				Examples: strconv.Itoa(sz.Examples)})
		}
	}
	var sources []string
	var models []string
	byModel := map[string][]results.AblationRow{}
	for _, r := range rows {
		if _, ok := byModel[r.Model]; !ok {
			models = append(models, r.Model)
		}
		byModel[r.Model] = append(byModel[r.Model], r)
		if !slices.Contains(sources, r.Source) {
			sources = append(sources, r.Source)
		}
		if r.Note != "" && !slices.Contains(panel.Notes, r.Model+": "+r.Note) {
			panel.Notes = append(panel.Notes, r.Model+": "+r.Note)
		}
	}
	panel.Source = strings.Join(sources, ", ")
	if inFigure {
		panel.Title += " (Figure 4)"
	} else {
		panel.Title += " (" + panel.Source + "; not plotted in the paper)"
	}
	var series []components.BandSeries
	for _, model := range models {
		tr := components.AblationTableRow{Model: model, Href: modelHref(model)}
		bs := components.BandSeries{Name: model, Color: colors[model]}
		for _, sz := range sizes {
			cell := components.AblationCell{Mean: "–"}
			for _, r := range byModel[model] {
				if r.Fraction == sz.Fraction {
					cell = ablationCell(r)
					bs.Points = append(bs.Points, components.BandPoint{X: float64(r.Examples), Mean: r.Mean, Std: r.Std})
				}
			}
			tr.Cells = append(tr.Cells, cell)
		}
		panel.Rows = append(panel.Rows, tr)
		series = append(series, bs)
	}
	refs, err := s.referenceLines(fp)
	if err != nil {
		return panel, err
	}
	var lines []components.RefLine
	for i, r := range refs {
		lines = append(lines, components.RefLine{Name: r.Name, Y: r.value, Color: refColor(i)})
	}
	panel.Refs = refs2rows(refs)
	var xmin, xmax float64
	if len(sizes) > 0 {
		xmin, xmax = float64(sizes[0].Examples), float64(sizes[len(sizes)-1].Examples)
	}
	chart, err := components.Bands(components.BandSpec{
		ID: id, Label: title + " against the number of training examples, with ± one std bands",
		XName: "training " + panel.Unit + " (log scale)", YName: title,
		LogX: true, XMin: xmin, XMax: xmax, Series: series, RefLines: lines,
	})
	if err != nil {
		return panel, err
	}
	panel.Chart = chart
	return panel, nil
}

// refLine is an in-context reference value.
type refLine struct {
	Name, Source string
	value        float64
}

// referenceLines are Figure 4's in-context lines for a panel; for the
// metrics the figure does not plot, the in-context models' Table 3 scores.
func (s *Server) referenceLines(fp figurePanel) ([]refLine, error) {
	set := s.cfg.Results
	var out []refLine
	for _, l := range set.ICLLines() {
		if l.Task == fp.Task && l.Metric == fp.Metric {
			out = append(out, refLine{Name: l.Line, Source: l.Source, value: l.Value})
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	rows, err := set.Results(results.Filter{Task: fp.Task, Metric: fp.Metric})
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if m, ok := set.Model(r.Model); ok && m.Method == results.MethodInContext {
			out = append(out, refLine{Name: r.Model + " in-context", Source: r.Source, value: r.Value})
		}
	}
	return out, nil
}

func refs2rows(refs []refLine) []components.RefRow {
	var out []components.RefRow
	for _, r := range refs {
		out = append(out, components.RefRow{Name: r.Name, Value: fmtScore(r.value), Source: fmt.Sprintf("from %s", r.Source)})
	}
	return out
}

// refColor keeps reference lines in greys, apart from the model colours.
func refColor(i int) string {
	greys := []string{"#3b3b3b", "#8c8c8c"}
	return greys[i%len(greys)]
}
