package eval

// Parity with the reference definitions: tools/eval/metrics_reference.py
// restates the official SQuAD v1.1 and v2.0 evaluation scripts and calls
// scikit-learn; these tests feed it hundreds of seeded random cases and
// require the Go scores to match. Needs <repo>/.venv-models with
// tools/eval/requirements.txt (bash tools/eval/setup.sh); skips without it
// unless CI=true.

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/internal/testenv"
)

// referencePython returns the venv's interpreter once it can import sklearn.
func referencePython(t *testing.T) (python, repo string) {
	t.Helper()
	repo = testenv.RepoRoot(t)
	python = filepath.Join(repo, ".venv-models", "bin", "python")
	err := exec.Command(python, "-c", "import sklearn, numpy").Run()
	if err != nil {
		msg := "the evaluation reference venv (" + python + " with scikit-learn) is missing: run `bash tools/models/setup.sh && bash tools/eval/setup.sh`"
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (CI=true requires it): %v", msg, err)
		}
		t.Skipf("%s (with CI=true this test fails instead)", msg)
	}
	return python, repo
}

// runReference runs a tools/eval script with req as JSON on stdin.
func runReference(t *testing.T, script string, req any, resp any) {
	t.Helper()
	python, repo := referencePython(t)
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, filepath.Join(repo, "tools", "eval", script))
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, stderr.String())
	}
	if err := json.Unmarshal(out, resp); err != nil {
		t.Fatalf("%s output: %v", script, err)
	}
}

// answerPieces are the words random answers are made of: articles in
// several cases, punctuation, digits, underscores, non-ASCII letters,
// combining marks, Greek capitals (final sigma), dotted capital I, ligatures.
var answerPieces = []string{
	"the", "The", "THE", "a", "A", "an", "An", "AN", "theory", "anatomy", "cat", "Cat", "dogs", "blood",
	"pressure", "120/80", "mg", "5", "5.0", "x_y", "_", "_the_", "½", "²", "ΣΑΣ", "ΟΔΟΣ", "Σ", "σας", "ΑΣ'",
	"ΑΣ.Β", "İstanbul", "İ", "café", "cafe\u0301", "a\u0301", "the\u0300", "naïve", "'s", "it's", "(left)",
	"—", "–", "“quoted”", "‘", "’", "ß", "ﬁne", "ǅ", "Ǆ", "K+", "q.d.", "Dr.", "e.g.", "-", "...", "!?",
	"\u200bthe", "ＴＨＥ", "Ⅻ", "٣",
}

var answerSeparators = []string{" ", " ", " ", "  ", "\t", "\n", "\u00a0", "\u3000", "\u2009", "\x1c", "\x1f",
	"\x85", ",", ".", "", "-", "\u0301", "\u200b", "'"}

func randomAnswer(r *rand.Rand, maxWords int) string {
	n := r.IntN(maxWords + 1)
	var b strings.Builder
	if r.IntN(4) == 0 {
		b.WriteString(answerSeparators[r.IntN(len(answerSeparators))])
	}
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(answerSeparators[r.IntN(len(answerSeparators))])
		}
		b.WriteString(answerPieces[r.IntN(len(answerPieces))])
	}
	return b.String()
}

// variant rewrites an answer so that it often normalises to the same thing.
func variant(r *rand.Rand, s string) string {
	switch r.IntN(4) {
	case 0:
		return strings.ToUpper(s)
	case 1:
		return "The " + s + "."
	case 2:
		return s + " " + answerPieces[r.IntN(len(answerPieces))]
	}
	return s
}

type squadCase struct {
	Prediction string   `json:"prediction"`
	Golds      []string `json:"golds"`
}

func randomSQuADCases(seed uint64, n int) []squadCase {
	r := rand.New(rand.NewPCG(seed, 1))
	cases := make([]squadCase, n)
	for i := range cases {
		c := squadCase{Prediction: randomAnswer(r, 6), Golds: []string{}}
		for range r.IntN(4) {
			if r.IntN(3) == 0 {
				c.Golds = append(c.Golds, variant(r, c.Prediction))
			} else {
				c.Golds = append(c.Golds, randomAnswer(r, 6))
			}
		}
		cases[i] = c
	}
	return cases
}

type refScore struct {
	Exact float64 `json:"exact"`
	F1    float64 `json:"f1"`
}

func TestSQuADParityWithOfficialScripts(t *testing.T) {
	cases := randomSQuADCases(20230611, 600)
	var ref struct {
		SQuAD struct {
			Cases []struct {
				Normalized string   `json:"normalized"`
				V1         refScore `json:"1.1"`
				V2         refScore `json:"2.0"`
			} `json:"cases"`
			Totals map[SQuADVersion]map[string]float64 `json:"totals"`
		} `json:"squad"`
	}
	runReference(t, "metrics_reference.py", map[string]any{"squad": cases}, &ref)
	if len(ref.SQuAD.Cases) != len(cases) {
		t.Fatalf("reference scored %d of %d cases", len(ref.SQuAD.Cases), len(cases))
	}
	preds := make([]string, len(cases))
	golds := make([][]string, len(cases))
	nonTrivial := 0
	for i, c := range cases {
		preds[i], golds[i] = c.Prediction, c.Golds
		want := ref.SQuAD.Cases[i]
		if got := NormalizeAnswer(c.Prediction); got != want.Normalized {
			t.Errorf("case %d: NormalizeAnswer(%q) = %q, Python %q", i, c.Prediction, got, want.Normalized)
		}
		for _, v := range []struct {
			version SQuADVersion
			want    refScore
		}{{SQuADv1, want.V1}, {SQuADv2, want.V2}} {
			em, f1 := SQuADExample(c.Prediction, c.Golds, v.version)
			if em != v.want.Exact || f1 != v.want.F1 {
				t.Errorf("case %d v%s: %q vs %q: exact %v f1 %v, Python exact %v f1 %v",
					i, v.version, c.Prediction, c.Golds, em, f1, v.want.Exact, v.want.F1)
			}
			if f1 > 0 && f1 < 1 {
				nonTrivial++
			}
		}
	}
	if nonTrivial < 50 {
		t.Errorf("only %d cases have a partial F1; the generator does not exercise token overlap", nonTrivial)
	}
	for _, v := range []SQuADVersion{SQuADv1, SQuADv2} {
		s := SQuAD(preds, golds, v)
		want := ref.SQuAD.Totals[v]
		for name, got := range map[string]float64{
			"exact": s.Exact, "f1": s.F1, "total": float64(s.Total),
			"HasAns_exact": s.HasAnsExact, "HasAns_f1": s.HasAnsF1, "HasAns_total": float64(s.HasAnsTotal),
			"NoAns_exact": s.NoAnsExact, "NoAns_f1": s.NoAnsF1, "NoAns_total": float64(s.NoAnsTotal),
		} {
			if math.Abs(got-want[name]) > 1e-9 {
				t.Errorf("v%s %s = %v, Python %v", v, name, got, want[name])
			}
		}
		t.Logf("v%s over %d random cases: exact %.4f f1 %.4f (%d no-answer)", v, s.Total, s.Exact, s.F1, s.NoAnsTotal)
	}
}

type classCase struct {
	Labels       int     `json:"labels"`
	Gold         [][]int `json:"gold"`
	Pred         [][]int `json:"pred"`
	ZeroDivision float64 `json:"zero_division"`
}

type prfRef struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// randomClassCases mixes multi-label and one-hot (single-label) cases, with
// labels that never occur so that zero_division matters.
func randomClassCases(seed uint64, n int) []classCase {
	r := rand.New(rand.NewPCG(seed, 2))
	cases := make([]classCase, n)
	for i := range cases {
		// Two labels at least: sklearn reads a single 0/1 column as binary targets, not label sets.
		c := classCase{Labels: 2 + r.IntN(7), ZeroDivision: float64(r.IntN(2))}
		rows, oneHot := 1+r.IntN(40), r.IntN(3) == 0
		density := r.Float64() * 0.6
		row := func(src [][]int) [][]int {
			x := make([]int, c.Labels)
			if oneHot {
				x[r.IntN(c.Labels)] = 1
			} else {
				for j := range x {
					// the last label is rare, often absent altogether
					if r.Float64() < density && (j < c.Labels-1 || r.IntN(8) == 0) {
						x[j] = 1
					}
				}
			}
			return append(src, x)
		}
		for range rows {
			c.Gold = row(c.Gold)
			if r.IntN(3) == 0 {
				c.Pred = append(c.Pred, append([]int(nil), c.Gold[len(c.Gold)-1]...))
			} else {
				c.Pred = row(c.Pred)
			}
		}
		cases[i] = c
	}
	return cases
}

func bools(rows [][]int) [][]bool {
	out := make([][]bool, len(rows))
	for i, r := range rows {
		out[i] = make([]bool, len(r))
		for j, v := range r {
			out[i][j] = v == 1
		}
	}
	return out
}

func TestClassificationParityWithSklearn(t *testing.T) {
	cases := randomClassCases(20230611, 300)
	var ref struct {
		Classification []struct {
			PerLabel struct {
				Precision, Recall, F1 []float64
				Support               []int
			} `json:"per_label"`
			Micro    prfRef  `json:"micro"`
			Macro    prfRef  `json:"macro"`
			Accuracy float64 `json:"accuracy"`
		} `json:"classification"`
	}
	runReference(t, "metrics_reference.py", map[string]any{"classification": cases}, &ref)
	if len(ref.Classification) != len(cases) {
		t.Fatalf("reference scored %d of %d cases", len(ref.Classification), len(cases))
	}
	const tol = 1e-12
	near := func(a, b float64) bool { return math.Abs(a-b) <= tol }
	for i, c := range cases {
		labels := make([]string, c.Labels)
		for j := range labels {
			labels[j] = string(rune('a' + j))
		}
		got, err := Classify(labels, bools(c.Gold), bools(c.Pred), c.ZeroDivision)
		if err != nil {
			t.Fatal(err)
		}
		want := ref.Classification[i]
		for j, l := range got.Labels {
			if !near(l.Precision, want.PerLabel.Precision[j]) || !near(l.Recall, want.PerLabel.Recall[j]) ||
				!near(l.F1, want.PerLabel.F1[j]) || l.Support != want.PerLabel.Support[j] {
				t.Errorf("case %d label %d: P %v R %v F1 %v support %d, sklearn P %v R %v F1 %v support %d", i, j,
					l.Precision, l.Recall, l.F1, l.Support, want.PerLabel.Precision[j], want.PerLabel.Recall[j],
					want.PerLabel.F1[j], want.PerLabel.Support[j])
			}
		}
		for _, avg := range []struct {
			name      string
			p, r, f   float64
			reference prfRef
		}{
			{"micro", got.MicroPrecision, got.MicroRecall, got.MicroF1, want.Micro},
			{"macro", got.MacroPrecision, got.MacroRecall, got.MacroF1, want.Macro},
		} {
			if !near(avg.p, avg.reference.Precision) || !near(avg.r, avg.reference.Recall) || !near(avg.f, avg.reference.F1) {
				t.Errorf("case %d %s (zero_division %v): P %v R %v F1 %v, sklearn %+v", i, avg.name, c.ZeroDivision, avg.p, avg.r, avg.f, avg.reference)
			}
		}
		if !near(got.Accuracy, want.Accuracy) {
			t.Errorf("case %d: accuracy %v, sklearn %v", i, got.Accuracy, want.Accuracy)
		}
	}
}
