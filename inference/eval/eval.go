// Package eval scores clinlm's models on task files: it reads JSONL task
// files (nli, qa, clip; see README.md), runs every example through the same
// inference.Engine the server uses, and computes the metrics with the
// official definitions — SQuAD v1.1/v2.0 exact match and F1, and sklearn's
// accuracy and per-label, micro and macro precision, recall and F1.
package eval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/models"
)

// Engine is what evaluation needs of *inference.Engine.
type Engine interface {
	Models() []inference.ModelInfo
	Model(name string) (inference.ModelInfo, bool)
	Manifest(name string) (models.Manifest, bool)
	Infer(ctx context.Context, name string, in inference.Input, partial inference.Partial) (inference.Result, error)
}

// ErrUnknownModel: no model of that name in the repository.
var ErrUnknownModel = errors.New("unknown model")

// Options tune a run.
type Options struct {
	// Limit > 0 scores only the first Limit examples.
	Limit int
	// Concurrency is how many examples are in flight (default 8), so that
	// the engine's dynamic batching has company to batch.
	Concurrency int
	// SQuAD picks the official script the QA scores follow (default 2.0).
	SQuAD SQuADVersion
	// ZeroDivision is the value of a score with a zero denominator (sklearn's
	// zero_division; 0 is its default).
	ZeroDivision float64
	// Predictions keeps each example's prediction in the report.
	Predictions bool
	// Progress, when set, is called after each example answered with how
	// far the run has come. Calls come one at a time, in order (the run
	// holds a lock around them), so it must be quick.
	Progress func(Progress)
}

// Progress is how far a run has come: the examples answered so far and the
// task's headline metric over them (nli accuracy, clip micro_f1, qa f1, on
// the scales of the report). Examples finish out of file order, so the
// running metric is over whichever have finished; after the last one it
// equals the report's.
type Progress struct {
	Done   int
	Metric Metric
}

// Metric is one headline number, in the shape of a manifest's metrics entry.
type Metric struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
}

// Prediction is what the model answered for one example.
type Prediction struct {
	Line int    `json:"line"`
	ID   string `json:"id,omitempty"`
	// Label (nli), Answer (qa; "" is no answer) or Labels (clip).
	Label  string   `json:"label,omitempty"`
	Answer *string  `json:"answer,omitempty"`
	Labels []string `json:"labels,omitempty"`
	// Probabilities (nli) are the model's probability of every label, so
	// predictions from several runs or models can be compared or combined.
	Probabilities map[string]float64 `json:"probabilities,omitempty"`
}

// Report is the outcome of one evaluation.
type Report struct {
	Model string `json:"model"`
	// ModelVersion is the engine's version of the model (the SHA-256 over
	// its folder's files, models.Entry.Version); DataSHA256 is the hex
	// SHA-256 of the task file's bytes (RunFile).
	ModelVersion string `json:"model_version,omitempty"`
	DataSHA256   string `json:"data_sha256,omitempty"`
	Task         string `json:"task"`
	Head         string `json:"head"`
	Examples     int    `json:"examples"`
	// Metrics are the headline numbers: nli accuracy and macro_f1; clip
	// micro_f1, macro_f1 and subset_accuracy (fractions in [0, 1]); qa the
	// official SQuAD keys exact and f1 (percent, 0–100, as the official
	// script prints them), with HasAns_/NoAns_ splits when the file has
	// unanswerable questions.
	Metrics        []Metric        `json:"metrics"`
	Classification *Classification `json:"classification,omitempty"`
	SQuAD          *SQuADScores    `json:"squad,omitempty"`
	SQuADVersion   SQuADVersion    `json:"squad_version,omitempty"`
	Predictions    []Prediction    `json:"predictions,omitempty"`
	Seconds        float64         `json:"seconds"`
}

// RunFile reads a task file for the model's task and evaluates the model on it.
func RunFile(ctx context.Context, eng Engine, model string, data io.Reader, opts Options) (Report, error) {
	mf, err := readyModel(eng, model)
	if err != nil {
		return Report{}, err
	}
	sum := sha256.New()
	examples, err := ReadTaskFile(io.TeeReader(data, sum), string(mf.Task), opts.Limit)
	if err != nil {
		return Report{}, err
	}
	// With a limit the reader may stop early; the digest names the whole file.
	if _, err := io.Copy(sum, data); err != nil {
		return Report{}, err
	}
	rep, err := Run(ctx, eng, model, examples, opts)
	rep.DataSHA256 = hex.EncodeToString(sum.Sum(nil))
	return rep, err
}

// DataSHA256 is the hex SHA-256 of a task file's bytes, as reports give it.
func DataSHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// readyModel finds a model that can run.
func readyModel(eng Engine, name string) (models.Manifest, error) {
	info, ok := eng.Model(name)
	if !ok {
		var names []string
		for _, m := range eng.Models() {
			names = append(names, m.Name)
		}
		have := "the repository has no models"
		if len(names) > 0 {
			have = "models: " + strings.Join(names, ", ")
		}
		return models.Manifest{}, fmt.Errorf("%w %q (%s)", ErrUnknownModel, name, have)
	}
	if info.Status != inference.StatusReady {
		return models.Manifest{}, fmt.Errorf("model %s is not loaded: %s", name, info.Error)
	}
	mf, _ := eng.Manifest(name)
	return mf, nil
}

// Run evaluates the model on examples already read for its task.
func Run(ctx context.Context, eng Engine, model string, examples []Example, opts Options) (Report, error) {
	start := time.Now()
	mf, err := readyModel(eng, model)
	if err != nil {
		return Report{}, err
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.SQuAD == "" {
		opts.SQuAD = SQuADv2
	}
	if opts.SQuAD != SQuADv1 && opts.SQuAD != SQuADv2 {
		return Report{}, fmt.Errorf("eval: SQuAD version %q (want 1.1 or 2.0)", opts.SQuAD)
	}
	if opts.Limit > 0 && len(examples) > opts.Limit {
		examples = examples[:opts.Limit]
	}
	task := string(mf.Task)
	if err := checkExamples(examples, task, mf.Labels); err != nil {
		return Report{}, err
	}
	preds, err := predictAll(ctx, eng, model, mf, examples, opts, newRunningMetric(task, opts))
	if err != nil {
		return Report{}, err
	}
	info, _ := eng.Model(model)
	rep := Report{Model: model, ModelVersion: info.Version, Task: task, Head: string(mf.Head), Examples: len(examples)}
	switch task {
	case TaskNLI, TaskCLIP:
		gold, pred := labelSets(examples, preds, mf.Labels)
		c, err := Classify(mf.Labels, gold, pred, opts.ZeroDivision)
		if err != nil {
			return Report{}, err
		}
		rep.Classification = &c
		if task == TaskNLI {
			rep.Metrics = []Metric{{"accuracy", c.Accuracy}, {"macro_f1", c.MacroF1}}
		} else {
			rep.Metrics = []Metric{{"micro_f1", c.MicroF1}, {"macro_f1", c.MacroF1}, {"subset_accuracy", c.Accuracy}}
		}
	case TaskQA:
		answers := make([]string, len(preds))
		golds := make([][]string, len(examples))
		for i, ex := range examples {
			answers[i] = *preds[i].Answer
			for _, a := range ex.QA.Answers {
				golds[i] = append(golds[i], a.Text)
			}
		}
		s := SQuAD(answers, golds, opts.SQuAD)
		rep.SQuAD, rep.SQuADVersion = &s, opts.SQuAD
		rep.Metrics = []Metric{{"exact", s.Exact}, {"f1", s.F1}}
		if s.NoAnsTotal > 0 {
			rep.Metrics = append(rep.Metrics, Metric{"HasAns_exact", s.HasAnsExact}, Metric{"HasAns_f1", s.HasAnsF1},
				Metric{"NoAns_exact", s.NoAnsExact}, Metric{"NoAns_f1", s.NoAnsF1})
		}
	}
	if opts.Predictions {
		rep.Predictions = preds
	}
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// checkExamples makes sure every example is of the task and names only the model's labels.
func checkExamples(examples []Example, task string, labels []string) error {
	for _, ex := range examples {
		var err error
		switch {
		case task == TaskNLI && ex.NLI != nil:
			if !slices.Contains(labels, ex.NLI.Label) {
				err = fmt.Errorf("label %q is not one of the model's labels (%s)", ex.NLI.Label, strings.Join(labels, ", "))
			}
		case task == TaskCLIP && ex.CLIP != nil:
			for _, l := range ex.CLIP.Labels {
				if !slices.Contains(labels, l) {
					err = fmt.Errorf("label %q is not one of the model's labels (%s)", l, strings.Join(labels, ", "))
					break
				}
			}
		case task == TaskQA && ex.QA != nil:
		default:
			err = fmt.Errorf("%w: not a %s example", ErrTaskMismatch, task)
		}
		if err != nil {
			return &LineError{Line: ex.Line, Err: err}
		}
	}
	return nil
}

// predictAll runs the examples with bounded concurrency; the first failure
// stops the run and names its line.
func predictAll(ctx context.Context, eng Engine, model string, mf models.Manifest, examples []Example, opts Options, running *runningMetric) ([]Prediction, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	preds := make([]Prediction, len(examples))
	next := make(chan int)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		done     int
	)
	for range min(opts.Concurrency, max(len(examples), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				p, err := predict(ctx, eng, model, mf, examples[i])
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = &LineError{Line: examples[i].Line, Err: err}
					}
					mu.Unlock()
					cancel()
					continue
				}
				preds[i] = p
				mu.Lock()
				done++
				running.add(examples[i], p)
				if opts.Progress != nil {
					opts.Progress(Progress{Done: done, Metric: running.value()})
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for i := range examples {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return preds, nil
}

// predict runs one example. QA predicts the best span, or "" when the model
// reports a no-answer score above it (HF's handle_impossible_answer); CLIP
// predicts the labels predicted for any sentence of the text (a sentence-level
// file normally holds one sentence per line).
func predict(ctx context.Context, eng Engine, model string, mf models.Manifest, ex Example) (Prediction, error) {
	p := Prediction{Line: ex.Line}
	var in inference.Input
	switch {
	case ex.NLI != nil:
		p.ID, in = ex.NLI.ID, inference.Input{Premise: ex.NLI.Premise, Hypothesis: ex.NLI.Hypothesis}
	case ex.QA != nil:
		p.ID, in = ex.QA.ID, inference.Input{Context: ex.QA.Context, Question: ex.QA.Question, TopK: 1}
	case ex.CLIP != nil:
		p.ID, in = ex.CLIP.ID, inference.Input{Text: ex.CLIP.Text}
	}
	res, err := eng.Infer(ctx, model, in, nil)
	if err != nil {
		// The engine keeps causes out of client answers; an evaluation's
		// user is the data's owner and needs them.
		if ae := inference.AsError(err); ae.Err != nil {
			return p, fmt.Errorf("%w (%v)", err, ae.Err)
		}
		return p, err
	}
	switch out := res.Output.(type) {
	case inference.NLIOutput:
		if len(out.Labels) == 0 {
			return p, errors.New("the model returned no labels")
		}
		p.Label = out.Labels[0].Label
		p.Probabilities = make(map[string]float64, len(out.Labels))
		for _, l := range out.Labels {
			p.Probabilities[l.Label] = l.Score
		}
	case inference.QAOutput:
		answer := ""
		if len(out.Answers) > 0 && (out.NoAnswerScore == nil || out.Answers[0].Score >= *out.NoAnswerScore) {
			answer = out.Answers[0].Text
		}
		p.Answer = &answer
	case inference.CLIPOutput:
		p.Labels = []string{}
		for _, l := range mf.Labels {
			for _, s := range out.Sentences {
				if slices.Contains(s.Predicted, l) {
					p.Labels = append(p.Labels, l)
					break
				}
			}
		}
	default:
		return p, fmt.Errorf("unexpected output %T", res.Output)
	}
	return p, nil
}

// labelSets are the gold and predicted label sets for Classify.
func labelSets(examples []Example, preds []Prediction, labels []string) (gold, pred [][]bool) {
	set := func(names ...string) []bool {
		row := make([]bool, len(labels))
		for _, n := range names {
			row[slices.Index(labels, n)] = true
		}
		return row
	}
	for i, ex := range examples {
		if ex.NLI != nil {
			gold = append(gold, set(ex.NLI.Label))
			pred = append(pred, set(preds[i].Label))
		} else {
			gold = append(gold, set(ex.CLIP.Labels...))
			pred = append(pred, set(preds[i].Labels...))
		}
	}
	return gold, pred
}
