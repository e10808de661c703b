package results

import (
	"regexp"
	"sort"
)

// FileDemo holds clinlm's own demo-model results: small models we trained
// on public stand-in data (tools/train), never the paper's numbers.
const FileDemo = "clinlm_demo.csv"

// OriginDemo marks a number of clinlm's own demo models.
const OriginDemo Origin = "clinlm demo"

// Units a demo record's value is written in (the training scripts print
// SQuAD EM/F1 in percent, everything else as a fraction).
const (
	UnitFraction = "fraction"
	UnitPercent  = "percent"
)

// DemoResult is one score of a clinlm demo model or comparison run, on a
// public dataset that stands in for one of the paper's credentialed tasks.
type DemoResult struct {
	// Run names the training run: a shipped model's folder (minilm-hoc) or
	// a comparison run that was not shipped.
	Run string `json:"run"`
	// Encoder is what the run was fine-tuned from: all-MiniLM-L6-v2 as
	// published, or after our continued masked-LM pretraining.
	Encoder string `json:"encoder"`
	// Domain is the encoder's pretraining domain, as for the paper's models.
	Domain Domain `json:"domain"`
	Layers int    `json:"layers"`
	// Vocab is the WordPiece vocabulary size (pruned or the full 30,522).
	Vocab int `json:"vocab"`
	// StandIn is the paper's task this run stands in for; Dataset what it
	// was really scored on.
	StandIn string  `json:"stand_in"`
	Dataset string  `json:"dataset"`
	Metric  string  `json:"metric"`
	Value   float64 `json:"value"`
	// Weights is int8 or fp32: the file that was scored.
	Weights string `json:"weights"`
	// Shipped is true when the run is a model in the repository's models/.
	Shipped bool `json:"shipped"`
	// Record is where the number was written by the training script:
	// FILE#dotted.path under tools/train/metrics, in RecordUnit.
	Record     string `json:"record"`
	RecordUnit string `json:"record_unit"`
	Note       string `json:"note,omitempty"`
	Origin     Origin `json:"origin"`
}

// DemoColumns are the columns of clinlm_demo.csv, in the README's order.
func DemoColumns() []string {
	return []string{"run", "encoder", "domain", "layers", "vocab", "stand_in", "dataset", "metric", "value",
		"weights", "shipped", "record", "record_unit", "note"}
}

// demoRun is what the rows of one run must agree on.
type demoRun struct {
	encoder string
	domain  Domain
	layers  int
	vocab   int
	standIn string
	shipped bool
}

// demoRunName is a model-folder-like name: lower case, digits, dashes.
var demoRunName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// demoRecord is FILE.json#dotted.path.
var demoRecord = regexp.MustCompile(`^[a-z0-9][a-z0-9./-]*\.json#[A-Za-z0-9_.]+$`)

func (l *loader) loadDemo() {
	keys := seen{}
	runs := map[string]demoRun{}
	firstRow := map[string]int{} // the row each run was first seen at
	for _, r := range l.read(FileDemo, DemoColumns()...) {
		run, ok := r.required("run")
		if ok && !demoRunName.MatchString(run) {
			r.fail("run", "%q is not a run name (lower-case letters, digits and dashes)", run)
			ok = false
		}
		encoder, good := r.required("encoder")
		ok = ok && good
		domain, good := r.domain("domain")
		ok = ok && good
		layers, good := r.integer("layers")
		if good && (layers < 1 || layers > 48) {
			r.fail("layers", "%d layers is out of range (1–48)", layers)
			good = false
		}
		ok = ok && good
		vocab, good := r.integer("vocab")
		if good && vocab < 5 {
			r.fail("vocab", "a vocabulary of %d tokens is too small", vocab)
			good = false
		}
		ok = ok && good
		standIn, metric, good := r.taskMetric("stand_in", "metric")
		ok = ok && good
		_, good = r.required("dataset")
		ok = ok && good
		value, good := r.score("value")
		ok = ok && good
		weights := r.str("weights")
		if weights != "int8" && weights != "fp32" {
			r.fail("weights", "%q: want int8 or fp32", weights)
			ok = false
		}
		shipped, good := r.boolean("shipped")
		ok = ok && good
		record, good := r.required("record")
		if good && !demoRecord.MatchString(record) {
			r.fail("record", "%q is not FILE.json#dotted.path", record)
			good = false
		}
		ok = ok && good
		unit := r.str("record_unit")
		if unit != UnitFraction && unit != UnitPercent {
			r.fail("record_unit", "%q: want %s or %s", unit, UnitFraction, UnitPercent)
			ok = false
		}
		if !ok {
			continue
		}
		this := demoRun{encoder: encoder, domain: domain, layers: layers, vocab: vocab, standIn: standIn, shipped: shipped}
		if first, found := runs[run]; !found {
			runs[run], firstRow[run] = this, r.line
		} else if first != this {
			r.fail("run", "run %s: encoder, domain, layers, vocab, stand_in and shipped differ from row %d", run, firstRow[run])
			continue
		}
		dataset := r.str("dataset")
		if keys.dup(r, "metric", run+"|"+dataset+"|"+metric+"|"+weights, run+" "+dataset+" "+metric+" "+weights) {
			continue
		}
		l.s.demo = append(l.s.demo, DemoResult{Run: run, Encoder: encoder, Domain: domain, Layers: layers, Vocab: vocab,
			StandIn: standIn, Dataset: dataset, Metric: metric, Value: value, Weights: weights, Shipped: shipped,
			Record: record, RecordUnit: unit, Note: r.str("note"), Origin: OriginDemo})
	}
	tasks, metrics := taskOrder(), metricOrder()
	sort.SliceStable(l.s.demo, func(a, b int) bool {
		x, y := l.s.demo[a], l.s.demo[b]
		if x.StandIn != y.StandIn {
			return tasks[x.StandIn] < tasks[y.StandIn]
		}
		return metrics[x.Metric] < metrics[y.Metric]
	})
}

// Demo returns clinlm's demo-model results (origin "clinlm demo"), ordered
// by the paper task they stand in for, then metric, then file order. An
// empty stand-in selects every task.
func (s *Set) Demo(standIn string) []DemoResult {
	var out []DemoResult
	for _, d := range s.demo {
		if standIn == "" || d.StandIn == standIn {
			out = append(out, d)
		}
	}
	return out
}
