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

func main() {
	o, err := parseOptions(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, o, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
	if rep.errors() > 0 {
		os.Exit(1)
	}
}
