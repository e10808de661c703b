package refranges

import (
	"strings"
	"testing"
)

func TestMark(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// Vitals, with and without units, in the orders notes write them.
		{"Triage vitals: T 39.4 C, HR 118, BP 104/62, RR 24.",
			"Triage vitals: T 39.4 C (high temperature: fever), HR 118 (high heart rate: tachycardia), BP 104/62 (normal blood pressure), RR 24 (high respiratory rate: tachypnea)."},
		{"SpO2 84% on room air", "SpO2 84% (low oxygen saturation: hypoxemia) on room air"},
		{"BP 212/124 with headache", "BP 212/124 (high blood pressure: hypertension) with headache"},
		{"bp 84/50 mmHg", "bp 84/50 mmHg (low blood pressure: hypotension)"},
		{"MAP 58 on norepinephrine", "MAP 58 (low mean arterial pressure: hypotension) on norepinephrine"},
		{"mean arterial pressure of 74 mmHg", "mean arterial pressure of 74 mmHg (normal mean arterial pressure)"},
		{"hr 38, sinus bradycardia", "hr 38 (low heart rate: bradycardia), sinus bradycardia"},
		{"heart rate in the 140s", "heart rate in the 140s (high heart rate: tachycardia)"},
		{"a temperature of 101.3", "a temperature of 101.3 (high temperature: fever)"},
		{"Tmax 98.6 F", "Tmax 98.6 F (normal temperature)"},
		// Labs: fillers, comparators, thousands separators, units that convert.
		{"INR on admission 1.1.", "INR on admission 1.1 (normal INR)."},
		{"TSH < 0.01 with a free T4 of 4.1 ng/dL.", "TSH < 0.01 (low TSH: hyperthyroidism) with a free T4 of 4.1 ng/dL (high free T4: hyperthyroidism)."},
		{"BNP 1,250 pg/mL", "BNP 1,250 pg/mL (high BNP)"},
		{"plt 45,000", "plt 45,000 (low platelet count: thrombocytopenia)"},
		{"WBC 19.2 K/uL", "WBC 19.2 K/uL (high white count: leukocytosis)"},
		{"Plt 18K; smear w/o schistocytes.", "Plt 18K (low platelet count: thrombocytopenia); smear w/o schistocytes."},
		{"PLTs 40K", "PLTs 40K (low platelet count: thrombocytopenia)"},
		{"Platelets 22K on morning labs", "Platelets 22K (low platelet count: thrombocytopenia) on morning labs"},
		{"WBC 2.1 with ANC 400", "WBC 2.1 (low white count: leukopenia) with ANC 400 (low neutrophil count: neutropenia)"},
		{"ANC 0.3", "ANC 0.3 (low neutrophil count: neutropenia)"},
		{"ANC 3,200 /uL", "ANC 3,200 /uL (normal neutrophil count)"},
		{"WBC 14k, plt 512K", "WBC 14k (high white count: leukocytosis), plt 512K (high platelet count: thrombocytosis)"},
		{"Na 140 K 4.0", "Na 140 (normal sodium) K 4.0 (normal potassium)"},
		{"Na 140K", "Na 140K"},
		{"Glucose 3.1 mmol/L", "Glucose 3.1 mmol/L (low glucose: hypoglycemia)"},
		{"Hemoglobin A1c 9.1%", "Hemoglobin A1c 9.1% (high HbA1c: diabetes)"},
		{"Hgb 6.9 g/dL, down from a baseline of 11", "Hgb 6.9 g/dL (low hemoglobin: anemia), down from a baseline of 11"},
		{"creatinine 250 umol/L", "creatinine 250 umol/L (high creatinine: impaired kidney function)"},
		{"Na: 152", "Na: 152 (high sodium: hypernatremia)"},
		{"K+ 2.9", "K+ 2.9 (low potassium: hypokalemia)"},
		// Nothing to mark: no value, a range, a ratio, a unit of something
		// else, an implausible number, a grey zone, a name inside a word, a
		// short name in mixed case.
		{"No fever, HR normal.", "No fever, HR normal."},
		{"K 3.2-3.8 over the week", "K 3.2-3.8 over the week"},
		{"K 40 mEq given", "K 40 mEq given"},
		{"potassium 20 mg", "potassium 20 mg"},
		{"T 2 lesion", "T 2 lesion"},
		{"glucose 160", "glucose 160"},
		{"THR 88 and pHR 90", "THR 88 and pHR 90"},
		{"Hr 150", "Hr 150"},
		{"HR 5x daily", "HR 5x daily"},
		{"", ""},
	} {
		got, ins := New().Mark(c.in)
		if got != c.want {
			t.Errorf("Mark(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
		// The insertions rebuild the marked text from the original.
		var b strings.Builder
		last := 0
		for _, in := range ins {
			b.WriteString(c.in[last:in.At] + in.Text)
			last = in.At
		}
		if b.WriteString(c.in[last:]); b.String() != got {
			t.Errorf("Mark(%q): insertions %v do not rebuild %q", c.in, ins, got)
		}
	}
}

// Each band's edges: the value just inside a band takes its state, one in
// a grey zone takes none.
func TestBands(t *testing.T) {
	for _, c := range []struct{ in, state string }{
		{"Na 134", "low"}, {"Na 135", "normal"}, {"Na 145", "normal"}, {"Na 146", "high"},
		{"K 3.4", "low"}, {"K 3.5", "normal"}, {"K 5.0", "normal"}, {"K 5.1", "high"},
		{"HR 59", "low"}, {"HR 60", "normal"}, {"HR 100", "normal"}, {"HR 101", "high"},
		{"T 37.9", ""}, {"T 38.0", "high"}, {"T 100.4 F", "high"}, {"T 35.5", ""},
		{"SpO2 91%", "low"}, {"SpO2 93%", ""}, {"SpO2 94%", "normal"},
		{"BP 139/89", ""}, {"BP 140/80", "high"}, {"BP 89/60", "low"}, {"BP 120/80", "normal"},
		{"WBC 11500", "high"}, {"WBC 11000", "normal"}, {"WBC 3.9", "low"},
	} {
		got, ins := New().Mark(c.in)
		switch {
		case c.state == "" && ins != nil:
			t.Errorf("%q: marked %q, want no mark", c.in, got)
		case c.state != "" && (len(ins) != 1 || !strings.HasPrefix(ins[0].Text, " ("+c.state+" ")):
			t.Errorf("%q: got %q, want state %s", c.in, got, c.state)
		}
	}
}

func FuzzMark(f *testing.F) {
	for _, s := range []string{"Na 124", "BP 120/80 mmHg", "WBC 1,200,000", "T <", "HR in the", "K 3.2-"} {
		f.Add(s)
	}
	m := New()
	f.Fuzz(func(t *testing.T, s string) {
		got, ins := m.Mark(s)
		n := len(s)
		for i, in := range ins {
			if in.At < 0 || in.At > len(s) || i > 0 && in.At < ins[i-1].At {
				t.Fatalf("insertion %d at %d out of order", i, in.At)
			}
			n += len(in.Text)
		}
		if len(got) != n {
			t.Fatalf("marked length %d, want %d", len(got), n)
		}
	})
}

// Each insertion names the reading it marks, from the name to the unit.
func TestReadings(t *testing.T) {
	text := "Triage vitals: T 39.4 C, INR on admission 1.1; BP 84/50 mmHg."
	_, ins := New().Mark(text)
	want := []struct{ reading, analyte, state, term string }{
		{"T 39.4 C", "temperature", "high", "fever"}, {"INR on admission 1.1", "INR", "normal", ""}, {"BP 84/50 mmHg", "blood pressure", "low", "hypotension"},
	}
	if len(ins) != len(want) {
		t.Fatalf("got %d insertions, want %d", len(ins), len(want))
	}
	for i, w := range want {
		in := ins[i]
		if got := text[in.Start:in.At]; got != w.reading || in.Analyte != w.analyte || string(in.State) != w.state || in.Term != w.term {
			t.Errorf("insertion %d: %q %s %s %q, want %q %s %s %q", i, got, in.Analyte, in.State, in.Term, w.reading, w.analyte, w.state, w.term)
		}
	}
}

func BenchmarkMark(b *testing.B) {
	note := strings.Repeat("Triage vitals: T 39.4 C, HR 118, BP 104/62, RR 24, SpO2 91% on RA. Labs notable for Na 128, K 5.9, "+
		"creatinine 2.3 mg/dL (baseline 1.0), WBC 15.2 and lactate 3.1. Patient denies chest pain; reports dyspnea. ", 50)
	m := New()
	b.SetBytes(int64(len(note)))
	for b.Loop() {
		m.Mark(note)
	}
}
