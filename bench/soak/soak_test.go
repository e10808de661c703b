package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/results"
	"github.com/clinlm/clinlm/server"
	"github.com/clinlm/clinlm/static"
)

func TestParseOptions(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"-url", "http://127.0.0.1:9000", "-clients", "8", "-duration", "1m"}, ""},
		{[]string{"-url", "http://localhost:9000/"}, ""},
		{[]string{"-url", "http://[::1]:9000"}, ""},
		{[]string{"-url", "http://example.com:9000"}, "loopback"},
		{[]string{"-url", "http://10.0.0.1:9000"}, "loopback"},
		{[]string{"-url", "ftp://127.0.0.1"}, "want http"},
		{[]string{"-clients", "0"}, "-clients"},
		{[]string{"-clients", "5000"}, "-clients"},
		{[]string{"-duration", "3h"}, "-duration"},
		{[]string{"-every", "0s"}, "-every"},
	}
	for _, tc := range tests {
		_, err := parseOptions(tc.args, io.Discard)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%v: err %v, want %q", tc.args, err, tc.wantErr)
		}
	}
}

// echoInferer answers every task at once, so the test measures the tool.
type echoInferer struct{}

func (echoInferer) Models() []inference.ModelInfo {
	return []inference.ModelInfo{
		{Name: "n", Task: "nli", Status: inference.StatusReady, Availability: "public"},
		{Name: "c", Task: "clip", Status: inference.StatusReady, Availability: "public"},
		{Name: "broken", Task: "qa", Status: inference.StatusError, Availability: "public"},
	}
}

func (echoInferer) Infer(_ context.Context, model string, in inference.Input, partial inference.Partial) (inference.Result, error) {
	if model == "c" {
		partial(inference.Sentence{Index: 0, Text: "x"})
		return inference.Result{Output: inference.CLIPOutput{}}, nil
	}
	return inference.Result{Output: inference.NLIOutput{}}, nil
}

func TestSoakAgainstAServer(t *testing.T) {
	set, err := results.Default()
	if err != nil {
		t.Fatal(err)
	}
	assets, err := static.New(fstest.MapFS{"css/app.css": {Data: []byte("body{}")}})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv, err := server.New(server.Config{Logger: slog.New(slog.DiscardHandler), Results: set, Assets: assets,
		Inference: echoInferer{}, InferLimits: server.InferLimits{RatePerSecond: 1e6, Burst: 1e6},
		Metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{})})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln, time.Second) }()
	defer func() { cancel(); <-done }()

	o, err := parseOptions([]string{"-url", "http://" + ln.Addr().String(), "-clients", "4", "-duration", "1500ms",
		"-every", "500ms", "-markdown"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	rep, err := run(context.Background(), o, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	if rep.errors() != 0 {
		t.Errorf("%d errors", rep.errors())
	}
	if len(rep.rows) < 3 || len(rep.all) == 0 {
		t.Fatalf("%d rows, %d requests", len(rep.rows), len(rep.all))
	}
	for _, x := range rep.rows {
		if !x.server.ok || x.server.goroutines <= 0 || x.server.rss <= 0 {
			t.Errorf("row at %s: server stats not scraped: %+v", x.at, x.server)
		}
	}
	if !strings.Contains(out.String(), "n (nli), c (clip)") || strings.Contains(out.String(), "broken") {
		t.Errorf("models: %s", out.String())
	}
	if !strings.Contains(out.String(), "| t | requests |") {
		t.Error("no markdown table")
	}
}

// Busy answers are a server shedding load: reported apart, not as errors
// (they made `go tool task soak` exit 1).
func TestBusyIsReportedApartFromErrors(t *testing.T) {
	var out strings.Builder
	rep := &report{out: &out}
	rep.sample(0, 0, nil, nil, serverStats{})
	rep.sample(time.Second, time.Second, []time.Duration{time.Millisecond}, map[string]int{"busy": 3, "timeout": 1}, serverStats{})
	rep.summary(options{})
	if rep.errors() != 1 || rep.busy() != 3 {
		t.Errorf("errors %d busy %d, want 1 and 3", rep.errors(), rep.busy())
	}
	if !strings.Contains(out.String(), "1 errors, 3 busy") {
		t.Errorf("summary: %s", out.String())
	}
}

// fakeServeEnv makes the test binary act as `clinlm serve` that never gets
// ready: it writes its pid and waits to be stopped.
const fakeServeEnv = "SOAK_TEST_FAKE_SERVE_PIDFILE"

func TestMain(m *testing.M) {
	if pidfile := os.Getenv(fakeServeEnv); pidfile != "" {
		_ = os.WriteFile(pidfile, []byte(strconv.Itoa(os.Getpid())), 0o644)
		time.Sleep(time.Hour) // SIGTERM ends it
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The server that -serve starts is stopped when the run fails (here: it
// never answers /healthz), not left running.
func TestServeIsStoppedOnFailure(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "pid")
	t.Setenv(fakeServeEnv, pidfile)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing answers there
	code := soak([]string{"-serve", os.Args[0], "-url", "http://" + addr, "-wait", "2s", "-duration", "1s"})
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	raw, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatalf("the server was not started: %v", err)
	}
	pid, _ := strconv.Atoi(string(raw))
	if err := syscall.Kill(pid, 0); err == nil {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("the server (pid %d) still runs after soak returned", pid)
	}
}
