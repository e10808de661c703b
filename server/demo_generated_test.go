package server

import (
	"testing"

	"github.com/clinlm/clinlm/inference"
)

func ptr(s string) *string { return &s }

// The no-JavaScript view shows what a text-to-text model wrote, as the
// websocket view does.
func TestDemoResultCarriesGeneratedText(t *testing.T) {
	cases := []struct {
		name   string
		in     inference.Input
		output any
		want   string
		clip   bool
	}{
		{"nli", inference.Input{Premise: "p", Hypothesis: "h"},
			inference.NLIOutput{Labels: []inference.LabelScore{{Label: "entailment", Score: 1}}, Generated: ptr("entailment")}, "entailment", false},
		{"qa", inference.Input{Context: "no effusion", Question: "effusion?"},
			inference.QAOutput{Answers: []inference.Answer{}, Generated: ptr("N/A")}, "N/A", false},
		{"clip", inference.Input{Text: "Repeat CBC."},
			inference.CLIPOutput{Sentences: []inference.Sentence{{Text: "Repeat CBC.", End: 11, Generated: ptr("lab")}}}, "lab", true},
		{"classifier", inference.Input{Premise: "p", Hypothesis: "h"},
			inference.NLIOutput{Labels: []inference.LabelScore{{Label: "neutral", Score: 1}}}, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := demoResult("m", c.in, inference.Result{Output: c.output}, nil, []string{"lab"}, clipCut{single: true, value: 0.5})
			got := r.Generated
			if c.clip {
				got = r.Sentences[0].Generated
			}
			if (c.want == "") != (got == nil) || (got != nil && *got != c.want) {
				t.Errorf("generated %v, want %q", got, c.want)
			}
		})
	}
}
