package results

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/internal/testenv"
)

// This file is the acceptance check of issue 2: every number the package
// serves equals the extraction of the paper in
// <repo>/../shared/paper/results.json (or $CLINLM_SHARED/paper/results.json).

// paperJSON is the part of results.json the checks read.
type paperJSON struct {
	Models []struct {
		Name         string   `json:"name"`
		Aliases      []string `json:"aliases"`
		Params       string   `json:"params"`
		ParamsNum    float64  `json:"params_num"`
		ParamsSource string   `json:"params_source"`
		Architecture string   `json:"architecture"`
		Domain       string   `json:"domain"`
		Method       string   `json:"method"`
		PTT          struct {
			General  *string `json:"general"`
			Biomed   *string `json:"biomed"`
			Clinical *string `json:"clinical"`
			Unique   *string `json:"unique_ptt_general_biomed_clinical"`
		} `json:"pretraining_tokens"`
		FLOPs *struct {
			General   *float64          `json:"general"`
			Biomed    *float64          `json:"biomed"`
			Clinical  *float64          `json:"clinical"`
			AsPrinted map[string]string `json:"as_printed"`
			Total     *float64          `json:"total_DERIVED_sum_of_table3_columns"`
		} `json:"pretraining_flops"`
		Metrics map[string]json.RawMessage `json:"metrics"`
	} `json:"models"`
	AppendixOnly []struct {
		Name   string `json:"name"`
		Params string `json:"params"`
		Domain string `json:"domain"`
		Method string `json:"method"`
		PTT    struct {
			General  *string `json:"general"`
			Biomed   *string `json:"biomed"`
			Clinical *string `json:"clinical"`
			Unique   *string `json:"unique_general_biomed_clinical"`
			Source   string  `json:"source"`
		} `json:"pretraining_tokens"`
		Metrics map[string]json.RawMessage `json:"metrics"`
	} `json:"appendix_only_models"`
	Table2 struct {
		Rows map[string]map[string]float64 `json:"rows"`
	} `json:"table2_t5_comparison"`
	Table8 struct {
		Rows []struct {
			Model       string  `json:"model"`
			ClinicalPTT *string `json:"clinical_ptt"`
			Accuracy    float64 `json:"accuracy"`
			Std         float64 `json:"std"`
		} `json:"rows"`
	} `json:"dapt_steps_table8"`
	Ablation map[string]json.RawMessage `json:"data_ablation_figure4"`
	Cost     struct {
		Equations    map[string]string `json:"equations"`
		TokenWeights struct {
			WC float64 `json:"w_c"`
			WG float64 `json:"w_g"`
		} `json:"token_weights"`
		BreakEven string `json:"breakeven_inference_tokens"`
		UFHealth  string `json:"uf_health_tokens_per_year"`
		Years     string `json:"years_to_recover"`
		Checks    struct {
			Weighted   float64 `json:"eq6_with_w_g_1.12"`
			Unweighted float64 `json:"eq6_with_w_g_1.0"`
		} `json:"extractor_checks_NOT_paper_numbers"`
	} `json:"cost_analysis"`
	Discrepancies []string `json:"discrepancies"`
}

func loadPaper(t *testing.T) (*paperJSON, *Set) {
	t.Helper()
	path := filepath.Join(testenv.SharedDir(t), "paper", "results.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("cannot read %s: %v", path, err)
	}
	var p paperJSON
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	s, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	return &p, s
}

var tableRef = regexp.MustCompile(`Table \d+`)

// tableOf turns "PMLR Table 3 (p.585)" into "Table 3".
func tableOf(t *testing.T, src string) string {
	t.Helper()
	m := tableRef.FindString(src)
	if m == "" {
		t.Errorf("no table reference in source %q", src)
	}
	return m
}

// printedOrNone maps the JSON's null (printed "–") to the paper's dash.
func printedOrNone(p *string) string {
	if p == nil {
		return "–"
	}
	return *p
}

func sameFloat(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

func sameOptional(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return sameFloat(*a, *b)
}

func fmtOpt(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmtNum(*p)
}

// metricKeys maps results.json metric keys to (metric, std key).
var jsonTasks = map[string][]string{
	TaskMedNLI: {MetricAccuracy},
	TaskRadQA:  {MetricExactMatch, MetricF1},
	TaskCLIP:   {MetricMicroF1, MetricMacroF1},
}

// checkMetrics compares a results.json "metrics" object with the served rows.
func checkMetrics(t *testing.T, s *Set, model string, metrics map[string]json.RawMessage, appendixOnly bool) int {
	t.Helper()
	rows, err := s.Results(Filter{Model: model, IncludeAppendix: appendixOnly})
	if err != nil {
		t.Fatalf("Results(%s): %v", model, err)
	}
	byKey := map[string]Result{}
	for _, r := range rows {
		byKey[r.Task+"|"+r.Metric] = r
	}
	checked := 0
	for task, metricNames := range jsonTasks {
		var obj map[string]any
		if err := json.Unmarshal(metrics[task], &obj); err != nil {
			t.Fatalf("%s %s metrics: %v", model, task, err)
		}
		src, _ := obj["source"].(string)
		stdSrc, _ := obj["std_source"].(string)
		if stdSrc == "" {
			stdSrc = src // appendix-only models: mean and std from one table
		}
		for _, metric := range metricNames {
			r, ok := byKey[task+"|"+metric]
			if !ok {
				t.Errorf("%s %s %s: no served row", model, task, metric)
				continue
			}
			want := obj[metric].(float64)
			if !sameFloat(r.Value, want) {
				t.Errorf("%s %s %s: value %v, paper %v", model, task, metric, r.Value, want)
			}
			var wantStd *float64
			if v, ok := obj[metric+"_std"].(float64); ok {
				wantStd = &v
			}
			if !sameOptional(r.Std, wantStd) {
				t.Errorf("%s %s %s: std %s, paper %s", model, task, metric, fmtOpt(r.Std), fmtOpt(wantStd))
			}
			if got, want := r.Source, tableOf(t, src); got != want {
				t.Errorf("%s %s %s: source %q, paper %q", model, task, metric, got, want)
			}
			if got, want := r.StdSource, tableOf(t, stdSrc); got != want {
				t.Errorf("%s %s %s: std_source %q, paper %q", model, task, metric, got, want)
			}
			// Values another table prints differently.
			var alt *float64
			for _, key := range altKeys(task, metric) {
				if v, ok := obj[key].(float64); ok {
					alt = &v
				}
			}
			if !sameOptional(r.AltValue, alt) {
				t.Errorf("%s %s %s: alt_value %s, paper %s", model, task, metric, fmtOpt(r.AltValue), fmtOpt(alt))
			}
			checked++
		}
	}
	return checked
}

func altKeys(task, metric string) []string {
	switch {
	case task == TaskMedNLI:
		return []string{"appendix_value"}
	case metric == MetricExactMatch:
		return []string{"appendix_value_em"}
	case metric == MetricF1:
		return []string{"appendix_value_f1"}
	}
	return nil
}

func checkTokens(t *testing.T, what string, got ByDomain, general, biomed, clinical *string) {
	t.Helper()
	for _, c := range []struct {
		domain string
		got    Quantity
		want   string
	}{{"general", got.General, printedOrNone(general)}, {"biomed", got.Biomed, printedOrNone(biomed)}, {"clinical", got.Clinical, printedOrNone(clinical)}} {
		if c.got.Printed != c.want {
			t.Errorf("%s %s: printed %q, paper %q", what, c.domain, c.got.Printed, c.want)
		}
	}
}

func checkUnique(t *testing.T, what string, got ByDomain, unique *string) {
	t.Helper()
	want := []string{"–", "–", "–"}
	if unique != nil {
		want = strings.Split(*unique, " / ")
	}
	if len(want) != 3 {
		t.Fatalf("%s: cannot split unique PTT %q", what, *unique)
	}
	gotList := []string{got.General.Printed, got.Biomed.Printed, got.Clinical.Printed}
	for i := range want {
		if gotList[i] != want[i] {
			t.Errorf("%s unique PTT %d: %q, paper %q", what, i, gotList[i], want[i])
		}
	}
}

func normalMethod(m string) Method {
	if m == "in-context learning" {
		return MethodInContext
	}
	return Method(m)
}

func TestMatchesPaperModelsAndResults(t *testing.T) {
	p, s := loadPaper(t)
	if len(p.Models) != 12 || len(s.Models()) != 12 {
		t.Fatalf("paper has %d Table 1 models, Models() has %d; want 12", len(p.Models), len(s.Models()))
	}
	totals := map[string]FLOPsTotal{}
	for _, tot := range s.FLOPsTotals() {
		totals[tot.Model] = tot
	}
	checked := 0
	for i, pm := range p.Models {
		t.Run(pm.Name, func(t *testing.T) {
			m, ok := s.Model(pm.Name)
			if !ok || m.Name != pm.Name {
				t.Fatalf("model %q not served under its Table 1 name", pm.Name)
			}
			if s.Models()[i].Name != pm.Name {
				t.Errorf("Models()[%d] = %s, Table 1 order has %s", i, s.Models()[i].Name, pm.Name)
			}
			if m.AppendixOnly {
				t.Error("a Table 1 model is flagged appendix-only")
			}
			if m.Params.Printed != pm.Params || !sameFloat(m.Params.Float(), pm.ParamsNum) {
				t.Errorf("params %q = %v, paper %q = %v", m.Params.Printed, m.Params.Float(), pm.Params, pm.ParamsNum)
			}
			if m.ParamsSource != tableOf(t, pm.ParamsSource) {
				t.Errorf("params_source %q, paper %q", m.ParamsSource, pm.ParamsSource)
			}
			if m.Architecture != pm.Architecture {
				t.Errorf("architecture %q, paper %q", m.Architecture, pm.Architecture)
			}
			if string(m.Domain) != pm.Domain {
				t.Errorf("domain %q, paper extraction %q", m.Domain, pm.Domain)
			}
			if m.Method != normalMethod(pm.Method) {
				t.Errorf("method %q, paper %q", m.Method, pm.Method)
			}
			checkTokens(t, "PTT", m.PretrainingTokens, pm.PTT.General, pm.PTT.Biomed, pm.PTT.Clinical)
			checkUnique(t, "Table 5", m.UniquePTT, pm.PTT.Unique)
			for _, a := range pm.Aliases {
				// Aliases such as "Flan-T5-XL (typo in Table 7)" carry a comment.
				name := strings.TrimSpace(strings.SplitN(a, " (", 2)[0])
				if strings.Contains(name, "'") {
					continue // a sentence describing a release, not a name
				}
				if got, ok := s.Model(name); !ok || got.Name != pm.Name {
					t.Errorf("alias %q does not resolve to %s", name, pm.Name)
				}
			}
			if pm.FLOPs == nil {
				if m.InTable3() {
					t.Error("served Table 3 FLOPs for a model the paper has none for")
				}
			} else {
				for _, c := range []struct {
					key  string
					got  Quantity
					want *float64
				}{{"general", m.FLOPs.General, pm.FLOPs.General}, {"biomed", m.FLOPs.Biomed, pm.FLOPs.Biomed}, {"clinical", m.FLOPs.Clinical, pm.FLOPs.Clinical}} {
					if c.got.Printed != pm.FLOPs.AsPrinted[c.key] {
						t.Errorf("FLOPs %s printed %q, paper %q", c.key, c.got.Printed, pm.FLOPs.AsPrinted[c.key])
					}
					if !sameOptional(c.got.Value, c.want) {
						t.Errorf("FLOPs %s = %s, paper %s", c.key, fmtOpt(c.got.Value), fmtOpt(c.want))
					}
				}
				if !sameOptional(totals[pm.Name].Printed, pm.FLOPs.Total) {
					t.Errorf("total FLOPs %s, extraction's sum %s", fmtOpt(totals[pm.Name].Printed), fmtOpt(pm.FLOPs.Total))
				}
			}
			checked += checkMetrics(t, s, pm.Name, pm.Metrics, false)
		})
	}
	rows, _ := s.Results(Filter{})
	if checked != 60 || len(rows) != 60 {
		t.Errorf("checked %d result rows; /results serves %d; want 60 each", checked, len(rows))
	}
}

func TestMatchesPaperAppendixOnly(t *testing.T) {
	p, s := loadPaper(t)
	if len(p.AppendixOnly) != 4 {
		t.Fatalf("paper has %d appendix-only models, want 4", len(p.AppendixOnly))
	}
	table5 := map[string]Table5Row{}
	for _, r := range s.Table5() {
		table5[r.Model] = r
	}
	for _, pm := range p.AppendixOnly {
		t.Run(pm.Name, func(t *testing.T) {
			m, ok := s.Model(pm.Name)
			if !ok {
				t.Fatalf("model %q not found by name or alias", pm.Name)
			}
			if !m.AppendixOnly {
				t.Error("not flagged appendix-only")
			}
			if rows, _ := s.Results(Filter{}); containsModel(rows, m.Name) {
				t.Error("appendix-only model appears in the default results")
			}
			if m.Params.Printed != pm.Params || m.Params.Printed != table5[m.Name].Size.Printed {
				t.Errorf("params %q (Table 5 row %q), paper %q", m.Params.Printed, table5[m.Name].Size.Printed, pm.Params)
			}
			if string(m.Domain) != pm.Domain || m.Method != normalMethod(pm.Method) {
				t.Errorf("domain/method %s/%s, paper %s/%s", m.Domain, m.Method, pm.Domain, pm.Method)
			}
			checkTokens(t, "PTT", m.PretrainingTokens, pm.PTT.General, pm.PTT.Biomed, pm.PTT.Clinical)
			checkTokens(t, "Table 5 PTT", table5[m.Name].PTT, pm.PTT.General, pm.PTT.Biomed, pm.PTT.Clinical)
			checkUnique(t, "Table 5", m.UniquePTT, pm.PTT.Unique)
			if n := checkMetrics(t, s, m.Name, pm.Metrics, true); n != 5 {
				t.Errorf("checked %d metrics, want 5", n)
			}
		})
	}
}

func containsModel(rows []Result, name string) bool {
	for _, r := range rows {
		if r.Model == name {
			return true
		}
	}
	return false
}

func TestMatchesPaperTable5(t *testing.T) {
	p, s := loadPaper(t)
	rows := s.Table5()
	if len(rows) != 16 {
		t.Fatalf("Table 5 has %d rows, want 16", len(rows))
	}
	byName := map[string]Table5Row{}
	for _, r := range rows {
		byName[r.Model] = r
	}
	for _, pm := range p.Models {
		r := byName[pm.Name]
		if r.Size.Printed != pm.Params {
			t.Errorf("%s: Table 5 size %q, paper %q", pm.Name, r.Size.Printed, pm.Params)
		}
		if pm.Name == "GPT-3" {
			// Table 1 prints "?" for GPT-3; Table 5 prints "–" (tables.md).
			checkTokens(t, pm.Name+" Table 5 PTT", r.PTT, nil, nil, nil)
		} else {
			checkTokens(t, pm.Name+" Table 5 PTT", r.PTT, pm.PTT.General, pm.PTT.Biomed, pm.PTT.Clinical)
		}
		checkUnique(t, pm.Name+" Table 5", r.UniquePTT, pm.PTT.Unique)
	}
}

func TestMatchesPaperTable2And8(t *testing.T) {
	p, s := loadPaper(t)
	keys := map[string][2]string{
		"MedNLI_acc": {TaskMedNLI, MetricAccuracy}, "RadQA_EM": {TaskRadQA, MetricExactMatch},
		"RadQA_F1": {TaskRadQA, MetricF1}, "CLIP_micro": {TaskCLIP, MetricMicroF1}, "CLIP_macro": {TaskCLIP, MetricMacroF1},
	}
	served := map[string]Table2Row{}
	for _, r := range s.Table2() {
		served[r.Model+"|"+r.Task+"|"+r.Metric] = r
	}
	n := 0
	for model, cols := range p.Table2.Rows {
		for key, want := range cols {
			tm, ok := keys[key]
			if !ok {
				t.Fatalf("unknown Table 2 column %q", key)
			}
			r, ok := served[model+"|"+tm[0]+"|"+tm[1]]
			if !ok || !sameFloat(r.Value, want) {
				t.Errorf("Table 2 %s %s: %v (served %v), paper %v", model, key, r.Value, ok, want)
			}
			if m, _ := s.Model(model); r.Size != m.Params.Printed {
				t.Errorf("Table 2 %s size %q, Table 1 %q", model, r.Size, m.Params.Printed)
			}
			n++
		}
	}
	if n != 30 || len(s.Table2()) != 30 {
		t.Errorf("Table 2: checked %d, served %d; want 30", n, len(s.Table2()))
	}

	t8 := s.Table8()
	if len(t8) != len(p.Table8.Rows) {
		t.Fatalf("Table 8 has %d rows, paper %d", len(t8), len(p.Table8.Rows))
	}
	for i, want := range p.Table8.Rows {
		got := t8[i]
		if got.Label != want.Model || got.ClinicalPTT.Printed != printedOrNone(want.ClinicalPTT) ||
			!sameFloat(got.Accuracy, want.Accuracy) || !sameFloat(got.Std, want.Std) {
			t.Errorf("Table 8 row %d: %+v, paper %+v", i, got, want)
		}
	}
}

func TestMatchesPaperAblation(t *testing.T) {
	p, s := loadPaper(t)
	fractions := map[string]float64{"1%": 0.01, "5%": 0.05, "10%": 0.10, "25%": 0.25, "100%": 1}
	var frOrder []string
	if err := json.Unmarshal(p.Ablation["fractions"], &frOrder); err != nil {
		t.Fatal(err)
	}

	// Training examples per fraction (Figure 4's axis).
	var sizes map[string]json.RawMessage
	if err := json.Unmarshal(p.Ablation["n_train_examples_per_fraction_from_figure4_axis"], &sizes); err != nil {
		t.Fatal(err)
	}
	examples := map[string]int{}
	for key, raw := range sizes {
		if key == "source" {
			continue
		}
		var list []int
		if err := json.Unmarshal(raw, &list); err != nil {
			t.Fatal(err)
		}
		task := strings.Fields(key)[0]
		for i, n := range list {
			examples[task+"|"+fmtNum(fractions[frOrder[i]])] = n
		}
	}
	served := s.AblationSizes()
	if len(served) != len(examples) || len(served) != 15 {
		t.Errorf("AblationSizes has %d rows, paper %d; want 15", len(served), len(examples))
	}
	for _, sz := range served {
		if want := examples[sz.Task+"|"+fmtNum(sz.Fraction)]; sz.Examples != want {
			t.Errorf("%s at %v: %d examples, paper %d", sz.Task, sz.Fraction, sz.Examples, want)
		}
	}

	tables := map[string][2]string{
		"MedNLI_accuracy": {TaskMedNLI, MetricAccuracy}, "RadQA_F1": {TaskRadQA, MetricF1},
		"RadQA_EM": {TaskRadQA, MetricExactMatch}, "CLIP_micro_F1": {TaskCLIP, MetricMicroF1},
		"CLIP_macro_F1": {TaskCLIP, MetricMacroF1},
	}
	rows, err := s.Ablation(AblationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]AblationRow{}
	for _, r := range rows {
		byKey[r.Model+"|"+r.Task+"|"+r.Metric+"|"+fmtNum(r.Fraction)] = r
	}
	n := 0
	for key, tm := range tables {
		var tab struct {
			Source string                                   `json:"source"`
			Values map[string]map[string]map[string]float64 `json:"values"`
		}
		if err := json.Unmarshal(p.Ablation[key], &tab); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		for model, byFrac := range tab.Values {
			m, ok := s.Model(model)
			if !ok {
				t.Errorf("ablation model %q unknown", model)
				continue
			}
			for frac, cell := range byFrac {
				f := fractions[frac]
				r, ok := byKey[m.Name+"|"+tm[0]+"|"+tm[1]+"|"+fmtNum(f)]
				if !ok {
					t.Errorf("%s %s %s at %s: no served row", m.Name, tm[0], tm[1], frac)
					continue
				}
				if !sameFloat(r.Mean, cell["mean"]) || !sameFloat(r.Std, cell["std"]) {
					t.Errorf("%s %s %s at %s: %v ± %v, paper %v ± %v", m.Name, tm[0], tm[1], frac, r.Mean, r.Std, cell["mean"], cell["std"])
				}
				if r.Source != tableOf(t, tab.Source) {
					t.Errorf("%s %s %s at %s: source %q, paper %q", m.Name, tm[0], tm[1], frac, r.Source, tab.Source)
				}
				if r.Examples != examples[tm[0]+"|"+fmtNum(f)] {
					t.Errorf("%s %s at %s: %d examples, axis says %d", m.Name, tm[0], frac, r.Examples, examples[tm[0]+"|"+fmtNum(f)])
				}
				n++
			}
		}
	}
	if n != 125 || len(rows) != 125 {
		t.Errorf("ablation: checked %d, served %d; want 125", n, len(rows))
	}

	var lines map[string]json.RawMessage
	if err := json.Unmarshal(p.Ablation["icl_reference_lines_in_figure4"], &lines); err != nil {
		t.Fatal(err)
	}
	lineKeys := map[string][2]string{"MedNLI": {TaskMedNLI, MetricAccuracy}, "RadQA_F1": {TaskRadQA, MetricF1}, "CLIP_macro": {TaskCLIP, MetricMacroF1}}
	servedLines := map[string]ICLLine{}
	for _, l := range s.ICLLines() {
		servedLines[l.Line+"|"+l.Task+"|"+l.Metric] = l
	}
	nl := 0
	for name, raw := range lines {
		if name == "source" {
			continue
		}
		var vals map[string]float64
		if err := json.Unmarshal(raw, &vals); err != nil {
			t.Fatal(err)
		}
		for key, want := range vals {
			tm := lineKeys[key]
			l, ok := servedLines[name+"|"+tm[0]+"|"+tm[1]]
			if !ok || !sameFloat(l.Value, want) {
				t.Errorf("ICL line %s %s: %v (found %v), paper %v", name, key, l.Value, ok, want)
			}
			nl++
		}
	}
	if nl != 6 || len(s.ICLLines()) != 6 {
		t.Errorf("ICL lines: checked %d, served %d; want 6", nl, len(s.ICLLines()))
	}
}

// approxPrinted parses "~40B (…)" or "~2.5 (…)" into a number.
func approxPrinted(t *testing.T, s string) float64 {
	t.Helper()
	f := strings.TrimPrefix(strings.Fields(s)[0], "~")
	scale := 1.0
	if strings.HasSuffix(f, "B") {
		f, scale = strings.TrimSuffix(f, "B"), 1e9
	}
	v, err := strconv.ParseFloat(f, 64)
	if err != nil {
		t.Fatalf("cannot read %q: %v", s, err)
	}
	return v * scale
}

func TestMatchesPaperCost(t *testing.T) {
	p, s := loadPaper(t)
	c := s.CostInputs()
	clinLarge, _ := s.Model("Clinical-T5-Large")
	t5xl, _ := s.Model("T5-XL")
	for _, check := range []struct {
		name      string
		got, want float64
	}{
		{"w_clinical", c.WClinical, p.Cost.TokenWeights.WC},
		{"w_general", c.WGeneral, p.Cost.TokenWeights.WG},
		{"params_clinical (Clinical-T5-Large)", c.ParamsClinical, clinLarge.Params.Float()},
		{"tokens_pretrain_clinical (Clinical-T5-Large)", c.TokensPretrainClin, clinLarge.PretrainingTokens.Clinical.Float()},
		{"params_general (T5-XL)", c.ParamsGeneral, t5xl.Params.Float()},
		{"tokens_finetune (ignored)", c.TokensFinetune, 0},
		{"paper_breakeven_tokens", c.PaperBreakEvenTokens, approxPrinted(t, p.Cost.BreakEven)},
		{"uf_health_tokens_per_year", c.UFHealthTokensPerYear, approxPrinted(t, p.Cost.UFHealth)},
		{"paper_years_to_recover", c.PaperYearsToRecover, approxPrinted(t, p.Cost.Years)},
	} {
		if !sameFloat(check.got, check.want) {
			t.Errorf("%s = %v, paper %v", check.name, check.got, check.want)
		}
	}
	for weighted, want := range map[bool]float64{true: p.Cost.Checks.Weighted, false: p.Cost.Checks.Unweighted} {
		got, err := BreakEven(c.BreakEvenInputs(weighted))
		if err != nil {
			t.Fatal(err)
		}
		// The extraction rounds to three significant figures.
		if math.Abs(got-want) > 0.05e9 {
			t.Errorf("BreakEven(weighted=%v) = %.4g, extraction %.3g", weighted, got, want)
		}
	}
	eqs := s.Equations()
	if len(eqs) != len(p.Cost.Equations) {
		t.Fatalf("%d equations, paper %d", len(eqs), len(p.Cost.Equations))
	}
	squash := strings.NewReplacer(" ", "", "−", "-")
	for _, e := range eqs {
		want := p.Cost.Equations[strconv.Itoa(e.ID)]
		if squash.Replace(e.Formula) != squash.Replace(want) {
			t.Errorf("equation %d: %q, paper %q", e.ID, e.Formula, want)
		}
	}
}

var decimal = regexp.MustCompile(`\d+\.\d+`)

func TestMatchesPaperDiscrepancies(t *testing.T) {
	p, s := loadPaper(t)
	got := s.Discrepancies()
	if len(got) != len(p.Discrepancies) || len(got) != 13 {
		t.Fatalf("%d discrepancies, paper %d; want 13", len(got), len(p.Discrepancies))
	}
	for i, want := range p.Discrepancies {
		for _, num := range decimal.FindAllString(want, -1) {
			if !strings.Contains(got[i].Summary, num) {
				t.Errorf("discrepancy %d lacks %s: %q (paper: %q)", got[i].ID, num, got[i].Summary, want)
			}
		}
		if len(got[i].Tables) == 0 {
			t.Errorf("discrepancy %d names no table", got[i].ID)
		}
	}
}

var pageRef = regexp.MustCompile(`Table (\d+) \(p\.(\d+)\)`)

// TestMatchesPaperPages checks sources.csv's page numbers against every
// "Table N (p.P)" reference in results.json.
func TestMatchesPaperPages(t *testing.T) {
	_, s := loadPaper(t)
	data, err := os.ReadFile(filepath.Join(testenv.SharedDir(t), "paper", "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range pageRef.FindAllStringSubmatch(string(data), -1) {
		id := "Table " + m[1]
		if seen[id] {
			continue
		}
		seen[id] = true
		src, ok := s.Source(id)
		if !ok || strconv.Itoa(src.Page) != m[2] {
			t.Errorf("%s: page %d, paper p.%s", id, src.Page, m[2])
		}
	}
	if len(seen) < 10 {
		t.Errorf("only %d table page references found", len(seen))
	}
}
