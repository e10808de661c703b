package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestResultsFilter(t *testing.T) {
	s := mustDefault(t)
	tests := []struct {
		name      string
		f         Filter
		rows      int
		firstRow  string // model/task/metric
		wantError bool
	}{
		{"all Table 1 rows", Filter{}, 60, "T5-Base/MedNLI/accuracy", false},
		{"with appendix-only models", Filter{IncludeAppendix: true}, 80, "T5-Base/MedNLI/accuracy", false},
		{"one task", Filter{Task: TaskRadQA}, 24, "T5-Base/RadQA/exact_match", false},
		{"one metric", Filter{Metric: MetricMacroF1}, 12, "T5-Base/CLIP/macro_f1", false},
		{"clinical domain", Filter{Domain: "clinical"}, 25, "Clinical-T5-Base-Ckpt/MedNLI/accuracy", false},
		{"biomedical domain", Filter{Domain: "biomedical"}, 5, "PubMedGPT/MedNLI/accuracy", false},
		{"general domain", Filter{Domain: "general"}, 30, "T5-Base/MedNLI/accuracy", false},
		{"model by alias, any case", Filter{Model: "roberta"}, 5, "RoBERTa-Large/MedNLI/accuracy", false},
		{"appendix-only model by name", Filter{Model: "SciFive"}, 5, "SciFive/MedNLI/accuracy", false},
		{"task and model", Filter{Task: TaskCLIP, Model: "GPT-3"}, 2, "GPT-3/CLIP/micro_f1", false},
		{"domain with no match in task", Filter{Domain: "biomedical", Model: "T5-XL"}, 0, "", false},
		{"unknown task", Filter{Task: "NER"}, 0, "", true},
		{"unknown metric", Filter{Metric: "auroc"}, 0, "", true},
		{"unknown domain", Filter{Domain: "legal"}, 0, "", true},
		{"unknown model", Filter{Model: "BERT-Huge"}, 0, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := s.Results(tc.f)
			if tc.wantError {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("error %v, want ErrNotFound", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != tc.rows {
				t.Fatalf("%d rows, want %d", len(rows), tc.rows)
			}
			if tc.rows > 0 {
				if got := rows[0].Model + "/" + rows[0].Task + "/" + rows[0].Metric; got != tc.firstRow {
					t.Errorf("first row %s, want %s", got, tc.firstRow)
				}
			}
		})
	}
}

func TestResultsStableOrder(t *testing.T) {
	s := mustDefault(t)
	rows, _ := s.Results(Filter{})
	models := s.Models()
	for i, r := range rows {
		m, spec := models[i/5], i%5
		wantTask, wantMetric := []string{"MedNLI", "RadQA", "RadQA", "CLIP", "CLIP"}[spec], []string{"accuracy", "exact_match", "f1", "micro_f1", "macro_f1"}[spec]
		if r.Model != m.Name || r.Task != wantTask || r.Metric != wantMetric {
			t.Fatalf("row %d = %s %s %s, want %s %s %s", i, r.Model, r.Task, r.Metric, m.Name, wantTask, wantMetric)
		}
	}
	wantModels := []string{"T5-Base", "Clinical-T5-Base-Ckpt", "Clinical-T5-Base", "RoBERTa-Large", "BioClinRoBERTa",
		"GatorTron", "T5-Large", "Clinical-T5-Large", "PubMedGPT", "T5-XL", "Flan-T5-XXL", "GPT-3"}
	for i, name := range wantModels {
		if models[i].Name != name {
			t.Errorf("Models()[%d] = %s, want %s (Table 1 order)", i, models[i].Name, name)
		}
	}
}

func TestResultJSONShape(t *testing.T) {
	s := mustDefault(t)
	rows, _ := s.Results(Filter{Model: "BioClinRoBERTa", Task: TaskMedNLI})
	data, err := json.Marshal(rows[0])
	if err != nil {
		t.Fatal(err)
	}
	want := `{"model":"BioClinRoBERTa","task":"MedNLI","metric":"accuracy","value":0.9,"std":0.003,"source":"Table 3","std_source":"Table 7","origin":"paper"}`
	if string(data) != want {
		t.Errorf("JSON\n got  %s\n want %s", data, want)
	}
	rows, _ = s.Results(Filter{Model: "GPT-3", Task: TaskMedNLI})
	data, _ = json.Marshal(rows[0])
	if !strings.Contains(string(data), `"std":null`) || !strings.Contains(string(data), `"alt_value":0.807,"alt_source":"Table 7"`) {
		t.Errorf("GPT-3 MedNLI JSON lacks a null std or its Table 7 value: %s", data)
	}
}

func TestWriteResultsCSV(t *testing.T) {
	s := mustDefault(t)
	rows, _ := s.Results(Filter{Task: TaskRadQA, Metric: MetricF1, Model: "GPT-3"})
	more, _ := s.Results(Filter{Task: TaskMedNLI, Model: "T5-Base"})
	var buf bytes.Buffer
	if err := WriteResultsCSV(&buf, append(more, rows...)); err != nil {
		t.Fatal(err)
	}
	want := "model,task,metric,value,std,source,std_source,alt_value,alt_source,note\n" +
		"T5-Base,MedNLI,accuracy,0.818,0.006,Table 3,Table 7,,,\n" +
		"GPT-3,RadQA,f1,0.619,,Table 3,Table 9,0.62,Table 9,In-context learning; no std in Table 9; Table 9 prints 0.620\n"
	if buf.String() != want {
		t.Errorf("CSV\n got:\n%s\n want:\n%s", buf.String(), want)
	}
}

func TestBest(t *testing.T) {
	s := mustDefault(t)
	tests := []struct {
		task, metric string
		want         []string
	}{
		{TaskMedNLI, MetricAccuracy, []string{"BioClinRoBERTa"}},
		{TaskRadQA, MetricExactMatch, []string{"BioClinRoBERTa"}},
		{TaskRadQA, MetricF1, []string{"BioClinRoBERTa", "GatorTron"}},
		{TaskCLIP, MetricMicroF1, []string{"PubMedGPT"}},
		{TaskCLIP, MetricMacroF1, []string{"BioClinRoBERTa"}},
	}
	for _, tc := range tests {
		best, err := s.Best(tc.task, tc.metric)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range best {
			got = append(got, r.Model)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("Best(%s, %s) = %v, want %v", tc.task, tc.metric, got, tc.want)
		}
	}
	if _, err := s.Best(TaskMedNLI, MetricF1); !errors.Is(err, ErrNotFound) {
		t.Errorf("metric of another task: %v, want ErrNotFound", err)
	}
}

func TestModelLookup(t *testing.T) {
	s := mustDefault(t)
	tests := []struct{ query, want string }{
		{"GPT-3", "GPT-3"},
		{"text-davinci-003", "GPT-3"},
		{"t5-3b", "T5-XL"},
		{"Clinical-T5-Scratch", "Clinical-T5-Base"},
		{" BioClinical RoBERTa ", "BioClinRoBERTa"},
		{"ClinicalLongformer", "Clinical-Longformer"},
	}
	for _, tc := range tests {
		m, ok := s.Model(tc.query)
		if !ok || m.Name != tc.want {
			t.Errorf("Model(%q) = %q, %v; want %q", tc.query, m.Name, ok, tc.want)
		}
	}
	if _, ok := s.Model("BERT-Huge"); ok {
		t.Error("Model found an unknown name")
	}
	m, _ := s.Model("PubMedGPT")
	if m.Params.Float() != 2.7e9 || m.Architecture != "Decoder Only" || m.Method != MethodFinetuned ||
		m.Domain != DomainBiomedical || m.FLOPs.Biomed.Printed != "4.9E+21" || m.UniquePTT.Biomed.Printed != "50B" {
		t.Errorf("PubMedGPT metadata: %+v", m)
	}
}

func TestSetIsReadOnly(t *testing.T) {
	s := mustDefault(t)
	m, _ := s.Model("T5-XL")
	m.Aliases[0] = "changed"
	*m.Params.Value = 1
	rows, _ := s.Results(Filter{Model: "GPT-3"})
	*rows[0].AltValue = 0
	again, _ := s.Model("T5-XL")
	if again.Aliases[0] != "T5-3B" || again.Params.Float() != 3e9 {
		t.Error("changing a returned Model changed the Set")
	}
	rows, _ = s.Results(Filter{Model: "GPT-3"})
	if *rows[0].AltValue != 0.807 {
		t.Error("changing a returned Result changed the Set")
	}
}

func TestAblation(t *testing.T) {
	s := mustDefault(t)
	rows, err := s.Ablation(AblationFilter{Task: TaskMedNLI})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 25 {
		t.Fatalf("%d MedNLI rows, want 25", len(rows))
	}
	// Table 1 order among the ablation models, then fraction.
	first := rows[0]
	if first.Model != "RoBERTa-Large" || first.Fraction != 0.01 || first.Examples != 112 || first.Mean != 0.718 || first.Std != 0.008 || first.Source != "Table 11" {
		t.Errorf("first MedNLI row = %+v", first)
	}
	byAlias, err := s.Ablation(AblationFilter{Model: "RoBERTa", Task: TaskCLIP, Metric: MetricMacroF1})
	if err != nil || len(byAlias) != 5 {
		t.Fatalf("RoBERTa CLIP macro: %d rows, %v", len(byAlias), err)
	}
	last := byAlias[4]
	if last.Fraction != 1 || last.Examples != 518 || last.Mean != 0.690 || last.Note == "" {
		t.Errorf("RoBERTa CLIP macro at 100%% = %+v (printed swapped with GatorTron; needs a note)", last)
	}
	if _, err := s.Ablation(AblationFilter{Task: "NER"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown task: %v", err)
	}
	sizes := s.AblationSizes()
	if len(sizes) != 15 || sizes[0].Task != TaskMedNLI || sizes[14].Examples != 518 {
		t.Errorf("sizes = %+v", sizes)
	}
}

func TestDataJSONRoundTrip(t *testing.T) {
	// Every exported table marshals to JSON (no NaN or Inf anywhere).
	s := mustDefault(t)
	for name, v := range map[string]any{
		"models": s.AllModels(), "table2": s.Table2(), "table5": s.Table5(), "table8": s.Table8(),
		"cost": s.CostInputRows(), "equations": s.Equations(), "discrepancies": s.Discrepancies(),
		"sources": s.Sources(), "icl": s.ICLLines(), "totals": s.FLOPsTotals(), "checks": s.FLOPsChecks(),
	} {
		if _, err := json.Marshal(v); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
