package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Synthetic inputs (no patient data), one per task.
var inputs = map[string]map[string]any{
	"nli": {
		"premise":    "The patient is a 58-year-old man with two hours of substernal chest pressure. Serial troponins were negative.",
		"hypothesis": "The patient had a myocardial infarction.",
	},
	"qa": {
		"context":  "FINDINGS: No focal consolidation. Small left pleural effusion. Heart size is normal. IMPRESSION: Small left effusion, no pneumonia.",
		"question": "Is there a pleural effusion?",
	},
	"clip": {
		"text": "Discharged home in stable condition. Follow up with cardiology in two weeks. Repeat CBC in one week. " +
			"Continue aspirin 81 mg daily. Call your doctor if the chest pain returns.",
	},
}

// target is one model the clients call.
type target struct{ name, task string }

// discover lists the server's ready demo models for the tasks we have inputs for.
func discover(ctx context.Context, base string, want []string) ([]target, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/models", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Models []struct{ Name, Kind, Status, Task string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("/api/v1/models: %w", err)
	}
	var out []target
	for _, m := range body.Models {
		if m.Kind != "demo" || m.Status != "ready" || inputs[m.Task] == nil {
			continue
		}
		if len(want) > 0 && !slices.Contains(want, m.Name) {
			continue
		}
		out = append(out, target{m.Name, m.Task})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the server at %s has no ready demo model to call (wanted %v)", base, want)
	}
	return out, nil
}

// waitReady polls /healthz until the server answers or the wait is over.
func waitReady(ctx context.Context, base string, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer from %s/healthz within %s (%v)", base, wait, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// recorder collects one window's latencies and errors from every client.
type recorder struct {
	mu        sync.Mutex
	latencies []time.Duration
	errs      map[string]int
}

func newRecorder() *recorder { return &recorder{errs: map[string]int{}} }

func (r *recorder) ok(d time.Duration) {
	r.mu.Lock()
	r.latencies = append(r.latencies, d)
	r.mu.Unlock()
}

func (r *recorder) fail(code string) {
	r.mu.Lock()
	r.errs[code]++
	r.mu.Unlock()
}

// take returns the window so far and starts a new one.
func (r *recorder) take() ([]time.Duration, map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	l, e := r.latencies, r.errs
	r.latencies, r.errs = nil, map[string]int{}
	return l, e
}

// client holds one websocket and sends one request at a time until ctx ends.
func client(ctx context.Context, o options, targets []target, n int, rec *recorder) {
	wsURL := "ws" + strings.TrimPrefix(o.url, "http") + "/ws/infer"
	header := http.Header{"Origin": {o.origin}}
	dialer := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	var conn *websocket.Conn
	defer func() {
		if conn != nil {
			_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			conn.Close()
		}
	}()
	for i := n; ctx.Err() == nil; i++ {
		if conn == nil {
			c, _, err := dialer.DialContext(ctx, wsURL, header)
			if err != nil {
				if ctx.Err() == nil {
					rec.fail("dial")
					time.Sleep(100 * time.Millisecond)
				}
				continue
			}
			conn = c
			// The reader unblocks when the run ends.
			stop := context.AfterFunc(ctx, func() { _ = c.SetReadDeadline(time.Now()) })
			defer stop()
		}
		t := targets[i%len(targets)]
		id := strconv.Itoa(n) + "-" + strconv.Itoa(i)
		start := time.Now()
		code, err := call(conn, id, t)
		switch {
		case ctx.Err() != nil:
			return // the run ended mid-request: not an error of the server
		case err != nil:
			rec.fail("connection")
			conn.Close()
			conn = nil
		case code != "":
			rec.fail(code)
		default:
			rec.ok(time.Since(start))
		}
	}
}

// call sends one request and reads until its result or error frame.
func call(conn *websocket.Conn, id string, t target) (code string, err error) {
	_ = conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
	if err := conn.WriteJSON(map[string]any{"id": id, "model": t.name, "input": inputs[t.task]}); err != nil {
		return "", err
	}
	for {
		_ = conn.SetReadDeadline(time.Now().Add(60 * time.Second))
		var f struct {
			ID    string `json:"id"`
			Type  string `json:"type"`
			Error *struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		if err := conn.ReadJSON(&f); err != nil {
			return "", err
		}
		if f.ID != id || f.Type == "partial" {
			continue
		}
		if f.Type == "error" && f.Error != nil {
			return f.Error.Code, nil
		}
		if f.Type != "result" {
			return "bad_frame", nil
		}
		return "", nil
	}
}

// run drives the clients for o.duration and reports every o.every.
func run(ctx context.Context, o options, out io.Writer) (*report, error) {
	if err := waitReady(ctx, o.url, o.wait); err != nil {
		return nil, err
	}
	targets, err := discover(ctx, o.url, o.models)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = t.name + " (" + t.task + ")"
	}
	rep := &report{out: out, clients: o.clients, models: names}
	rep.header(o)
	runCtx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	rec := newRecorder()
	var wg sync.WaitGroup
	start := time.Now()
	rep.sample(0, 0, nil, nil, scrape(o.url)) // the baseline before any load
	for n := range o.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client(runCtx, o, targets, n, rec)
		}()
	}
	tick := time.NewTicker(o.every)
	defer tick.Stop()
	last := start
	for runCtx.Err() == nil {
		select {
		case <-runCtx.Done():
		case now := <-tick.C:
			lat, errs := rec.take()
			rep.sample(now.Sub(start), now.Sub(last), lat, errs, scrape(o.url))
			last = now
		}
	}
	wg.Wait()
	now := time.Now()
	lat, errs := rec.take()
	if now.Sub(last) > o.every/10 || len(lat) > 0 || len(errs) > 0 {
		rep.sample(now.Sub(start), now.Sub(last), lat, errs, scrape(o.url))
	}
	// Idle again: the server should give back what the load took.
	time.Sleep(min(5*time.Second, o.every))
	rep.after = scrape(o.url)
	rep.summary(o)
	return rep, nil
}
