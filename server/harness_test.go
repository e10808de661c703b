package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/batcher"
	"github.com/clinlm/clinlm/inference/eval"
	"github.com/clinlm/clinlm/inference/evaljobs"
	"github.com/clinlm/clinlm/inference/ort"
	"github.com/clinlm/clinlm/internal/testenv"
	"github.com/clinlm/clinlm/results"
	"github.com/clinlm/clinlm/static"
	"github.com/clinlm/clinlm/store"
)

// This file holds what the reliability, privacy and shutdown tests share: a
// log sink safe for concurrent handlers, two inference backends (an
// engine-like fake that always runs, and the real engine over the
// random-weight test models when ONNX Runtime and .cache/testmodels exist)
// and a resource baseline (goroutines, Go heap, RSS).

// syncBuffer collects log lines written by concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// maxTestRunes is the text limit both backends enforce in these tests.
const maxTestRunes = 20000

// engineLike validates inputs the way inference.Engine does (required texts
// per task, a text limit in code points, top_k 1–20) and answers fixed
// outputs, so the suites run without ONNX Runtime. Model "slow" waits for
// its context or release; model "big" answers 256 KiB.
type engineLike struct {
	release  chan struct{}
	started  chan struct{} // optional: one value per slow request that began
	canceled chan struct{} // optional: one value per slow request cancelled
}

func (engineLike) Models() []inference.ModelInfo {
	return []inference.ModelInfo{
		{Name: "nli", Task: "nli", Head: "sequence-pair-classification", Labels: []string{"entailment", "neutral", "contradiction"},
			MaxLength: 128, Availability: "public", Status: inference.StatusReady},
		{Name: "qa", Task: "qa", Head: "span-extraction", Labels: []string{}, MaxLength: 128, Availability: "public", Status: inference.StatusReady},
		{Name: "clip", Task: "clip", Head: "sentence-multi-label", Labels: []string{"appointment", "medication"}, MaxLength: 128,
			Availability: "public", Status: inference.StatusReady},
	}
}

func (e engineLike) Infer(ctx context.Context, model string, in inference.Input, partial inference.Partial) (inference.Result, error) {
	need := map[string]map[string]string{
		"nli":  {"premise": in.Premise, "hypothesis": in.Hypothesis},
		"qa":   {"context": in.Context, "question": in.Question},
		"clip": {"text": in.Text},
		"slow": {"text": in.Text},
		"big":  {"text": in.Text},
	}[model]
	if need == nil {
		return inference.Result{}, &inference.Error{Code: inference.CodeUnknownModel, Message: "no model named " + strconv.Quote(model)}
	}
	for _, k := range []string{"context", "hypothesis", "premise", "question", "text"} {
		v, ok := need[k]
		switch {
		case !ok:
		case v == "":
			return inference.Result{}, &inference.Error{Code: inference.CodeBadRequest, Message: "input." + k + " is required"}
		case utf8.RuneCountInString(v) > maxTestRunes:
			return inference.Result{}, &inference.Error{Code: inference.CodeTooLong, Message: "input." + k + " is too long"}
		}
	}
	if model == "qa" && (in.TopK < 0 || in.TopK > 20) {
		return inference.Result{}, &inference.Error{Code: inference.CodeBadRequest, Message: "top_k must be between 1 and 20"}
	}
	timing := inference.Timing{QueueMS: 0.1, TokenizeMS: 0.1, RunMS: 0.1}
	switch model {
	case "nli":
		return inference.Result{Output: inference.NLIOutput{Labels: []inference.LabelScore{{Label: "neutral", Score: 1}}}, Timing: timing}, nil
	case "qa":
		return inference.Result{Output: inference.QAOutput{Answers: []inference.Answer{}}, Timing: timing}, nil
	case "big":
		return inference.Result{Output: strings.Repeat("x", 256<<10), Timing: timing}, nil
	case "clip":
		if partial != nil {
			partial(inference.Sentence{Index: 0, Text: "s", Start: 0, End: 1})
		}
		// Empty, not nil, like the engine's answer to a text without sentences.
		return inference.Result{Output: inference.CLIPOutput{Sentences: []inference.Sentence{}, Thresholds: map[string]float64{}}, Timing: timing}, nil
	}
	if e.started != nil {
		e.started <- struct{}{}
	}
	select { // slow
	case <-ctx.Done():
		if e.canceled != nil {
			e.canceled <- struct{}{}
		}
		return inference.Result{}, ctx.Err()
	case <-e.release:
		return inference.Result{Output: inference.NLIOutput{}, Timing: timing}, nil
	}
}

// Saliency checks its input like Infer and answers one fixed word.
func (e engineLike) Saliency(ctx context.Context, model string, in inference.Input, opts inference.SaliencyOptions, progress inference.Progress) (inference.SaliencyResult, error) {
	if model == "slow" || model == "big" {
		return inference.SaliencyResult{}, &inference.Error{Code: inference.CodeBadRequest, Message: "no saliency for " + model}
	}
	res, err := e.Infer(ctx, model, in, nil)
	if err != nil {
		return inference.SaliencyResult{}, err
	}
	if progress != nil {
		progress(1, 1)
	}
	score := 1.0
	return inference.SaliencyResult{Output: inference.SaliencyOutput{Method: "occlusion", Occlusion: "mask", MaskToken: "[MASK]",
		Target: inference.SaliencyTarget{Label: opts.Label}, Score: &score,
		Words: []inference.WordImportance{{Field: "text", Start: 0, End: 1, Score: 0.5}}, Runs: 1}, Timing: res.Timing}, nil
}

// backend is one inference implementation the suites run against, with the
// names of its NLI, QA and CLIP models.
type backend struct {
	name          string
	inf           Inferer
	nli, qa, clip string
	metrics       *prometheus.Registry
}

// newRegistry is the registry clinlm serve exposes: Go and process
// collectors plus the engine's series.
func newRegistry(t testing.TB) (*prometheus.Registry, *inference.Metrics) {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m, err := inference.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	return reg, m
}

func fakeBackend(t testing.TB) backend {
	reg, _ := newRegistry(t)
	return backend{name: "engine-like", inf: engineLike{release: make(chan struct{})}, nli: "nli", qa: "qa", clip: "clip", metrics: reg}
}

// sharedRuntime opens ONNX Runtime once for the test binary: its environment
// is process-wide, so every real-engine test shares it.
var sharedRuntime = sync.OnceValues(func() (*ort.Runtime, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	lib := os.Getenv("CLINLM_ORT_LIB")
	if lib == "" {
		lib = filepath.Join(dir, "..", ".cache", "ort", ort.LibraryName)
	}
	return ort.Open(ort.Config{LibraryPath: lib, Device: ort.DeviceCPU, IntraOpThreads: 1})
})

// openRuntime returns the shared ONNX Runtime or skips.
func openRuntime(t testing.TB) *ort.Runtime {
	t.Helper()
	rt, err := sharedRuntime()
	if err != nil {
		testenv.Missing(t, "ONNX Runtime ("+err.Error()+")", "run `go tool task ort` or set CLINLM_ORT_LIB")
	}
	return rt
}

// realBackend is inference.Engine over the test models, or a skip.
func realBackend(t testing.TB) backend {
	t.Helper()
	dir := testenv.TestModels(t)
	rt := openRuntime(t)
	reg, metrics := newRegistry(t)
	eng, err := inference.Open(inference.Config{Dir: dir, Runtime: rt, LoadTokenizer: inference.HFTokenizer,
		Batch: batcher.Config{MaxBatch: 8, MaxWait: 2 * time.Millisecond, QueueSize: 256}, Timeout: 30 * time.Second,
		MaxTextRunes: maxTestRunes, Metrics: metrics})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	b := backend{name: "engine", inf: eng, nli: "tiny-nli", qa: "tiny-qa", clip: "tiny-clip", metrics: reg}
	// The repository may hold more test models; these three must load.
	for _, name := range []string{b.nli, b.qa, b.clip} {
		m, ok := eng.Model(name)
		if !ok || m.Status != inference.StatusReady {
			t.Fatalf("test model %s did not load: %+v", name, m)
		}
	}
	return b
}

// suiteServer is a server on loopback with its logs.
type suiteServer struct {
	*httptest.Server
	srv  *Server
	logs *syncBuffer
}

func (s *suiteServer) wsURL() string { return "ws" + strings.TrimPrefix(s.URL, "http") + "/ws/infer" }

func newSuiteServer(t testing.TB, b backend, limits InferLimits) *suiteServer {
	t.Helper()
	srv, logs := newTestServer(t, b, limits)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &suiteServer{Server: ts, srv: srv, logs: logs}
}

// newTestServer builds a server over b that logs everything (debug level).
func newTestServer(t testing.TB, b backend, limits InferLimits) (*Server, *syncBuffer) {
	t.Helper()
	set, err := results.Default()
	if err != nil {
		t.Fatal(err)
	}
	assets, err := static.New(fstest.MapFS{"css/app.css": {Data: []byte("body{}")}, "js/demo.js": {Data: []byte("//")}})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	cfg := Config{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Results: set, Assets: assets, Inference: b.inf, InferLimits: limits}
	if b.metrics != nil {
		cfg.Metrics = promhttp.HandlerFor(b.metrics, promhttp.HandlerOpts{})
	}
	// A real SQLite store, so the route-wide suites probe the submission routes too.
	subs, err := store.Open(context.Background(), "", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { subs.Close() })
	cfg.Submissions, cfg.ModeratorToken = subs, "suite-moderator-token"
	if ee, ok := b.inf.(eval.Engine); ok { // the real engine: live evaluation too
		cfg.Evaluations = evaljobs.New(context.Background(), ee, evaljobs.Config{})
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv, logs
}

// mustBeUp fails the test unless /healthz answers.
func mustBeUp(t testing.TB, base string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(base + "/healthz")
	if err != nil {
		t.Fatalf("server down: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	c.CloseIdleConnections()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %d", resp.StatusCode)
	}
}

// resources is a snapshot of what a leak would grow.
type resources struct {
	goroutines int
	heap       uint64 // live Go heap after GC
	rss        int64  // resident set, bytes (0 where /proc is absent)
}

func measure() resources {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return resources{goroutines: runtime.NumGoroutine(), heap: ms.HeapAlloc, rss: readRSS()}
}

// readRSS reads the resident set size from /proc/self/statm.
func readRSS() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// backToBaseline waits for goroutines and heap to settle near the baseline
// and fails with both snapshots when they do not.
func backToBaseline(t testing.TB, base resources, heapSlack uint64) {
	t.Helper()
	var now resources
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		now = measure()
		if now.goroutines <= base.goroutines+2 && now.heap <= base.heap+heapSlack {
			t.Logf("resources: goroutines %d → %d, heap %.1f → %.1f MiB, rss %.1f → %.1f MiB", base.goroutines, now.goroutines,
				mib(base.heap), mib(now.heap), mib(uint64(base.rss)), mib(uint64(now.rss)))
			return
		}
	}
	buf := make([]byte, 1<<16)
	n := runtime.Stack(buf, true)
	t.Errorf("not back to baseline: goroutines %d → %d, heap %.1f → %.1f MiB (slack %.0f MiB)\n%s", base.goroutines, now.goroutines,
		mib(base.heap), mib(now.heap), mib(heapSlack), buf[:n])
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// localRequest is httptest.NewRequest addressed to localhost: httptest's
// default Host, example.com, is not a name this server answers to.
func localRequest(method, target string, body io.Reader) *http.Request {
	req := httptest.NewRequest(method, target, body)
	req.Host = "localhost"
	return req
}

// setHeaders sets a request's headers; "Host" sets the host the request
// names (net/http ignores a Host header field).
func setHeaders(req *http.Request, header map[string]string) {
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
}
