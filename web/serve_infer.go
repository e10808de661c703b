package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
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
	maxFrame     int64
	wsRate       float64
	maxWS        int
	maxHTTP      int
	clientRate   float64
	clientBurst  int
	clientWS     int
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
	fs.Int64Var(&f.maxFrame, "max-frame-bytes", 1<<20, "largest request body or websocket frame")
	fs.Float64Var(&f.wsRate, "ws-rate", 20, "requests per second per websocket connection")
	fs.IntVar(&f.maxWS, "max-websockets", 256, "most open websockets (more: 503 busy)")
	fs.IntVar(&f.maxHTTP, "max-http-inflight", 64, "most POST /api/v1/infer and /v2 infer requests running at once (more: 503 busy)")
	fs.Float64Var(&f.clientRate, "client-rate", 0, "inference requests and websocket opens per second per client IP address (more: 429; 0: no limit)")
	fs.IntVar(&f.clientBurst, "client-burst", 0, "burst allowed above --client-rate (0: twice the rate)")
	fs.IntVar(&f.clientWS, "client-websockets", 0, "most open websockets per client IP address (more: 429; 0: no limit)")
}

// inferenceSetup is the engine and what the server needs from it.
type inferenceSetup struct {
	engine  *inference.Engine
	runtime *ort.Runtime
	checks  []server.Check
	metrics http.Handler
	limits  server.InferLimits
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
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics, err := inference.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	s := &inferenceSetup{
		metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		limits: server.InferLimits{MaxFrameBytes: f.maxFrame, RatePerSecond: f.wsRate, Burst: int(2 * f.wsRate),
			MaxConnections: f.maxWS, MaxHTTPInFlight: f.maxHTTP,
			PerClientRate: f.clientRate, PerClientBurst: f.clientBurst, PerClientWebsockets: f.clientWS},
	}
	rt, rtErr := ort.Open(ort.Config{LibraryPath: ort.FindLibrary(f.ortLib), Device: device, IntraOpThreads: f.threads, Spin: f.spin, Logger: log})
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
		LoadTokenizer: inference.HFTokenizer, Batch: batcher.Config{MaxBatch: f.maxBatch, MaxWait: f.maxWait, QueueSize: f.queue, Workers: f.workers},
		Timeout: f.timeout, MaxTextRunes: f.maxNoteChars, Metrics: metrics, Logger: log})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("--models: %w", err)
	}
	s.engine = eng
	if f.models == "" {
		s.checks = append(s.checks, server.Check{Name: "models", OK: true, Optional: true, Detail: "no model repository (--models); demos have no models"})
	}
	for _, m := range eng.Models() {
		s.checks = append(s.checks, server.Check{Name: "model " + m.Name, OK: m.Status == inference.StatusReady,
			Optional: true, Detail: m.Task + " / " + m.Head, Error: m.Error})
	}
	return s, nil
}
