package results

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/internal/testenv"
)

// A good row of clinlm_demo.csv the bad-row cases below change one field of.
const demoGoodRow = "run-x,all-MiniLM-L6-v2,general,3,3111,CLIP,HoC test,micro_f1,0.5,int8,false,x.json#eval.f1,fraction,"

func TestLoadDemoReportsBadRows(t *testing.T) {
	tests := []struct {
		name, row, field, want string
	}{
		{"run name with upper case", strings.Replace(demoGoodRow, "run-x", "Run X", 1), "run", `"Run X" is not a run name`},
		{"unknown domain", strings.Replace(demoGoodRow, ",general,", ",medical,", 1), "domain", `unknown domain "medical"`},
		{"zero layers", strings.Replace(demoGoodRow, ",3,3111,", ",0,3111,", 1), "layers", "0 layers is out of range"},
		{"tiny vocabulary", strings.Replace(demoGoodRow, ",3111,", ",2,", 1), "vocab", "too small"},
		{"stand-in not a paper task", strings.Replace(demoGoodRow, ",CLIP,", ",HoC,", 1), "stand_in", `unknown task "HoC"`},
		{"metric of another task", strings.Replace(demoGoodRow, ",micro_f1,", ",accuracy,", 1), "metric", `unknown metric "accuracy" for task CLIP`},
		{"percent value", strings.Replace(demoGoodRow, ",0.5,", ",58.4,", 1), "value", "58.4 is above 1"},
		{"no dataset", strings.Replace(demoGoodRow, ",HoC test,", ",,", 1), "dataset", "missing"},
		{"unknown weights", strings.Replace(demoGoodRow, ",int8,", ",fp16,", 1), "weights", `"fp16": want int8 or fp32`},
		{"shipped yes", strings.Replace(demoGoodRow, ",false,", ",yes,", 1), "shipped", `"yes" is not true or false`},
		{"record without a path", strings.Replace(demoGoodRow, "x.json#eval.f1", "x.json", 1), "record", "is not FILE.json#dotted.path"},
		{"record outside metrics", strings.Replace(demoGoodRow, "x.json#", "/etc/x.json#", 1), "record", "is not FILE.json#dotted.path"},
		{"unknown unit", strings.Replace(demoGoodRow, ",fraction,", ",ratio,", 1), "record_unit", `"ratio": want fraction or percent`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := goodFS(t)
			appendLine(m, FileDemo, tc.row)
			row := strings.Count(string(m[FileDemo].Data), "\n")
			_, err := Load(m)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Load accepted %q: %v", tc.row, err)
			}
			if fe.File != FileDemo || fe.Row != row || fe.Field != tc.field || !strings.Contains(fe.Msg, tc.want) {
				t.Errorf("problem %v, want %s row %d field %q containing %q", fe, FileDemo, row, tc.field, tc.want)
			}
		})
	}
}

func TestLoadDemoReportsInconsistentRuns(t *testing.T) {
	t.Run("duplicate score", func(t *testing.T) {
		m := goodFS(t)
		appendLine(m, FileDemo, demoGoodRow)
		appendLine(m, FileDemo, demoGoodRow)
		_, err := Load(m)
		if err == nil || !strings.Contains(err.Error(), "duplicate row for run-x HoC test micro_f1 int8") {
			t.Errorf("a duplicated score was not reported: %v", err)
		}
	})
	t.Run("run changes its encoder", func(t *testing.T) {
		m := goodFS(t)
		appendLine(m, FileDemo, demoGoodRow)
		appendLine(m, FileDemo, strings.Replace(demoGoodRow, ",3,3111,", ",6,3111,", 1))
		_, err := Load(m)
		if err == nil || !strings.Contains(err.Error(), "run run-x: encoder, domain, layers, vocab, stand_in and shipped differ") {
			t.Errorf("a run whose rows disagree was not reported: %v", err)
		}
	})
}

// TestDemoNumbersMatchTrainingRecords checks every served demo number
// against the metrics file the training script wrote (tools/train/metrics),
// and every shipped run against its model's manifest, so the leaderboard
// cannot drift from what was measured.
func TestDemoNumbersMatchTrainingRecords(t *testing.T) {
	set, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	rows := set.Demo("")
	if len(rows) == 0 {
		t.Fatal("no demo results")
	}
	root := testenv.RepoRoot(t)
	shippedRuns := map[string][]bool{} // run -> per row: are these the weights in models/?
	for _, d := range rows {
		file, path, _ := strings.Cut(d.Record, "#")
		raw, err := os.ReadFile(filepath.Join(root, "tools", "train", "metrics", filepath.FromSlash(file)))
		if err != nil {
			t.Errorf("%s %s: record: %v", d.Run, d.Metric, err)
			continue
		}
		var doc any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		// The training record says which file went into models/ ("shipped").
		shippedWeights, _ := doc.(map[string]any)["shipped"].(string)
		for _, key := range strings.Split(path, ".") {
			obj, _ := doc.(map[string]any)
			doc = obj[key]
		}
		recorded, ok := doc.(float64)
		if !ok {
			t.Errorf("%s %s: %s holds %v, not a number", d.Run, d.Metric, d.Record, doc)
			continue
		}
		if d.RecordUnit == UnitPercent {
			recorded /= 100
		}
		if math.Abs(recorded-d.Value) > 5e-5 {
			t.Errorf("%s %s on %s: served %v, the training record says %v", d.Run, d.Metric, d.Dataset, d.Value, recorded)
		}
		if d.Origin != OriginDemo {
			t.Errorf("%s: origin %q", d.Run, d.Origin)
		}
		if d.Shipped && d.Weights == shippedWeights {
			checkShippedManifest(t, filepath.Join(root, "models", d.Run, "manifest.json"), d)
		}
		if d.Shipped {
			shippedRuns[d.Run] = append(shippedRuns[d.Run], d.Weights == shippedWeights)
		}
	}
	for run, rowsOfShippedFile := range shippedRuns {
		if !slices.Contains(rowsOfShippedFile, true) {
			t.Errorf("%s is marked shipped, but none of its rows is of the weights in models/%s", run, run)
		}
	}
}

// checkShippedManifest requires the model's manifest to list the metric with
// the same value (manifests round to 4 decimals, as the CSV does).
func checkShippedManifest(t *testing.T, path string, d DemoResult) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%s is marked shipped: %v", d.Run, err)
		return
	}
	var m struct {
		Metrics []struct {
			Name  string  `json:"name"`
			Value float64 `json:"value"`
			Data  string  `json:"data"`
		} `json:"metrics"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	// Manifests keep the training script's names and units: SQuAD's
	// "exact" in percent where the leaderboard says exact_match in 0–1.
	names := []string{d.Metric}
	if d.Metric == MetricExactMatch {
		names = append(names, "exact")
	}
	for _, mm := range m.Metrics {
		v := mm.Value
		if d.RecordUnit == UnitPercent {
			v /= 100
		}
		if slices.Contains(names, mm.Name) && math.Abs(v-d.Value) <= 5e-5 {
			return
		}
	}
	t.Errorf("%s: the manifest has no %s of %v (%s)", d.Run, d.Metric, d.Value, d.Dataset)
}

func TestDemoFilterAndOrder(t *testing.T) {
	set, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	all := set.Demo("")
	order := taskOrder()
	for i := 1; i < len(all); i++ {
		if order[all[i-1].StandIn] > order[all[i].StandIn] {
			t.Errorf("demo rows out of task order at %d: %s after %s", i, all[i].StandIn, all[i-1].StandIn)
		}
	}
	total := 0
	for _, task := range Tasks() {
		rows := set.Demo(task.Name)
		for _, r := range rows {
			if r.StandIn != task.Name {
				t.Errorf("Demo(%s) returned a %s row", task.Name, r.StandIn)
			}
		}
		total += len(rows)
	}
	if total != len(all) {
		t.Errorf("per-task rows add up to %d, all rows %d", total, len(all))
	}
}
