package components

import (
	"strings"
	"testing"

	"github.com/clinlm/clinlm/internal/htmltest"
	"golang.org/x/net/html"
)

// TestDemoResultShowsGeneratedText: a text-to-text model's answer says what
// the model wrote (NLI and QA under the result, CLIP per sentence), escaped;
// other models' answers say nothing of the kind.
func TestDemoResultShowsGeneratedText(t *testing.T) {
	str := func(s string) *string { return &s }
	hostile := `<script>alert("x")</script> & "entailment"`
	tests := []struct {
		name   string
		task   string
		result DemoResult
		// want is the text of each "model wrote" element, in page order.
		want []string
	}{
		{"nli text-to-text", "nli", DemoResult{Model: "t5", Bars: []DemoBar{{Label: "entailment", Score: "0.900", Percent: 90}},
			Generated: str("entailment")}, []string{"model wrote: entailment"}},
		{"nli classifier", "nli", DemoResult{Model: "bert", Bars: []DemoBar{{Label: "entailment", Score: "0.900", Percent: 90}}}, nil},
		{"nli hostile text", "nli", DemoResult{Model: "t5", Generated: str(hostile)}, []string{"model wrote: " + hostile}},
		{"nli wrote nothing", "nli", DemoResult{Model: "t5", Generated: str("")}, []string{"model wrote:"}}, // an empty quote
		{"qa answer not in the context", "qa", DemoResult{Model: "t5", Generated: str("chest pain")}, []string{"model wrote: chest pain"}},
		{"clip per sentence", "clip", DemoResult{Model: "t5", Sentences: []DemoSentence{
			{Text: "Take aspirin.", Labels: []DemoLabel{{Label: "medication", Score: "1.000", Class: "lab-1"}}, Generated: str("medication")},
			{Text: "Call us.", Generated: str("patient instructions, other")},
		}}, []string{"model wrote: medication", "model wrote: patient instructions, other"}},
		{"clip classifier", "clip", DemoResult{Model: "bert", Sentences: []DemoSentence{{Text: "Take aspirin."}}}, nil},
		{"error", "nli", DemoResult{Model: "t5", Error: "model busy"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page := DemoPage{Task: tc.task, TaskTitle: tc.task, Results: []DemoResult{tc.result}}
			doc, raw := renderDoc(t, Demo(testChrome(), page))
			if strings.Contains(raw, "<script>alert") {
				t.Fatalf("generated text is not escaped: %s", raw)
			}
			article := htmltest.One(t, doc, htmltest.ByAttr("data-model", tc.result.Model), "result")
			var got []string
			for _, n := range htmltest.FindAll(article, htmltest.ByAttr("data-testid", "generated")) {
				got = append(got, htmltest.Text(n))
				if q := htmltest.FindAll(n, htmltest.ByTag("q")); len(q) != 1 {
					t.Errorf("generated text is not quoted: %d <q>", len(q))
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("model wrote %q, want %q", got, tc.want)
			}
			if tc.task == "clip" {
				// Each sentence's generation stays in its own list item.
				for i, li := range htmltest.FindAll(article, func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == "li" }) {
					if s := tc.result.Sentences[i]; s.Generated != nil && !strings.Contains(htmltest.Text(li), *s.Generated) {
						t.Errorf("sentence %d: %q lacks its generation", i, htmltest.Text(li))
					}
				}
			}
		})
	}
}
