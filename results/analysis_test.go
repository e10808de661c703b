package results

import (
	"errors"
	"math"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestCostEquations(t *testing.T) {
	tests := []struct {
		name      string
		got, want float64
	}{
		// Eq. 1: 6 · 220M · 34B (T5-Base General FLOPs, Table 3's 4.5E+19).
		{"Eq1 T5-Base general", TrainingFLOPs(220e6, 34e9), 4.488e19},
		// Eq. 2: 2 · 3B · 1B.
		{"Eq2", InferenceFLOPs(3e9, 1e9), 6e18},
		// Eq. 3: 6·1e9·2·(100+5) + 2·1e9·2·10 = 1.26e12 + 4e10.
		{"Eq3", ModelCost(1e9, 10, 100, 5, 2), 1.3e12},
		// Eq. 4: 6·770M·1·38B + 2·770M·1·1B = 1.7556e20 + 1.54e18.
		{"Eq4", ClinicalCost(770e6, 38e9, 0, 1e9, 1), 1.7710e20},
		// Eq. 5: no pretraining term: 6·3B·1.12·0 + 2·3B·1.12·1B.
		{"Eq5", GeneralCost(3e9, 0, 1e9, 1.12), 6.72e18},
	}
	for _, tc := range tests {
		if !near(tc.got, tc.want, 1e-9*tc.want) {
			t.Errorf("%s = %.6g, want %.6g", tc.name, tc.got, tc.want)
		}
	}
}

func TestBreakEven(t *testing.T) {
	paper := BreakEvenInputs{PClinical: 770e6, PGeneral: 3e9, TPretrain: 38e9, WClinical: 1}
	tests := []struct {
		name string
		in   BreakEvenInputs
		want float64
	}{
		// 3 · 0.77 · 38 / (1.12 · 3 − 0.77) = 87.78 / 2.59 = 33.8919B.
		{"weighted w_g=1.12", with(paper, func(b *BreakEvenInputs) { b.WGeneral = 1.12 }), 33.891891891e9},
		// 3 · 0.77 · 38 / (3 − 0.77) = 87.78 / 2.23 = 39.3632B: the paper's "∼40B".
		{"unweighted w_g=1.0", with(paper, func(b *BreakEvenInputs) { b.WGeneral = 1 }), 39.363228699e9},
		// With 1B finetuning tokens: 3(0.77·39 − 1.12·3·1)e18 / 2.59e9 = 30.8919B.
		{"weighted with finetuning", with(paper, func(b *BreakEvenInputs) { b.WGeneral = 1.12; b.TFinetune = 1e9 }), 30.891891891e9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := BreakEven(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !near(got, tc.want, 1e3) {
				t.Errorf("BreakEven = %.10g, want %.10g", got, tc.want)
			}
			// At the break-even point Eq. 4 and Eq. 5 cost the same.
			c := ClinicalCost(tc.in.PClinical, tc.in.TPretrain, tc.in.TFinetune, got, tc.in.WClinical)
			g := GeneralCost(tc.in.PGeneral, tc.in.TFinetune, got, tc.in.WGeneral)
			if !near(c, g, 1e-9*c) {
				t.Errorf("costs differ at break-even: clinical %.6g, general %.6g", c, g)
			}
		})
	}
	if _, err := BreakEven(BreakEvenInputs{PClinical: 3e9, PGeneral: 770e6, WClinical: 1, WGeneral: 1}); !errors.Is(err, ErrNoBreakEven) {
		t.Errorf("a larger clinical model: error %v, want ErrNoBreakEven", err)
	}
}

func with(b BreakEvenInputs, f func(*BreakEvenInputs)) BreakEvenInputs { f(&b); return b }

func TestBreakEvenFromPaperInputs(t *testing.T) {
	s := mustDefault(t)
	c := s.CostInputs()
	weighted, err := BreakEven(c.BreakEvenInputs(true))
	if err != nil || !near(weighted, 33.89e9, 0.01e9) {
		t.Errorf("weighted = %.4g, %v; want ≈ 33.9B", weighted, err)
	}
	unweighted, err := BreakEven(c.BreakEvenInputs(false))
	if err != nil || !near(unweighted, 39.36e9, 0.01e9) {
		t.Errorf("unweighted = %.4g, %v; want ≈ 39.4B", unweighted, err)
	}
	// The paper's ∼40B is the unweighted reading, not the weighted one.
	if math.Abs(unweighted-c.PaperBreakEvenTokens) >= math.Abs(weighted-c.PaperBreakEvenTokens) {
		t.Error("the unweighted break-even should be the one closer to the paper's 40B")
	}
	years, err := YearsToRecover(c.PaperBreakEvenTokens, c.UFHealthTokensPerYear)
	if err != nil || !near(years, 40.0/15, 1e-12) {
		t.Errorf("YearsToRecover(40B, 15B) = %v, %v; want 2.667 (the paper says ∼2.5)", years, err)
	}
	if _, err := YearsToRecover(1, 0); err == nil {
		t.Error("YearsToRecover with 0 tokens per year: want an error")
	}
}

func mustDefault(t *testing.T) *Set {
	t.Helper()
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFLOPsChecks(t *testing.T) {
	s := mustDefault(t)
	checks := s.FLOPsChecks()
	// 17 printed cells with known tokens (GPT-3's "?" and the "–" cells skipped).
	if len(checks) != 17 {
		t.Errorf("%d checks, want 17", len(checks))
	}
	failing := map[string]float64{ // model/domain → 6PT, hand-computed
		"T5-Large/general":       6 * 770e6 * 34e9, // 1.5708e20 vs printed 2.6E+19
		"T5-XL/general":          6 * 3e9 * 34e9,   // 6.12e20 vs 1E+20
		"Flan-T5-XXL/general":    6 * 11e9 * 34e9,  // 2.244e21 vs 3.7E+20
		"GatorTron/general":      6 * 345e6 * 40e9, // 8.28e19 vs 1.4E+19
		"Flan-T5-XXL/biomedical": 6 * 11e9 * 0.5e9, // 3.3e19 vs 5.5E+18
	}
	for _, c := range checks {
		key := c.Model + "/" + string(c.Domain)
		want, shouldFail := failing[key]
		if c.Reproduces == shouldFail {
			t.Errorf("%s: printed %s, 6PT %.3g, reproduces=%v; want %v", key, c.Printed, c.Recomputed, c.Reproduces, !shouldFail)
		}
		if shouldFail && !near(c.Recomputed, want, 1e-9*want) {
			t.Errorf("%s: 6PT = %.6g, want %.6g", key, c.Recomputed, want)
		}
		delete(failing, key)
	}
	if len(failing) != 0 {
		t.Errorf("cells not checked: %v", failing)
	}
	// One reproducing cell by hand: GatorTron clinical 6·345M·1570B = 3.2499e21 vs 3.3E+21 (+1.5%).
	for _, c := range checks {
		if c.Model == "GatorTron" && c.Domain == DomainClinical {
			if !near(c.Recomputed, 3.2499e21, 1e17) || !near(c.RelDiff, 0.0154, 0.0001) {
				t.Errorf("GatorTron clinical: %.5g, rel %.4f", c.Recomputed, c.RelDiff)
			}
		}
	}
}

func TestFLOPsTotals(t *testing.T) {
	s := mustDefault(t)
	byModel := map[string]FLOPsTotal{}
	for _, tot := range s.FLOPsTotals() {
		byModel[tot.Model] = tot
	}
	if len(byModel) != 12 {
		t.Fatalf("%d totals, want 12", len(byModel))
	}
	tests := []struct {
		model     string
		printed   float64 // 0: none
		inFigure3 bool
	}{
		{"T5-Base", 4.566e19, true},
		{"GatorTron", 3.504e21, true},
		{"T5-XL", 1.09e20, true},
		{"Flan-T5-XXL", 3.755e20, false}, // printed, but in-context
		{"GPT-3", 0, false},              // "?"
		{"Clinical-T5-Base-Ckpt", 0, false},
	}
	for _, tc := range tests {
		got := byModel[tc.model]
		if got.InFigure3 != tc.inFigure3 || got.Reason == "" {
			t.Errorf("%s: InFigure3 %v (%q), want %v", tc.model, got.InFigure3, got.Reason, tc.inFigure3)
		}
		if tc.printed == 0 {
			if got.Printed != nil || got.LnPrinted != nil {
				t.Errorf("%s: printed total %v, want none", tc.model, *got.Printed)
			}
			continue
		}
		if got.Printed == nil || !near(*got.Printed, tc.printed, 1e-9*tc.printed) || !near(*got.LnPrinted, math.Log(tc.printed), 1e-12) {
			t.Errorf("%s: printed total %v, want %.4g", tc.model, got.Printed, tc.printed)
		}
	}
	// Clinical-T5-Base-Ckpt has only the 6PT total: 6 · 220M · (34 + 0.5 + 13)B = 6.27e19.
	ckpt := byModel["Clinical-T5-Base-Ckpt"]
	if ckpt.Recomputed == nil || !near(*ckpt.Recomputed, 6.27e19, 1e9) {
		t.Errorf("Clinical-T5-Base-Ckpt 6PT total %v, want 6.27e19", ckpt.Recomputed)
	}
	if byModel["GPT-3"].Recomputed != nil {
		t.Error("GPT-3 has undisclosed tokens; want no 6PT total")
	}
}

func TestFigure3(t *testing.T) {
	s := mustDefault(t)
	points, err := s.Figure3(TaskMedNLI, MetricAccuracy, FLOPsPrinted)
	if err != nil {
		t.Fatal(err)
	}
	if len(points) != 9 {
		t.Errorf("%d points, want the 9 finetuned Table 3 models", len(points))
	}
	fits, err := s.Figure3Fits(TaskMedNLI, MetricAccuracy, FLOPsPrinted)
	if err != nil {
		t.Fatal(err)
	}
	// Least squares worked independently (Python) from these inputs:
	// T5: x = ln 4.566e19, ln 2.83e19, ln 1.09e20; y = .818, .849, .869.
	// Clinical-T5: two points, an exact line through (ln 5.3e19, .855) and (ln 1.8e20, .872).
	want := map[Figure3Group]Line{
		GroupT5:         {Slope: 0.0201532215, Intercept: -0.0695895158, R2: 0.2874805814, N: 3},
		GroupClinicalT5: {Slope: 0.0139040546, Intercept: 0.2235220068, R2: 1, N: 2},
	}
	checkFits(t, fits, want)

	// On the 6PT basis the T5 points line up (R² 0.98), which the printed
	// Table 3 FLOPs do not.
	fits, err = s.Figure3Fits(TaskMedNLI, MetricAccuracy, FLOPsRecomputed)
	if err != nil {
		t.Fatal(err)
	}
	if fits[0].Group != GroupT5 || !near(fits[0].Slope, 0.0194512320, 1e-9) || !near(fits[0].R2, 0.9783789743, 1e-9) {
		t.Errorf("6PT T5 fit = %+v", fits[0])
	}
	if _, err := s.Figure3("NER", MetricF1, FLOPsPrinted); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown task: %v, want ErrNotFound", err)
	}
}

func checkFits(t *testing.T, fits []Fit, want map[Figure3Group]Line) {
	t.Helper()
	if len(fits) != len(want) {
		t.Fatalf("%d fits, want %d", len(fits), len(want))
	}
	for _, f := range fits {
		w := want[f.Group]
		if !near(f.Slope, w.Slope, 1e-9) || !near(f.Intercept, w.Intercept, 1e-9) || !near(f.R2, w.R2, 1e-9) || f.N != w.N {
			t.Errorf("%s fit = %+v, want %+v", f.Group, f.Line, w)
		}
	}
}

func TestFitLine(t *testing.T) {
	tests := []struct {
		name   string
		xs, ys []float64
		want   Line
		err    bool
	}{
		{"exact", []float64{0, 1, 2}, []float64{1, 3, 5}, Line{Slope: 2, Intercept: 1, R2: 1, N: 3}, false},
		// Means (2, 5/3); Sxy = 1, Sxx = 2 → slope 1/2, intercept 2/3;
		// SSres = 1/6, SStot = 2/3 → R² = 3/4.
		{"noisy", []float64{1, 2, 3}, []float64{1, 2, 2}, Line{Slope: 0.5, Intercept: 2.0 / 3, R2: 0.75, N: 3}, false},
		{"flat", []float64{1, 2}, []float64{4, 4}, Line{Slope: 0, Intercept: 4, R2: 1, N: 2}, false},
		{"one point", []float64{1}, []float64{1}, Line{}, true},
		{"same x", []float64{1, 1}, []float64{1, 2}, Line{}, true},
		{"length mismatch", []float64{1, 2}, []float64{1}, Line{}, true},
	}
	for _, tc := range tests {
		got, err := FitLine(tc.xs, tc.ys)
		if (err != nil) != tc.err {
			t.Errorf("%s: error %v, want error %v", tc.name, err, tc.err)
			continue
		}
		if !tc.err && (!near(got.Slope, tc.want.Slope, 1e-12) || !near(got.Intercept, tc.want.Intercept, 1e-12) ||
			!near(got.R2, tc.want.R2, 1e-12) || got.N != tc.want.N) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestParetoFrontier(t *testing.T) {
	pts := []Point{
		{Model: "e", X: 4, Y: 0.7}, {Model: "a", X: 1, Y: 0.5}, {Model: "b", X: 2, Y: 0.4},
		{Model: "d", X: 3, Y: 0.6}, {Model: "c", X: 3, Y: 0.7}, {Model: "f", X: 5, Y: 0.9},
	}
	got := ParetoFrontier(pts)
	want := []string{"a", "c", "f"} // e ties c's score with more compute
	if len(got) != len(want) {
		t.Fatalf("frontier %v, want %v", got, want)
	}
	for i := range want {
		if got[i].Model != want[i] {
			t.Errorf("frontier[%d] = %s, want %s", i, got[i].Model, want[i])
		}
	}
	if pts[0].Model != "e" {
		t.Error("ParetoFrontier reordered its input")
	}
	if len(ParetoFrontier(nil)) != 0 {
		t.Error("empty input: want empty frontier")
	}

	// Figure 3, MedNLI, printed FLOPs: ordered by ln FLOPs the best-so-far
	// models are T5-Large (44.79, .849), Clinical-T5-Base (45.42, .855),
	// T5-XL (46.14, .869), Clinical-T5-Large (46.64, .872),
	// GatorTron (49.61, .883), BioClinRoBERTa (49.82, .900).
	s := mustDefault(t)
	points, err := s.Figure3(TaskMedNLI, MetricAccuracy, FLOPsPrinted)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range ParetoFrontier(points) {
		names = append(names, p.Model)
	}
	wantNames := []string{"T5-Large", "Clinical-T5-Base", "T5-XL", "Clinical-T5-Large", "GatorTron", "BioClinRoBERTa"}
	if len(names) != len(wantNames) {
		t.Fatalf("MedNLI frontier %v, want %v", names, wantNames)
	}
	for i := range wantNames {
		if names[i] != wantNames[i] {
			t.Errorf("MedNLI frontier %v, want %v", names, wantNames)
			break
		}
	}
}

func TestDomainFromTokens(t *testing.T) {
	q := func(s string) Quantity {
		v, err := parseQuantity(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name             string
		general, bio, cl string
		want             Domain
		decided          bool
	}{
		{"T5: 1.4% biomedical", "34B", "0.5B", "–", DomainGeneral, true},
		{"SciFive-Large: 29% biomedical", "34B", "14B", "–", DomainBiomedical, true},
		{"PubMedGPT", "–", "300B", "–", DomainBiomedical, true},
		{"BioClinRoBERTa: any clinical", "–", "2037B", "65B", DomainClinical, true},
		{"ClinicalBERT: 0.6B clinical", "137B", "46B", "0.6B", DomainClinical, true},
		{"GPT-3: undisclosed", "?", "?", "?", "", false},
	}
	for _, tc := range tests {
		got, decided := DomainFromTokens(ByDomain{General: q(tc.general), Biomed: q(tc.bio), Clinical: q(tc.cl)})
		if got != tc.want || decided != tc.decided {
			t.Errorf("%s: %q %v, want %q %v", tc.name, got, decided, tc.want, tc.decided)
		}
	}
}

func TestRank(t *testing.T) {
	s := mustDefault(t)
	rows, err := s.Results(Filter{Task: TaskRadQA, Metric: MetricF1})
	if err != nil {
		t.Fatal(err)
	}
	standings := Rank(rows)
	if len(standings) != 12 {
		t.Fatalf("%d standings, want 12", len(standings))
	}
	// BioClinRoBERTa and GatorTron share 0.759; BioClinRoBERTa's interval
	// reaches down to 0.759 − 0.029 = 0.730, which Clinical-T5-Large
	// (0.745 + 0.008) and T5-XL (0.729 + 0.005 = 0.734) reach up to, but
	// Clinical-T5-Base (0.710 + 0.005) does not.
	want := []struct {
		model      string
		rank       int
		best, tied bool
	}{
		{"BioClinRoBERTa", 1, true, true},
		{"GatorTron", 1, true, true},
		{"Clinical-T5-Large", 3, false, true},
		{"T5-XL", 4, false, true},
		{"Clinical-T5-Base", 5, false, false},
	}
	for i, w := range want {
		got := standings[i]
		if got.Model != w.model || got.Rank != w.rank || got.Best != w.best || got.TiedWithBest != w.tied {
			t.Errorf("standing %d = %s rank %d best %v tied %v; want %+v", i, got.Model, got.Rank, got.Best, got.TiedWithBest, w)
		}
	}
	for _, st := range standings[5:] {
		if st.TiedWithBest {
			t.Errorf("%s (%.3f) should not tie with the best", st.Model, st.Value)
		}
	}

	// MedNLI: BioClinRoBERTa 0.900 ± 0.003 stands alone (GatorTron 0.883 + 0.002 < 0.897).
	rows, _ = s.Results(Filter{Task: TaskMedNLI})
	tied := 0
	for _, st := range Rank(rows) {
		if st.TiedWithBest {
			tied++
		}
	}
	if tied != 1 {
		t.Errorf("MedNLI: %d tied with the best, want 1", tied)
	}

	// Several task × metric groups keep their order of first appearance.
	all, _ := s.Results(Filter{})
	st := Rank(all)
	if len(st) != 60 || st[0].Task != TaskMedNLI || st[12].Metric != MetricExactMatch || st[59].Metric != MetricMacroF1 {
		t.Errorf("grouped ranking out of order: %d rows, first %s, 13th %s, last %s", len(st), st[0].Task, st[12].Metric, st[59].Metric)
	}
	if len(Rank(nil)) != 0 {
		t.Error("Rank(nil) should be empty")
	}
}
