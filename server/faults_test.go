package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/ort"
	"github.com/clinlm/clinlm/internal/testenv"
)

// Faults and their documented behaviour (docs/operations.md): shutdown
// during inference, clients that leave or stop reading, a corrupt model and
// a missing ONNX Runtime.

func slowBackend() (backend, engineLike) {
	e := engineLike{release: make(chan struct{}), started: make(chan struct{}, 16), canceled: make(chan struct{}, 16)}
	return backend{name: "slow", inf: e, nli: "nli", qa: "qa", clip: "clip"}, e
}

// serving runs srv.Serve on loopback; stop cancels it as SIGTERM does.
type serving struct {
	addr string
	stop context.CancelFunc
	done chan struct{} // closed when Serve has returned err
	err  error
}

func serve(t *testing.T, srv *Server, grace time.Duration) *serving {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &serving{addr: ln.Addr().String(), stop: cancel, done: make(chan struct{})}
	go func() { s.err = srv.Serve(ctx, ln, grace); close(s.done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return")
		}
	})
	return s
}

func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func TestShutdownDrainsInFlightRequests(t *testing.T) {
	b, e := slowBackend()
	srv, logs := newTestServer(t, b, InferLimits{})
	s := serve(t, srv, 5*time.Second)

	ws, _, err := websocket.DefaultDialer.Dial("ws://"+s.addr+"/ws/infer", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"id":"w","model":"slow","input":{"text":"a"}}`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, e.started, "the websocket request")
	httpDone := make(chan int, 1)
	go func() {
		resp, err := http.Post("http://"+s.addr+"/api/v1/infer/slow", "application/json", strings.NewReader(`{"text":"b"}`))
		if err != nil {
			httpDone <- 0
			return
		}
		resp.Body.Close()
		httpDone <- resp.StatusCode
	}()
	waitFor(t, e.started, "the HTTP request")

	s.stop() // SIGTERM
	time.Sleep(100 * time.Millisecond)
	if c, err := net.DialTimeout("tcp", s.addr, time.Second); err == nil {
		c.Close()
		t.Error("the listener still accepts connections while draining")
	}
	select {
	case <-s.done:
		t.Fatalf("Serve returned %v before the requests in flight finished", s.err)
	default:
	}
	close(e.release) // the requests finish within the grace period

	if code := <-httpDone; code != http.StatusOK {
		t.Errorf("HTTP request in flight at shutdown: status %d, want 200", code)
	}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var f serverFrame
	if err := ws.ReadJSON(&f); err != nil || f.ID != "w" || f.Type != "result" {
		t.Errorf("websocket request in flight at shutdown: %+v, %v; want its result", f, err)
	}
	_, _, err = ws.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Errorf("after the drain: %v, want close 1001 (going away)", err)
	}
	select {
	case <-s.done:
		if s.err != nil {
			t.Errorf("Serve: %v", s.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the drain")
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Error("no shutdown log line")
	}
}

func TestShutdownCancelsWhatOutlastsTheGrace(t *testing.T) {
	b, e := slowBackend()
	srv, logs := newTestServer(t, b, InferLimits{})
	const grace = 300 * time.Millisecond
	s := serve(t, srv, grace)
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+s.addr+"/ws/infer", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.WriteMessage(websocket.TextMessage, []byte(`{"id":"w","model":"slow","input":{"text":"a"}}`))
	go http.Post("http://"+s.addr+"/api/v1/infer/slow", "application/json", strings.NewReader(`{"text":"b"}`))
	waitFor(t, e.started, "request 1")
	waitFor(t, e.started, "request 2")
	start := time.Now()
	s.stop()
	select {
	case <-s.done:
		if s.err != nil {
			t.Errorf("Serve: %v", s.err)
		}
	case <-time.After(grace + hardStopWait + 2*time.Second):
		t.Fatal("Serve did not return after the grace period")
	}
	if took := time.Since(start); took < grace {
		t.Errorf("Serve returned after %s, before the grace period (%s)", took, grace)
	}
	waitFor(t, e.canceled, "cancellation of request 1")
	waitFor(t, e.canceled, "cancellation of request 2")
	if !strings.Contains(logs.String(), "grace period over") {
		t.Error("no log line says the grace period was over")
	}
}

func TestClientGoneMidInference(t *testing.T) {
	b, e := slowBackend()
	s := newSuiteServer(t, b, InferLimits{})
	base := measure()

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/api/v1/infer/slow", strings.NewReader(`{"text":"a"}`))
	req.Header.Set("Content-Type", "application/json")
	errc := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	waitFor(t, e.started, "the HTTP request")
	cancel()
	waitFor(t, e.canceled, "the server to cancel the HTTP request")
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("client: %v", err)
	}

	ws := dial(t, s)
	ws.WriteMessage(websocket.TextMessage, []byte(`{"id":"w","model":"slow","input":{"text":"a"}}`))
	waitFor(t, e.started, "the websocket request")
	ws.Close()
	waitFor(t, e.canceled, "the server to cancel the websocket request")

	mustBeUp(t, s.URL)
	http.DefaultClient.CloseIdleConnections()
	backToBaseline(t, base, 4<<20)
	if strings.Contains(s.logs.String(), "level=ERROR") {
		t.Errorf("a client leaving is not an error:\n%s", s.logs.String())
	}
}

func TestClientThatReadsNothing(t *testing.T) {
	b, _ := slowBackend()
	const writeTimeout = 300 * time.Millisecond
	// 64 in flight: their answers fill the outgoing queue while the writer is
	// stuck, and the frames beyond are answered busy, so the reader waits to
	// send too: the writer giving up must release both.
	s := newSuiteServer(t, b, InferLimits{WriteTimeout: writeTimeout, RatePerSecond: 1e6, Burst: 1e6, MaxInFlight: 64})
	base := measure()

	ws := dial(t, s)
	defer ws.Close()
	// 300 answers of 256 KiB each: far more than loopback socket buffers hold.
	for i := range 300 {
		_ = ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if err := ws.WriteMessage(websocket.TextMessage, []byte(`{"id":"`+string(rune('a'+i%26))+`","model":"big","input":{"text":"a"}}`)); err != nil {
			break // the server has given up on us already
		}
	}
	// The server must give up on this client and free everything it held,
	// while others are served.
	time.Sleep(writeTimeout)
	mustBeUp(t, s.URL)
	backToBaseline(t, base, 8<<20)
}

// corruptRepository is the test models plus a copy of tiny-nli whose
// model.onnx is garbage.
func corruptRepository(t *testing.T) string {
	src := testenv.TestModels(t)
	dir := t.TempDir()
	place := func(model, into string, files ...string) {
		if err := os.Mkdir(filepath.Join(dir, into), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			testenv.CopyFile(t, filepath.Join(src, model, f), filepath.Join(dir, into, f))
		}
	}
	for _, name := range []string{"tiny-nli", "tiny-qa", "tiny-clip"} {
		place(name, name, "manifest.json", "tokenizer.json", "model.onnx")
	}
	place("tiny-nli", "tiny-nli-corrupt", "manifest.json", "tokenizer.json")
	bad := filepath.Join(dir, "tiny-nli-corrupt")
	if err := os.WriteFile(filepath.Join(bad, "model.onnx"), []byte("\x08\x07not an onnx model at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// checkUnavailable expects the models endpoint to list model as failed with a
// reason, inference on it to answer 503 unavailable, and others to work
// when working is set.
func checkUnavailable(t *testing.T, s *suiteServer, model, reason string, others []string, working bool) {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	status, body, err := postInfer(client, s.URL, model, strings.NewReader(`{"premise":"a","hypothesis":"b"}`), true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusServiceUnavailable || body.Error.Code != "unavailable" || !strings.Contains(body.Error.Message, reason) {
		t.Errorf("%s: %d %+v, want 503 unavailable naming %q", model, status, body.Error, reason)
	}
	for _, m := range others {
		status, body, err := postInfer(client, s.URL, m, strings.NewReader(`{"premise":"a","hypothesis":"b","text":"a. b.","context":"c","question":"q"}`), true, nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = body
		if working && status == http.StatusBadRequest {
			continue // the shared input has fields this task does not take
		}
		if !working && status != http.StatusServiceUnavailable {
			t.Errorf("%s: %d, want 503", m, status)
		}
	}
	mustBeUp(t, s.URL)
}

func TestCorruptModelIsListedOthersServe(t *testing.T) {
	dir := corruptRepository(t)
	rt := openRuntime(t)
	eng, err := inference.Open(inference.Config{Dir: dir, Runtime: rt, LoadTokenizer: inference.HFTokenizer, MaxTextRunes: maxTestRunes})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	s := newSuiteServer(t, backend{name: "corrupt", inf: eng}, InferLimits{})
	var broken inference.ModelInfo
	for _, m := range eng.Models() {
		switch {
		case m.Name == "tiny-nli-corrupt":
			broken = m
		case m.Status != inference.StatusReady:
			t.Errorf("%s did not load: %s", m.Name, m.Error)
		}
	}
	if broken.Status != inference.StatusError || broken.Error == "" {
		t.Fatalf("corrupt model: %+v, want status error with a reason", broken)
	}
	checkUnavailable(t, s, "tiny-nli-corrupt", "not loaded", nil, true)
	client := &http.Client{Timeout: 30 * time.Second}
	status, _, err := postInfer(client, s.URL, "tiny-nli", strings.NewReader(`{"premise":"a","hypothesis":"b"}`), true, nil)
	if err != nil || status != http.StatusOK {
		t.Errorf("a good model beside the corrupt one: %d, %v", status, err)
	}
}

func TestMissingRuntimeEveryModelSaysWhy(t *testing.T) {
	dir := testenv.TestModels(t)
	// What ort.Open answers for a missing library (tested in inference/ort;
	// the environment is process-wide, so it is not opened again here).
	rtErr := fmt.Errorf("%w: library /nonexistent/libonnxruntime.so.1 not found; %s", ort.ErrUnavailable, ort.FixHint())
	eng, err := inference.Open(inference.Config{Dir: dir, RuntimeErr: rtErr, LoadTokenizer: inference.HFTokenizer})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	s := newSuiteServer(t, backend{name: "no runtime", inf: eng}, InferLimits{})
	checkUnavailable(t, s, "tiny-nli", "not loaded", []string{"tiny-qa", "tiny-clip"}, false)
	ws := dial(t, s)
	defer ws.Close()
	f, err := roundTrip(ws, backend{nli: "tiny-nli"}, wsCases()[0])
	if err != nil || f.Error == nil || f.Error.Code != "unavailable" {
		t.Errorf("websocket without ONNX Runtime: %+v %v, want unavailable", f, err)
	}
}

// TestConnectionAndRequestCaps: beyond MaxConnections websockets and
// MaxHTTPInFlight HTTP inference requests the answer is 503 busy with
// Retry-After; capacity comes back when they finish.
func TestConnectionAndRequestCaps(t *testing.T) {
	b, e := slowBackend()
	s := newSuiteServer(t, b, InferLimits{MaxConnections: 2, MaxHTTPInFlight: 1})
	a, bb := dial(t, s), dial(t, s)
	_, resp, err := websocket.DefaultDialer.Dial(s.wsURL(), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("third websocket: %v, want 503 with Retry-After", err)
	}
	a.Close()
	bb.Close()
	var c *websocket.Conn
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, _, err = websocket.DefaultDialer.Dial(s.wsURL(), nil); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("no websocket after two closed: %v", err)
	}
	c.Close()

	go http.Post(s.URL+"/api/v1/infer/slow", "application/json", strings.NewReader(`{"text":"a"}`))
	waitFor(t, e.started, "the first HTTP request")
	resp2, err := http.Post(s.URL+"/api/v1/infer/nli", "application/json", strings.NewReader(`{"premise":"a","hypothesis":"b"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusServiceUnavailable || resp2.Header.Get("Retry-After") != "1" {
		t.Errorf("second HTTP request: %d, want 503 busy with Retry-After", resp2.StatusCode)
	}
	close(e.release)
}
