package sentences

import (
	"reflect"
	"strings"
	"testing"
)

func texts(text string, spans []Span) []string {
	var out []string
	for _, s := range spans {
		out = append(out, text[s.Start:s.End])
	}
	return out
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"prose", "The patient is stable. She will go home today! Any questions?",
			[]string{"The patient is stable.", "She will go home today!", "Any questions?"}},
		{"abbreviations", "Seen by Dr. Smith today. Take metoprolol 25 mg p.o. b.i.d. until follow up. Pt. is well.",
			[]string{"Seen by Dr. Smith today.", "Take metoprolol 25 mg p.o. b.i.d. until follow up.", "Pt. is well."}},
		{"initials and lower case continuation", "Call J. Doe at the clinic. Dose was 5 mg. daily at night.",
			[]string{"Call J. Doe at the clinic.", "Dose was 5 mg. daily at night."}},
		{"vitals with decimals and slashes", "Vitals: T 98.6 BP 120/80 HR 72 RR 16 SpO2 98% RA. Exam normal.",
			[]string{"Vitals: T 98.6 BP 120/80 HR 72 RR 16 SpO2 98% RA.", "Exam normal."}},
		{"numbered list", "Discharge medications:\n1. Aspirin 81 mg daily.\n2. Lisinopril 10 mg daily\n3) Insulin as directed",
			[]string{"Discharge medications:", "1. Aspirin 81 mg daily.", "2. Lisinopril 10 mg daily", "3) Insulin as directed"}},
		{"bullets", "Instructions:\n- No lifting\n* Call if fever\n• Keep the wound dry",
			[]string{"Instructions:", "- No lifting", "* Call if fever", "• Keep the wound dry"}},
		{"inline upper-case header", "HISTORY OF PRESENT ILLNESS: 67M with chest pain. Admitted.",
			[]string{"HISTORY OF PRESENT ILLNESS:", "67M with chest pain.", "Admitted."}},
		{"wrapped lines join, blank line splits", "He was admitted with\nchest pain and treated\n\nFollow up in clinic",
			[]string{"He was admitted with\nchest pain and treated", "Follow up in clinic"}},
		{"quotes close a sentence", `He said "I feel better." Then he left.`,
			[]string{`He said "I feel better."`, "Then he left."}},
		{"unicode", "Température 38,5 °C. Patiënt stabiel.", []string{"Température 38,5 °C.", "Patiënt stabiel."}},
		{"empty", "  \n\n ", nil},
		{"no final period", "Follow up in two weeks", []string{"Follow up in two weeks"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := texts(tc.text, Split(tc.text))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Split(%q)\n got %q\nwant %q", tc.text, got, tc.want)
			}
		})
	}
}

// FuzzSplit checks the invariants: spans are ordered, disjoint, trimmed,
// non-empty and inside the text; no non-space text is lost.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"A. B. C.", "1. x\n2. y", "HPI: a. b", "\n\n", "Dr. X. y? z!", "é. Ü."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		prev := 0
		var kept strings.Builder
		for _, s := range Split(text) {
			if s.Start < prev || s.End <= s.Start || s.End > len(text) {
				t.Fatalf("bad span %+v after %d in %q", s, prev, text)
			}
			part := text[s.Start:s.End]
			if strings.TrimSpace(part) != part {
				t.Fatalf("untrimmed span %q", part)
			}
			kept.WriteString(part)
			prev = s.End
		}
		if strip(kept.String()) != strip(text) {
			t.Fatalf("text lost: %q vs %q", kept.String(), text)
		}
	})
}

func strip(s string) string {
	return strings.Join(strings.Fields(s), "")
}
