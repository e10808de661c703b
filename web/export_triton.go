package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/models"
	"github.com/clinlm/clinlm/inference/ort"
)

// runExportTriton is `clinlm export-triton DIR`: the repository's models in
// Triton's model-repository layout, DIR/<model>/config.pbtxt and
// DIR/<model>/1/model.onnx, so Triton (or KServe's Triton runtime) can serve
// their forward pass. Inputs, outputs, datatypes and dims come from the
// model's ONNX session as clinlm loads it. Text-to-text models are skipped:
// their generation loop runs several sessions per request, which a single
// ONNX model config cannot express.
func runExportTriton(ctx context.Context, args []string, sio stdio) error {
	fset := newFlagSet("export-triton", sio.err)
	var inf inferFlags
	fset.StringVar(&inf.models, "models", defaultModelsDir, "model repository directory")
	fset.StringVar(&inf.ortLib, "ort-lib", "", "ONNX Runtime library, to read each model's inputs and outputs (default: .cache/ort/libonnxruntime.so.1)")
	maxBatch := fset.Int("max-batch", 32, "max_batch_size of every config")
	queueDelay := fset.Duration("max-queue-delay", time.Millisecond, "dynamic_batching's max_queue_delay_microseconds")
	fset.Usage = func() {
		fmt.Fprintln(fset.Output(), "usage: clinlm export-triton [--models DIR] [--max-batch N] [--max-queue-delay D] OUTDIR")
		fset.PrintDefaults()
	}
	// OUTDIR follows the flags: find where they end, then parse them again
	// with the CLINLM_* environment underneath.
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	rest := fset.Args()
	if err := parseFlags(fset, args[:len(args)-len(rest)], sio.getenv); err != nil {
		return err
	}
	if len(rest) != 1 || *maxBatch < 1 || *queueDelay < 0 {
		fmt.Fprintln(fset.Output(), "one OUTDIR, after the flags, is required; --max-batch must be at least 1 and --max-queue-delay not negative")
		return errUsage
	}
	out := rest[0]
	inf.device, inf.maxBatch, inf.queue, inf.timeout, inf.maxNoteChars = "cpu", 1, 1, time.Minute, 1
	setup, err := openInference(inf, slog.New(slog.NewTextHandler(sio.err, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		return err
	}
	defer setup.Close()
	if setup.runtime == nil {
		return errors.New("ONNX Runtime is needed to read the models' inputs and outputs: " + ort.FixHint())
	}
	entries, err := models.Scan(inf.models)
	if err != nil {
		return err
	}
	exported := 0
	for _, entry := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		tio, err := setup.engine.TensorIO(entry.Name)
		if err != nil {
			fmt.Fprintf(sio.err, "skipped %s: %s\n", entry.Name, inference.AsError(err).Message)
			continue
		}
		dir := filepath.Join(out, entry.Name)
		if err := os.MkdirAll(filepath.Join(dir, "1"), 0o755); err != nil {
			return err
		}
		config := tritonConfig(entry.Name, tio, *maxBatch, *queueDelay)
		if err := os.WriteFile(filepath.Join(dir, "config.pbtxt"), []byte(config), 0o644); err != nil {
			return err
		}
		if err := copyFile(entry.Path(models.ModelFile), filepath.Join(dir, "1", "model.onnx")); err != nil {
			return err
		}
		fmt.Fprintf(sio.out, "%s\n", dir)
		exported++
	}
	if exported == 0 {
		return fmt.Errorf("no model of %s could be exported", inf.models)
	}
	return nil
}

// tritonConfig writes a ModelConfig in the protobuf text format. Every
// session dimension after the first is the batch's: with max_batch_size set,
// Triton's dims leave it out; a dynamic dimension is -1.
func tritonConfig(name string, io inference.TensorIO, maxBatch int, queueDelay time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by `clinlm export-triton`: clinlm's %s, forward pass only\n", name)
	b.WriteString("# (tokenization and post-processing stay in clinlm).\n")
	fmt.Fprintf(&b, "name: %s\nplatform: \"onnxruntime_onnx\"\nmax_batch_size: %d\n", strconv.Quote(name), maxBatch)
	section := func(kind string, list []ort.IOInfo) {
		fmt.Fprintf(&b, "%s [\n", kind)
		for i, x := range list {
			dims := x.Shape
			if len(dims) > 0 {
				dims = dims[1:]
			}
			parts := make([]string, len(dims))
			for j, d := range dims {
				if d < 0 {
					d = -1
				}
				parts[j] = strconv.FormatInt(d, 10)
			}
			sep := ","
			if i == len(list)-1 {
				sep = ""
			}
			fmt.Fprintf(&b, "  {\n    name: %s\n    data_type: %s\n    dims: [ %s ]\n  }%s\n",
				strconv.Quote(x.Name), tritonType(x.Type), strings.Join(parts, ", "), sep)
		}
		b.WriteString("]\n")
	}
	section("input", io.Inputs)
	section("output", io.Outputs)
	fmt.Fprintf(&b, "dynamic_batching {\n  max_queue_delay_microseconds: %d\n}\n", queueDelay.Microseconds())
	return b.String()
}

// tritonType is Triton's DataType for an ONNX element type.
func tritonType(onnxType string) string {
	switch onnxType {
	case "float32":
		return "TYPE_FP32"
	case "int64":
		return "TYPE_INT64"
	case "int32":
		return "TYPE_INT32"
	case "bool":
		return "TYPE_BOOL"
	case "float16":
		return "TYPE_FP16"
	}
	return "TYPE_INVALID"
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}
