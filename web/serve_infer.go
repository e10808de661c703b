package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/batcher"
	"github.com/clinlm/clinlm/inference/ort"
	"github.com/clinlm/clinlm/server"
)

// defaultModelsDir is the demo model repository used when --models is not
// given: the committed models/ folder when serving from the repository root.
const defaultModelsDir = "models"

// inferFlags configure the inference engine of `clinlm serve`.
type inferFlags struct {
	models       string
	ortLib       string
	device       string
	threads      int
	spin         bool
	maxBatch     int
	workers      int
	maxWait      time.Duration
	queue        int
	timeout      time.Duration
	maxNoteChars int
	maxWindows   int
	maxSentences int
	maxExplain   int // words of one saliency request
	maxFrame     int64
	bodyTimeout  time.Duration
	allowedHosts string
	wsRate       float64
	maxWS        int
	maxHTTP      int
	clientRate   float64
	clientBurst  int
	clientWS     int
	cudaLibDir   string
	cudaMemLimit int64
	cudaArena    string
	padBuckets   string
}

func addInferFlags(fs *flag.FlagSet, f *inferFlags) {
	fs.StringVar(&f.models, "models", "", "model repository directory (one folder per model; see inference/models/README.md); "+
		"default: ./"+defaultModelsDir+" when that folder exists in the working directory")
	fs.StringVar(&f.ortLib, "ort-lib", "", "ONNX Runtime library (default: .cache/ort/libonnxruntime.so.1 from tools/ort/fetch.sh)")
	fs.StringVar(&f.device, "device", "auto", "where models run: auto (CUDA when available), cpu or cuda")
	fs.IntVar(&f.threads, "ort-threads", 0, "ONNX Runtime intra-op threads (0: one per core)")
	fs.BoolVar(&f.spin, "ort-spin", false, "let ONNX Runtime's idle threads busy-wait (faster only on a CPU nothing else uses)")
	fs.IntVar(&f.maxBatch, "max-batch", 8, "most sequences per model run")
	fs.IntVar(&f.workers, "batch-workers", 2, "batches of one model that may run at once (overlaps one batch's Go-side work with the next run)")
	fs.DurationVar(&f.maxWait, "max-wait", 0, "longest wait for a batch to fill while the model is free (0: run at once; requests arriving during a run form the next batch)")
	fs.IntVar(&f.queue, "queue", 256, "most sequences waiting per model before requests are refused as busy")
	fs.DurationVar(&f.timeout, "infer-timeout", 30*time.Second, "time limit of one inference request")
	fs.IntVar(&f.maxNoteChars, "max-note-chars", 20000, "longest input text in characters (longer: too_long)")
	fs.IntVar(&f.maxWindows, "max-qa-windows", 64, "most doc-stride windows of one QA request (more: too_long)")
	fs.IntVar(&f.maxSentences, "max-note-sentences", 512, "most sentences of one CLIP note (more: too_long)")
	fs.IntVar(&f.maxExplain, "max-saliency-words", 400, "most words of one saliency request, one model run each (more: too_long)")
	fs.Int64Var(&f.maxFrame, "max-frame-bytes", 1<<20, "largest request body or websocket frame")
	fs.DurationVar(&f.bodyTimeout, "body-timeout", 10*time.Second, "time limit for receiving a POST body (inference, demo forms), before an inference slot is taken (slower: 408)")
	fs.StringVar(&f.allowedHosts, "allowed-hosts", "", "comma-separated host names the server answers to besides IP addresses and localhost "+
		"(e.g. the name of a reverse proxy; * for any). Other Host headers get 403, which stops DNS rebinding")
	fs.Float64Var(&f.wsRate, "ws-rate", 20, "requests per second per websocket connection")
	fs.IntVar(&f.maxWS, "max-websockets", 256, "most open websockets (more: 503 busy)")
	fs.IntVar(&f.maxHTTP, "max-http-inflight", 64, "most POST /api/v1/infer and /v2 infer requests running at once (more: 503 busy)")
	fs.Float64Var(&f.clientRate, "client-rate", 0, "inference requests and websocket opens per second per client IP address (more: 429; 0: no limit)")
	fs.IntVar(&f.clientBurst, "client-burst", 0, "burst allowed above --client-rate (0: twice the rate)")
	fs.IntVar(&f.clientWS, "client-websockets", 0, "most open websockets per client IP address (more: 429; 0: no limit)")
	fs.StringVar(&f.cudaLibDir, "cuda-lib-dir", "", "CUDA 13 libraries to preload before trying CUDA (default: cuda/ beside the ONNX Runtime library, where `go tool task ort-gpu` puts them)")
	fs.Int64Var(&f.cudaMemLimit, "cuda-mem-limit", 0, "cap of the CUDA memory arena in bytes (ONNX Runtime's gpu_mem_limit; 0: no cap)")
	fs.StringVar(&f.cudaArena, "cuda-arena", "next-power-of-two", "how the CUDA memory arena grows: next-power-of-two (fewer allocations) or same-as-requested (less memory held)")
	fs.StringVar(&f.padBuckets, "pad-buckets", "", "pad each batch to the first of these lengths that holds its longest row, e.g. 32,64,128,256 (fewer distinct shapes for GPU kernels; empty: pad to the longest row)")
}

// parsePadBuckets reads --pad-buckets: increasing positive lengths.
func parsePadBuckets(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []int
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 || (len(out) > 0 && n <= out[len(out)-1]) {
			return nil, fmt.Errorf("--pad-buckets %q: want increasing positive lengths, e.g. 32,64,128,256", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// inferenceSetup is the engine and what the server needs from it.
type inferenceSetup struct {
	engine  *inference.Engine
	runtime *ort.Runtime
	checks  []server.Check
	metrics http.Handler
	limits  server.InferLimits
	// liveChecks probe the remote model servers on each /readyz.
	liveChecks func(ctx context.Context) []server.Check
}

func (s *inferenceSetup) Close() {
	if s.engine != nil {
		s.engine.Close()
	}
	if s.runtime != nil {
		s.runtime.Close()
	}
}

// openInference opens ONNX Runtime and the model repository. A missing
// library or broken model is reported in the checks, never fatal.
func openInference(f inferFlags, log *slog.Logger) (*inferenceSetup, error) {
	device, err := ort.ParseDevice(f.device)
	if err != nil {
		return nil, fmt.Errorf("--device: %w", err)
	}
	buckets, err := parsePadBuckets(f.padBuckets)
	if err != nil {
		return nil, err
	}
	var sameAsRequested bool
	switch f.cudaArena {
	case "", "next-power-of-two":
	case "same-as-requested":
		sameAsRequested = true
	default:
		return nil, fmt.Errorf("--cuda-arena %q: want next-power-of-two or same-as-requested", f.cudaArena)
	}
	if f.cudaMemLimit < 0 {
		return nil, fmt.Errorf("--cuda-mem-limit %d is negative", f.cudaMemLimit)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics, err := inference.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	s := &inferenceSetup{
		metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		limits: server.InferLimits{MaxFrameBytes: f.maxFrame, RatePerSecond: f.wsRate, Burst: int(2 * f.wsRate),
			MaxConnections: f.maxWS, MaxHTTPInFlight: f.maxHTTP, BodyTimeout: f.bodyTimeout, AllowedHosts: splitList(f.allowedHosts),
			PerClientRate: f.clientRate, PerClientBurst: f.clientBurst, PerClientWebsockets: f.clientWS},
	}
	rt, rtErr := ort.Open(ort.Config{LibraryPath: ort.FindLibrary(f.ortLib), Device: device, IntraOpThreads: f.threads, Spin: f.spin,
		CUDALibDir: f.cudaLibDir, CUDAMemLimit: f.cudaMemLimit, CUDAArenaSameAsRequested: sameAsRequested, Logger: log})
	check := server.Check{Name: "onnx runtime", Optional: true}
	if rtErr != nil {
		if device == ort.DeviceCUDA && !errors.Is(rtErr, ort.ErrUnavailable) {
			return nil, rtErr // --device cuda asked for what this machine lacks
		}
		check.Error = rtErr.Error()
		log.Warn("onnx runtime unavailable; demos are off", "err", rtErr)
	} else {
		st := rt.Status()
		check.OK = true
		check.Detail = fmt.Sprintf("onnxruntime %s on %s (%s)", st.Version, st.Device, st.Library)
		if st.Fallback != "" {
			check.Detail += "; CUDA not used: " + st.Fallback
		}
		if st.CUDALibraries != "" {
			check.Detail += "; CUDA libraries: " + st.CUDALibraries
		}
		s.runtime = rt
	}
	s.checks = append(s.checks, check)
	if f.models == "" {
		if st, err := os.Stat(defaultModelsDir); err == nil && st.IsDir() {
			f.models = defaultModelsDir
			log.Info("using the model repository in the working directory", "models", defaultModelsDir)
		}
	}
	eng, err := inference.Open(inference.Config{Dir: f.models, Runtime: rt, RuntimeErr: rtErr,
		LoadTokenizer: inference.HFTokenizer, PadBuckets: buckets, Batch: batcher.Config{MaxBatch: f.maxBatch, MaxWait: f.maxWait, QueueSize: f.queue, Workers: f.workers},
		Timeout: f.timeout, MaxTextRunes: f.maxNoteChars, MaxWindows: f.maxWindows, MaxSentences: f.maxSentences,
		Metrics: metrics, Logger: log, MaxSaliencyWords: f.maxExplain})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("--models: %w", err)
	}
	s.engine = eng
	s.liveChecks = func(ctx context.Context) []server.Check {
		var out []server.Check
		for _, st := range eng.RemoteHealth(ctx, 2*time.Second) {
			out = append(out, server.Check{Name: "remote model " + st.Model, OK: st.Ready, Optional: true,
				Detail: "KServe v2 server " + st.Endpoint, Error: st.Error})
		}
		return out
	}
	if f.models == "" {
		s.checks = append(s.checks, server.Check{Name: "models", OK: true, Optional: true, Detail: "no model repository (--models); demos have no models"})
	}
	for _, m := range eng.Models() {
		s.checks = append(s.checks, server.Check{Name: "model " + m.Name, OK: m.Status == inference.StatusReady,
			Optional: true, Detail: modelDetail(m), Error: m.Error})
	}
	return s, nil
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// modelDetail is a model's line in /readyz: task, head and where it runs.
func modelDetail(m inference.ModelInfo) string {
	d := m.Task + " / " + m.Head
	switch {
	case m.Provider == inference.ProviderRemote:
		d += " on remote " + m.Endpoint
	case m.Provider != "":
		d += " on " + m.Provider
	}
	if m.SharesWith != "" {
		d += " (shares the session of " + m.SharesWith + ")"
	}
	return d
}
