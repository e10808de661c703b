package server

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/clinlm/clinlm/results"
	"github.com/clinlm/clinlm/static"
)

// newResultsServer serves the embedded paper results with stand-in assets.
func newResultsServer(t *testing.T) (*Server, *results.Set) {
	t.Helper()
	set, err := results.Default()
	if err != nil {
		t.Fatal(err)
	}
	return newResultsServerWith(t, set), set
}

// newResultsServerWith serves set with stand-in assets and no models.
func newResultsServerWith(t *testing.T, set *results.Set) *Server {
	t.Helper()
	srv, err := New(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Results: set, Assets: standInAssets(t)})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// standInAssets are tiny static assets for servers under test.
func standInAssets(t *testing.T) *static.Assets {
	t.Helper()
	assets, err := static.New(fstest.MapFS{
		"css/app.css":         {Data: []byte("body{}")},
		"css/favicon.svg":     {Data: []byte("<svg/>")},
		"js/charts.js":        {Data: []byte("//")},
		"js/cost.js":          {Data: []byte("//")},
		"js/leaderboard.js":   {Data: []byte("//")},
		"dist/echarts.min.js": {Data: []byte("//")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return assets
}

// fetch runs one GET through the server.
func fetch(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	req := localRequest(http.MethodGet, target, nil)
	h.ServeHTTP(rec, req)
	return rec
}

func decodeResults(t *testing.T, rec *httptest.ResponseRecorder) []results.Result {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("content type %q", ct)
	}
	var body struct {
		Results []results.Result `json:"results"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	return body.Results
}

// The served rows are the results package's rows, unchanged: 12 Table 1
// models × 5 metrics.
func TestAPIResultsEqualsPackageRows(t *testing.T) {
	srv, set := newResultsServer(t)
	got := decodeResults(t, fetch(t, srv, "/api/v1/results"))
	want, err := set.Results(results.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 60 {
		t.Errorf("got %d rows, want 60 (12 models × 5 metrics)", len(got))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("served rows differ from the results package")
	}
	models := map[string]bool{}
	for _, r := range got {
		models[r.Model] = true
	}
	for _, m := range set.Models() {
		if !models[m.Name] {
			t.Errorf("model %s missing", m.Name)
		}
	}
}

// The API's row shape: the required keys, and std null where the paper has none.
func TestAPIResultsShape(t *testing.T) {
	srv, _ := newResultsServer(t)
	rec := fetch(t, srv, "/api/v1/results?model=GPT-3&task=MedNLI")
	var body struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if len(body.Results) != 1 {
		t.Fatalf("got %d rows", len(body.Results))
	}
	row := body.Results[0]
	for _, k := range []string{"model", "task", "metric", "value", "std", "source"} {
		if _, ok := row[k]; !ok {
			t.Errorf("key %q missing from %v", k, row)
		}
	}
	if row["std"] != nil {
		t.Errorf("GPT-3 std = %v, want null", row["std"])
	}
}

func TestAPIResultsExactJSON(t *testing.T) {
	srv, _ := newResultsServer(t)
	rec := fetch(t, srv, "/api/v1/results?task=MedNLI&model=BioClinRoBERTa")
	want := `{"results":[{"model":"BioClinRoBERTa","task":"MedNLI","metric":"accuracy","value":0.9,"std":0.003,` +
		`"source":"Table 3","std_source":"Table 7","origin":"paper"}]}`
	if got := strings.TrimSpace(rec.Body.String()); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestAPIResultsFilters(t *testing.T) {
	srv, set := newResultsServer(t)
	tests := []struct {
		query  string
		models []string // expected distinct models, in order
		tasks  []string // expected distinct tasks
	}{
		{"task=RadQA&domain=biomedical", []string{"PubMedGPT"}, []string{"RadQA"}},
		{"task=radqa&domain=biomedical", []string{"PubMedGPT"}, []string{"RadQA"}},
		{"method=in-context&task=CLIP", []string{"Flan-T5-XXL", "GPT-3"}, []string{"CLIP"}},
		{"size=le400m&domain=general&task=MedNLI", []string{"T5-Base", "RoBERTa-Large"}, []string{"MedNLI"}},
		{"size=gt1b&method=finetuned&task=MedNLI", []string{"PubMedGPT", "T5-XL"}, []string{"MedNLI"}},
		{"domain=biomedical&domain=general&size=gt1b&task=CLIP", []string{"PubMedGPT", "T5-XL", "Flan-T5-XXL", "GPT-3"}, []string{"CLIP"}},
		{"domain=biomedical,general&size=gt1b&task=CLIP", []string{"PubMedGPT", "T5-XL", "Flan-T5-XXL", "GPT-3"}, []string{"CLIP"}},
		{"model=RoBERTa", []string{"RoBERTa-Large"}, []string{"MedNLI", "RadQA", "CLIP"}},
		{"model=SciFive&task=MedNLI", []string{"SciFive"}, []string{"MedNLI"}},
		{"task=MedNLI&task=CLIP&model=T5-XL", []string{"T5-XL"}, []string{"MedNLI", "CLIP"}},
		{"domain=", nil, nil}, // an empty value filters nothing
	}
	all, _ := set.Results(results.Filter{})
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			rows := decodeResults(t, fetch(t, srv, "/api/v1/results?"+tt.query))
			var models, tasks []string
			for _, r := range rows {
				if !slices.Contains(models, r.Model) {
					models = append(models, r.Model)
				}
				if !slices.Contains(tasks, r.Task) {
					tasks = append(tasks, r.Task)
				}
			}
			if tt.models == nil {
				if len(rows) != len(all) {
					t.Errorf("got %d rows, want all %d", len(rows), len(all))
				}
				return
			}
			if !slices.Equal(models, tt.models) {
				t.Errorf("models = %v, want %v", models, tt.models)
			}
			if !slices.Equal(tasks, tt.tasks) {
				t.Errorf("tasks = %v, want %v", tasks, tt.tasks)
			}
		})
	}
}

func TestAPIBadFilters(t *testing.T) {
	srv, _ := newResultsServer(t)
	tests := []struct{ target, mention string }{
		{"/api/v1/results?task=NER", `unknown task \"NER\"`},
		{"/api/v1/results?model=GPT-5", `unknown model \"GPT-5\"`},
		{"/api/v1/results?domain=legal", `unknown domain \"legal\"`},
		{"/api/v1/results?size=huge", `unknown size \"huge\"`},
		{"/api/v1/results?method=zero-shot", `unknown method \"zero-shot\"`},
		{"/api/v1/results.csv?domain=legal", `unknown domain \"legal\"`},
		{"/api/v1/ablation?metric=bleu", `unknown metric \"bleu\"`},
		{"/api/v1/ablation?task=NER", `unknown task \"NER\"`},
		{"/api/v1/ablation?model=nobody", `unknown model \"nobody\"`},
		{"/api/v1/results?tsk=MedNLI", `unknown parameter \"tsk\"`},
		{"/api/v1/ablation?fraction=0.1", `unknown parameter \"fraction\"`},
		{"/api/v1/models?task=CLIP", `unknown parameter \"task\"`},
		{"/api/v1/demo-results?task=HoC", `unknown task \"HoC\"`},
		{"/api/v1/demo-results?model=minilm-nli", `unknown parameter \"model\"`},
		// A crafted value comes back JSON-escaped, never as markup.
		{"/api/v1/results?domain=%3Cscript%3Ealert(1)%3C/script%3E", `unknown domain \"\u003cscript\u003ealert(1)\u003c/script\u003e\"`},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			rec := fetch(t, srv, tt.target)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("content type %q", ct)
			}
			body := rec.Body.String()
			if !strings.Contains(body, `"code":"bad_request"`) || !strings.Contains(body, tt.mention) {
				t.Errorf("body %s does not name %s", body, tt.mention)
			}
			if strings.Contains(body, "<script>") {
				t.Errorf("unescaped markup in %s", body)
			}
		})
	}
}

func TestAPIResultsCSV(t *testing.T) {
	srv, set := newResultsServer(t)
	rec := fetch(t, srv, "/api/v1/results.csv?task=RadQA&domain=clinical")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("content type %q", ct)
	}
	if cd := rec.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") || !strings.Contains(cd, ".csv") {
		t.Errorf("content disposition %q", cd)
	}
	recs, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := set.Results(results.Filter{Task: "RadQA", Domain: "clinical"})
	if len(recs) != len(want)+1 {
		t.Fatalf("got %d CSV records, want header + %d", len(recs), len(want))
	}
	if !slices.Equal(recs[0][:6], []string{"model", "task", "metric", "value", "std", "source"}) {
		t.Errorf("header %v", recs[0])
	}
	for i, w := range want {
		got := recs[i+1]
		if got[0] != w.Model || got[1] != w.Task || got[2] != w.Metric || got[5] != w.Source {
			t.Errorf("row %d = %v, want %+v", i+1, got, w)
		}
	}
}

func TestAPIModels(t *testing.T) {
	srv, set := newResultsServer(t)
	rec := fetch(t, srv, "/api/v1/models")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	var body struct {
		Models []struct {
			Name, Kind, Availability, Status string
			Tasks                            []string
			Paper                            *struct {
				Name         string `json:"name"`
				AppendixOnly bool   `json:"appendix_only"`
				Domain       string `json:"domain"`
				Ablation     bool   `json:"ablation"`
			}
			Links map[string]string
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	all := set.AllModels()
	if len(body.Models) != len(all) {
		t.Fatalf("got %d models, want %d", len(body.Models), len(all))
	}
	ablation := 0
	for i, m := range body.Models {
		if m.Name != all[i].Name || m.Kind != "paper" || m.Availability != "results-only" || m.Status != "ok" {
			t.Errorf("entry %d = %+v", i, m)
		}
		if m.Paper == nil || m.Paper.Name != m.Name || m.Paper.AppendixOnly != all[i].AppendixOnly {
			t.Errorf("entry %d paper metadata = %+v", i, m.Paper)
		}
		if len(m.Tasks) != 3 || m.Links["page"] != "/models/"+m.Name {
			t.Errorf("entry %d tasks %v links %v", i, m.Tasks, m.Links)
		}
		if m.Paper != nil && m.Paper.Ablation {
			ablation++
		}
	}
	if ablation != 5 {
		t.Errorf("%d models with ablation curves, want 5", ablation)
	}
}

func TestAPIAblation(t *testing.T) {
	srv, set := newResultsServer(t)
	tests := []struct {
		query string
		f     results.AblationFilter
	}{
		{"", results.AblationFilter{}},
		{"task=clip&metric=macro_f1", results.AblationFilter{Task: "CLIP", Metric: "macro_f1"}},
		{"model=GatorTron", results.AblationFilter{Model: "GatorTron"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			rec := fetch(t, srv, "/api/v1/ablation?"+tt.query)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
			var body struct {
				Ablation []results.AblationRow `json:"ablation"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			want, _ := set.Ablation(tt.f)
			if len(want) == 0 || !reflect.DeepEqual(body.Ablation, want) {
				t.Errorf("got %d rows, want %d equal rows", len(body.Ablation), len(want))
			}
		})
	}
	// The row keys the issue asks for.
	rec := fetch(t, srv, "/api/v1/ablation?task=MedNLI&model=GatorTron")
	var raw struct {
		Ablation []map[string]any `json:"ablation"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"model", "task", "metric", "fraction", "examples", "mean", "std"} {
		if _, ok := raw.Ablation[0][k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
}

// TestAPIDemoResults: clinlm's own demo rows are served apart from the
// paper's, marked "clinlm demo", and never leak into /api/v1/results.
func TestAPIDemoResults(t *testing.T) {
	srv, set := newResultsServer(t)
	tests := []struct{ query, task string }{{"", ""}, {"task=clip", "CLIP"}, {"task=MedNLI", "MedNLI"}}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			rec := fetch(t, srv, "/api/v1/demo-results?"+tt.query)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
			var body struct {
				Results []results.DemoResult `json:"results"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			want := set.Demo(tt.task)
			if len(want) == 0 || !reflect.DeepEqual(body.Results, want) {
				t.Errorf("got %d rows, want %d equal rows", len(body.Results), len(want))
			}
			for _, r := range body.Results {
				if r.Origin != results.OriginDemo {
					t.Errorf("%s: origin %q", r.Run, r.Origin)
				}
			}
		})
	}
	rec := fetch(t, srv, "/api/v1/results")
	for _, d := range set.Demo("") {
		if strings.Contains(rec.Body.String(), `"`+d.Run+`"`) {
			t.Errorf("demo run %s appears among the paper's results", d.Run)
		}
	}
}
