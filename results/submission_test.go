package results

import (
	"math"
	"strings"
	"testing"
)

func goodSubmission() Submission {
	std := 0.01
	return Submission{Model: "My-ClinBERT", Params: "110M", Domain: "clinical", Method: "finetuned",
		Task: TaskMedNLI, Metric: MetricAccuracy, Value: 0.84, Std: &std, Runs: 3, Source: "submission 1"}
}

func TestCheckSubmission(t *testing.T) {
	set := mustDefault(t)
	neg, big, flops, noFLOPs := -0.5, 1.5, 2.1e20, 0.0
	cases := []struct {
		name   string
		change func(*Submission)
		field  string
		want   string
	}{
		{"fine", func(*Submission) {}, "", ""},
		{"no model", func(s *Submission) { s.Model = " " }, "model_name", "missing"},
		{"paper model", func(s *Submission) { s.Model = "gpt-3" }, "model_name", "the paper's model"},
		{"bad params", func(s *Submission) { s.Params = "lots" }, "model_params", "not a printed quantity"},
		{"no params", func(s *Submission) { s.Params = "" }, "model_params", "missing"},
		{"bad domain", func(s *Submission) { s.Domain = "legal" }, "model_domain", "unknown domain"},
		{"bad method", func(s *Submission) { s.Method = "zero-shot" }, "model_method", "unknown method"},
		{"bad task", func(s *Submission) { s.Task = "NER" }, "task", "unknown task"},
		{"metric of another task", func(s *Submission) { s.Metric = MetricF1 }, "metric", "want accuracy"},
		{"value above 1", func(s *Submission) { s.Value = 84 }, "value", "84 is above 1"},
		{"value below 0", func(s *Submission) { s.Value = -0.1 }, "value", "is below 0"},
		{"negative std", func(s *Submission) { s.Std = &neg }, "std", "is below 0"},
		{"std above 1", func(s *Submission) { s.Std = &big }, "std", "is above 1"},
		{"no runs", func(s *Submission) { s.Runs = 0 }, "runs", "not between 1"},
		{"std of one run", func(s *Submission) { s.Runs = 1 }, "std", "single run"},
		{"with FLOPs", func(s *Submission) { s.PretrainingFLOPs = &flops }, "", ""},
		{"zero FLOPs", func(s *Submission) { s.PretrainingFLOPs = &noFLOPs }, "pretraining_flops", "not a FLOPs count"},
		{"negative FLOPs", func(s *Submission) { s.PretrainingFLOPs = &neg }, "pretraining_flops", "not a FLOPs count"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sub := goodSubmission()
			c.change(&sub)
			got := set.CheckSubmission(sub)
			if c.field == "" {
				if len(got) != 0 {
					t.Fatalf("problems %+v for a good submission", got)
				}
				return
			}
			if len(got) != 1 || got[0].Field != c.field || !strings.Contains(got[0].Message, c.want) {
				t.Fatalf("problems = %+v, want one on %s containing %q", got, c.field, c.want)
			}
		})
	}
}

func TestWithSubmitted(t *testing.T) {
	set := mustDefault(t)
	first, second, clash := goodSubmission(), goodSubmission(), goodSubmission()
	second.Value, second.Source = 0.86, "submission 2"
	clash.Model = "BioClinRoBERTa"
	out, skipped := set.WithSubmitted([]Submission{first, second, clash})
	if len(skipped) != 1 || skipped[0].Model != clash.Model {
		t.Fatalf("skipped = %+v, want the one named after a paper model", skipped)
	}
	m, ok := out.Model("my-clinbert")
	if !ok || m.Origin != OriginSubmitted || m.Domain != DomainClinical || m.Params.Float() != 110e6 {
		t.Fatalf("model = %+v, %v", m, ok)
	}
	rows, err := out.Results(Filter{Model: "My-ClinBERT"})
	if err != nil || len(rows) != 1 || rows[0].Value != 0.86 || rows[0].Origin != OriginSubmitted {
		t.Fatalf("results = %+v, %v; want the later submission only", rows, err)
	}
	if _, ok := set.Model("my-clinbert"); ok {
		t.Fatal("WithSubmitted changed the set it was called on")
	}
}

// TestSubmittedFigure3: a finetuned submission with FLOPs is a point of
// its task metric's panel at ln(FLOPs); one without FLOPs, an in-context
// one or another metric is not.
func TestSubmittedFigure3(t *testing.T) {
	set := mustDefault(t)
	flops := 1e20
	with, without, inContext := goodSubmission(), goodSubmission(), goodSubmission()
	with.PretrainingFLOPs = &flops
	without.Model = "No-FLOPs-BERT"
	inContext.Model, inContext.Method, inContext.PretrainingFLOPs = "Prompted-LM", "in-context", &flops
	board, skipped := set.WithSubmitted([]Submission{with, without, inContext})
	if len(skipped) != 0 {
		t.Fatalf("skipped %+v", skipped)
	}
	points, err := board.SubmittedFigure3(TaskMedNLI, MetricAccuracy)
	if err != nil {
		t.Fatal(err)
	}
	if len(points) != 1 || points[0].Model != with.Model || points[0].Y != with.Value || math.Abs(points[0].X-math.Log(flops)) > 1e-12 {
		t.Fatalf("points %+v", points)
	}
	if other, _ := board.SubmittedFigure3(TaskRadQA, MetricF1); len(other) != 0 {
		t.Fatalf("RadQA points %+v", other)
	}
	if paper, _ := set.SubmittedFigure3(TaskMedNLI, MetricAccuracy); len(paper) != 0 {
		t.Fatalf("the paper's set has submitted points %+v", paper)
	}
}
