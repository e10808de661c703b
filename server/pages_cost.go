package server

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/components"
	"github.com/clinlm/clinlm/results"
)

// claimTolerance is how close a computed break-even must be to the paper's
// "∼40B" to count as the reading the paper used.
const claimTolerance = 0.05

// costField is one calculator input. Values in the form are scaled (billions
// of parameters or tokens) so that the numbers stay readable.
type costField struct {
	Name, Label, Symbol, Unit, Step, Help string
	Scale                                 float64
	// Positive fields must be > 0; the others may be 0.
	Positive bool
}

func costFields() []costField {
	return []costField{
		{Name: "pc", Label: "Clinical model size", Symbol: "P_c", Unit: "B params", Step: "any", Scale: 1e9, Positive: true,
			Help: "Clinical-T5-Large: 0.77B (Table 1)"},
		{Name: "pg", Label: "General model size", Symbol: "P_g", Unit: "B params", Step: "any", Scale: 1e9, Positive: true,
			Help: "T5-XL: 3B (Table 1)"},
		{Name: "tpt", Label: "Clinical pretraining tokens", Symbol: "T_pt", Unit: "B tokens", Step: "any", Scale: 1e9,
			Help: "Clinical-T5-Large: 38B (Table 1)"},
		{Name: "tft", Label: "Finetuning tokens", Symbol: "T_ft", Unit: "B tokens", Step: "any", Scale: 1e9,
			Help: "The paper ignores finetuning: 0"},
		{Name: "tpy", Label: "Inference tokens per year", Symbol: "", Unit: "B tokens/yr", Step: "any", Scale: 1e9, Positive: true,
			Help: "UF Health: ∼15B a year (§4.1)"},
		{Name: "wc", Label: "Clinical tokenizer weight", Symbol: "w_c", Unit: "", Step: "any", Scale: 1, Positive: true,
			Help: "Clinical tokens are the unit: 1.0"},
		{Name: "wg", Label: "General tokenizer weight", Symbol: "w_g", Unit: "", Step: "any", Scale: 1, Positive: true,
			Help: "≈1.12 general tokens per clinical token (§4.1)"},
	}
}

// costDefaults are the paper's case in absolute units, keyed by field name.
func costDefaults(in results.CostInputs) map[string]float64 {
	return map[string]float64{
		"pc": in.ParamsClinical, "pg": in.ParamsGeneral, "tpt": in.TokensPretrainClin, "tft": in.TokensFinetune,
		"tpy": in.UFHealthTokensPerYear, "wc": in.WClinical, "wg": in.WGeneral,
	}
}

// costState is the parsed calculator form in absolute units.
type costState struct {
	Values  map[string]float64
	Raw     map[string]string
	Invalid map[string]string // field → problem
}

func parseCost(q url.Values, defaults map[string]float64) costState {
	st := costState{Values: map[string]float64{}, Raw: map[string]string{}, Invalid: map[string]string{}}
	for _, f := range costFields() {
		st.Values[f.Name] = defaults[f.Name]
		raw := strings.TrimSpace(q.Get(f.Name))
		if raw == "" {
			continue
		}
		st.Raw[f.Name] = raw
		v, err := strconv.ParseFloat(raw, 64)
		switch {
		case err != nil || math.IsNaN(v) || math.IsInf(v, 0):
			st.Invalid[f.Name] = "is not a number"
		case v < 0:
			st.Invalid[f.Name] = "must not be negative"
		case f.Positive && v == 0:
			st.Invalid[f.Name] = "must be more than 0"
		default:
			st.Values[f.Name] = v * f.Scale
		}
	}
	return st
}

func (st costState) breakEvenInputs() results.BreakEvenInputs {
	v := st.Values
	return results.BreakEvenInputs{PClinical: v["pc"], PGeneral: v["pg"], TPretrain: v["tpt"], TFinetune: v["tft"],
		WClinical: v["wc"], WGeneral: v["wg"]}
}

// costPage serves /cost. Invalid inputs render the page with the problems
// marked and status 400.
func (s *Server) costPage(c echo.Context) error {
	page, status, err := s.buildCost(c.QueryParams())
	if err != nil {
		return err
	}
	ch := s.chrome("Cost", "cost", echartsAsset, chartsAsset, "js/cost.js")
	ch.Description = "Break-even calculator for pretraining a clinical model (§4.1, equations 1–6)."
	return render(c, status, components.Cost(ch, page))
}

func (s *Server) buildCost(q url.Values) (components.CostPage, int, error) {
	set := s.cfg.Results
	inputs := set.CostInputs()
	st := parseCost(q, costDefaults(inputs))
	page := components.CostPage{
		Claim:     fmtCount(inputs.PaperBreakEvenTokens),
		ClaimYear: trimZero(inputs.PaperYearsToRecover, 1),
		ResetHref: "/cost",
	}
	status := http.StatusOK
	var problems []string
	for _, f := range costFields() {
		cf := components.CostField{Name: f.Name, Label: f.Label, Symbol: f.Symbol, Unit: f.Unit, Step: f.Step, Help: f.Help,
			Value: trimZero(st.Values[f.Name]/f.Scale, 6)}
		if msg, bad := st.Invalid[f.Name]; bad {
			cf.Invalid, cf.Value = true, st.Raw[f.Name]
			problems = append(problems, fmt.Sprintf("%s %s", f.Label, msg))
		}
		page.Fields = append(page.Fields, cf)
	}
	if len(problems) > 0 {
		status = http.StatusBadRequest
		page.Error = "Please fix: " + strings.Join(problems, "; ") + ". The result below uses the paper's value instead."
	}
	page.Result = costResult(st.breakEvenInputs(), st.Values["tpy"])
	chart, err := costChart(st.breakEvenInputs())
	if err != nil {
		return page, status, err
	}
	page.Chart = &chart
	for _, weighted := range []bool{true, false} {
		in := inputs.BreakEvenInputs(weighted)
		be, err := results.BreakEven(in)
		if err != nil {
			return page, status, err
		}
		years, err := results.YearsToRecover(be, inputs.UFHealthTokensPerYear)
		if err != nil {
			return page, status, err
		}
		label := "Weighted, as equation 6 is written"
		if !weighted {
			label = "Unweighted (w_g = w_c)"
		}
		page.Readings = append(page.Readings, components.CostReading{
			Label: label, WG: trimZero(in.WGeneral, 2), BreakEven: fmtCount(be), Years: trimZero(years, 1),
			MatchesPaper: math.Abs(be-inputs.PaperBreakEvenTokens)/inputs.PaperBreakEvenTokens <= claimTolerance,
		})
	}
	for _, e := range set.Equations() {
		page.Equations = append(page.Equations, components.EquationRow{ID: strconv.Itoa(e.ID), Name: e.Name, Formula: e.Formula})
	}
	return page, status, nil
}

// costResult evaluates equation 6 and the years to recover.
func costResult(in results.BreakEvenInputs, tokensPerYear float64) components.CostResult {
	r := components.CostResult{
		PretrainingClinical: fmtSci(results.TrainingFLOPs(in.PClinical, in.WClinical*(in.TPretrain+in.TFinetune))),
		ClinicalPerToken:    fmtSci(results.InferenceFLOPs(in.PClinical, in.WClinical)),
		GeneralPerToken:     fmtSci(results.InferenceFLOPs(in.PGeneral, in.WGeneral)),
		BreakEven:           "never", Years: "–",
	}
	be, err := results.BreakEven(in)
	switch {
	case errors.Is(err, results.ErrNoBreakEven):
		r.Message = "The general model costs no more per inference token (w_g·P_g ≤ w_c·P_c), so the clinical model's pretraining is never recovered."
		return r
	case err != nil:
		r.Message = err.Error()
		return r
	case be <= 0:
		r.BreakEven, r.Years = "0", "0"
		r.Message = "The clinical model is cheaper from the first token: finetuning the larger general model costs more than pretraining and finetuning the clinical one."
		return r
	}
	r.OK = true
	r.BreakEven = fmtCount(be)
	if years, err := results.YearsToRecover(be, tokensPerYear); err == nil {
		r.Years = trimZero(years, 1)
	}
	r.Message = "Below this many inference tokens the general model is cheaper overall; beyond it the clinical model is."
	return r
}

// costChart plots equations 4 and 5 against inference tokens, out to twice
// the break-even point (or 100B tokens when there is none).
func costChart(in results.BreakEvenInputs) (components.Chart, error) {
	xmax := 100e9
	if be, err := results.BreakEven(in); err == nil && be > 0 {
		xmax = 2 * be
	}
	const unit = 1e21 // zettaFLOPs keep the axis labels short
	line := func(f func(ti float64) float64) []components.XY {
		return []components.XY{{X: 0, Y: f(0) / unit}, {X: xmax / 1e9, Y: f(xmax) / unit}}
	}
	return components.Lines(components.LineSpec{
		ID: "cost-curves", Label: "Total compute of the clinical and the general model against inference tokens",
		Title: "Total compute vs inference tokens", XName: "inference tokens (billions)", YName: "FLOPs (×10²¹)",
		Lines: []components.Curve{
			{Name: "Clinical model (Eq. 4)", Color: components.DomainColor(string(results.DomainClinical)),
				Points: line(func(ti float64) float64 {
					return results.ClinicalCost(in.PClinical, in.TPretrain, in.TFinetune, ti, in.WClinical)
				})},
			{Name: "General model (Eq. 5)", Color: components.DomainColor(string(results.DomainGeneral)),
				Points: line(func(ti float64) float64 {
					return results.GeneralCost(in.PGeneral, in.TFinetune, ti, in.WGeneral)
				})},
		},
	})
}
