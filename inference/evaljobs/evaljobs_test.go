package evaljobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/batcher"
	"github.com/clinlm/clinlm/inference/eval"
	"github.com/clinlm/clinlm/inference/ort"
	"github.com/clinlm/clinlm/internal/testenv"
)

// runtimeOnce opens ONNX Runtime once for the test binary (its environment
// is process-wide).
var runtimeOnce = sync.OnceValues(func() (*ort.Runtime, error) {
	lib := os.Getenv("CLINLM_ORT_LIB")
	if lib == "" {
		lib = filepath.Join("..", "..", ".cache", "ort", ort.LibraryName)
	}
	return ort.Open(ort.Config{LibraryPath: lib, Device: ort.DeviceCPU, IntraOpThreads: 1})
})

// engine is the real inference engine over the random-weight test models.
func engine(t *testing.T) *inference.Engine {
	t.Helper()
	dir := testenv.TestModels(t)
	rt, err := runtimeOnce()
	if err != nil {
		testenv.Missing(t, "ONNX Runtime ("+err.Error()+")", "run `go tool task ort` or set CLINLM_ORT_LIB")
	}
	eng, err := inference.Open(inference.Config{Dir: dir, Runtime: rt, LoadTokenizer: inference.HFTokenizer,
		Batch: batcher.Config{MaxBatch: 8, QueueSize: 1 << 16}, Timeout: time.Minute, MaxTextRunes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng
}

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "eval", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wait polls a job until it has finished.
func wait(t *testing.T, m *Manager, id string) Job {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		j, ok := m.Get(id)
		if !ok {
			t.Fatalf("job %s forgotten", id)
		}
		if j.Status != StatusQueued && j.Status != StatusRunning {
			return j
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("job %s did not finish", id)
	return Job{}
}

// TestSameNumbersAsEvalCommand: a background evaluation reports exactly what
// eval.RunFile (`clinlm eval`) reports on the same model and file.
func TestSameNumbersAsEvalCommand(t *testing.T) {
	eng := engine(t)
	opts := eval.Options{Concurrency: 4}
	m := New(context.Background(), eng, Config{Options: opts})
	for model, file := range map[string]string{"tiny-nli": "nli.jsonl", "tiny-qa": "qa.jsonl", "tiny-clip": "clip.jsonl"} {
		t.Run(model, func(t *testing.T) {
			data := testdata(t, file)
			want, err := eval.RunFile(context.Background(), eng, model, bytes.NewReader(data), opts)
			if err != nil {
				t.Fatal(err)
			}
			started, err := m.Start(model, Data{Name: file, Bytes: data})
			if err != nil {
				t.Fatal(err)
			}
			got := wait(t, m, started.ID)
			if got.Status != StatusDone || got.Report == nil {
				t.Fatalf("job = %+v", got)
			}
			if !reflect.DeepEqual(got.Report.Metrics, want.Metrics) || !reflect.DeepEqual(got.Report.Classification, want.Classification) ||
				!reflect.DeepEqual(got.Report.SQuAD, want.SQuAD) {
				t.Fatalf("metrics %+v, `clinlm eval` says %+v", got.Report.Metrics, want.Metrics)
			}
			// The misses are the examples the headline accuracy (or exact match) counts wrong.
			misses, ok := m.Misses(got.ID)
			right := map[string]string{"nli": "accuracy", "clip": "subset_accuracy", "qa": "exact"}[want.Task]
			scale := map[string]float64{"nli": 1, "clip": 1, "qa": 100}[want.Task]
			var frac float64
			for _, mt := range want.Metrics {
				if mt.Name == right {
					frac = mt.Value / scale
				}
			}
			if wrong := int(math.Round(float64(want.Examples) * (1 - frac))); !ok || len(misses) != wrong {
				t.Fatalf("%d misses, %s says %d examples are wrong", len(misses), right, wrong)
			}
			for _, ms := range misses {
				if want.Task == "qa" && (ms.F1 == nil || ms.Gold != nil || ms.Predicted != nil) {
					t.Fatalf("a qa miss shows text or lacks its F1: %+v", ms)
				}
			}
			sum := sha256.Sum256(data)
			info, _ := eng.Model(model)
			if got.DataSHA256 != hex.EncodeToString(sum[:]) || want.DataSHA256 != got.DataSHA256 || len(info.Version) != 64 ||
				got.ModelVersion != info.Version || want.ModelVersion != info.Version || got.Report.ModelVersion != info.Version ||
				got.Items != want.Examples || got.Done != got.Items || got.DataKept || got.Metric != nil ||
				got.DurationSeconds == nil || got.StartedAt == nil || got.Task != want.Task {
				t.Fatalf("job record = %+v", got)
			}
		})
	}
}

// TestOneAtATimeQueueAndCancel: jobs of one model run one after another, a
// queued job can be dropped and a running one stopped, and the queue is
// bounded.
func TestOneAtATimeQueueAndCancel(t *testing.T) {
	eng := engine(t)
	m := New(context.Background(), eng, Config{QueuePerModel: 2, Options: eval.Options{Concurrency: 1}})
	one := testdata(t, "nli.jsonl")
	long := bytes.Repeat(one, 2000) // 24,000 examples: long enough to cancel while it runs
	first, err := m.Start("tiny-nli", Data{Name: "long.jsonl", Bytes: long})
	if err != nil {
		t.Fatal(err)
	}
	second, err := m.Start("tiny-nli", Data{Name: "a.jsonl", Bytes: one})
	if err != nil {
		t.Fatal(err)
	}
	third, err := m.Start("tiny-nli", Data{Name: "b.jsonl", Bytes: one})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Start("tiny-nli", Data{Name: "c.jsonl", Bytes: one}); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("a fourth job: err = %v, want ErrQueueFull", err)
	}
	if j, _ := m.Get(second.ID); j.Status != StatusQueued {
		t.Fatalf("second job is %s while the first runs", j.Status)
	}
	other, err := m.Start("tiny-clip", Data{Name: "clip.jsonl", Bytes: testdata(t, "clip.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	if got := wait(t, m, other.ID); got.Status != StatusDone {
		t.Fatalf("another model's job waited or failed: %+v", got)
	}
	if j, err := m.Cancel(second.ID); err != nil || j.Status != StatusCanceled {
		t.Fatalf("cancel queued: %+v, %v", j, err)
	}
	for { // let the long job make visible progress before it is stopped; watchers hear of it
		j, changed, ok := m.Watch(first.ID)
		if !ok || j.Status != StatusRunning {
			t.Fatalf("the long job is %s", j.Status)
		}
		if j.Done > 0 {
			if j.ETASeconds == nil || j.Done >= j.Items || j.Metric == nil || j.Metric.Name != "accuracy" ||
				j.Metric.Value < 0 || j.Metric.Value > 1 {
				t.Fatalf("progress = %+v", j)
			}
			break
		}
		select {
		case <-changed:
		case <-time.After(time.Minute):
			t.Fatal("no progress for a minute")
		}
	}
	if _, err := m.Cancel(first.ID); err != nil {
		t.Fatal(err)
	}
	if got := wait(t, m, first.ID); got.Status != StatusCanceled || got.Report != nil {
		t.Fatalf("cancelled job = %+v", got)
	}
	if got := wait(t, m, third.ID); got.Status != StatusDone {
		t.Fatalf("the job after a cancelled one = %+v", got)
	}
	if _, err := m.Cancel(third.ID); !errors.Is(err, ErrFinished) {
		t.Fatalf("cancel a finished job: %v", err)
	}
	if _, err := m.Cancel("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("cancel an unknown job: %v", err)
	}
	if n := len(m.List()); n != 4 {
		t.Fatalf("%d jobs listed, want 4", n)
	}
}

func TestStartRejects(t *testing.T) {
	eng := engine(t)
	m := New(context.Background(), eng, Config{})
	if _, err := m.Start("no-such-model", Data{Name: "x", Bytes: testdata(t, "nli.jsonl")}); !errors.Is(err, eval.ErrUnknownModel) {
		t.Fatalf("unknown model: %v", err)
	}
	bad := strings.Replace(string(testdata(t, "nli.jsonl")), `"label": "neutral"`, `"label": 3`, 1)
	_, err := m.Start("tiny-nli", Data{Name: "bad.jsonl", Bytes: []byte(bad)})
	var le *eval.LineError
	if !errors.As(err, &le) || le.Line != 3 {
		t.Fatalf("bad line: %v", err)
	}
	if _, err := m.Start("tiny-nli", Data{Name: "qa.jsonl", Bytes: testdata(t, "qa.jsonl")}); err == nil {
		t.Fatal("a qa file was accepted for an nli model")
	}
	if len(m.List()) != 0 {
		t.Fatal("a rejected file was queued")
	}
}

// TestKeptData: a task file is kept after the run only when the client asks.
func TestKeptData(t *testing.T) {
	eng := engine(t)
	m := New(context.Background(), eng, Config{})
	data := testdata(t, "nli.jsonl")
	dropped, err := m.Start("tiny-nli", Data{Name: "a.jsonl", Bytes: data})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := m.Start("tiny-nli", Data{Name: "b.jsonl", Bytes: data, Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := wait(t, m, dropped.ID); got.DataKept {
		t.Fatalf("job = %+v", got)
	}
	if _, err := m.KeptData(dropped.ID); !errors.Is(err, ErrNotKept) {
		t.Fatalf("data of a job that did not ask to keep it: %v", err)
	}
	if got := wait(t, m, kept.ID); !got.DataKept || got.Status != StatusDone {
		t.Fatalf("job = %+v", got)
	}
	d, err := m.KeptData(kept.ID)
	if err != nil || !bytes.Equal(d.Bytes, data) || d.Name != "b.jsonl" {
		t.Fatalf("kept data %q, %v", d.Name, err)
	}
	if _, err := m.KeptData("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown job: %v", err)
	}
	// Forgotten jobs take their data with them.
	small := New(context.Background(), eng, Config{Keep: 1})
	first, _ := small.Start("tiny-nli", Data{Name: "a.jsonl", Bytes: data, Keep: true})
	wait(t, small, first.ID)
	second, _ := small.Start("tiny-nli", Data{Name: "b.jsonl", Bytes: data})
	wait(t, small, second.ID)
	if _, err := small.KeptData(first.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("data of a forgotten job: %v", err)
	}
}
