package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/results"
	"github.com/clinlm/clinlm/static"
)

// fakeInferer answers by model name, so every error code can be produced
// without ONNX Runtime. It records the texts it saw, to check logs.
type fakeInferer struct {
	mu   sync.Mutex
	seen []string
}

func (f *fakeInferer) Models() []inference.ModelInfo { return nil }

func (f *fakeInferer) Infer(ctx context.Context, model string, in inference.Input, partial inference.Partial) (inference.Result, error) {
	f.mu.Lock()
	f.seen = append(f.seen, in.Text+in.Premise)
	f.mu.Unlock()
	timing := inference.Timing{QueueMS: 1, TokenizeMS: 0.5, RunMS: 2}
	switch model {
	case "nli":
		if in.Premise == "" {
			return inference.Result{}, &inference.Error{Code: inference.CodeBadRequest, Message: "input.premise is required"}
		}
		return inference.Result{Output: inference.NLIOutput{Labels: []inference.LabelScore{{Label: "entailment", Score: 0.9}}}, Timing: timing}, nil
	case "clip":
		for i, s := range strings.Split(in.Text, ". ") {
			partial(inference.Sentence{Index: i, Text: s})
		}
		return inference.Result{Output: inference.CLIPOutput{}, Timing: timing}, nil
	case "slow":
		select {
		case <-ctx.Done():
			return inference.Result{}, ctx.Err()
		case <-time.After(5 * time.Second):
			return inference.Result{}, &inference.Error{Code: inference.CodeTimeout, Message: "the request took too long"}
		}
	case "long":
		return inference.Result{}, &inference.Error{Code: inference.CodeTooLong, Message: "too long"}
	case "busy":
		return inference.Result{}, &inference.Error{Code: inference.CodeBusy, Message: "busy"}
	case "timeout":
		return inference.Result{}, context.DeadlineExceeded
	case "broken":
		return inference.Result{}, io.ErrUnexpectedEOF
	}
	return inference.Result{}, &inference.Error{Code: inference.CodeUnknownModel, Message: "no model named " + model}
}

func newInferServer(t *testing.T, limits InferLimits, logs io.Writer) (*httptest.Server, *fakeInferer) {
	t.Helper()
	set, err := results.Default()
	if err != nil {
		t.Fatal(err)
	}
	assets, err := static.New(fstest.MapFS{"css/app.css": {Data: []byte("body{}")}})
	if err != nil {
		t.Fatal(err)
	}
	fake := &fakeInferer{}
	srv, err := New(Config{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Results: set, Assets: assets, Inference: fake, InferLimits: limits,
		Metrics: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "clinlm_up 1\n") })})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts, fake
}

func TestInferHTTP(t *testing.T) {
	logs := &syncBuffer{}
	ts, _ := newInferServer(t, InferLimits{MaxFrameBytes: 200}, logs)
	tests := []struct {
		name, model, body string
		status            int
		code              string
	}{
		{"ok", "nli", `{"premise":"SECRET NOTE","hypothesis":"h"}`, 200, ""},
		{"unknown field", "nli", `{"premise":"a","hypothesis":"b","x":1}`, 400, "bad_request"},
		{"not json", "nli", `{`, 400, "bad_request"},
		{"missing field", "nli", `{"hypothesis":"b"}`, 400, "bad_request"},
		{"body too large", "nli", `{"premise":"` + strings.Repeat("a", 300) + `"}`, 413, "too_long"},
		{"text too long", "long", `{"text":"a"}`, 413, "too_long"},
		{"unknown model", "nope", `{"text":"a"}`, 404, "unknown_model"},
		{"busy", "busy", `{"text":"a"}`, 503, "busy"},
		{"timeout", "timeout", `{"text":"a"}`, 504, "timeout"},
		{"internal", "broken", `{"text":"a"}`, 500, "internal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post(ts.URL+"/api/v1/infer/"+tc.model, "application/json", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Output json.RawMessage `json:"output"`
				Timing *inference.Timing
				Error  struct{ Code, Message string }
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status || body.Error.Code != tc.code {
				t.Errorf("status %d code %q, want %d %q (%s)", resp.StatusCode, body.Error.Code, tc.status, tc.code, body.Error.Message)
			}
			if tc.code == "" && (len(body.Output) == 0 || body.Timing == nil || body.Timing.RunMS != 2) {
				t.Errorf("result %+v", body)
			}
			if tc.code == "internal" && strings.Contains(body.Error.Message, "EOF") {
				t.Error("internal details leaked")
			}
		})
	}
	if strings.Contains(logs.String(), "SECRET") {
		t.Error("note text reached the log")
	}
	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "clinlm_up") {
		t.Errorf("/metrics: %q", b)
	}
}

func dialWS(t *testing.T, ts *httptest.Server, origin string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	return websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/ws/infer", h)
}

func readFrame(t *testing.T, c *websocket.Conn) serverFrame {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var f struct {
		serverFrame
		Output json.RawMessage `json:"output"`
	}
	if err := c.ReadJSON(&f); err != nil {
		t.Fatal(err)
	}
	f.serverFrame.Output = f.Output
	return f.serverFrame
}

func TestWebsocketFramesAndErrorCodes(t *testing.T) {
	logs := &syncBuffer{}
	ts, _ := newInferServer(t, InferLimits{MaxFrameBytes: 4096}, logs)
	c, _, err := dialWS(t, ts, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	tests := []struct {
		name  string
		frame string
		code  string
	}{
		{"bad json", `nope`, "bad_request"},
		{"no id", `{"model":"nli","input":{"premise":"a","hypothesis":"b"}}`, "bad_request"},
		{"bad input", `{"id":"1","model":"nli","input":{"premise":1}}`, "bad_request"},
		{"too long", `{"id":"2","model":"long","input":{"text":"a"}}`, "too_long"},
		{"unknown model", `{"id":"3","model":"nope","input":{"text":"a"}}`, "unknown_model"},
		{"busy", `{"id":"4","model":"busy","input":{"text":"a"}}`, "busy"},
		{"timeout", `{"id":"5","model":"timeout","input":{"text":"a"}}`, "timeout"},
		{"internal", `{"id":"6","model":"broken","input":{"text":"a"}}`, "internal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := c.WriteMessage(websocket.TextMessage, []byte(tc.frame)); err != nil {
				t.Fatal(err)
			}
			f := readFrame(t, c)
			if f.Type != "error" || f.Error == nil || f.Error.Code != tc.code {
				t.Errorf("frame %+v, want error %s", f, tc.code)
			}
		})
	}

	t.Run("result", func(t *testing.T) {
		c.WriteJSON(map[string]any{"id": "r1", "model": "nli", "input": map[string]string{"premise": "SECRET NOTE", "hypothesis": "h"}})
		f := readFrame(t, c)
		if f.ID != "r1" || f.Type != "result" || f.Timing == nil || f.Timing.QueueMS != 1 {
			t.Errorf("frame %+v", f)
		}
	})
	t.Run("partials then result", func(t *testing.T) {
		c.WriteJSON(map[string]any{"id": "c1", "model": "clip", "input": map[string]string{"text": "One. Two. Three"}})
		var partials int
		for {
			f := readFrame(t, c)
			if f.Type == "partial" {
				partials++
				if f.Sentence == nil || f.ID != "c1" {
					t.Errorf("partial %+v", f)
				}
				continue
			}
			if f.Type != "result" || partials != 3 {
				t.Errorf("final frame %+v after %d partials", f, partials)
			}
			break
		}
	})
	if strings.Contains(logs.String(), "SECRET") {
		t.Error("note text reached the log")
	}
}

func TestWebsocketLimits(t *testing.T) {
	ts, _ := newInferServer(t, InferLimits{MaxFrameBytes: 256, RatePerSecond: 1, Burst: 2}, io.Discard)

	if _, resp, err := dialWS(t, ts, "https://evil.example"); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("foreign origin accepted: %v", err)
	}

	c, _, err := dialWS(t, ts, "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	frame := `{"id":"x","model":"nli","input":{"premise":"a","hypothesis":"b"}}`
	codes := map[string]int{}
	for range 4 {
		c.WriteMessage(websocket.TextMessage, []byte(frame))
	}
	for range 4 {
		f := readFrame(t, c)
		if f.Error != nil {
			codes[f.Error.Code]++
		} else {
			codes[f.Type]++
		}
	}
	if codes["result"] != 2 || codes["busy"] != 2 {
		t.Errorf("rate limit: %v, want 2 results and 2 busy", codes)
	}

	c.WriteMessage(websocket.TextMessage, []byte(`{"id":"big","model":"nli","input":{"premise":"`+strings.Repeat("a", 400)+`"}}`))
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err = c.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Errorf("oversized frame: %v, want close 1009", err)
	}
}

func TestWebsocketCancelsWhenTheClientLeaves(t *testing.T) {
	ts, _ := newInferServer(t, InferLimits{}, io.Discard)
	c, _, err := dialWS(t, ts, "")
	if err != nil {
		t.Fatal(err)
	}
	c.WriteJSON(map[string]any{"id": "s", "model": "slow", "input": map[string]string{"text": "a"}})
	time.Sleep(50 * time.Millisecond)
	c.Close()
	done := make(chan struct{})
	go func() { ts.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("server still busy with a request whose client left")
	}
}
