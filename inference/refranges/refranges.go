// Package refranges reads vital signs and lab values in clinical text
// against adult reference intervals and marks each with its state ("Na 124"
// becomes "Na 124 (low sodium: hyponatremia)").
//
// Why: a small encoder reads "HR 142" as word pieces, not as a magnitude, so
// it cannot learn where a range ends from a few thousand examples (the demo
// NLI model scored at chance on its own value pairs). Clinical NLP systems
// have long normalised values with rules; this one states its intervals in
// one table, so a reader can check each, and models that use it are trained
// on text marked by this same code (tools/markvalues), never by a copy.
package refranges

// State is where a value lies against its reference interval.
type State string

const (
	Low    State = "low"
	Normal State = "normal"
	High   State = "high"
)

// band is a half-open interval [From, To) of a value in the analyte's base
// unit with its state; a value in no band (a grey zone) gets no mark.
type band struct {
	from, to float64
	state    State
}

// terms are the names clinicians give a low and a high value of an analyte
// ("hyponatremia"). Why: the mark is read by a small encoder, which matches
// "hyponatremic" to "hyponatremia" by their word pieces far more easily than
// to "low sodium"; a state that a value alone does not settle (an elevated
// BNP is not heart failure) has no term.
type terms struct{ low, high string }

func (t terms) of(s State) string {
	switch s {
	case Low:
		return t.low
	case High:
		return t.high
	}
	return ""
}

var bloodPressureTerms = terms{"hypotension", "hypertension"}

// analyte is one vital sign or lab test.
type analyte struct {
	// name is how the mark calls it ("low sodium: hyponatremia").
	name string
	// aliases are the names notes use. Those of at most three characters
	// (HR, K, Na, T) match as written or in lower case; longer ones in any
	// case.
	aliases []string
	// units maps a unit (lower case) to the factor that turns a value in it
	// into the base unit; "" is the base unit when none is written.
	units map[string]float64
	// plausible bounds a base-unit value that can be this analyte at all: a
	// number outside is something else ("T 2" is no temperature).
	plausible [2]float64
	bands     []band
	terms     terms
	// guess picks the unit of an unwritten one from the value (Celsius or
	// Fahrenheit; thousands or cells per microlitre); nil keeps the base.
	guess func(v float64) float64
}

func celsius(v float64) float64 { // Fahrenheit when above any body temperature in Celsius
	if v > 50 {
		return (v - 32) * 5 / 9
	}
	return v
}

func thousands(v float64) float64 { // a count written per microlitre (4500) rather than in thousands (4.5)
	if v >= 1000 {
		return v / 1000
	}
	return v
}

// perMicrolitreAbove reads a count above limit as cells per microlitre: an
// absolute neutrophil count is written both ways ("ANC 400", "ANC 0.4"), and
// no ANC in thousands reaches 30 while few in cells reach it from below.
func perMicrolitreAbove(limit float64) func(float64) float64 {
	return func(v float64) float64 {
		if v > limit {
			return v / 1000
		}
		return v
	}
}

// adultTable lists adult reference intervals as common US hospital
// laboratories report them (conventional units). Grey zones between bands
// get no mark on purpose: a glucose of 160 is neither clearly normal nor
// what a note calls hyperglycaemia.
func adultTable() []analyte {
	return []analyte{
		{name: "temperature", aliases: []string{"temperature", "temp", "T", "Tmax", "Tm", "Tcurrent"},
			units: map[string]float64{"": 1, "c": 1, "°c": 1, "f": -1, "°f": -1}, plausible: [2]float64{25, 45}, guess: celsius,
			bands: []band{{0, 35, Low}, {36, 37.8, Normal}, {38, 50, High}}, terms: terms{"hypothermia", "fever"}},
		{name: "heart rate", aliases: []string{"heart rate", "HR", "pulse", "P", "pulse rate"},
			units: map[string]float64{"": 1, "bpm": 1, "beats per minute": 1, "/min": 1}, plausible: [2]float64{15, 300},
			bands: []band{{0, 60, Low}, {60, 101, Normal}, {101, 400, High}}, terms: terms{"bradycardia", "tachycardia"}},
		// A MAP below 65 is the usual floor for perfusion (vasopressors are titrated to it); no note calls a high
		// MAP anything of its own, so only low and normal are marked.
		{name: "mean arterial pressure", aliases: []string{"MAP", "mean arterial pressure", "mean arterial pressures"},
			units: map[string]float64{"": 1, "mmhg": 1}, plausible: [2]float64{20, 200},
			bands: []band{{0, 65, Low}, {70, 106, Normal}}, terms: terms{"hypotension", ""}},
		{name: "respiratory rate", aliases: []string{"respiratory rate", "RR", "resp rate", "respirations", "resp"},
			units: map[string]float64{"": 1, "/min": 1, "breaths per minute": 1, "bpm": 1}, plausible: [2]float64{3, 80},
			bands: []band{{0, 12, Low}, {12, 21, Normal}, {21, 100, High}}, terms: terms{"bradypnea", "tachypnea"}},
		{name: "oxygen saturation", aliases: []string{"SpO2", "O2 sat", "O2 sats", "oxygen saturation", "O2 saturation", "sat", "sats", "pulse ox", "SaO2", "pulse oximetry"},
			units: map[string]float64{"": 1, "%": 1}, plausible: [2]float64{40, 100},
			bands: []band{{0, 92, Low}, {94, 100.01, Normal}}, terms: terms{"hypoxemia", ""}},
		{name: "glucose", aliases: []string{"glucose", "blood sugar", "BG", "blood glucose", "fingerstick glucose", "fingerstick", "FSBG", "POC glucose", "serum glucose", "FS"},
			units: map[string]float64{"": 1, "mg/dl": 1, "mmol/l": 18}, plausible: [2]float64{10, 2000},
			bands: []band{{0, 70, Low}, {70, 141, Normal}, {181, 5000, High}}, terms: terms{"hypoglycemia", "hyperglycemia"}},
		{name: "potassium", aliases: []string{"potassium", "K", "K+", "serum potassium"},
			units: map[string]float64{"": 1, "mmol/l": 1, "meq/l": 1}, plausible: [2]float64{1, 10},
			bands: []band{{0, 3.5, Low}, {3.5, 5.05, Normal}, {5.05, 20, High}}, terms: terms{"hypokalemia", "hyperkalemia"}},
		{name: "sodium", aliases: []string{"sodium", "Na", "Na+", "serum sodium"},
			units: map[string]float64{"": 1, "mmol/l": 1, "meq/l": 1}, plausible: [2]float64{90, 200},
			bands: []band{{0, 135, Low}, {135, 145.5, Normal}, {145.5, 300, High}}, terms: terms{"hyponatremia", "hypernatremia"}},
		{name: "chloride", aliases: []string{"chloride", "Cl"},
			units: map[string]float64{"": 1, "mmol/l": 1, "meq/l": 1}, plausible: [2]float64{60, 150},
			bands: []band{{0, 98, Low}, {98, 107.5, Normal}, {107.5, 300, High}}, terms: terms{"hypochloremia", "hyperchloremia"}},
		{name: "bicarbonate", aliases: []string{"bicarbonate", "bicarb", "HCO3", "serum bicarbonate", "CO2"},
			units: map[string]float64{"": 1, "mmol/l": 1, "meq/l": 1}, plausible: [2]float64{2, 60},
			bands: []band{{0, 22, Low}, {22, 29.5, Normal}, {29.5, 100, High}}},
		{name: "BUN", aliases: []string{"BUN", "blood urea nitrogen", "urea nitrogen"},
			units: map[string]float64{"": 1, "mg/dl": 1}, plausible: [2]float64{1, 300},
			bands: []band{{0, 7, Low}, {7, 21, Normal}, {21, 1000, High}}, terms: terms{"", "azotemia"}},
		{name: "creatinine", aliases: []string{"creatinine", "Cr", "Creat", "serum creatinine"},
			units: map[string]float64{"": 1, "mg/dl": 1, "umol/l": 1 / 88.4, "µmol/l": 1 / 88.4}, plausible: [2]float64{0.1, 25},
			bands: []band{{0, 1.25, Normal}, {1.35, 100, High}}, terms: terms{"", "impaired kidney function"}},
		{name: "eGFR", aliases: []string{"eGFR", "GFR"},
			units: map[string]float64{"": 1, "ml/min": 1, "ml/min/1.73m2": 1, "ml/min/1.73 m2": 1}, plausible: [2]float64{1, 200},
			bands: []band{{0, 60, Low}, {90, 1000, Normal}}, terms: terms{"impaired kidney function", ""}},
		{name: "calcium", aliases: []string{"calcium", "Ca", "serum calcium", "total calcium"},
			units: map[string]float64{"": 1, "mg/dl": 1}, plausible: [2]float64{3, 20},
			bands: []band{{0, 8.5, Low}, {8.5, 10.55, Normal}, {10.55, 100, High}}, terms: terms{"hypocalcemia", "hypercalcemia"}},
		{name: "ionized calcium", aliases: []string{"ionized calcium", "iCa", "ionised calcium"},
			units: map[string]float64{"": 1, "mmol/l": 1}, plausible: [2]float64{0.3, 3},
			bands: []band{{0, 1.12, Low}, {1.12, 1.33, Normal}, {1.33, 10, High}}, terms: terms{"hypocalcemia", "hypercalcemia"}},
		{name: "magnesium", aliases: []string{"magnesium", "Mg"},
			units: map[string]float64{"": 1, "mg/dl": 1}, plausible: [2]float64{0.3, 10},
			bands: []band{{0, 1.7, Low}, {1.7, 2.25, Normal}, {2.25, 100, High}}, terms: terms{"hypomagnesemia", "hypermagnesemia"}},
		{name: "phosphorus", aliases: []string{"phosphorus", "phos", "phosphate"},
			units: map[string]float64{"": 1, "mg/dl": 1}, plausible: [2]float64{0.3, 20},
			bands: []band{{0, 2.5, Low}, {2.5, 4.55, Normal}, {4.55, 100, High}}, terms: terms{"hypophosphatemia", "hyperphosphatemia"}},
		{name: "hemoglobin", aliases: []string{"hemoglobin", "haemoglobin", "Hgb", "Hb"},
			units: map[string]float64{"": 1, "g/dl": 1, "g/l": 0.1}, plausible: [2]float64{2, 25},
			bands: []band{{0, 12, Low}, {12, 17.5, Normal}, {18, 100, High}}, terms: terms{"anemia", "polycythemia"}},
		{name: "hematocrit", aliases: []string{"hematocrit", "haematocrit", "Hct"},
			units: map[string]float64{"": 1, "%": 1}, plausible: [2]float64{8, 75},
			bands: []band{{0, 36, Low}, {36, 52, Normal}, {54, 100, High}}, terms: terms{"anemia", "polycythemia"}},
		{name: "white count", aliases: []string{"white count", "white blood cell count", "white cell count", "WBC", "WBC count", "leukocytes", "leukocyte count", "white blood cells"},
			units:     map[string]float64{"": 1, "k": 1, "k/ul": 1, "k/µl": 1, "x10^9/l": 1, "x 10^9/l": 1, "10^9/l": 1, "k/mm3": 1, "/ul": 0.001, "/µl": 0.001, "/mm3": 0.001},
			plausible: [2]float64{0.05, 300}, guess: thousands,
			bands: []band{{0, 4, Low}, {4, 11.05, Normal}, {11.05, 1000, High}}, terms: terms{"leukopenia", "leukocytosis"}},
		{name: "neutrophil count", aliases: []string{"ANC", "absolute neutrophil count"},
			units: map[string]float64{"": 1, "k": 1, "k/ul": 1, "x10^9/l": 1, "/ul": 0.001, "/µl": 0.001, "/mm3": 0.001}, plausible: [2]float64{0, 100}, guess: perMicrolitreAbove(30),
			bands: []band{{0, 1.5, Low}, {1.5, 7.7, Normal}, {8, 1000, High}}, terms: terms{"neutropenia", "neutrophilia"}},
		{name: "platelet count", aliases: []string{"platelets", "platelet count", "plt", "plts", "PLT", "Plt"},
			units:     map[string]float64{"": 1, "k": 1, "k/ul": 1, "k/µl": 1, "x10^9/l": 1, "x 10^9/l": 1, "10^9/l": 1, "k/mm3": 1, "/ul": 0.001, "/µl": 0.001, "/mm3": 0.001},
			plausible: [2]float64{1, 3000}, guess: thousands,
			bands: []band{{0, 150, Low}, {150, 451, Normal}, {451, 10000, High}}, terms: terms{"thrombocytopenia", "thrombocytosis"}},
		{name: "INR", aliases: []string{"INR"},
			units: map[string]float64{"": 1}, plausible: [2]float64{0.5, 20},
			bands: []band{{0, 1.25, Normal}, {1.35, 100, High}}},
		{name: "TSH", aliases: []string{"TSH"},
			units: map[string]float64{"": 1, "miu/l": 1, "uiu/ml": 1, "µiu/ml": 1, "mu/l": 1}, plausible: [2]float64{0, 500},
			bands: []band{{0, 0.4, Low}, {0.4, 4.5, Normal}, {4.5, 1000, High}}, terms: terms{"hyperthyroidism", "hypothyroidism"}},
		{name: "free T4", aliases: []string{"free T4", "FT4", "fT4"},
			units: map[string]float64{"": 1, "ng/dl": 1}, plausible: [2]float64{0.05, 12},
			bands: []band{{0, 0.8, Low}, {0.8, 1.85, Normal}, {1.85, 100, High}}, terms: terms{"hypothyroidism", "hyperthyroidism"}},
		{name: "lactate", aliases: []string{"lactate", "lactic acid", "serum lactate"},
			units: map[string]float64{"": 1, "mmol/l": 1}, plausible: [2]float64{0.1, 30},
			bands: []band{{0, 2.05, Normal}, {2.05, 100, High}}, terms: terms{"", "hyperlactatemia"}},
		{name: "BNP", aliases: []string{"BNP"},
			units: map[string]float64{"": 1, "pg/ml": 1}, plausible: [2]float64{0, 10000},
			bands: []band{{0, 100, Normal}, {100, 100000, High}}},
		{name: "albumin", aliases: []string{"albumin", "serum albumin"},
			units: map[string]float64{"": 1, "g/dl": 1}, plausible: [2]float64{0.5, 7},
			bands: []band{{0, 3.5, Low}, {3.5, 5.05, Normal}, {5.05, 100, High}}, terms: terms{"hypoalbuminemia", ""}},
		{name: "bilirubin", aliases: []string{"total bilirubin", "bilirubin", "T bili", "Tbili", "t bili", "bili"},
			units: map[string]float64{"": 1, "mg/dl": 1}, plausible: [2]float64{0, 60},
			bands: []band{{0, 1.25, Normal}, {1.25, 1000, High}}, terms: terms{"", "hyperbilirubinemia"}},
		{name: "ALT", aliases: []string{"ALT", "SGPT"},
			units: map[string]float64{"": 1, "u/l": 1, "iu/l": 1}, plausible: [2]float64{1, 20000},
			bands: []band{{0, 56, Normal}, {56, 100000, High}}, terms: terms{"", "transaminitis"}},
		{name: "AST", aliases: []string{"AST", "SGOT"},
			units: map[string]float64{"": 1, "u/l": 1, "iu/l": 1}, plausible: [2]float64{1, 20000},
			bands: []band{{0, 41, Normal}, {41, 100000, High}}, terms: terms{"", "transaminitis"}},
		{name: "alkaline phosphatase", aliases: []string{"alkaline phosphatase", "alk phos", "ALP"},
			units: map[string]float64{"": 1, "u/l": 1, "iu/l": 1}, plausible: [2]float64{5, 5000},
			bands: []band{{0, 44, Low}, {44, 148, Normal}, {148, 100000, High}}},
		{name: "lipase", aliases: []string{"lipase"},
			units: map[string]float64{"": 1, "u/l": 1}, plausible: [2]float64{1, 50000},
			bands: []band{{0, 61, Normal}, {180, 1000000, High}}},
		{name: "HbA1c", aliases: []string{"HbA1c", "A1c", "hemoglobin A1c", "haemoglobin A1c", "Hgb A1c", "HgbA1c", "glycated hemoglobin"},
			units: map[string]float64{"": 1, "%": 1}, plausible: [2]float64{3, 20},
			bands: []band{{0, 5.7, Normal}, {6.5, 100, High}}, terms: terms{"", "diabetes"}},
		{name: "pH", aliases: []string{"pH", "arterial pH"},
			units: map[string]float64{"": 1}, plausible: [2]float64{6.5, 8},
			bands: []band{{0, 7.35, Low}, {7.35, 7.455, Normal}, {7.455, 14, High}}, terms: terms{"acidemia", "alkalemia"}},
		{name: "pCO2", aliases: []string{"pCO2", "PaCO2", "PCO2"},
			units: map[string]float64{"": 1, "mmhg": 1}, plausible: [2]float64{5, 150},
			bands: []band{{0, 35, Low}, {35, 45.5, Normal}, {45.5, 1000, High}}, terms: terms{"hypocapnia", "hypercapnia"}},
		{name: "BMI", aliases: []string{"BMI", "body mass index"},
			units: map[string]float64{"": 1, "kg/m2": 1, "kg/m^2": 1, "kg/m²": 1}, plausible: [2]float64{8, 120},
			bands: []band{{0, 18.5, Low}, {18.5, 25, Normal}, {30, 1000, High}}, terms: terms{"underweight", "obesity"}},
	}
}

// bloodPressureAliases name a reading of two numbers, systolic/diastolic.
func bloodPressureAliases() []string { return []string{"BP", "blood pressure", "NIBP", "SBP/DBP"} }

func bpState(sys, dia float64) (State, bool) {
	switch {
	case sys < 50 || sys > 300 || dia < 20 || dia > 200 || dia >= sys:
		return "", false
	case sys < 90:
		return Low, true
	case sys >= 140 || dia >= 90:
		return High, true
	case sys < 130 && dia < 85:
		return Normal, true
	}
	return "", false
}
