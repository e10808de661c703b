package components

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// Chart is one ECharts chart on a page: a fixed DOM id (the id of its JSON
// option island, which static/js/charts.js draws into the element with
// data-chart="<id>") and the option built with go-echarts. Pages carry no
// inline script, so the option travels as data.
type Chart struct {
	ID string
	// Label describes the chart for screen readers; the table beside each
	// chart carries the same numbers without JavaScript.
	Label  string
	Option json.RawMessage
}

// Domain colours match the badges in static/css/app.css.
var domainColors = map[string]string{
	"clinical":   "#2a7f62",
	"biomedical": "#b7791f",
	"general":    "#5b4a9e",
}

// seriesColors is the palette for lines that are not coloured by domain;
// chosen to stay apart for colour-blind readers (Okabe–Ito).
var seriesColors = []string{"#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000"}

// DomainColor is the chart colour of a pretraining domain.
func DomainColor(domain string) string {
	if c, ok := domainColors[domain]; ok {
		return c
	}
	return "#5b6673"
}

// SeriesColor is the i-th colour of the line palette.
func SeriesColor(i int) string { return seriesColors[i%len(seriesColors)] }

// XY is a point of a line.
type XY struct{ X, Y float64 }

// ScatterPoint is one labelled model in a scatter chart.
type ScatterPoint struct {
	Label string
	X, Y  float64
}

// ScatterGroup is one coloured group of points (a domain).
type ScatterGroup struct {
	Name  string
	Color string
	// Symbol is the ECharts marker ("diamond", "triangle"; default circle),
	// so that points of another kind read apart without colour too.
	Symbol string
	Points []ScatterPoint
}

// Curve is a named line drawn over a scatter chart (a regression fit or
// the Pareto frontier).
type Curve struct {
	Name   string
	Color  string
	Dashed bool
	// Step draws the line as a staircase ("start", "middle", "end"); empty
	// draws straight segments.
	Step   string
	Smooth bool
	Points []XY
}

// ScatterSpec describes a scatter chart with curves, such as Figure 3.
type ScatterSpec struct {
	ID, Label, Title string
	XName, YName     string
	Groups           []ScatterGroup
	Curves           []Curve
}

// BandPoint is a mean with its standard deviation at one x.
type BandPoint struct{ X, Mean, Std float64 }

// BandSeries is a line with a ±std band around it.
type BandSeries struct {
	Name   string
	Color  string
	Points []BandPoint
}

// RefLine is a horizontal reference line (a score that does not depend on x).
type RefLine struct {
	Name  string
	Color string
	Y     float64
}

// BandSpec describes a line chart with ±std bands and reference lines, such
// as Figure 4. LogX puts x on a base-10 log axis from XMin to XMax.
type BandSpec struct {
	ID, Label, Title string
	XName, YName     string
	LogX             bool
	XMin, XMax       float64
	Series           []BandSeries
	RefLines         []RefLine
}

// Shared looks: grid margins leave room for axis names and the legend.
func baseOptions(title, xName, yName string, xType string, legend []string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{Theme: "white"}),
		charts.WithAnimation(false),
		charts.WithTitleOpts(opts.Title{Title: title, Left: "center",
			TitleStyle: &opts.TextStyle{FontSize: 15, FontWeight: "600"}}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0", Type: "scroll", Data: legend}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithGridOpts(opts.Grid{Left: "56", Right: "24", Top: gridTop(title), Bottom: "84", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: xType, Name: xName, NameLocation: "middle", NameGap: 30,
			Scale: opts.Bool(true), SplitLine: &opts.SplitLine{Show: opts.Bool(true)}}),
		// go-echarts' Validate writes into AxisLabel, so it must exist.
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: yName, NameLocation: "middle", NameGap: 44,
			Scale: opts.Bool(true), AxisLabel: &opts.AxisLabel{}}),
	}
}

// gridTop leaves room for a title only when there is one (pages usually
// head each chart with their own heading).
func gridTop(title string) string {
	if title == "" {
		return "24"
	}
	return "48"
}

// Scatter builds a scatter chart of labelled points coloured by group, with
// curves drawn over them.
func Scatter(spec ScatterSpec) (Chart, error) {
	var legend []string
	for _, g := range spec.Groups {
		legend = append(legend, g.Name)
	}
	for _, c := range spec.Curves {
		legend = append(legend, c.Name)
	}
	sc := charts.NewScatter()
	gopts := baseOptions(spec.Title, spec.XName, spec.YName, "value", legend)
	if lo, hi, ok := xRange(spec); ok {
		// Whole-number ends, with room for the labels of the outermost points.
		gopts = append(gopts, charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: spec.XName, NameLocation: "middle",
			NameGap: 30, Min: math.Floor(lo - 0.25), Max: math.Ceil(hi + 0.5), SplitLine: &opts.SplitLine{Show: opts.Bool(true)}}))
	}
	sc.SetGlobalOptions(gopts...)
	// Curves go first so that the points and their labels are drawn on top.
	for _, c := range spec.Curves {
		sc.Overlap(curveLine(c))
	}
	for _, g := range spec.Groups {
		data := make([]opts.ScatterData, len(g.Points))
		for i, p := range g.Points {
			data[i] = opts.ScatterData{Name: p.Label, Value: []float64{round(p.X, 4), p.Y}}
		}
		sc.AddSeries(g.Name, data,
			charts.WithItemStyleOpts(opts.ItemStyle{Color: g.Color}),
			charts.WithSeriesOpts(func(s *charts.SingleSeries) {
				s.SymbolSize = 11
				if g.Symbol != "" {
					s.Symbol, s.SymbolSize = g.Symbol, 14
				}
			}),
			charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Formatter: "{b}", Position: "top",
				FontSize: 11, Color: "#1b2430", BackgroundColor: "rgba(255,255,255,0.8)"}),
			charts.WithLabelLayoutOpts(opts.LabelLayout{MoveOverlap: "shiftY"}),
		)
	}
	return finish(spec.ID, spec.Label, &sc.RectChart)
}

// xRange is the x extent of every point and curve of a scatter chart.
func xRange(spec ScatterSpec) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, g := range spec.Groups {
		for _, p := range g.Points {
			lo, hi = math.Min(lo, p.X), math.Max(hi, p.X)
		}
	}
	for _, c := range spec.Curves {
		for _, p := range c.Points {
			lo, hi = math.Min(lo, p.X), math.Max(hi, p.X)
		}
	}
	return lo, hi, lo <= hi
}

func curveLine(c Curve) *charts.Line {
	line := charts.NewLine()
	data := make([]opts.LineData, len(c.Points))
	for i, p := range c.Points {
		data[i] = opts.LineData{Value: []float64{round(p.X, 4), round(p.Y, 4)}}
	}
	style := opts.LineStyle{Color: c.Color, Width: 2}
	if c.Dashed {
		style.Type = "dashed"
	}
	lc := opts.LineChart{ShowSymbol: opts.Bool(false), Symbol: "none", Smooth: opts.Bool(c.Smooth)}
	if c.Step != "" {
		lc.Step = c.Step
	}
	line.AddSeries(c.Name, data,
		charts.WithLineChartOpts(lc),
		charts.WithLineStyleOpts(style),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: c.Color}),
	)
	return line
}

// Bands builds a line chart whose lines carry ±std bands (drawn as a
// transparent lower edge with the band's height stacked on it) and
// horizontal reference lines across the whole x range. Band edges have no
// symbols, so an item tooltip only ever shows a mean.
func Bands(spec BandSpec) (Chart, error) {
	var legend []string
	for _, s := range spec.Series {
		legend = append(legend, s.Name)
	}
	for _, r := range spec.RefLines {
		legend = append(legend, r.Name)
	}
	xType := "value"
	if spec.LogX {
		xType = "log"
	}
	line := charts.NewLine()
	gopts := baseOptions(spec.Title, spec.XName, spec.YName, xType, legend)
	xAxis := opts.XAxis{Type: xType, Name: spec.XName, NameLocation: "middle", NameGap: 30,
		SplitLine: &opts.SplitLine{Show: opts.Bool(true)}}
	if spec.XMax > spec.XMin {
		xAxis.Min, xAxis.Max = spec.XMin, spec.XMax
	}
	gopts = append(gopts, charts.WithXAxisOpts(xAxis))
	line.SetGlobalOptions(gopts...)
	for i, s := range spec.Series {
		stack := fmt.Sprintf("band-%d", i)
		lower := make([]opts.LineData, len(s.Points))
		height := make([]opts.LineData, len(s.Points))
		mean := make([]opts.LineData, len(s.Points))
		for j, p := range s.Points {
			lower[j] = opts.LineData{Value: []float64{p.X, round(p.Mean-p.Std, 4)}}
			height[j] = opts.LineData{Value: []float64{p.X, round(2*p.Std, 4)}}
			mean[j] = opts.LineData{Value: []float64{p.X, p.Mean}}
		}
		hidden := []charts.SeriesOpts{
			charts.WithLineChartOpts(opts.LineChart{Stack: stack, Symbol: "none", ShowSymbol: opts.Bool(false)}),
			charts.WithLineStyleOpts(opts.LineStyle{Opacity: opts.Float(0)}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: s.Color}),
		}
		// Band series share the line's legend name so that toggling the
		// line in the legend toggles its band too.
		line.AddSeries(s.Name, lower, hidden...)
		line.AddSeries(s.Name, height, append(hidden,
			charts.WithAreaStyleOpts(opts.AreaStyle{Color: s.Color, Opacity: opts.Float(0.15)}))...)
		line.AddSeries(s.Name, mean,
			charts.WithLineChartOpts(opts.LineChart{Symbol: "circle", SymbolSize: 7}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: s.Color, Width: 2}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: s.Color}),
		)
	}
	for _, r := range spec.RefLines {
		data := []opts.LineData{{Value: []float64{spec.XMin, r.Y}}, {Value: []float64{spec.XMax, r.Y}}}
		line.AddSeries(r.Name, data,
			charts.WithLineChartOpts(opts.LineChart{Symbol: "none", ShowSymbol: opts.Bool(false)}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: r.Color, Width: 2, Type: "dashed"}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: r.Color}),
		)
	}
	return finish(spec.ID, spec.Label, &line.RectChart)
}

// LineSpec describes a plain multi-line chart (the cost curves).
type LineSpec struct {
	ID, Label, Title string
	XName, YName     string
	Lines            []Curve
}

// Lines builds a chart of straight named lines on value axes.
func Lines(spec LineSpec) (Chart, error) {
	var legend []string
	for _, c := range spec.Lines {
		legend = append(legend, c.Name)
	}
	line := charts.NewLine()
	line.SetGlobalOptions(baseOptions(spec.Title, spec.XName, spec.YName, "value", legend)...)
	line.SetGlobalOptions(charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}))
	for _, c := range spec.Lines {
		line.Overlap(curveLine(c))
	}
	return finish(spec.ID, spec.Label, &line.RectChart)
}

// finish validates the chart (go-echarts fills in axis data there) and
// marshals its option. The asset host is never used: the page loads ECharts
// from our own static files, not go-echarts' CDN default.
func finish(id, label string, rc *charts.RectChart) (Chart, error) {
	rc.Validate()
	b, err := json.Marshal(rc.JSON())
	if err != nil {
		return Chart{}, fmt.Errorf("chart %s: %w", id, err)
	}
	return Chart{ID: id, Label: label, Option: b}, nil
}

// round keeps option JSON short and stable (no 0.30000000000000004).
func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}
