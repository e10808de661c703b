package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/inference/eval"
	"github.com/clinlm/clinlm/inference/eval/devset"
	"github.com/clinlm/clinlm/internal/testenv"
)

// TestDevsetThresholds runs each bundled dev set through `clinlm eval` with
// its demo model from models/ and fails below the floor (devset.Targets),
// except for an open shortfall (devset.Shortfalls), which must not get worse. A
// model that is not in models/ yet is skipped by name; any other problem
// fails. The log has the score per category of the dev set and the ids of
// the misses, for the model cards.
func TestDevsetThresholds(t *testing.T) {
	repo, ortLib := testenv.RepoRoot(t), testenv.ORTLibrary(t)
	for _, target := range devset.Targets() {
		t.Run(target.Task+"/"+target.Model, func(t *testing.T) {
			if _, err := os.Stat(filepath.Join(repo, "models", target.Model)); os.IsNotExist(err) {
				t.Skipf("models/%s is not in the repository yet (issue 10 trains it); once it is, its dev-set %s must reach %v",
					target.Model, target.Metric, target.Min)
			}
			args := []string{"--models", filepath.Join(repo, "models"), "--model", target.Model,
				"--data", devset.Prefix + target.Task, "--json", "--predictions", "--ort-lib", ortLib, "--device", "cpu",
				// One sequence per run: dynamically quantized int8 models
				// answer differently inside batches of other examples
				// (issue 10 item 6), which moves the score from run to run.
				"--max-batch", "1"}
			if target.Task == eval.TaskQA {
				args = append(args, "--squad-version", "2.0")
			}
			code, stdout, stderr := runEvalCLI(t, args...)
			if code != 0 {
				t.Fatalf("clinlm eval exited %d: %s", code, stderr)
			}
			var rep eval.Report
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatalf("clinlm eval --json: %v", err)
			}
			gold := readDevset(t, target.Task)
			if len(rep.Predictions) != len(gold) {
				t.Fatalf("%d predictions for %d examples", len(rep.Predictions), len(gold))
			}
			logDevsetCategories(t, gold, rep.Predictions)
			i := slices.IndexFunc(rep.Metrics, func(m eval.Metric) bool { return m.Name == target.Metric })
			if i < 0 {
				t.Fatalf("the report has no %s: %v", target.Metric, rep.Metrics)
			}
			t.Logf("%s on devset:%s: %v", target.Model, target.Task, rep.Metrics)
			got := rep.Metrics[i].Value
			short := devset.Shortfalls()[target.Task]
			switch {
			case got >= target.Min && short.Score > 0:
				t.Errorf("%s reaches its floor (%s %.4f ≥ %v): remove its score from devset.Shortfalls", target.Model, target.Metric, got, target.Min)
			case got >= target.Min:
			case short.Score > 0 && got >= short.Score-1e-4:
				t.Logf("open shortfall (issue 10): %s dev-set %s %.4f, floor %v", target.Model, target.Metric, got, target.Min)
			default:
				t.Errorf("%s: dev-set %s %.4f, below the floor %v (and below the recorded shortfall %v)", target.Model, target.Metric, got, target.Min, short.Score)
			}
		})
	}
}

func readDevset(t *testing.T, task string) []eval.Example {
	t.Helper()
	f, err := devset.Open(task)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	examples, err := eval.ReadTaskFile(f, task, 0)
	if err != nil {
		t.Fatal(err)
	}
	return examples
}

// devsetScore scores one prediction: 1 or 0 for nli (right label) and clip
// (the exact label set), the SQuAD 2.0 F1 in [0, 1] for qa; it also gives
// the example's id and its categories (nli and clip: the id's tag; qa: the
// answer kind and the modality).
func devsetScore(ex eval.Example, p eval.Prediction) (id string, categories []string, score float64) {
	switch {
	case ex.NLI != nil:
		id = ex.NLI.ID
		if p.Label == ex.NLI.Label {
			score = 1
		}
	case ex.QA != nil:
		id = ex.QA.ID
		golds := make([]string, len(ex.QA.Answers))
		for i, a := range ex.QA.Answers {
			golds[i] = a.Text
		}
		answer := ""
		if p.Answer != nil {
			answer = *p.Answer
		}
		_, score = eval.SQuADExample(answer, golds, eval.SQuADv2)
	case ex.CLIP != nil:
		id = ex.CLIP.ID
		want, got := slices.Clone(ex.CLIP.Labels), slices.Clone(p.Labels)
		slices.Sort(want)
		slices.Sort(got)
		if slices.Equal(want, got) {
			score = 1
		}
	}
	parts := strings.Split(id, "-")
	if ex.QA != nil && len(parts) == 4 {
		modality := strings.TrimRight(parts[1], "0123456789")
		return id, []string{"kind " + parts[2], "modality " + modality}, score
	}
	if len(parts) >= 3 {
		return id, []string{parts[1]}, score
	}
	return id, []string{"?"}, score
}

// logDevsetCategories logs the mean score per category and the misses.
func logDevsetCategories(t *testing.T, gold []eval.Example, preds []eval.Prediction) {
	t.Helper()
	sum, n := map[string]float64{}, map[string]int{}
	var misses []string
	for i, ex := range gold {
		id, categories, score := devsetScore(ex, preds[i])
		if preds[i].ID != id {
			t.Fatalf("prediction %d is for %q, the dev set has %q", i+1, preds[i].ID, id)
		}
		for _, c := range categories {
			sum[c] += score
			n[c]++
		}
		if score < 1 {
			misses = append(misses, fmt.Sprintf("%s(%.2f)", id, score))
		}
	}
	names := make([]string, 0, len(n))
	for c := range n {
		names = append(names, c)
	}
	sort.Strings(names)
	for _, c := range names {
		t.Logf("  %-16s %.3f over %d", c, sum[c]/float64(n[c]), n[c])
	}
	t.Logf("  misses (score < 1): %s", strings.Join(misses, " "))
}
