// Command ws measures what the /ws/infer websocket costs: requests per second
// and p50/p99 latency with 1, 8 and 64 concurrent clients, for the same model
// called three ways in one run —
//
//	session    tokenize + one ONNX Runtime session.Run per request (batch 1),
//	           the raw session the server wraps;
//	engine     inference.Engine.Infer (the pipeline with dynamic batching);
//	websocket  one connection per client over loopback TCP to an in-process
//	           clinlm server (JSON frames, origin check, limits) → the engine.
//
// Beside them, "session b32" is the raw session running batches of
// -ref-batch copies of the pair back to back: the throughput ceiling that
// batching can reach, and the reference of the GPU goal (64 clients over the
// websocket at ≥ 0.8 × the batch-32 session).
//
// Every client is closed-loop (one request in flight). Each level stops after
// -requests requests or -duration, whichever comes first. The modes of a level
// run interleaved -rounds times and the fastest round of each is reported: on
// a shared machine the least disturbed run is the closest to the true cost. Only NLI models are
// supported (a premise/hypothesis pair: the same work in all three modes).
//
//	go run ./bench/ws -models .cache/testmodels -model tiny-nli
//
// With -mixed-lengths the clients send pairs of three lengths (about 15, 50
// and 120 tokens; client c the (c mod 3)-th), so batches meet rows of
// different length buckets: run it with -pad-buckets and -bucket-batches
// true and false to compare grouping batches by bucket with padding only.
//
// A remote model (manifest "remote": a KServe v2 server runs the forward
// pass) is measured the same way, with -session-model naming a local folder
// with the same weights for the session modes.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/batcher"
	"github.com/clinlm/clinlm/inference/models"
	"github.com/clinlm/clinlm/inference/ort"
	"github.com/clinlm/clinlm/results"
	"github.com/clinlm/clinlm/server"
	"github.com/clinlm/clinlm/static"
)

// A synthetic pair (no patient data), about 50 tokens with special tokens.
const (
	premise    = "The patient is a 58-year-old man presenting with two hours of substernal chest pressure. Serial troponins were negative and the ECG showed no ST changes."
	hypothesis = "The patient had a myocardial infarction."
)

// mixedPairs are synthetic pairs of about 15, 50 and 120 tokens, one per
// length bucket of 32/64/128 (-mixed-lengths).
var mixedPairs = []inference.Input{
	{Premise: "No fever today.", Hypothesis: "The patient is afebrile."},
	{Premise: premise, Hypothesis: hypothesis},
	{Premise: premise + " She was admitted to telemetry overnight, started on aspirin and a statin, and a stress test the next morning showed no inducible ischemia. Her blood pressure was well controlled on lisinopril and she remained pain free.",
		Hypothesis: hypothesis + " The stress test was abnormal."},
}

type options struct {
	modelsDir, model, ortLib, device string
	clients                          []int
	requests, rounds                 int
	duration                         time.Duration
	threads                          int
	spin                             bool
	maxBatch                         int
	workers                          int
	maxWait                          time.Duration
	padBuckets                       []int
	bucketBatches, mixedLengths      bool
	cudaMemLimit                     int64
	cudaSameAsRequested              bool
	refBatch                         int
	label                            string
	sessionModel                     string
}

func main() {
	var o options
	var clients string
	flag.StringVar(&o.modelsDir, "models", ".cache/testmodels", "model repository")
	flag.StringVar(&o.model, "model", "tiny-nli", "NLI model to measure")
	flag.StringVar(&o.ortLib, "ort-lib", "", "ONNX Runtime library (default: .cache/ort)")
	flag.StringVar(&o.device, "device", "cpu", "auto, cpu or cuda")
	flag.StringVar(&clients, "clients", "1,8,64", "concurrent clients per level")
	flag.IntVar(&o.requests, "requests", 2000, "most requests per level")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "longest time per level")
	flag.IntVar(&o.rounds, "rounds", 3, "interleaved repetitions per level; the fastest is reported")
	flag.IntVar(&o.threads, "ort-threads", 0, "ONNX Runtime intra-op threads (0: one per core)")
	flag.BoolVar(&o.spin, "ort-spin", false, "let ONNX Runtime's idle intra-op threads spin (as clinlm serve --ort-spin)")
	flag.IntVar(&o.maxBatch, "max-batch", 8, "engine: most sequences per run (as clinlm serve)")
	flag.IntVar(&o.workers, "batch-workers", 2, "engine: batches of one model running at once (as clinlm serve)")
	flag.DurationVar(&o.maxWait, "max-wait", 0, "engine: longest wait for a batch to fill while the model is free (as clinlm serve)")
	buckets := flag.String("pad-buckets", "", "engine: pad batches to these lengths, e.g. 32,64,128,256 (as clinlm serve)")
	flag.BoolVar(&o.bucketBatches, "bucket-batches", true, "engine: with -pad-buckets, batches keep to one bucket (as clinlm serve); false pads only")
	flag.BoolVar(&o.mixedLengths, "mixed-lengths", false, "clients send pairs of about 15, 50 and 120 tokens in turn instead of one 50-token pair")
	flag.Int64Var(&o.cudaMemLimit, "cuda-mem-limit", 0, "CUDA arena cap in bytes (as clinlm serve)")
	flag.BoolVar(&o.cudaSameAsRequested, "cuda-arena-same-as-requested", false, "grow the CUDA arena by what is asked (as clinlm serve --cuda-arena same-as-requested)")
	flag.IntVar(&o.refBatch, "ref-batch", 32, "rows per run of the raw-session throughput reference (0: skip it)")
	flag.StringVar(&o.sessionModel, "session-model", "", "the local model whose model.onnx the session modes run (default: -model; set it when -model is a remote model, e.g. the same weights served by a KServe v2 server)")
	flag.StringVar(&o.label, "label", "", "the first column of the table rows (default: the model name), e.g. bert-base fp16")
	prof := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *prof != "" {
		f, err := os.Create(*prof)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench/ws:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "bench/ws:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if *buckets != "" {
		for _, b := range strings.Split(*buckets, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(b))
			if err != nil || n < 1 {
				fmt.Fprintf(os.Stderr, "bad -pad-buckets %q\n", *buckets)
				os.Exit(2)
			}
			o.padBuckets = append(o.padBuckets, n)
		}
	}
	for _, c := range strings.Split(clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "bad -clients %q\n", clients)
			os.Exit(2)
		}
		o.clients = append(o.clients, n)
	}
	if err := run(o, os.Stdout); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "bench/ws:", err)
		os.Exit(1)
	}
}

// level is one measured (mode, clients) cell.
type level struct {
	mode     string
	clients  int
	n        int
	errors   int
	elapsed  time.Duration
	p50, p99 time.Duration
}

func (l level) rps() float64 { return float64(l.n) / l.elapsed.Seconds() }

// callFunc runs one request for client c.
type callFunc func(ctx context.Context, c int) error

func run(o options, w io.Writer) error {
	device, err := ort.ParseDevice(o.device)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	rt, err := ort.Open(ort.Config{LibraryPath: ort.FindLibrary(o.ortLib), Device: device, IntraOpThreads: o.threads, Spin: o.spin,
		CUDAMemLimit: o.cudaMemLimit, CUDAArenaSameAsRequested: o.cudaSameAsRequested, Logger: log})
	if err != nil {
		return fmt.Errorf("onnx runtime: %w (%s)", err, ort.FixHint())
	}
	defer rt.Close()
	reg := prometheus.NewRegistry()
	metrics, err := inference.NewMetrics(reg)
	if err != nil {
		return err
	}
	eng, err := inference.Open(inference.Config{Dir: o.modelsDir, Runtime: rt, LoadTokenizer: inference.HFTokenizer, PadBuckets: o.padBuckets,
		BucketBatches: o.bucketBatches, Batch: batcher.Config{MaxBatch: o.maxBatch, MaxWait: o.maxWait, QueueSize: 1024, Workers: o.workers},
		Metrics: metrics, Logger: log})
	if err != nil {
		return err
	}
	defer eng.Close()
	info, ok := eng.Model(o.model)
	if !ok || info.Status != inference.StatusReady {
		return fmt.Errorf("model %q is not loaded from %s: %s", o.model, o.modelsDir, info.Error)
	}
	if info.Task != "nli" {
		return fmt.Errorf("model %q is a %s model; this benchmark runs NLI models", o.model, info.Task)
	}

	sessionModel := o.sessionModel
	if sessionModel == "" {
		sessionModel = o.model
	}
	pairs := []inference.Input{{Premise: premise, Hypothesis: hypothesis}}
	if o.mixedLengths {
		pairs = mixedPairs
	}
	direct, batchRun, closeDirect, err := sessionCall(rt, o.modelsDir, sessionModel, pairs)
	if err != nil {
		return err
	}
	defer closeDirect()
	engineCall := func(ctx context.Context, c int) error {
		_, err := eng.Infer(ctx, o.model, pairs[c%len(pairs)], nil)
		return err
	}
	addr, stop, err := serve(eng, log)
	if err != nil {
		return err
	}
	defer stop()

	startLoad := loadAverage()
	st := rt.Status()
	where := info.Provider
	if info.Endpoint != "" {
		where += " " + info.Endpoint
	}
	fmt.Fprintf(w, "model %s on %s (max_length %d; session modes: %s), onnxruntime %s on %s, GOMAXPROCS %d, ort-spin %v, engine max-batch %d max-wait %s batch-workers %d pad-buckets %v bucket-batches %v, pair lengths %s\n",
		o.model, where, info.MaxLength, sessionModel, st.Version, st.Device, runtime.GOMAXPROCS(0), o.spin, o.maxBatch, o.maxWait, o.workers, o.padBuckets,
		o.bucketBatches && len(o.padBuckets) > 0, map[bool]string{false: "one (~50 tokens)", true: "mixed (~15, 50, 120 tokens by client)"}[o.mixedLengths])
	if st.Fallback != "" {
		fmt.Fprintf(w, "CUDA not used: %s\n", st.Fallback)
	}
	var ref float64
	if o.refBatch > 0 {
		batchRun(context.Background(), o.refBatch) // warm-up
		ref = measureBatch(batchRun, o.refBatch, min(o.duration, 5*time.Second))
		fmt.Fprintf(w, "raw session, batches of %d: %.0f sequences/s\n", o.refBatch, ref)
	}
	fmt.Fprintf(w, "each level: at most %d requests or %s; fastest of %d interleaved rounds\n\n", o.requests, o.duration, max(1, o.rounds))
	var all []level
	for _, n := range o.clients {
		ws, closeWS, err := wsCall(addr, o.model, n, pairs)
		if err != nil {
			return err
		}
		modes := []struct {
			name string
			call callFunc
		}{{"session", direct}, {"engine", engineCall}, {"websocket", ws}}
		best := make([]level, len(modes))
		for r := range max(1, o.rounds) {
			for i, m := range modes {
				if r == 0 {
					measure(m.call, n, min(50, o.requests), 5*time.Second) // warm-up
				}
				l := measure(m.call, n, o.requests, o.duration)
				l.mode = m.name
				if l.errors > 0 {
					fmt.Fprintf(os.Stderr, "%s with %d clients: %d errors\n", m.name, n, l.errors)
				}
				if r == 0 || l.rps() > best[i].rps() {
					best[i] = l
				}
			}
		}
		all = append(all, best...)
		closeWS()
	}
	label := o.label
	if label == "" {
		label = o.model
	}
	writeTable(w, all, label, string(st.Device), o.refBatch, ref)
	if tokens, padding := positions(reg); tokens > 0 {
		fmt.Fprintf(w, "\nengine and websocket batches: %.0f token positions, %.0f padding (%.1f%% of the positions computed were padding)\n",
			tokens, padding, 100*padding/(tokens+padding))
	}
	fmt.Fprintf(w, "\nload average: %s at start, %s at end (other processes share the CPU)\n", startLoad, loadAverage())
	return nil
}

// positions sums clinlm_infer_positions_total over models: the token and
// padding positions the engine's batches sent to the model.
func positions(reg *prometheus.Registry) (tokens, padding float64) {
	families, err := reg.Gather()
	if err != nil {
		return 0, 0
	}
	for _, f := range families {
		if f.GetName() != "clinlm_infer_positions_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				switch {
				case l.GetName() != "kind":
				case l.GetValue() == "token":
					tokens += m.GetCounter().GetValue()
				case l.GetValue() == "padding":
					padding += m.GetCounter().GetValue()
				}
			}
		}
	}
	return tokens, padding
}

// loadAverage is the 1-minute load average, "?" off Linux.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

// measure runs clients closed-loop until total requests or limit.
func measure(call callFunc, clients, total int, limit time.Duration) level {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var next atomic.Int64
	lat := make([][]time.Duration, clients)
	errs := make([]int, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && next.Add(1) <= int64(total) {
				t0 := time.Now()
				if err := call(ctx, c); err != nil {
					if ctx.Err() == nil {
						errs[c]++
					}
					continue
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	l := level{clients: clients, elapsed: time.Since(start)}
	var flat []time.Duration
	for c := range clients {
		flat = append(flat, lat[c]...)
		l.errors += errs[c]
	}
	slices.Sort(flat)
	l.n = len(flat)
	l.p50, l.p99 = quantile(flat, 0.50), quantile(flat, 0.99)
	return l
}

// quantile is the nearest-rank quantile of sorted durations.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// measureBatch is the raw session's throughput in sequences per second,
// running batches of n rows back to back for about limit.
func measureBatch(run func(context.Context, int) error, n int, limit time.Duration) float64 {
	start := time.Now()
	runs := 0
	for time.Since(start) < limit {
		if err := run(context.Background(), n); err != nil {
			fmt.Fprintln(os.Stderr, "session batch:", err)
			return 0
		}
		runs++
	}
	return float64(runs*n) / time.Since(start).Seconds()
}

func writeTable(w io.Writer, all []level, label, device string, refBatch int, ref float64) {
	refCol := "vs session b" + strconv.Itoa(refBatch)
	fmt.Fprintln(w, "| model | device | clients | mode | requests | req/s | p50 ms | p99 ms | vs session | "+refCol+" |")
	fmt.Fprintln(w, "|---|---|---:|---|---:|---:|---:|---:|---:|---:|")
	base := map[int]float64{}
	for _, l := range all {
		if l.mode == "session" {
			base[l.clients] = l.rps()
		}
	}
	for _, l := range all {
		vsRef := "–"
		if ref > 0 {
			vsRef = fmt.Sprintf("%.2f×", l.rps()/ref)
		}
		fmt.Fprintf(w, "| %s | %s | %d | %s | %d | %.0f | %.2f | %.2f | %.0f%% | %s |\n", label, device, l.clients, l.mode, l.n, l.rps(),
			ms(l.p50), ms(l.p99), 100*l.rps()/base[l.clients], vsRef)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// sessionCall opens the model's own ORT session and returns a request that
// tokenizes client c's pair (pairs[c mod len]) and runs it alone (batch 1),
// then takes the softmax, and a run of n copies of the first pair in one
// batch.
func sessionCall(rt *ort.Runtime, dir, name string, pairs []inference.Input) (callFunc, func(context.Context, int) error, func(), error) {
	entries, err := models.Scan(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	i := slices.IndexFunc(entries, func(e models.Entry) bool { return e.Name == name })
	if i < 0 {
		return nil, nil, nil, fmt.Errorf("no model %q in %s", name, dir)
	}
	entry := entries[i]
	tok, err := inference.HFTokenizer(entry.Path(models.TokenizerFile))
	if err != nil {
		return nil, nil, nil, err
	}
	ins, _, err := rt.Inspect(entry.Path(models.ModelFile))
	if err != nil {
		return nil, nil, nil, err
	}
	mf := entry.Manifest
	inputs := []string{mf.InputName("input_ids"), mf.InputName("attention_mask")}
	withTypes := slices.ContainsFunc(ins, func(x ort.IOInfo) bool { return x.Name == mf.InputName("token_type_ids") })
	if withTypes {
		inputs = append(inputs, mf.InputName("token_type_ids"))
	}
	sess, err := rt.NewSession(entry.Path(models.ModelFile), inputs, []string{mf.OutputName("logits")})
	if err != nil {
		return nil, nil, nil, err
	}
	call := func(ctx context.Context, c int) error {
		in := pairs[c%len(pairs)]
		encs, err := tok.Encode(inference.EncodeRequest{Text: in.Premise, Pair: &in.Hypothesis, MaxLength: mf.MaxLength, Strategy: inference.LongestFirst})
		if err != nil {
			return err
		}
		e := encs[0]
		shape := []int64{1, int64(len(e.IDs))}
		mask := make([]int64, len(e.IDs))
		for j := range mask {
			mask[j] = 1
		}
		tensors := []ort.Tensor{{Shape: shape, Int64: e.IDs}, {Shape: shape, Int64: mask}}
		if withTypes {
			tensors = append(tensors, ort.Tensor{Shape: shape, Int64: e.TypeIDs})
		}
		outs, err := sess.Run(ctx, tensors)
		if err != nil {
			return err
		}
		softmax(outs[0].Float32)
		return nil
	}
	pairEnc, err := tok.Encode(inference.EncodeRequest{Text: pairs[0].Premise, Pair: &pairs[0].Hypothesis, MaxLength: mf.MaxLength, Strategy: inference.LongestFirst})
	if err != nil {
		return nil, nil, nil, err
	}
	batch := func(ctx context.Context, n int) error {
		e := pairEnc[0]
		width := len(e.IDs)
		ids, mask, types := make([]int64, n*width), make([]int64, n*width), make([]int64, n*width)
		for r := range n {
			copy(ids[r*width:], e.IDs)
			copy(types[r*width:], e.TypeIDs)
			for j := range width {
				mask[r*width+j] = 1
			}
		}
		shape := []int64{int64(n), int64(width)}
		tensors := []ort.Tensor{{Shape: shape, Int64: ids}, {Shape: shape, Int64: mask}}
		if withTypes {
			tensors = append(tensors, ort.Tensor{Shape: shape, Int64: types})
		}
		_, err := sess.Run(ctx, tensors)
		return err
	}
	return call, batch, func() { sess.Close() }, nil
}

func softmax(v []float32) {
	m := float32(math.Inf(-1))
	for _, x := range v {
		m = max(m, x)
	}
	var sum float64
	for i, x := range v {
		e := math.Exp(float64(x - m))
		v[i] = float32(e)
		sum += e
	}
	for i := range v {
		v[i] = float32(float64(v[i]) / sum)
	}
}

// serve starts an in-process clinlm server on a loopback port, with the
// per-connection rate limit lifted (the benchmark is the only client).
func serve(eng *inference.Engine, log *slog.Logger) (string, func(), error) {
	set, err := results.Default()
	if err != nil {
		return "", nil, err
	}
	assets, err := static.Embedded()
	if err != nil {
		return "", nil, err
	}
	srv, err := server.New(server.Config{Logger: log, Results: set, Assets: assets, Inference: eng,
		InferLimits: server.InferLimits{RatePerSecond: 1e9, Burst: 1 << 30}})
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln, 5*time.Second) }()
	return ln.Addr().String(), func() { cancel(); <-done }, nil
}

// wsFrame is the part of a server frame the benchmark reads.
type wsFrame struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Error *struct {
		Code, Message string
	} `json:"error"`
}

// wsCall opens one connection per client; a request sends a frame and reads
// frames until its result. The client is kept light, as a load generator
// should be, since it shares the CPU with the server it measures: request
// frames are pre-encoded around the id, and a reply that starts with the
// expected {"id":…,"type":"result" prefix (the server's field order) is
// taken without decoding; anything else is decoded.
func wsCall(addr, model string, clients int, pairs []inference.Input) (callFunc, func(), error) {
	conns := make([]*websocket.Conn, clients)
	closeAll := func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}
	for i := range conns {
		c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws/infer", nil)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		conns[i] = c
	}
	modelJSON, err := json.Marshal(model)
	if err != nil {
		return nil, nil, err
	}
	tails := make([][]byte, len(pairs))
	for i, in := range pairs {
		input, err := json.Marshal(in)
		if err != nil {
			return nil, nil, err
		}
		tails[i] = []byte(`","model":` + string(modelJSON) + `,"input":` + string(input) + `}`)
	}
	seq := make([]int, clients)
	bufs := make([][]byte, clients)
	call := func(_ context.Context, c int) error {
		seq[c]++ // each client is one goroutine
		id := strconv.Itoa(seq[c])
		frame := append(append(append(bufs[c][:0], `{"id":"`...), id...), tails[c%len(tails)]...)
		bufs[c] = frame
		if err := conns[c].WriteMessage(websocket.TextMessage, frame); err != nil {
			return err
		}
		want := []byte(`{"id":"` + id + `","type":"result"`)
		for {
			_, data, err := conns[c].ReadMessage()
			if err != nil {
				return err
			}
			if bytes.HasPrefix(data, want) {
				return nil
			}
			var f wsFrame
			if err := json.Unmarshal(data, &f); err != nil {
				return err
			}
			if f.ID != id {
				continue
			}
			switch f.Type {
			case "result":
				return nil
			case "error":
				return errors.New(f.Error.Code + ": " + f.Error.Message)
			}
		}
	}
	return call, closeAll, nil
}
