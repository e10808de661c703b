package components

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/clinlm/clinlm/internal/htmltest"
	"golang.org/x/net/html"
)

func testChrome() Chrome {
	return Chrome{Title: "Test", Active: "leaderboard", Asset: func(name string) string { return "/static/h/" + name }}
}

// renderDoc renders a component and parses the result.
func renderDoc(t *testing.T, c templ.Component) (*html.Node, string) {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return htmltest.Parse(t, buf.String()), buf.String()
}

// The option island survives hostile text: a "</script>" inside a label
// stays inside the JSON and comes back unchanged.
func TestChartBoxIsland(t *testing.T) {
	opt := json.RawMessage(`{"series":[{"name":"</script><script>alert(1)</script>","data":[1]}]}`)
	doc, raw := renderDoc(t, ChartBox(Chart{ID: "chart-x", Label: "A chart", Option: opt}))
	if strings.Contains(raw, "<script>alert") {
		t.Fatalf("island broke out of its script element: %s", raw)
	}
	el := htmltest.One(t, doc, htmltest.ByAttr("data-chart", "chart-x"), "chart element")
	if l, _ := htmltest.Attr(el, "aria-label"); l != "A chart" {
		t.Errorf("aria-label %q", l)
	}
	island := htmltest.One(t, doc, htmltest.ByAttr("id", "chart-x"), "island")
	if typ, _ := htmltest.Attr(island, "type"); island.Data != "script" || typ != "application/json" {
		t.Errorf("island is <%s type=%q>", island.Data, typ)
	}
	var got, want any
	if err := json.Unmarshal([]byte(htmltest.Text(island)), &got); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(opt, &want)
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if !bytes.Equal(gb, wb) {
		t.Errorf("island %s, want %s", gb, wb)
	}
}

func testLeaderboard() LeaderboardPage {
	return LeaderboardPage{
		Heading: "Leaderboard", Intro: "intro",
		Tabs: []Tab{{Label: "All tasks", Href: "/leaderboard", Current: true}, {Label: "MedNLI", Href: "/leaderboard/mednli"}},
		Form: FilterForm{
			Action:  "/leaderboard",
			Domains: []Choice{{ID: "f-domain-clinical", Name: "domain", Value: "clinical", Label: "clinical", Checked: true}},
			Sizes: []Choice{{ID: "f-size-any", Name: "size", Value: "", Label: "Any size"},
				{ID: "f-size-le1b", Name: "size", Value: "le1b", Label: "≤ 1B", Checked: true}},
			Columns:   []Choice{{ID: "f-col-size", Name: "col", Value: "size", Label: "Size"}},
			Sort:      "mednli_accuracy",
			Dir:       "desc",
			ResetHref: "/leaderboard",
		},
		Columns: []Column{
			{Key: "model", Label: "Model", Sort: "none", SortHref: "/leaderboard?sort=model&dir=asc"},
			{Key: "mednli_accuracy", Label: "MedNLI Accuracy", Numeric: true, Sort: "descending", SortHref: "/leaderboard?sort=mednli_accuracy&dir=asc"},
		},
		Rows: []LeaderRow{
			{Model: "BioClinRoBERTa", Href: "/models/BioClinRoBERTa", Cells: []Cell{
				{Kind: CellScore, Key: "mednli_accuracy", Text: "0.900", Std: "±0.003", Title: "0.900 from Table 3", Best: true}}},
			{Model: "<b>Evil</b>", Href: "/models/%3Cb%3EEvil", Cells: []Cell{
				{Kind: CellScore, Key: "mednli_accuracy", Text: "0.883", Std: "±0.002", Tie: true, Footnote: 1}}},
		},
		Shown: 2, Total: 12,
		Footnotes: []Footnote{{N: 1, Text: "a note"}},
		Downloads: []Link{{Text: "Download CSV", Href: "/api/v1/results.csv?domain=clinical"}},
		Permalink: "/leaderboard?domain=clinical&size=le1b&sort=mednli_accuracy&dir=desc",
	}
}

func TestLeaderboardComponent(t *testing.T) {
	doc, raw := renderDoc(t, Leaderboard(testChrome(), testLeaderboard()))
	if strings.Contains(raw, "<b>Evil</b>") {
		t.Error("model name not escaped")
	}
	heads := htmltest.FindAll(doc, func(n *html.Node) bool { _, ok := htmltest.Attr(n, "aria-sort"); return n.Data == "th" && ok })
	var sorts []string
	for _, h := range heads {
		s, _ := htmltest.Attr(h, "aria-sort")
		sorts = append(sorts, s)
	}
	if !slices.Equal(sorts, []string{"none", "descending"}) {
		t.Errorf("aria-sort %v", sorts)
	}
	cells := htmltest.FindAll(doc, func(n *html.Node) bool {
		return n.Data == "td" && slices.Contains([]string{"mednli_accuracy"}, attrOr(n, "data-col"))
	})
	if len(cells) != 2 {
		t.Fatalf("%d score cells", len(cells))
	}
	if c := attrOr(cells[0], "class"); !strings.Contains(c, "best") || strings.Contains(c, "tie") {
		t.Errorf("best cell class %q", c)
	}
	if c := attrOr(cells[1], "class"); !strings.Contains(c, "tie") {
		t.Errorf("tie cell class %q", c)
	}
	if got := htmltest.Text(cells[0]); got != "0.900 ±0.003" {
		t.Errorf("cell text %q", got)
	}
	if attrOr(cells[0], "title") != "0.900 from Table 3" {
		t.Error("source title missing")
	}
	// The footnote marker links to its note.
	htmltest.One(t, cells[1], htmltest.ByAttr("href", "#fn-1"), "footnote link")
	htmltest.One(t, doc, htmltest.ByAttr("id", "fn-1"), "footnote")
	// Form state mirrors the view model.
	if _, ok := htmltest.Attr(htmltest.One(t, doc, htmltest.ByAttr("id", "f-domain-clinical"), "checkbox"), "checked"); !ok {
		t.Error("checked choice not checked")
	}
	if _, ok := htmltest.Attr(htmltest.One(t, doc, htmltest.ByAttr("id", "f-col-size"), "checkbox"), "checked"); ok {
		t.Error("unchecked choice checked")
	}
	opt := htmltest.One(t, doc, func(n *html.Node) bool { return n.Data == "option" && attrOr(n, "value") == "le1b" }, "size option")
	if _, ok := htmltest.Attr(opt, "selected"); !ok {
		t.Error("size option not selected")
	}
	for _, hidden := range []string{"sort", "dir"} {
		htmltest.One(t, doc, func(n *html.Node) bool { return n.Data == "input" && attrOr(n, "name") == hidden }, "hidden "+hidden)
	}
	if form := htmltest.One(t, doc, htmltest.ByAttr("data-testid", "filters"), "form"); attrOr(form, "method") != "get" {
		t.Error("filter form is not GET")
	}
	htmltest.One(t, doc, htmltest.ByAttr("data-testid", "tie-legend"), "tie legend")
	tabs := htmltest.One(t, doc, htmltest.ByAttr("aria-label", "Leaderboards"), "tab strip")
	if htmltest.Text(htmltest.One(t, tabs, htmltest.ByAttr("aria-current", "page"), "current tab")) != "All tasks" {
		t.Error("current tab")
	}
	if !strings.Contains(htmltest.Text(htmltest.One(t, doc, htmltest.ByAttr("data-testid", "row-count"), "row count")), "Showing 2 of 12") {
		t.Error("row count")
	}
}

func TestLeaderboardEmpty(t *testing.T) {
	p := testLeaderboard()
	p.Rows, p.Shown = nil, 0
	doc, _ := renderDoc(t, Leaderboard(testChrome(), p))
	empty := htmltest.One(t, doc, htmltest.ByAttr("data-testid", "empty"), "empty row")
	if attrOr(empty, "colspan") != "2" {
		t.Errorf("colspan %q", attrOr(empty, "colspan"))
	}
}

func TestCostComponent(t *testing.T) {
	p := CostPage{
		Fields: []CostField{
			{Name: "pc", Label: "Clinical model size", Value: "0.77", Step: "any"},
			{Name: "pg", Label: "General model size", Value: "x<y", Step: "any", Invalid: true},
		},
		Error:    "Please fix: General model size is not a number.",
		Result:   CostResult{BreakEven: "33.9B", Years: "2.3"},
		Readings: []CostReading{{Label: "Weighted", WG: "1.12", BreakEven: "33.9B", Years: "2.3"}, {Label: "Unweighted", WG: "1", BreakEven: "39.4B", Years: "2.6", MatchesPaper: true}},
		Claim:    "40B", ClaimYear: "2.5", ResetHref: "/cost",
	}
	doc, _ := renderDoc(t, Cost(testChrome(), p))
	if v := attrOr(htmltest.One(t, doc, htmltest.ByAttr("data-testid", "cost-pg"), "input"), "value"); v != "x<y" {
		t.Errorf("invalid input not echoed: %q", v)
	}
	if _, ok := htmltest.Attr(htmltest.One(t, doc, htmltest.ByAttr("data-testid", "cost-pg"), "input"), "aria-invalid"); !ok {
		t.Error("invalid input not marked")
	}
	if htmltest.Text(htmltest.One(t, doc, htmltest.ByAttr("data-testid", "breakeven"), "break-even")) != "33.9B" {
		t.Error("break-even output")
	}
	matches := htmltest.FindAll(doc, func(n *html.Node) bool { return n.Data == "tr" && strings.Contains(attrOr(n, "class"), "match") })
	if len(matches) != 1 || !strings.Contains(htmltest.Text(matches[0]), "39.4B") {
		t.Error("the matching reading is not marked")
	}
	if len(htmltest.FindAll(doc, htmltest.ByAttr("data-chart", "cost-curves"))) != 0 {
		t.Error("no chart was given")
	}
}

func attrOr(n *html.Node, key string) string {
	v, _ := htmltest.Attr(n, key)
	return v
}
