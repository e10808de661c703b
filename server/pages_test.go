package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/clinlm/clinlm/internal/htmltest"
	"github.com/clinlm/clinlm/static"
)

// ---- HTML helpers (internal/htmltest), under the short names these tests use ----

func parsePage(t *testing.T, body string) *html.Node { t.Helper(); return htmltest.Parse(t, body) }

func findAll(n *html.Node, keep func(*html.Node) bool) []*html.Node { return htmltest.FindAll(n, keep) }

func attr(n *html.Node, key string) (string, bool) { return htmltest.Attr(n, key) }

func hasClass(n *html.Node, class string) bool { return htmltest.HasClass(n, class) }

func byTag(tag string) func(*html.Node) bool { return htmltest.ByTag(tag) }

func byAttr(key, val string) func(*html.Node) bool { return htmltest.ByAttr(key, val) }

func textOf(n *html.Node) string { return htmltest.Text(n) }

func testID(t *testing.T, doc *html.Node, id string) *html.Node {
	t.Helper()
	return htmltest.One(t, doc, byAttr("data-testid", id), "data-testid="+id)
}

// getPage fetches an HTML page and checks its status and content type.
func getPage(t *testing.T, srv http.Handler, target string, status int) *html.Node {
	t.Helper()
	rec := fetch(t, srv, target)
	if rec.Code != status {
		t.Fatalf("GET %s: status %d, want %d: %.300s", target, rec.Code, status, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("GET %s: content type %q", target, ct)
	}
	return parsePage(t, rec.Body.String())
}

// Every page renders, has no inline script (the CSP forbids it) and every
// chart element has a parseable option island.
func TestPagesRender(t *testing.T) {
	srv, _ := newResultsServer(t)
	tests := []struct {
		path   string
		charts []string
		hooks  []string
	}{
		{"/", nil, []string{"finding", "tasks", "best"}},
		{"/leaderboard", nil, []string{"leaderboard", "filters", "tie-legend", "downloads", "permalink"}},
		{"/leaderboard/mednli", nil, []string{"leaderboard", "filters"}},
		{"/leaderboard/RadQA", nil, []string{"leaderboard"}},
		{"/leaderboard/clip", nil, []string{"leaderboard"}},
		{"/models/GatorTron", []string{"model-ablation"}, []string{"facts", "tokens", "metrics", "model-ablation"}},
		{"/models/T5-Base", nil, []string{"facts", "metrics"}},
		{"/models/SciFive", nil, []string{"facts", "metrics"}},
		{"/figures/flops", []string{"flops-mednli", "flops-radqa", "flops-clip"}, []string{"flops-derivation", "flops-excluded"}},
		{"/figures/ablation", []string{"ablation-mednli-accuracy", "ablation-radqa-exact-match", "ablation-radqa-f1",
			"ablation-clip-micro-f1", "ablation-clip-macro-f1"}, nil},
		{"/cost", []string{"cost-curves"}, []string{"cost-form", "cost-result", "cost-readings"}},
		{"/errata", nil, []string{"errata", "flops-check"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			doc := getPage(t, srv, tt.path, http.StatusOK)
			for _, s := range findAll(doc, byTag("script")) {
				_, hasSrc := attr(s, "src")
				typ, _ := attr(s, "type")
				if !hasSrc && typ != "application/json" {
					t.Errorf("inline script: %s", textOf(s))
				}
			}
			var charts []string
			for _, el := range findAll(doc, func(n *html.Node) bool { _, ok := attr(n, "data-chart"); return ok }) {
				id, _ := attr(el, "data-chart")
				charts = append(charts, id)
				islands := findAll(doc, byAttr("id", id))
				if len(islands) != 1 || islands[0].Data != "script" {
					t.Fatalf("chart %s: no option island", id)
				}
				var option struct {
					Series []json.RawMessage `json:"series"`
				}
				if err := json.Unmarshal([]byte(textOf(islands[0])), &option); err != nil || len(option.Series) == 0 {
					t.Errorf("chart %s: option does not parse or has no series: %v", id, err)
				}
			}
			if !slices.Equal(charts, tt.charts) {
				t.Errorf("charts = %v, want %v", charts, tt.charts)
			}
			for _, h := range tt.hooks {
				testID(t, doc, h)
			}
		})
	}
}

// leaderboardModels returns the model names of the leaderboard's rows in order.
func leaderboardModels(t *testing.T, doc *html.Node) []string {
	t.Helper()
	table := testID(t, doc, "leaderboard")
	var out []string
	for _, tr := range findAll(table, func(n *html.Node) bool { _, ok := attr(n, "data-model"); return ok }) {
		m, _ := attr(tr, "data-model")
		out = append(out, m)
	}
	return out
}

func TestLeaderboardSortAndFilter(t *testing.T) {
	srv, _ := newResultsServer(t)
	tests := []struct {
		query string
		want  []string // the first rows (or all, when short)
		count int
	}{
		{"", []string{"T5-Base", "Clinical-T5-Base-Ckpt", "Clinical-T5-Base"}, 12},
		{"sort=mednli_accuracy&dir=desc", []string{"BioClinRoBERTa", "GatorTron", "Clinical-T5-Large"}, 12},
		{"sort=mednli_accuracy&dir=asc", []string{"GPT-3", "Flan-T5-XXL", "T5-Base"}, 12},
		{"sort=model", []string{"BioClinRoBERTa", "Clinical-T5-Base", "Clinical-T5-Base-Ckpt"}, 12},
		{"sort=size&dir=desc", []string{"GPT-3", "Flan-T5-XXL", "T5-XL"}, 12},
		// FLOPs: rows without a value go last whatever the direction.
		// (T5-Large's printed FLOPs are below T5-Base's: see the errata.)
		{"sort=flops&dir=asc&col=flops", []string{"T5-Large", "T5-Base", "Clinical-T5-Base"}, 12},
		{"domain=clinical&sort=clip_macro_f1", []string{"BioClinRoBERTa", "GatorTron", "Clinical-T5-Large", "Clinical-T5-Base", "Clinical-T5-Base-Ckpt"}, 5},
		{"method=in-context", []string{"Flan-T5-XXL", "GPT-3"}, 2},
		{"size=le400m&domain=general", []string{"T5-Base", "RoBERTa-Large"}, 2},
		{"domain=biomedical&size=le400m", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			doc := getPage(t, srv, "/leaderboard?"+tt.query, http.StatusOK)
			got := leaderboardModels(t, doc)
			if len(got) != tt.count {
				t.Fatalf("%d rows, want %d: %v", len(got), tt.count, got)
			}
			if len(tt.want) > 0 && !slices.Equal(got[:len(tt.want)], tt.want) {
				t.Errorf("rows start %v, want %v", got[:len(tt.want)], tt.want)
			}
			if tt.count == 0 {
				testID(t, doc, "empty")
			}
		})
	}
	t.Run("flops sorted descending keeps missing last", func(t *testing.T) {
		got := leaderboardModels(t, getPage(t, srv, "/leaderboard?sort=flops&dir=desc&col=flops", http.StatusOK))
		if !slices.Equal(got[len(got)-2:], []string{"Clinical-T5-Base-Ckpt", "GPT-3"}) {
			t.Errorf("rows end %v", got[len(got)-2:])
		}
	})
	t.Run("per-task default sort", func(t *testing.T) {
		got := leaderboardModels(t, getPage(t, srv, "/leaderboard/clip", http.StatusOK))
		if got[0] != "BioClinRoBERTa" || got[len(got)-1] != "GPT-3" {
			t.Errorf("CLIP board sorted by macro F1 = %v", got)
		}
	})
}

func TestLeaderboardColumnsAndSortLinks(t *testing.T) {
	srv, _ := newResultsServer(t)
	doc := getPage(t, srv, "/leaderboard?col=size&col=radqa_f1&domain=clinical&sort=radqa_f1&dir=desc", http.StatusOK)
	var cols []string
	var sorted []string
	for _, th := range findAll(testID(t, doc, "leaderboard"), func(n *html.Node) bool { _, ok := attr(n, "data-col"); return n.Data == "th" && ok }) {
		k, _ := attr(th, "data-col")
		cols = append(cols, k)
		if s, _ := attr(th, "aria-sort"); s != "none" {
			sorted = append(sorted, k+":"+s)
		}
	}
	if !slices.Equal(cols, []string{"model", "size", "radqa_f1"}) {
		t.Errorf("columns %v", cols)
	}
	if !slices.Equal(sorted, []string{"radqa_f1:descending"}) {
		t.Errorf("sorted columns %v", sorted)
	}
	// Clicking the sorted column flips its direction and keeps the filters and columns.
	link, _ := attr(testID(t, doc, "sort-radqa_f1"), "href")
	for _, part := range []string{"dir=asc", "sort=radqa_f1", "domain=clinical", "col=size", "col=radqa_f1"} {
		if !strings.Contains(link, part) {
			t.Errorf("sort link %q lacks %s", link, part)
		}
	}
	// The filter form mirrors the URL, so a reload or a submit keeps the state.
	if _, ok := attr(testID(t, doc, "f-domain-clinical"), "checked"); !ok {
		t.Error("clinical checkbox not checked")
	}
	if _, ok := attr(testID(t, doc, "f-col-arch"), "checked"); ok {
		t.Error("hidden column checked")
	}
	// Downloads carry the filters to the API.
	hrefs := []string{}
	for _, a := range findAll(testID(t, doc, "downloads"), byTag("a")) {
		h, _ := attr(a, "href")
		hrefs = append(hrefs, h)
	}
	if !slices.Equal(hrefs, []string{"/api/v1/results.csv?domain=clinical", "/api/v1/results?domain=clinical"}) {
		t.Errorf("downloads %v", hrefs)
	}
}

// Ties: RadQA F1 has two best rows (0.759) and T5-XL's 0.729 ± 0.005 reaches
// BioClinRoBERTa's 0.759 − 0.029, so it is shaded; RoBERTa's 0.684 is not.
func TestLeaderboardTies(t *testing.T) {
	srv, _ := newResultsServer(t)
	doc := getPage(t, srv, "/leaderboard/radqa", http.StatusOK)
	cell := func(model string) *html.Node {
		rows := findAll(doc, byAttr("data-model", model))
		if len(rows) != 1 {
			t.Fatalf("row %s not found", model)
		}
		cells := findAll(rows[0], byAttr("data-col", "radqa_f1"))
		if len(cells) != 1 {
			t.Fatalf("no radqa_f1 cell for %s", model)
		}
		return cells[0]
	}
	for _, m := range []string{"BioClinRoBERTa", "GatorTron"} {
		if c := cell(m); !hasClass(c, "best") {
			t.Errorf("%s F1 not marked best", m)
		}
	}
	if c := cell("T5-XL"); !hasClass(c, "tie") || hasClass(c, "best") {
		t.Error("T5-XL F1 not shaded as a tie")
	}
	if c := cell("RoBERTa-Large"); hasClass(c, "tie") || hasClass(c, "best") {
		t.Error("RoBERTa-Large F1 marked")
	}
	// The source of each number is in the cell's title.
	if title, _ := attr(cell("GatorTron"), "title"); !strings.Contains(title, "Table 3") || !strings.Contains(title, "Table 9") {
		t.Errorf("title %q lacks its sources", title)
	}
	testID(t, doc, "tie-legend")
}

// Numbers from a table other than Table 3, or printed differently elsewhere,
// carry a numbered footnote.
func TestLeaderboardFootnotes(t *testing.T) {
	srv, _ := newResultsServer(t)
	doc := getPage(t, srv, "/leaderboard?sort=model", http.StatusOK)
	notes := findAll(testID(t, doc, "footnotes"), byTag("li"))
	if len(notes) == 0 {
		t.Fatal("no footnotes")
	}
	all := textOf(testID(t, doc, "footnotes"))
	for _, want := range []string{"Table 2", "0.807"} {
		if !strings.Contains(all, want) {
			t.Errorf("footnotes lack %q: %s", want, all)
		}
	}
	for _, a := range findAll(testID(t, doc, "leaderboard"), byTag("sup")) {
		link := findAll(a, byTag("a"))[0]
		href, _ := attr(link, "href")
		if len(findAll(doc, byAttr("id", strings.TrimPrefix(href, "#")))) != 1 {
			t.Errorf("footnote link %s has no target", href)
		}
	}
}

func TestPageErrors(t *testing.T) {
	srv, _ := newResultsServer(t)
	tests := []struct {
		target  string
		status  int
		mention string
	}{
		{"/leaderboard?domain=legal", http.StatusBadRequest, "unknown domain"},
		{"/leaderboard?sort=shoe", http.StatusBadRequest, "unknown sort column"},
		{"/leaderboard?dir=sideways", http.StatusBadRequest, "unknown sort direction"},
		{"/leaderboard?col=mood", http.StatusBadRequest, "unknown column"},
		{"/leaderboard/mednli?col=clip_macro_f1", http.StatusBadRequest, "unknown column"},
		{"/leaderboard?size=tiny", http.StatusBadRequest, "unknown size"},
		{"/leaderboard/ner", http.StatusNotFound, "no leaderboard"},
		{"/models/GPT-5", http.StatusNotFound, "GPT-5"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			doc := getPage(t, srv, tt.target, tt.status)
			if got := textOf(doc); !strings.Contains(strings.ToLower(got), strings.ToLower(tt.mention)) {
				t.Errorf("page does not mention %q: %.200s", tt.mention, got)
			}
		})
	}
}

// A crafted query value or path is reflected as text, never as markup.
func TestPagesEscapeReflectedInput(t *testing.T) {
	srv, _ := newResultsServer(t)
	for _, target := range []string{
		"/leaderboard?domain=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
		"/leaderboard?sort=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
		"/models/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
	} {
		t.Run(target, func(t *testing.T) {
			rec := fetch(t, srv, target)
			body := rec.Body.String()
			if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") {
				t.Errorf("unescaped input in %.400s", body)
			}
			if !strings.Contains(body, "&lt;") {
				t.Errorf("input not shown escaped: %.400s", body)
			}
		})
	}
}

func TestModelPage(t *testing.T) {
	srv, _ := newResultsServer(t)
	t.Run("alias redirects", func(t *testing.T) {
		rec := fetch(t, srv, "/models/RoBERTa")
		if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/models/RoBERTa-Large" {
			t.Errorf("status %d location %q", rec.Code, rec.Header().Get("Location"))
		}
	})
	t.Run("every metric with its sources", func(t *testing.T) {
		doc := getPage(t, srv, "/models/Clinical-T5-Base-Ckpt", http.StatusOK)
		rows := findAll(testID(t, doc, "metrics"), byTag("tr"))
		if len(rows) != 6 { // header + 5 metrics
			t.Fatalf("%d metric rows", len(rows)-1)
		}
		text := textOf(testID(t, doc, "metrics"))
		for _, want := range []string{"0.507", "Table 2", "Table 9", "±0.014"} {
			if !strings.Contains(text, want) {
				t.Errorf("metrics lack %q: %s", want, text)
			}
		}
		testID(t, doc, "table8")
		facts := textOf(testID(t, doc, "facts"))
		for _, want := range []string{"220M", "Encoder-Decoder", "Table 1"} {
			if !strings.Contains(facts, want) {
				t.Errorf("facts lack %q: %s", want, facts)
			}
		}
	})
	t.Run("ICL model has no std", func(t *testing.T) {
		doc := getPage(t, srv, "/models/GPT-3", http.StatusOK)
		if len(findAll(doc, byAttr("data-chart", "model-ablation"))) != 0 {
			t.Error("GPT-3 has no ablation curve")
		}
		if !strings.Contains(textOf(testID(t, doc, "metrics")), "–") {
			t.Error("missing std not shown as –")
		}
	})
}

func TestCostPage(t *testing.T) {
	srv, _ := newResultsServer(t)
	tests := []struct {
		query           string
		status          int
		breakEven, year string
	}{
		{"", http.StatusOK, "33.9B", "2.3"},
		{"wg=1", http.StatusOK, "39.4B", "2.6"},
		{"wg=1&tpy=40", http.StatusOK, "39.4B", "1"},
		{"pg=0.5", http.StatusOK, "never", "–"},
		{"tft=100", http.StatusOK, "0", "0"},
		{"pc=abc", http.StatusBadRequest, "33.9B", "2.3"},
		{"tpy=0", http.StatusBadRequest, "33.9B", "2.3"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			doc := getPage(t, srv, "/cost?"+tt.query, tt.status)
			if got := textOf(testID(t, doc, "breakeven")); got != tt.breakEven {
				t.Errorf("break-even %q, want %q", got, tt.breakEven)
			}
			if got := textOf(testID(t, doc, "years")); got != tt.year {
				t.Errorf("years %q, want %q", got, tt.year)
			}
			if tt.status == http.StatusBadRequest {
				testID(t, doc, "cost-error")
				if len(findAll(doc, byAttr("aria-invalid", "true"))) != 1 {
					t.Error("the bad field is not marked")
				}
			}
		})
	}
	t.Run("both readings of the paper", func(t *testing.T) {
		doc := getPage(t, srv, "/cost", http.StatusOK)
		var rows []string
		for _, tr := range findAll(testID(t, doc, "cost-readings"), byTag("tr"))[1:] {
			var cells []string
			for _, c := range findAll(tr, func(n *html.Node) bool { return n.Data == "th" || n.Data == "td" }) {
				cells = append(cells, textOf(c))
			}
			rows = append(rows, strings.Join(cells, " | "))
		}
		want := []string{"Weighted, as equation 6 is written | 1.12 | 33.9B | 2.3 | no", "Unweighted (w_g = w_c) | 1 | 39.4B | 2.6 | yes"}
		if !slices.Equal(rows, want) {
			t.Errorf("readings %q, want %q", rows, want)
		}
	})
	t.Run("form is prefilled with the paper's case", func(t *testing.T) {
		doc := getPage(t, srv, "/cost", http.StatusOK)
		for id, want := range map[string]string{"cost-pc": "0.77", "cost-pg": "3", "cost-tpt": "38", "cost-tft": "0",
			"cost-tpy": "15", "cost-wc": "1", "cost-wg": "1.12"} {
			if v, _ := attr(testID(t, doc, id), "value"); v != want {
				t.Errorf("%s = %q, want %q", id, v, want)
			}
		}
	})
}

func TestErrataPage(t *testing.T) {
	srv, set := newResultsServer(t)
	doc := getPage(t, srv, "/errata", http.StatusOK)
	if got, want := len(findAll(testID(t, doc, "errata"), byTag("li"))), len(set.Discrepancies()); got != want {
		t.Errorf("%d errata, want %d", got, want)
	}
	checks := set.FLOPsChecks()
	mismatch := findAll(testID(t, doc, "flops-check"), byAttr("data-reproduces", "false"))
	want := 0
	for _, c := range checks {
		if !c.Reproduces {
			want++
		}
	}
	if len(mismatch) != want || want != 5 {
		t.Errorf("%d highlighted rows, want %d (and 5 in the paper)", len(mismatch), want)
	}
	for _, tr := range mismatch {
		if !hasClass(tr, "mismatch") {
			t.Error("mismatch row not highlighted")
		}
	}
}

func TestFlopsPage(t *testing.T) {
	srv, _ := newResultsServer(t)
	doc := getPage(t, srv, "/figures/flops", http.StatusOK)
	for _, id := range []string{"flops-mednli", "flops-radqa", "flops-clip"} {
		rows := findAll(testID(t, doc, "table-"+id), byTag("tr"))
		if len(rows) != 10 { // header + 9 finetuned Table 3 models
			t.Errorf("%s: %d rows", id, len(rows)-1)
		}
		if len(findAll(testID(t, doc, "table-"+id), func(n *html.Node) bool { return hasClass(n, "frontier") })) == 0 {
			t.Errorf("%s: no frontier rows", id)
		}
		if len(findAll(testID(t, doc, "fits-"+id), byTag("tr"))) != 3 {
			t.Errorf("%s: want two regression rows", id)
		}
	}
	excluded := textOf(testID(t, doc, "flops-excluded"))
	for _, m := range []string{"GPT-3", "Flan-T5-XXL", "Clinical-T5-Base-Ckpt"} {
		if !strings.Contains(excluded, m) {
			t.Errorf("excluded list lacks %s", m)
		}
	}
}

func TestAblationPage(t *testing.T) {
	srv, _ := newResultsServer(t)
	doc := getPage(t, srv, "/figures/ablation", http.StatusOK)
	table := testID(t, doc, "table-ablation-mednli-accuracy")
	rows := findAll(table, byTag("tr"))
	if len(rows) != 6 { // header + 5 models
		t.Errorf("%d rows", len(rows)-1)
	}
	head := textOf(rows[0])
	for _, want := range []string{"1%", "112", "100%", "11232"} {
		if !strings.Contains(head, want) {
			t.Errorf("header %q lacks %s", head, want)
		}
	}
	if !strings.Contains(textOf(doc), "GPT-3 Few-Shot 0.805") {
		t.Error("reference line value missing")
	}
}

// TestLeaderboardDemoTable: clinlm's own demo runs sit in a table of their
// own below the paper's, filtered by the task a board shows, never among
// the paper's ranked rows.
func TestLeaderboardDemoTable(t *testing.T) {
	srv, set := newResultsServer(t)
	tests := []struct{ path, task string }{{"/leaderboard", ""}, {"/leaderboard/clip", "CLIP"}, {"/leaderboard/mednli", "MedNLI"}}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			doc := getPage(t, srv, tt.path, http.StatusOK)
			table := testID(t, doc, "demo-table")
			var runs []string
			for _, tr := range findAll(table, func(n *html.Node) bool { _, ok := attr(n, "data-run"); return ok }) {
				r, _ := attr(tr, "data-run")
				runs = append(runs, r)
			}
			var want []string
			for _, d := range set.Demo(tt.task) {
				want = append(want, d.Run)
			}
			if len(want) == 0 || !slices.Equal(runs, want) {
				t.Errorf("demo rows %v, want %v", runs, want)
			}
			for _, m := range leaderboardModels(t, doc) {
				if slices.Contains(runs, m) {
					t.Errorf("demo run %s is ranked among the paper's models", m)
				}
			}
			section := htmltest.Text(testID(t, doc, "demo-scores"))
			for _, must := range []string{"not the paper's", "cannot be compared", "Not for clinical use"} {
				if !strings.Contains(section, must) {
					t.Errorf("the demo section does not say %q", must)
				}
			}
		})
	}
	doc := getPage(t, srv, "/leaderboard/clip", http.StatusOK)
	if !strings.Contains(textOf(testID(t, doc, "demo-table")), "30,522") {
		t.Error("vocabulary sizes are not written with thousands separators")
	}
	// A shipped run links its model card on each of its rows.
	want := 0
	for _, d := range set.Demo("CLIP") {
		if d.Run == "minilm-hoc" {
			want++
		}
	}
	cards := findAll(doc, htmltest.ByAttr("href", "/demo/card/minilm-hoc"))
	if want == 0 || len(cards) != want || textOf(cards[0]) != "minilm-hoc" {
		t.Errorf("%d minilm-hoc card links, want %d named minilm-hoc", len(cards), want)
	}
}

// TestFavicon: browsers ask for /favicon.ico whatever the pages link; it is
// the embedded icon, cacheable, not a 404.
func TestFavicon(t *testing.T) {
	srv, _ := newResultsServer(t)
	rec := fetch(t, srv, "/favicon.ico")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /favicon.ico = %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "image/vnd.microsoft.icon" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=") {
		t.Errorf("Cache-Control = %q, want a max-age", cc)
	}
	if !bytes.Equal(rec.Body.Bytes(), static.FaviconICO()) {
		t.Error("body is not the embedded icon")
	}
}
