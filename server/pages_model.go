package server

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/components"
	"github.com/clinlm/clinlm/results"
)

// modelPage serves /models/{name}. An alias redirects to the canonical name;
// an unknown name is a 404 page.
func (s *Server) modelPage(c echo.Context) error {
	name, err := url.PathUnescape(c.Param("name"))
	if err != nil {
		name = c.Param("name")
	}
	m, ok := s.board().Model(name)
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("No model called %q is in the paper.", name))
	}
	if m.Name != name {
		return c.Redirect(http.StatusMovedPermanently, modelHref(m.Name))
	}
	page, err := s.buildModelPage(m)
	if err != nil {
		return err
	}
	ch := s.chrome(m.Name, "leaderboard", echartsAsset, chartsAsset)
	ch.Description = m.Name + ": pretraining, scores and data ablation from the paper."
	return render(c, http.StatusOK, components.Model(ch, page))
}

func (s *Server) buildModelPage(m results.Model) (components.ModelPage, error) {
	set := s.board()
	page := components.ModelPage{
		Name: m.Name, Domain: string(m.Domain), DomainReason: m.DomainReason,
		AppendixOnly: m.AppendixOnly, Own: m.Origin == results.OriginOwn, Submitted: m.Origin == results.OriginSubmitted,
		Aliases: m.Aliases,
		Facts:   modelFacts(m, set),
		Links: []components.Link{
			{Text: "Scores as JSON", Href: "/api/v1/results?model=" + url.QueryEscape(m.Name)},
			{Text: "Scores as CSV", Href: "/api/v1/results.csv?model=" + url.QueryEscape(m.Name)},
		},
	}
	for _, d := range []results.Domain{results.DomainGeneral, results.DomainBiomedical, results.DomainClinical} {
		if page.Own || page.Submitted {
			break // own results and submissions give no pretraining tokens
		}
		tok := m.PretrainingTokens.Get(d)
		row := components.TokenRow{Domain: string(d), Tokens: printedOrDash(tok), Unique: printedOrDash(m.UniquePTT.Get(d)),
			FLOPs: "not in Table 3", SixPT: "–"}
		if m.InTable3() {
			row.FLOPs = printedOrDash(m.FLOPs.Get(d))
		}
		if tok.Known() && m.Params.Known() && tok.Float() > 0 {
			row.SixPT = fmtSci(results.TrainingFLOPs(m.Params.Float(), tok.Float()))
		}
		page.Tokens = append(page.Tokens, row)
	}
	metrics, err := s.modelMetrics(m)
	if err != nil {
		return page, err
	}
	page.Metrics = metrics
	for _, r := range set.Table8() {
		if r.Model == m.Name && r.DAPTSteps > 0 {
			page.Table8 = table8Rows(set.Table8())
			break
		}
	}
	abl, err := set.Ablation(results.AblationFilter{Model: m.Name})
	if err != nil {
		return page, err
	}
	if len(abl) > 0 {
		panel, err := s.modelAblationPanel(m, abl)
		if err != nil {
			return page, err
		}
		page.Ablation = &panel
		page.Links = append(page.Links, components.Link{Text: "Ablation as JSON",
			Href: "/api/v1/ablation?model=" + url.QueryEscape(m.Name)})
	}
	return page, nil
}

func modelFacts(m results.Model, set *results.Set) []components.Fact {
	facts := []components.Fact{
		{Label: "Parameters", Value: printedOrDash(m.Params), Source: m.ParamsSource},
	}
	if m.Architecture != "" {
		facts = append(facts, components.Fact{Label: "Architecture", Value: m.Architecture, Source: "Table 1"})
	}
	facts = append(facts,
		components.Fact{Label: "Family", Value: m.Family},
		components.Fact{Label: "Used by", Value: methodText(m.Method), Source: m.MethodSource},
		components.Fact{Label: "Pretraining domain", Value: string(m.Domain)},
	)
	for _, t := range set.FLOPsTotals() {
		if t.Model != m.Name {
			continue
		}
		if t.Printed != nil {
			facts = append(facts, components.Fact{Label: "Total pretraining FLOPs",
				Value: fmtSci(*t.Printed) + " (ln " + trimZero(*t.LnPrinted, 2) + ")", Source: "sum of Table 3's columns"})
		}
		if t.Recomputed != nil {
			facts = append(facts, components.Fact{Label: "Total as 6PT",
				Value: fmtSci(*t.Recomputed) + " (ln " + trimZero(*t.LnRecomputed, 2) + ")", Source: "Eq. 1 over Table 1"})
		}
		inFig := "yes"
		if !t.InFigure3 {
			inFig = "no: " + t.Reason
		}
		facts = append(facts, components.Fact{Label: "A point of Figure 3", Value: inFig})
	}
	return facts
}

func methodText(m results.Method) string {
	if m == results.MethodInContext {
		return "in-context learning (no finetuning)"
	}
	return "finetuning on each task"
}

// modelMetrics lists every score of a model, marking the best and tied
// values among the Table 1 models (plus this one when it is appendix-only).
func (s *Server) modelMetrics(m results.Model) ([]components.MetricRow, error) {
	set := s.board()
	rows, err := set.Results(results.Filter{Model: m.Name})
	if err != nil {
		return nil, err
	}
	var out []components.MetricRow
	for _, r := range rows {
		peers, err := set.Results(results.Filter{Task: r.Task, Metric: r.Metric})
		if err != nil {
			return nil, err
		}
		if m.AppendixOnly {
			peers = append(peers, r)
		}
		row := components.MetricRow{
			Task: r.Task, Metric: metricLabel(r.Metric), Value: fmtScore(r.Value), ValueSource: r.Source,
			Std: fmtStd(r.Std), StdSource: r.StdSource, Note: r.Note, LeaderboardHref: leaderboardHref(r.Task),
		}
		if row.Std == "" {
			row.Std = "–"
		}
		for _, st := range results.Rank(peers) {
			if st.Model == m.Name {
				row.Best, row.Tie = st.Best, st.TiedWithBest && !st.Best
			}
		}
		out = append(out, row)
	}
	return out, nil
}

func table8Rows(rows []results.Table8Row) []components.Table8Row {
	var out []components.Table8Row
	for _, r := range rows {
		out = append(out, components.Table8Row{Label: r.Label, Steps: fmtCount(float64(r.DAPTSteps)),
			Tokens: printedOrDash(r.ClinicalPTT), Accuracy: fmtScore(r.Accuracy), Std: "±" + fmtScore(r.Std)})
	}
	return out
}

// modelAblationPanel draws one model's ablation curves: one line per task
// metric against the percentage of training data (the example counts differ
// by task, so the shared x is the fraction).
func (s *Server) modelAblationPanel(m results.Model, rows []results.AblationRow) (components.AblationPanel, error) {
	panel := components.AblationPanel{ID: "model-ablation", Title: "Data ablation (Tables 11–15)", Source: "Tables 11–15",
		RowHead: "Task metric"}
	type key struct{ task, metric string }
	var order []key
	byKey := map[key][]results.AblationRow{}
	var fractions []float64
	for _, r := range rows {
		k := key{r.Task, r.Metric}
		if _, ok := byKey[k]; !ok {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], r)
		if note := k.task + " " + metricLabel(k.metric) + " at " + percent(r.Fraction) + ": " + r.Note; r.Note != "" {
			panel.Notes = append(panel.Notes, note)
		}
		if !slices.Contains(fractions, r.Fraction) {
			fractions = append(fractions, r.Fraction)
		}
	}
	slices.Sort(fractions)
	for _, f := range fractions {
		panel.Fractions = append(panel.Fractions, components.AblationFraction{Percent: percent(f)})
	}
	var series []components.BandSeries
	for i, k := range order {
		name := k.task + " " + metricLabel(k.metric)
		tr := components.AblationTableRow{Model: name, Href: "/figures/ablation#panel-" + ablationPanelID(k.task, k.metric)}
		bs := components.BandSeries{Name: name, Color: components.SeriesColor(i)}
		for _, f := range fractions {
			cell := components.AblationCell{Mean: "–"}
			for _, r := range byKey[k] {
				if r.Fraction == f {
					cell = ablationCell(r)
					bs.Points = append(bs.Points, components.BandPoint{X: 100 * r.Fraction, Mean: r.Mean, Std: r.Std})
				}
			}
			tr.Cells = append(tr.Cells, cell)
		}
		panel.Rows = append(panel.Rows, tr)
		series = append(series, bs)
	}
	chart, err := components.Bands(components.BandSpec{
		ID: panel.ID, Label: m.Name + ": score against the percentage of training data used",
		XName: "% of training data (log scale)", YName: "Score", LogX: true, XMin: 1, XMax: 100,
		Series: series,
	})
	if err != nil {
		return panel, err
	}
	panel.Chart = chart
	return panel, nil
}

// ablationCell shows a mean ± std and, in its title, the examples and source.
func ablationCell(r results.AblationRow) components.AblationCell {
	title := fmt.Sprintf("%s ± %s with %d training examples (%s)", fmtScore(r.Mean), fmtScore(r.Std), r.Examples, r.Source)
	if r.Note != "" {
		title += ". " + r.Note
	}
	return components.AblationCell{Mean: fmtScore(r.Mean), Std: "±" + fmtScore(r.Std), Title: title}
}

func percent(f float64) string { return trimZero(100*f, 1) + "%" }
