//go:build cgo

package inference_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/batcher"
	"github.com/clinlm/clinlm/inference/models"
	"github.com/clinlm/clinlm/inference/ort"
	"github.com/clinlm/clinlm/internal/testenv"
)

// batchMates are inputs of varied lengths per task: each is answered alone,
// then all of them at once so that they share batches.
var batchMates = map[string][]inference.Input{
	"nli": {
		{Premise: "Patient denies chest pain.", Hypothesis: "The patient has chest pain."},
		{Premise: "Home medications include warfarin 5 mg daily for atrial fibrillation; INR on admission was 4.7 and warfarin was held.",
			Hypothesis: "The patient is on anticoagulation."},
		{Premise: "Afebrile.", Hypothesis: "The patient has a fever."},
		{Premise: "72-year-old woman with COPD on 2 L home oxygen, admitted with three days of worsening dyspnea, productive cough and " +
			"subjective fevers; she denies chest pain, leg swelling or recent travel. Exam notable for diffuse wheezes.",
			Hypothesis: "The patient is short of breath."},
	},
	"qa": {
		{Question: "Which side is the pleural effusion on?", Context: "FINDINGS: Small left pleural effusion. No pneumothorax. Heart size is normal."},
		{Question: "How large is the nodule?", Context: "CT CHEST. FINDINGS: A 7 mm nodule in the right upper lobe. No mediastinal " +
			"lymphadenopathy. Mild centrilobular emphysema. No pleural effusion. IMPRESSION: Right upper lobe nodule; follow-up CT in 6 months."},
		{Question: "Is there a pneumothorax?", Context: "No pneumothorax."},
	},
	"clip": {
		{Text: "Start metoprolol 25 mg twice daily."},
		{Text: "Follow up with cardiology in 2 weeks. Please have a basic metabolic panel drawn on Monday to check your potassium."},
		{Text: "Ok."},
		{Text: "You were admitted for a heart failure exacerbation and treated with IV furosemide; please weigh yourself every morning " +
			"and call your cardiologist if you gain more than 3 lbs in one day, and limit salt to 2 g per day."},
	},
}

// TestDemoModelsBatchInvariant runs every model in models/ on inputs alone
// and inside batches of other inputs of varied lengths: the same note must
// get the same answer, with probabilities within 1e-4, whoever shares its
// batch (dynamic int8 quantisation, which scales activations per batch,
// fails this).
func TestDemoModelsBatchInvariant(t *testing.T) {
	lib := testenv.ORTLibrary(t)
	dir := filepath.Join(testenv.RepoRoot(t), "models")
	rt, err := ort.Open(ort.Config{LibraryPath: lib, Device: ort.DeviceCPU, IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	open := func(b batcher.Config) *inference.Engine {
		eng, err := inference.Open(inference.Config{Dir: dir, Runtime: rt, LoadTokenizer: inference.HFTokenizer, Batch: b})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { eng.Close() })
		return eng
	}
	alone := open(batcher.Config{MaxBatch: 1})
	// A wait long enough that the concurrent requests below meet in one batch.
	shared := open(batcher.Config{MaxBatch: 16, MaxWait: 100 * time.Millisecond})
	tested := 0
	for _, m := range alone.Models() {
		if m.Status != inference.StatusReady || m.Head == string(models.HeadTextToText) {
			continue
		}
		inputs := batchMates[m.Task]
		tested++
		t.Run(m.Name, func(t *testing.T) {
			ctx := context.Background()
			want := make([]inference.Result, len(inputs))
			for i, in := range inputs {
				if want[i], err = alone.Infer(ctx, m.Name, in, nil); err != nil {
					t.Fatal(err)
				}
			}
			// Twice, so the inputs meet different batch-mates and orders.
			for round := range 2 {
				got := make([]inference.Result, len(inputs))
				errs := make([]error, len(inputs))
				var wg sync.WaitGroup
				for i := range inputs {
					j := (i + round) % len(inputs)
					wg.Add(1)
					go func() {
						defer wg.Done()
						got[j], errs[j] = shared.Infer(ctx, m.Name, inputs[j], nil)
					}()
				}
				wg.Wait()
				for i := range inputs {
					if errs[i] != nil {
						t.Fatal(errs[i])
					}
					if d := compareOutputs(want[i].Output, got[i].Output); d != "" {
						t.Errorf("round %d, input %d: alone vs in a batch: %s", round, i, d)
					}
				}
			}
		})
	}
	if tested == 0 {
		t.Skip("no ready model in models/")
	}
}

const batchTolerance = 1e-4

func near(a, b float64) bool { return math.Abs(a-b) <= batchTolerance }

// compareOutputs says how two answers to the same input differ ("" when the
// label, span and predicted set are the same and every score is within 1e-4).
func compareOutputs(a, b any) string {
	switch x := a.(type) {
	case inference.NLIOutput:
		y := b.(inference.NLIOutput)
		return compareLabels(x.Labels, y.Labels)
	case inference.QAOutput:
		y := b.(inference.QAOutput)
		if len(x.Answers) != len(y.Answers) {
			return fmt.Sprintf("%d vs %d answers", len(x.Answers), len(y.Answers))
		}
		for i := range x.Answers {
			p, q := x.Answers[i], y.Answers[i]
			if p.Text != q.Text || p.Start != q.Start || !near(p.Score, q.Score) {
				return fmt.Sprintf("answer %d: %q %.6f vs %q %.6f", i, p.Text, p.Score, q.Text, q.Score)
			}
		}
		if (x.NoAnswerScore == nil) != (y.NoAnswerScore == nil) ||
			(x.NoAnswerScore != nil && !near(*x.NoAnswerScore, *y.NoAnswerScore)) {
			return "no-answer scores differ"
		}
	case inference.CLIPOutput:
		y := b.(inference.CLIPOutput)
		if len(x.Sentences) != len(y.Sentences) {
			return fmt.Sprintf("%d vs %d sentences", len(x.Sentences), len(y.Sentences))
		}
		for i := range x.Sentences {
			if d := compareLabels(x.Sentences[i].Labels, y.Sentences[i].Labels); d != "" {
				return fmt.Sprintf("sentence %d: %s", i, d)
			}
			if fmt.Sprint(x.Sentences[i].Predicted) != fmt.Sprint(y.Sentences[i].Predicted) {
				return fmt.Sprintf("sentence %d: predicted %v vs %v", i, x.Sentences[i].Predicted, y.Sentences[i].Predicted)
			}
		}
	default:
		return fmt.Sprintf("unexpected output %T", a)
	}
	return ""
}

func compareLabels(a, b []inference.LabelScore) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d vs %d labels", len(a), len(b))
	}
	for i := range a {
		if a[i].Label != b[i].Label || !near(a[i].Score, b[i].Score) {
			return fmt.Sprintf("label %d: %s %.6f vs %s %.6f", i, a[i].Label, a[i].Score, b[i].Label, b[i].Score)
		}
	}
	return ""
}
