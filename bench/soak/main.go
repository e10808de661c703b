// Command soak holds N websocket clients against a running clinlm server on
// loopback for a fixed time and prints, every -every, the window's
// throughput, p50/p99 latency and errors beside the server's resident memory,
// Go heap and goroutines (scraped from its /metrics). At the end it prints a
// summary and, with -markdown, a table for BENCHMARKS.md.
//
// Every client is closed-loop: one request in flight on its own connection,
// cycling through the server's ready demo models (NLI, QA and CLIP inputs,
// synthetic text). Client count and duration are bounded, and only loopback
// servers are accepted: this is a tool for one's own machine.
//
//	clinlm serve --addr 127.0.0.1:18089 --models .cache/testmodels &
//	go run ./bench/soak -url http://127.0.0.1:18089 -clients 64 -duration 10m
//
// With -serve BINARY soak starts `BINARY serve` on the -url address itself
// (-serve-models for its --models) and stops it on every way out: the end of
// the run, a failure, Ctrl-C or SIGTERM. `busy` answers (a server shedding
// load) are reported beside the errors, not counted among them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// Bounds on what one run may ask for.
const (
	maxClients  = 1024
	maxDuration = 2 * time.Hour
)

type options struct {
	url      string
	clients  int
	duration time.Duration
	every    time.Duration
	models   []string
	markdown bool
	wait     time.Duration
	origin   string
	// serve and serveModels: start this clinlm binary, with this model
	// repository, for the run ("" : use a running server).
	serve       string
	serveModels string
}

func parseOptions(args []string, errOut io.Writer) (options, error) {
	var o options
	var models string
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.StringVar(&o.url, "url", "http://127.0.0.1:18089", "base URL of a running clinlm server (loopback only)")
	fs.IntVar(&o.clients, "clients", 64, fmt.Sprintf("concurrent websocket clients (1–%d)", maxClients))
	fs.DurationVar(&o.duration, "duration", time.Minute, fmt.Sprintf("how long to run (at most %s)", maxDuration))
	fs.DurationVar(&o.every, "every", 30*time.Second, "report period")
	fs.StringVar(&models, "models", "", "comma-separated demo models to use (default: every ready one)")
	fs.BoolVar(&o.markdown, "markdown", false, "also print the report as a Markdown table")
	fs.DurationVar(&o.wait, "wait", 60*time.Second, "how long to wait for the server's /readyz")
	fs.StringVar(&o.serve, "serve", "", "start this clinlm binary (`BINARY serve --addr` the -url address) for the run and stop it on every exit")
	fs.StringVar(&o.serveModels, "serve-models", "models", "--models of the server -serve starts")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if models != "" {
		o.models = strings.Split(models, ",")
	}
	switch {
	case o.clients < 1 || o.clients > maxClients:
		return o, fmt.Errorf("-clients %d: want 1 to %d", o.clients, maxClients)
	case o.duration <= 0 || o.duration > maxDuration:
		return o, fmt.Errorf("-duration %s: want more than 0 and at most %s", o.duration, maxDuration)
	case o.every <= 0:
		return o, fmt.Errorf("-every %s: want more than 0", o.every)
	}
	u, err := url.Parse(o.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return o, fmt.Errorf("-url %q: want http://host:port", o.url)
	}
	if !isLoopback(u.Hostname()) {
		return o, fmt.Errorf("-url %q: soak only runs against a server on this machine (loopback)", o.url)
	}
	o.url = strings.TrimSuffix(o.url, "/")
	o.origin = u.Scheme + "://" + u.Host
	return o, nil
}

// isLoopback accepts localhost and loopback addresses only.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func main() { os.Exit(soak(os.Args[1:])) }

// soak runs the tool and returns its exit status; everything it started is
// stopped before it returns (os.Exit would skip deferred calls).
func soak(args []string) int {
	o, err := parseOptions(args, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.serve != "" {
		srv, err := startServer(o)
		if err != nil {
			fmt.Fprintln(os.Stderr, "soak:", err)
			return 1
		}
		defer srv.stop()
	}
	rep, err := run(ctx, o, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 1
	}
	if rep.errors() > 0 {
		return 1
	}
	return 0
}

// serverProcess is a clinlm serve process started by soak.
type serverProcess struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// startServer starts `o.serve serve` on the -url address, in its own process
// group (a Ctrl-C of the terminal reaches soak, which stops it in order).
func startServer(o options) (*serverProcess, error) {
	u, err := url.Parse(o.url)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(o.serve, "serve", "--addr", u.Host, "--models", o.serveModels, "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("-serve: %w", err)
	}
	s := &serverProcess{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	return s, nil
}

// stop asks the server to shut down (SIGTERM: it drains) and kills its
// process group when it has not exited after the grace.
func (s *serverProcess) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
}
