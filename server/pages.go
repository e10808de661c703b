package server

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/results"
)

// registerPages adds the HTML pages over the paper's results.
func (s *Server) registerPages(e *echo.Echo) {
	e.GET("/", s.overviewPage)
	e.GET("/leaderboard", s.leaderboardPage)
	e.GET("/leaderboard/:task", s.leaderboardPage)
	e.GET("/models/:name", s.modelPage)
	e.GET("/figures/flops", s.flopsPage)
	e.GET("/figures/ablation", s.ablationPage)
	e.GET("/cost", s.costPage)
	e.GET("/errata", s.errataPage)
}

// Assets every page with charts loads (deferred, in this order): ECharts
// from npm, then our drawer of data-chart elements.
const (
	echartsAsset = "dist/echarts.min.js"
	chartsAsset  = "js/charts.js"
)

// metricLabel is how a metric is named on the pages.
func metricLabel(metric string) string {
	switch metric {
	case results.MetricAccuracy:
		return "Accuracy"
	case results.MetricExactMatch:
		return "Exact match"
	case results.MetricF1:
		return "F1"
	case results.MetricMicroF1:
		return "Micro F1"
	case results.MetricMacroF1:
		return "Macro F1"
	}
	return metric
}

// fmtScore prints a score with the paper's three decimals.
func fmtScore(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

// fmtStd prints a std as "±0.003"; "" when there is none.
func fmtStd(p *float64) string {
	if p == nil {
		return ""
	}
	return "±" + fmtScore(*p)
}

// fmtSci prints FLOPs like the paper: 4.5E+19 (two significant figures).
func fmtSci(v float64) string {
	if v == 0 {
		return "0"
	}
	return strings.ToUpper(strconv.FormatFloat(v, 'e', 1, 64))
}

// fmtCount prints a large count with a B/M/T suffix: 33.9B.
func fmtCount(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e12:
		return trimZero(v/1e12, 2) + "T"
	case a >= 1e9:
		return trimZero(v/1e9, 1) + "B"
	case a >= 1e6:
		return trimZero(v/1e6, 1) + "M"
	case a >= 1e3:
		return trimZero(v/1e3, 1) + "K"
	}
	return trimZero(v, 2)
}

// trimZero formats v with at most digits decimals, dropping trailing zeros.
func trimZero(v float64, digits int) string {
	s := strconv.FormatFloat(v, 'f', digits, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// printedOrDash shows a quantity as the paper prints it, "–" when blank.
func printedOrDash(q results.Quantity) string {
	if q.Printed == "" {
		return "–"
	}
	return q.Printed
}

// sourceTitle says where a number and its std come from.
func sourceTitle(r results.Result) string {
	t := fmt.Sprintf("%s from %s", fmtScore(r.Value), r.Source)
	if r.Std != nil {
		t += fmt.Sprintf("; %s from %s", fmtStd(r.Std), r.StdSource)
	} else if r.StdSource != "" {
		t += fmt.Sprintf("; no std in %s", r.StdSource)
	}
	if r.AltValue != nil {
		t += fmt.Sprintf("; %s prints %s", r.AltSource, fmtScore(*r.AltValue))
	}
	return t
}

// taskSlug is a task's URL segment: /leaderboard/mednli.
func taskSlug(task string) string { return strings.ToLower(task) }

// leaderboardHref links a leaderboard ("" for the combined one).
func leaderboardHref(task string) string {
	if task == "" {
		return "/leaderboard"
	}
	return "/leaderboard/" + taskSlug(task)
}

// withQuery appends an encoded query to a path when it is not empty.
func withQuery(path string, q url.Values) string {
	if enc := q.Encode(); enc != "" {
		return path + "?" + enc
	}
	return path
}
