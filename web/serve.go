package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/clinlm/clinlm/inference/evaljobs"
	"github.com/clinlm/clinlm/results"
	"github.com/clinlm/clinlm/server"
	"github.com/clinlm/clinlm/static"
)

// serveConfig is the parsed configuration of `clinlm serve`.
type serveConfig struct {
	addr string
	// v2GRPCAddr, when set, serves the KServe v2 protocol's gRPC form there.
	v2GRPCAddr string
	logLevel   string
	logFormat  string
	resultsDir string
	// ownResults is a CSV of the user's own scores shown beside the paper's.
	ownResults string
	// tokenizersDir replaces the embedded tokenizer catalogue when set.
	tokenizersDir string
	grace         time.Duration
	infer         inferFlags
	store         storeFlags
}

func parseServeFlags(args []string, sio stdio) (serveConfig, error) {
	var c serveConfig
	fs := newFlagSet("serve", sio.err)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "address to listen on (host:port)")
	fs.StringVar(&c.v2GRPCAddr, "v2-grpc-addr", "", "also serve the KServe v2 (Open Inference Protocol) gRPC form on this address, e.g. 127.0.0.1:8081 (empty: HTTP only)")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.resultsDir, "results", "", "directory of results data files (default: the paper's, embedded)")
	fs.StringVar(&c.ownResults, "own-results", "", "CSV of your own models' scores to rank beside the paper's (columns: "+
		strings.Join(results.OwnColumns(), ",")+"; see README)")
	fs.StringVar(&c.tokenizersDir, "tokenizers", "", "directory of tokenizer.json files for the inspector, with an optional catalogue.json (default: the embedded catalogue)")
	fs.DurationVar(&c.grace, "shutdown-grace", 15*time.Second, "how long to drain requests on SIGTERM")
	addInferFlags(fs, &c.infer)
	addStoreFlags(fs, &c.store, sio.getenv)
	if err := parseFlags(fs, args, sio.getenv); err != nil {
		return c, err
	}
	return c, nil
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: %w", level, err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("--log-format %q: want text or json", format)
	}
}

func loadResults(dir string) (*results.Set, string, error) {
	if dir == "" {
		set, err := results.Default()
		return set, "embedded paper results", err
	}
	set, err := results.Load(os.DirFS(dir))
	return set, "results from " + dir, err
}

// addOwnResults adds an own-results file to set. A bad file leaves set as it
// was: the paper's leaderboard is served, and the check (in /readyz and the
// log) lists every problem with its row and field.
func addOwnResults(set *results.Set, path string, log *slog.Logger) (*results.Set, server.Check) {
	check := server.Check{Name: "own results", Optional: true}
	withOwn, err := set.WithOwn(os.DirFS(filepath.Dir(path)), filepath.Base(path))
	if err != nil {
		check.Error = err.Error()
		log.Error("own results not loaded; serving the paper's only", "file", path, "err", err)
		return set, check
	}
	check.OK = true
	check.Detail = fmt.Sprintf("%d own models from %s", len(withOwn.Models())-len(set.Models()), path)
	return withOwn, check
}

func runServe(ctx context.Context, args []string, sio stdio) error {
	cfg, err := parseServeFlags(args, sio)
	if err != nil {
		return err
	}
	log, err := newLogger(sio.err, cfg.logLevel, cfg.logFormat)
	if err != nil {
		return err
	}
	var checks []server.Check
	set, what, err := loadResults(cfg.resultsDir)
	if err != nil {
		// Results are the dashboard's core: without them there is nothing to serve.
		return fmt.Errorf("load results: %w", err)
	}
	checks = append(checks, server.Check{Name: "results", OK: true, Detail: what})
	if cfg.ownResults != "" {
		var own server.Check
		set, own = addOwnResults(set, cfg.ownResults, log)
		checks = append(checks, own)
	}
	assets, err := static.Embedded()
	if err != nil {
		return err
	}
	checks = append(checks, assetChecks(assets)...)
	cat, catChecks, err := loadTokenizerCatalogue(cfg.tokenizersDir)
	if err != nil {
		return err
	}
	checks = append(checks, catChecks...)
	inf, err := openInference(cfg.infer, log)
	if err != nil {
		return err
	}
	defer inf.Close()
	checks = append(checks, inf.checks...)
	subs, subsCheck, err := openStore(ctx, cfg.store)
	if err != nil {
		return err
	}
	if subs != nil {
		defer subs.Close()
	}
	checks = append(checks, subsCheck)
	var evals *evaljobs.Manager
	if inf.engine != nil {
		// Live evaluations run on the serving engine, with `clinlm eval`'s defaults.
		evals = evaljobs.New(ctx, inf.engine, evaljobs.Config{})
	}
	srv, err := server.New(server.Config{Logger: log, Results: set, Assets: assets, Tokenizers: cat, Checks: checks,
		Inference: inf.engine, InferLimits: inf.limits, Metrics: inf.metrics, LiveChecks: inf.liveChecks,
		Submissions: subs, ModeratorToken: cfg.store.moderatorToken, Evaluations: evals})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	var grpcLn net.Listener
	if cfg.v2GRPCAddr != "" {
		if grpcLn, err = net.Listen("tcp", cfg.v2GRPCAddr); err != nil {
			ln.Close()
			return fmt.Errorf("--v2-grpc-addr: %w", err)
		}
	}
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(sio.out, "clinlm dashboard: %s\n", url)
	log.Info("listening", "url", url)
	// Either server ending stops the other.
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	grpcDone := make(chan error, 1)
	if grpcLn != nil {
		fmt.Fprintf(sio.out, "clinlm v2 gRPC: %s\n", grpcLn.Addr())
		log.Info("listening", "v2_grpc", grpcLn.Addr().String())
		go func() { grpcDone <- srv.ServeGRPC(ctx, grpcLn, cfg.grace); stop() }()
	} else {
		grpcDone <- nil
	}
	err = srv.Serve(ctx, ln, cfg.grace)
	stop()
	if err := errors.Join(err, <-grpcDone); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

// assetChecks reports built assets that the binary lacks (it was compiled
// without the Taskfile's asset step); pages still work, charts or the
// in-browser tokenizer do not.
func assetChecks(a *static.Assets) []server.Check {
	want := []struct{ name, what string }{
		{"dist/echarts.min.js", "charts"},
		{"dist/tokenizer.wasm", "the in-browser tokenizer"},
		{"dist/wasm_exec.js", "the in-browser tokenizer"},
	}
	var out []server.Check
	for _, w := range want {
		c := server.Check{Name: "asset " + w.name, OK: a.Has(w.name), Optional: true, Detail: "needed for " + w.what}
		if !c.OK {
			c.Error = "not built into this binary; build with `go tool task build`"
		}
		out = append(out, c)
	}
	return out
}
