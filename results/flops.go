package results

import (
	"fmt"
	"math"
)

// FLOPsTolerance is the relative difference within which a printed Table 3
// cell counts as reproducing 6PT. Table 3 prints two significant figures
// (rounding error up to 5% at 1.0E+n) and Table 1's sizes are rounded too.
const FLOPsTolerance = 0.05

// FLOPsCheck compares one printed Table 3 FLOPs cell with Eq. (1), 6PT,
// applied to Table 1's parameters and the domain's pretraining tokens.
type FLOPsCheck struct {
	Model        string  `json:"model"`
	Domain       Domain  `json:"domain"`
	Printed      string  `json:"printed"`
	PrintedValue float64 `json:"printed_value"`
	Params       string  `json:"params"`
	Tokens       string  `json:"tokens"`
	Recomputed   float64 `json:"recomputed"`
	// RelDiff is (printed − recomputed) / recomputed.
	RelDiff    float64 `json:"rel_diff"`
	Reproduces bool    `json:"reproduces"`
}

// FLOPsChecks recomputes every printed Table 3 FLOPs cell as 6PT, in Table 1
// model order and General, BioMed, Clinical order. Cells printed as "–" or
// "?" are skipped. Five cells do not reproduce: the General FLOPs of
// T5-Large, T5-XL, Flan-T5-XXL and GatorTron, and Flan-T5-XXL's BioMed.
func (s *Set) FLOPsChecks() []FLOPsCheck {
	var out []FLOPsCheck
	for _, m := range s.models {
		if !m.InTable3() {
			continue
		}
		for _, d := range []Domain{DomainGeneral, DomainBiomedical, DomainClinical} {
			printed, tokens := m.FLOPs.Get(d), m.PretrainingTokens.Get(d)
			if !printed.Known() || !tokens.Known() {
				continue
			}
			re := TrainingFLOPs(m.Params.Float(), tokens.Float())
			rel := (printed.Float() - re) / re
			out = append(out, FLOPsCheck{
				Model: m.Name, Domain: d, Printed: printed.Printed, PrintedValue: printed.Float(),
				Params: m.Params.Printed, Tokens: tokens.Printed, Recomputed: re, RelDiff: rel,
				Reproduces: math.Abs(rel) <= FLOPsTolerance,
			})
		}
	}
	return out
}

// FLOPsBasis says which total pretraining FLOPs to use for Figure 3.
type FLOPsBasis int

const (
	// FLOPsPrinted sums Table 3's printed General, BioMed and Clinical cells
	// ("–" counts as 0). This is the default reading of Figure 3.
	FLOPsPrinted FLOPsBasis = iota
	// FLOPsRecomputed sums 6PT over the domains with known tokens (Table 1).
	FLOPsRecomputed
)

// FLOPsTotal is a model's total pretraining FLOPs and its natural log (the
// x-axis of Figure 3; the authors' script takes np.log). Pointers are nil
// where there is nothing to sum.
type FLOPsTotal struct {
	Model        string   `json:"model"`
	Printed      *float64 `json:"printed"`
	LnPrinted    *float64 `json:"ln_printed"`
	Recomputed   *float64 `json:"recomputed"`
	LnRecomputed *float64 `json:"ln_recomputed"`
	// InFigure3 reports whether the model is a point of Figure 3: finetuned
	// and with printed Table 3 FLOPs.
	InFigure3 bool   `json:"in_figure3"`
	Reason    string `json:"reason"`
}

// FLOPsTotals returns the total pretraining FLOPs of the 12 Table 1 models.
// GPT-3 has none (Table 3 prints "?"); Flan-T5-XXL has printed FLOPs but is
// used in-context, and Figure 3 plots only finetuned models;
// Clinical-T5-Base-Ckpt is not in Table 3, so only its 6PT total exists.
func (s *Set) FLOPsTotals() []FLOPsTotal {
	var out []FLOPsTotal
	for _, m := range s.models {
		if !m.InTable1() {
			continue
		}
		out = append(out, totalFor(m))
	}
	return out
}

func totalFor(m Model) FLOPsTotal {
	t := FLOPsTotal{Model: m.Name}
	if sum, ok := sumKnown(m.FLOPs); ok {
		t.Printed, t.LnPrinted = ptr(sum), ptr(math.Log(sum))
	}
	if _, decided := DomainFromTokens(m.PretrainingTokens); decided {
		var sum float64
		for _, d := range []Domain{DomainGeneral, DomainBiomedical, DomainClinical} {
			sum += TrainingFLOPs(m.Params.Float(), m.PretrainingTokens.Get(d).Float())
		}
		if sum > 0 {
			t.Recomputed, t.LnRecomputed = ptr(sum), ptr(math.Log(sum))
		}
	}
	switch {
	case !m.InTable3():
		t.Reason = "not in Table 3: no printed FLOPs, so not a point of Figure 3"
	case t.Printed == nil:
		t.Reason = "Table 3 prints ? (pretraining undisclosed); not a point of Figure 3"
	case m.Method != MethodFinetuned:
		t.Reason = "used in-context, not finetuned; Figure 3 plots only the finetuned models"
	default:
		t.InFigure3 = true
		t.Reason = "point of Figure 3"
	}
	return t
}

// sumKnown adds the known cells; ok is false when none is known.
func sumKnown(b ByDomain) (float64, bool) {
	var sum float64
	ok := false
	for _, q := range []Quantity{b.General, b.Biomed, b.Clinical} {
		if q.Known() {
			sum += q.Float()
			ok = true
		}
	}
	return sum, ok && sum > 0
}

func ptr(v float64) *float64 { return &v }

// Point is one model in a score-versus-compute plot.
type Point struct {
	Model  string  `json:"model"`
	Domain Domain  `json:"domain"`
	Family string  `json:"family"`
	X      float64 `json:"x"` // natural log of total pretraining FLOPs
	Y      float64 `json:"y"` // score
}

// Figure3 returns Figure 3's points for a task metric: every model that
// FLOPsTotals marks InFigure3, with x = ln(total FLOPs) on the chosen basis
// and y = its Table 3 score, in Table 1 order. The paper plots MedNLI
// accuracy, RadQA F1 and CLIP macro F1; any metric is accepted.
func (s *Set) Figure3(task, metric string, basis FLOPsBasis) ([]Point, error) {
	if err := checkTaskMetric(task, metric); err != nil {
		return nil, err
	}
	scores := map[string]float64{}
	for _, r := range s.results {
		if r.Task == task && r.Metric == metric {
			scores[r.Model] = r.Value
		}
	}
	var out []Point
	for _, m := range s.models {
		if !m.InTable1() {
			continue
		}
		t := totalFor(m)
		if !t.InFigure3 {
			continue
		}
		x := t.LnPrinted
		if basis == FLOPsRecomputed {
			x = t.LnRecomputed
		}
		if x == nil {
			continue
		}
		out = append(out, Point{Model: m.Name, Domain: m.Domain, Family: m.Family, X: *x, Y: scores[m.Name]})
	}
	return out, nil
}

// Figure3Group names one of Figure 3's regression curves.
type Figure3Group string

// The authors' script fits one curve to the general T5 models (T5-Base,
// T5-Large, T5-XL) and one to the clinical T5 models (Clinical-T5-Base,
// Clinical-T5-Large).
const (
	GroupT5         Figure3Group = "T5"
	GroupClinicalT5 Figure3Group = "Clinical-T5"
)

// Fit is a least-squares line y = Slope·x + Intercept through a group's points.
type Fit struct {
	Group  Figure3Group `json:"group"`
	Models []string     `json:"models"`
	Line
}

// Figure3Fits fits Figure 3's two regression curves for a task metric.
func (s *Set) Figure3Fits(task, metric string, basis FLOPsBasis) ([]Fit, error) {
	points, err := s.Figure3(task, metric, basis)
	if err != nil {
		return nil, err
	}
	var fits []Fit
	for _, g := range []Figure3Group{GroupT5, GroupClinicalT5} {
		var xs, ys []float64
		var names []string
		for _, p := range points {
			if p.Family != "T5" || (p.Domain == DomainClinical) != (g == GroupClinicalT5) {
				continue
			}
			xs, ys, names = append(xs, p.X), append(ys, p.Y), append(names, p.Model)
		}
		line, err := FitLine(xs, ys)
		if err != nil {
			return nil, fmt.Errorf("results: Figure 3 %s fit for %s %s: %w", g, task, metric, err)
		}
		fits = append(fits, Fit{Group: g, Models: names, Line: line})
	}
	return fits, nil
}
