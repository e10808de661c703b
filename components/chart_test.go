package components

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// option is the part of an ECharts option the tests look at.
type option struct {
	Legend struct {
		Data []string `json:"data"`
	} `json:"legend"`
	XAxis []struct {
		Type string   `json:"type"`
		Min  *float64 `json:"min"`
		Max  *float64 `json:"max"`
	} `json:"xAxis"`
	Series []struct {
		Name      string          `json:"name"`
		Type      string          `json:"type"`
		Stack     string          `json:"stack"`
		Step      string          `json:"step"`
		AreaStyle json.RawMessage `json:"areaStyle"`
		LineStyle struct {
			Type    string   `json:"type"`
			Opacity *float64 `json:"opacity"`
		} `json:"lineStyle"`
		Data []struct {
			Name  string    `json:"name"`
			Value []float64 `json:"value"`
		} `json:"data"`
	} `json:"series"`
}

func decodeOption(t *testing.T, c Chart) option {
	t.Helper()
	// go-echarts' CDN asset host never leaks into an option: pages load
	// ECharts from our own static files.
	if strings.Contains(string(c.Option), "http") {
		t.Errorf("option of %s names a URL: %s", c.ID, c.Option)
	}
	var o option
	if err := json.Unmarshal(c.Option, &o); err != nil {
		t.Fatalf("option of %s does not parse: %v", c.ID, err)
	}
	return o
}

func TestScatter(t *testing.T) {
	c, err := Scatter(ScatterSpec{
		ID: "flops-test", XName: "ln(FLOPs)", YName: "Accuracy",
		Groups: []ScatterGroup{
			{Name: "clinical", Color: DomainColor("clinical"), Points: []ScatterPoint{{"A", 45.1, 0.85}, {"B", 49.8, 0.9}}},
			{Name: "general", Color: DomainColor("general"), Points: []ScatterPoint{{"C", 44.8, 0.84}}},
		},
		Curves: []Curve{
			{Name: "fit", Dashed: true, Points: []XY{{44.3, 0.8}, {46, 0.86}}},
			{Name: "Pareto frontier", Step: "end", Points: []XY{{44.8, 0.84}, {45.1, 0.85}, {49.8, 0.9}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "flops-test" {
		t.Errorf("id %q", c.ID)
	}
	o := decodeOption(t, c)
	if want := []string{"clinical", "general", "fit", "Pareto frontier"}; !slices.Equal(o.Legend.Data, want) {
		t.Errorf("legend %v, want %v", o.Legend.Data, want)
	}
	if len(o.Series) != 4 {
		t.Fatalf("%d series", len(o.Series))
	}
	// Curves come first so that the points are drawn over them.
	o.Series = append(o.Series[2:], o.Series[:2]...)
	if s := o.Series[0]; s.Type != "scatter" || len(s.Data) != 2 || s.Data[1].Name != "B" || !slices.Equal(s.Data[1].Value, []float64{49.8, 0.9}) {
		t.Errorf("first group %+v", s)
	}
	if o.Series[2].Type != "line" || o.Series[2].LineStyle.Type != "dashed" {
		t.Errorf("fit series %+v", o.Series[2])
	}
	if o.Series[3].Step != "end" {
		t.Errorf("frontier step %q", o.Series[3].Step)
	}
	// The x axis is padded to whole numbers, with room on the right for labels.
	x := o.XAxis[0]
	if x.Min == nil || x.Max == nil || *x.Min != 44 || *x.Max != 51 {
		t.Errorf("x range %v..%v, want 44..51", x.Min, x.Max)
	}
}

func TestBands(t *testing.T) {
	c, err := Bands(BandSpec{
		ID: "ablation-test", LogX: true, XMin: 5, XMax: 518,
		Series: []BandSeries{
			{Name: "GatorTron", Color: "#0072b2", Points: []BandPoint{{5, 0.3, 0.01}, {518, 0.69, 0.02}}},
		},
		RefLines: []RefLine{{Name: "GPT-3 Few-Shot", Y: 0.146}},
	})
	if err != nil {
		t.Fatal(err)
	}
	o := decodeOption(t, c)
	if o.XAxis[0].Type != "log" || *o.XAxis[0].Min != 5 || *o.XAxis[0].Max != 518 {
		t.Errorf("x axis %+v", o.XAxis[0])
	}
	if want := []string{"GatorTron", "GPT-3 Few-Shot"}; !slices.Equal(o.Legend.Data, want) {
		t.Errorf("legend %v", o.Legend.Data)
	}
	// Lower edge, band height and mean line share the model's name; the
	// reference line spans the x range.
	if len(o.Series) != 4 {
		t.Fatalf("%d series", len(o.Series))
	}
	lower, height, mean, ref := o.Series[0], o.Series[1], o.Series[2], o.Series[3]
	if lower.Stack == "" || lower.Stack != height.Stack || mean.Stack != "" {
		t.Errorf("stacks %q %q %q", lower.Stack, height.Stack, mean.Stack)
	}
	if lower.LineStyle.Opacity == nil || *lower.LineStyle.Opacity != 0 || height.AreaStyle == nil || lower.AreaStyle != nil {
		t.Errorf("band styles: lower %+v height %+v", lower, height)
	}
	if got := lower.Data[1].Value; !slices.Equal(got, []float64{518, 0.67}) {
		t.Errorf("lower edge %v", got)
	}
	if got := height.Data[1].Value; !slices.Equal(got, []float64{518, 0.04}) {
		t.Errorf("band height %v", got)
	}
	if mean.Name != "GatorTron" || !slices.Equal(mean.Data[0].Value, []float64{5, 0.3}) {
		t.Errorf("mean %+v", mean)
	}
	if ref.LineStyle.Type != "dashed" || !slices.Equal(ref.Data[0].Value, []float64{5, 0.146}) || !slices.Equal(ref.Data[1].Value, []float64{518, 0.146}) {
		t.Errorf("reference line %+v", ref)
	}
}

func TestLines(t *testing.T) {
	c, err := Lines(LineSpec{ID: "cost-test", Lines: []Curve{
		{Name: "clinical", Points: []XY{{0, 1}, {10, 2}}},
		{Name: "general", Points: []XY{{0, 0}, {10, 3}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	o := decodeOption(t, c)
	if len(o.Series) != 2 || o.Series[1].Name != "general" || !slices.Equal(o.Series[1].Data[1].Value, []float64{10, 3}) {
		t.Errorf("series %+v", o.Series)
	}
}
