package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"text/tabwriter"
	"time"

	"github.com/clinlm/clinlm/inference/eval"
	"github.com/clinlm/clinlm/inference/eval/devset"
)

// runEval is `clinlm eval --model NAME --data FILE`: it runs the model over a
// JSONL task file through the same engine `clinlm serve` uses and prints the
// metrics (inference/eval/README.md describes the files and the metrics).
func runEval(ctx context.Context, args []string, sio stdio) error {
	fset := newFlagSet("eval", sio.err)
	var (
		inf         inferFlags
		model       = fset.String("model", "", "model name in the repository (required)")
		data        = fset.String("data", "", "JSONL task file, or devset:nli, devset:qa, devset:clip for the bundled dev set (required; see inference/eval/README.md)")
		limit       = fset.Int("limit", 0, "score only the first N examples (0: all)")
		asJSON      = fset.Bool("json", false, "print the report as JSON")
		predictions = fset.Bool("predictions", false, "with --json, include every example's prediction")
		concurrency = fset.Int("concurrency", 8, "examples in flight at once (fills the engine's batches)")
		squad       = fset.String("squad-version", "2.0", "official SQuAD script the QA scores follow: 1.1 or 2.0")
		zeroDiv     = fset.Float64("zero-division", 0, "value of a precision, recall or F1 with a zero denominator (sklearn's zero_division: 0 or 1)")
	)
	// The engine flags that matter to a batch job; the serving limits
	// (timeouts, note length, queue, frames) are set below instead.
	fset.StringVar(&inf.models, "models", "", "model repository directory (default ./models; see inference/models/README.md)")
	fset.StringVar(&inf.ortLib, "ort-lib", "", "ONNX Runtime library (default: .cache/ort/libonnxruntime.so.1 from tools/ort/fetch.sh)")
	fset.StringVar(&inf.device, "device", "auto", "where models run: auto (CUDA when available), cpu or cuda")
	fset.IntVar(&inf.threads, "ort-threads", 0, "ONNX Runtime intra-op threads (0: one per core)")
	fset.IntVar(&inf.maxBatch, "max-batch", 8, "most sequences per model run")
	fset.DurationVar(&inf.maxWait, "max-wait", 0, "longest wait for a batch to fill while the model is free (0: run at once)")
	fset.Usage = func() {
		fmt.Fprintln(fset.Output(), "usage: clinlm eval --model NAME --data FILE [--models DIR] [--limit N] [--json]")
		fset.PrintDefaults()
	}
	if err := parseFlags(fset, args, sio.getenv); err != nil {
		return err
	}
	if *model == "" || *data == "" {
		fmt.Fprintln(fset.Output(), "--model and --data are required")
		return errUsage
	}
	if v := eval.SQuADVersion(*squad); v != eval.SQuADv1 && v != eval.SQuADv2 {
		fmt.Fprintf(fset.Output(), "--squad-version %q: want 1.1 or 2.0\n", *squad)
		return errUsage
	}
	if *zeroDiv != 0 && *zeroDiv != 1 {
		fmt.Fprintln(fset.Output(), "--zero-division: want 0 or 1")
		return errUsage
	}
	if inf.models == "" {
		inf.models = "models"
		if _, err := os.Stat(inf.models); errors.Is(err, fs.ErrNotExist) {
			return errors.New("no model repository: pass --models DIR (default ./models, which does not exist here)")
		}
	}
	f, err := openTaskFile(*data)
	if err != nil {
		return err
	}
	defer f.Close()
	// An evaluation is a batch job: no per-request clock, no note-length
	// cap, and a queue (and window and sentence limits) deep enough for every
	// window of a long QA context.
	inf.timeout = 24 * time.Hour
	inf.maxNoteChars = 1 << 30
	inf.maxWindows = 1 << 20
	inf.maxSentences = 1 << 20
	inf.queue = 1 << 20
	log := slog.New(slog.NewTextHandler(sio.err, &slog.HandlerOptions{Level: slog.LevelWarn}))
	setup, err := openInference(inf, log)
	if err != nil {
		return err
	}
	defer setup.Close()
	rep, err := eval.RunFile(ctx, setup.engine, *model, f, eval.Options{Limit: *limit, Concurrency: *concurrency,
		SQuAD: eval.SQuADVersion(*squad), ZeroDivision: *zeroDiv, Predictions: *predictions && *asJSON})
	if le := (*eval.LineError)(nil); errors.As(err, &le) {
		return fmt.Errorf("%s: %w", *data, err)
	} else if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(sio.out)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Data string `json:"data"`
			eval.Report
		}{*data, rep})
	}
	return printEvalTable(sio.out, *data, rep)
}

// openTaskFile opens a task file, or a bundled set named devset:TASK.
func openTaskFile(path string) (io.ReadCloser, error) {
	if task, ok := devset.Name(path); ok {
		return devset.Open(task)
	}
	return os.Open(path)
}

// printEvalTable writes the report for a reader: the headline metrics, then
// the per-label scores (classification) or the SQuAD breakdown (QA).
func printEvalTable(w io.Writer, data string, rep eval.Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "model\t%s (%s, %s)\n", rep.Model, rep.Task, rep.Head)
	fmt.Fprintf(tw, "model version\t%s\n", rep.ModelVersion)
	fmt.Fprintf(tw, "data\t%s (%d examples, %.1fs)\n", data, rep.Examples, rep.Seconds)
	fmt.Fprintf(tw, "data sha256\t%s\n", rep.DataSHA256)
	unit := ""
	if rep.Task == eval.TaskQA {
		unit = fmt.Sprintf(" (percent, official SQuAD v%s script)", rep.SQuADVersion)
	}
	fmt.Fprintf(tw, "\nmetric%s\tvalue\n", unit)
	for _, m := range rep.Metrics {
		fmt.Fprintf(tw, "%s\t%.4f\n", m.Name, m.Value)
	}
	if c := rep.Classification; c != nil {
		fmt.Fprintf(tw, "\nlabel\tprecision\trecall\tf1\tsupport\n")
		for _, l := range c.Labels {
			fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%d\n", l.Label, l.Precision, l.Recall, l.F1, l.Support)
		}
		fmt.Fprintf(tw, "micro avg\t%.4f\t%.4f\t%.4f\t\n", c.MicroPrecision, c.MicroRecall, c.MicroF1)
		fmt.Fprintf(tw, "macro avg\t%.4f\t%.4f\t%.4f\t\n", c.MacroPrecision, c.MacroRecall, c.MacroF1)
	}
	if s := rep.SQuAD; s != nil {
		fmt.Fprintf(tw, "\nsplit\texact\tf1\texamples\n")
		fmt.Fprintf(tw, "all\t%.4f\t%.4f\t%d\n", s.Exact, s.F1, s.Total)
		fmt.Fprintf(tw, "has answer\t%.4f\t%.4f\t%d\n", s.HasAnsExact, s.HasAnsF1, s.HasAnsTotal)
		fmt.Fprintf(tw, "no answer\t%.4f\t%.4f\t%d\n", s.NoAnsExact, s.NoAnsF1, s.NoAnsTotal)
	}
	return tw.Flush()
}
