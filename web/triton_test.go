package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/ort"
)

// These tests hold clinlm to what Triton's own software accepts: the HTTP
// client of tritonclient (PyPI) against the /v2 server, and Triton's
// ModelConfig schema (tritonclient's model_config_pb2) against the configs
// `clinlm export-triton` writes. tools/triton/setup.sh builds the venv.

// tritonPython is .venv-triton's interpreter, or skips (fails under CI=true).
func tritonPython(t *testing.T) string {
	t.Helper()
	py := filepath.Join(repoRootDir(t), ".venv-triton", "bin", "python")
	if _, err := os.Stat(py); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing (CI=true requires it)", py)
		}
		t.Skipf("%s is missing; run `go tool task triton-venv` (bash tools/triton/setup.sh)", py)
	}
	return py
}

func runPython(t *testing.T, py string, args ...string) (stdout []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, args...)
	cmd.Dir = repoRootDir(t)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(py), strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.Bytes()
}

// TestV2ConformanceWithTritonClient runs tools/triton/v2_conformance.py
// (tritonclient.http and tritonclient.grpc: health, metadata, tensors in
// binary and JSON, the text pipeline of every task, bad requests) against the
// real binary serving both forms (--v2-grpc-addr), and checks that the note
// texts it sent appear nowhere in the server's log.
func TestV2ConformanceWithTritonClient(t *testing.T) {
	lib, models := runtimeAndModels(t)
	py := tritonPython(t)
	b := startBinary(t, "serve", "--addr", "127.0.0.1:0", "--v2-grpc-addr", "127.0.0.1:0", "--ort-lib", lib, "--models", models,
		"--log-level", "debug", "--ort-threads", "1")
	if b.url == "" {
		t.Fatalf("clinlm exited at start:\n%s", b.stderr.String())
	}
	u, err := url.Parse(b.url)
	if err != nil {
		t.Fatal(err)
	}
	var grpcAddr string
	select {
	case grpcAddr = <-b.grpc:
	case <-time.After(30 * time.Second): // a hang guard, not a latency bound
		t.Fatalf("clinlm printed no v2 gRPC address:\n%s", b.stderr.String())
	}
	const marker = "v2-privacy-marker-7f3a"
	out := runPython(t, py, "tools/triton/v2_conformance.py", "--url", u.Host, "--grpc-url", grpcAddr, "--marker", marker)
	if !bytes.Contains(out, []byte("all checks passed")) {
		t.Fatalf("conformance script said:\n%s", out)
	}
	if logs := b.stderr.String(); strings.Contains(logs, marker) {
		t.Errorf("note text reached the log:\n%s", logs)
	} else if !strings.Contains(logs, "/v2/models/:model/infer") || !strings.Contains(logs, "via=v2-grpc") {
		t.Errorf("the log has no /v2 HTTP or gRPC inference lines; was it the right server?\n%s", logs)
	}
}

// tritonIO is a model input or output as MessageToDict prints it (int64
// fields as strings).
type tritonIO struct {
	Name     string   `json:"name"`
	DataType string   `json:"data_type"`
	Dims     []string `json:"dims"`
}

type tritonConfigJSON struct {
	Name            string     `json:"name"`
	Platform        string     `json:"platform"`
	MaxBatchSize    int        `json:"max_batch_size"`
	Input           []tritonIO `json:"input"`
	Output          []tritonIO `json:"output"`
	DynamicBatching *struct {
		MaxQueueDelayMicroseconds string `json:"max_queue_delay_microseconds"`
	} `json:"dynamic_batching"`
}

// TestExportTritonConfigsParse exports the test models and parses every
// config.pbtxt into Triton's ModelConfig, then compares what parsed with the
// models' sessions: names, datatypes, dims without the batch dimension.
func TestExportTritonConfigsParse(t *testing.T) {
	lib, models := runtimeAndModels(t)
	py := tritonPython(t)
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"export-triton", "--models", models, "--ort-lib", lib,
		"--max-batch", "16", "--max-queue-delay", "2ms", dir},
		stdio{in: strings.NewReader(""), out: &out, err: &errb, getenv: envMap(nil)})
	if code != 0 {
		t.Fatalf("export-triton exit %d:\n%s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(errb.String(), "skipped tiny-t5-nli: ") {
		t.Errorf("a text-to-text model was not reported as skipped:\n%s", errb.String())
	}
	var configs map[string]tritonConfigJSON
	if err := json.Unmarshal(runPython(t, py, "tools/triton/check_configs.py", dir), &configs); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(configs))
	for n := range configs {
		names = append(names, n)
	}
	slices.Sort(names)
	if want := []string{"tiny-clip", "tiny-nli", "tiny-qa", "tiny-zeroshot"}; !slices.Equal(names, want) {
		t.Errorf("exported %v, want %v", names, want)
	}
	ids := []tritonIO{{"input_ids", "TYPE_INT64", []string{"-1"}}, {"attention_mask", "TYPE_INT64", []string{"-1"}},
		{"token_type_ids", "TYPE_INT64", []string{"-1"}}}
	for _, tc := range []struct {
		model   string
		outputs []tritonIO
	}{
		{"tiny-nli", []tritonIO{{"logits", "TYPE_FP32", []string{"3"}}}},
		{"tiny-clip", []tritonIO{{"logits", "TYPE_FP32", []string{"7"}}}},
		{"tiny-qa", []tritonIO{{"start_logits", "TYPE_FP32", []string{"-1"}}, {"end_logits", "TYPE_FP32", []string{"-1"}}}},
	} {
		c := configs[tc.model]
		if c.Platform != "onnxruntime_onnx" || c.MaxBatchSize != 16 || c.DynamicBatching == nil ||
			c.DynamicBatching.MaxQueueDelayMicroseconds != strconv.Itoa(2000) {
			t.Errorf("%s: %+v", tc.model, c)
		}
		if !equalIO(c.Input, ids) || !equalIO(c.Output, tc.outputs) {
			t.Errorf("%s: inputs %+v outputs %+v; want %+v and %+v", tc.model, c.Input, c.Output, ids, tc.outputs)
		}
		want, err := os.ReadFile(filepath.Join(models, tc.model, "model.onnx"))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(filepath.Join(dir, tc.model, "1", "model.onnx")); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: 1/model.onnx is not the repository's model.onnx (%v)", tc.model, err)
		}
	}
}

func equalIO(a, b []tritonIO) bool {
	return slices.EqualFunc(a, b, func(x, y tritonIO) bool {
		return x.Name == y.Name && x.DataType == y.DataType && slices.Equal(x.Dims, y.Dims)
	})
}

// TestExportTritonUsage: a missing OUTDIR or a bad flag is a usage error.
func TestExportTritonUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"--max-batch", "0", "out"}, {"--max-queue-delay", "-1ms", "out"},
		{"out", "--models", "x"}, {"a", "b"}, {"--no-such-flag", "out"}} {
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"export-triton"}, args...),
			stdio{in: strings.NewReader(""), out: &out, err: &errb, getenv: envMap(nil)})
		if code != 2 || !strings.Contains(errb.String(), "usage") && !strings.Contains(errb.String(), "OUTDIR") {
			t.Errorf("export-triton %q: exit %d, stderr %q; want 2 and a usage message", args, code, errb.String())
		}
	}
}

// TestTritonConfigText: the batch dimension is left out of dims, dynamic
// dimensions are -1, types map to Triton's; the same text the schema test
// parses, checked here without ONNX Runtime or Python.
func TestTritonConfigText(t *testing.T) {
	io := inference.TensorIO{
		Inputs:  []ort.IOInfo{{Name: "input_ids", Type: "int64", Shape: []int64{-1, -1}}},
		Outputs: []ort.IOInfo{{Name: "logits", Type: "float32", Shape: []int64{-1, 3}}, {Name: "mask", Type: "bool", Shape: []int64{-1, 128, -1}}},
	}
	got := tritonConfig("m", io, 8, 1500*time.Microsecond)
	want := `name: "m"
platform: "onnxruntime_onnx"
max_batch_size: 8
input [
  {
    name: "input_ids"
    data_type: TYPE_INT64
    dims: [ -1 ]
  }
]
output [
  {
    name: "logits"
    data_type: TYPE_FP32
    dims: [ 3 ]
  },
  {
    name: "mask"
    data_type: TYPE_BOOL
    dims: [ 128, -1 ]
  }
]
dynamic_batching {
  max_queue_delay_microseconds: 1500
}
`
	if _, body, _ := strings.Cut(got, "name:"); "name:"+body != want {
		t.Errorf("config:\n%s\nwant (after the comment lines):\n%s", got, want)
	}
}
