package server

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// TestPerClientLimits: one address gets its burst of inference requests and
// websocket opens, then 429 with Retry-After; a spoofed X-Forwarded-For does
// not make it another client; its open websockets are capped, and a closed
// one frees its place.
func TestPerClientLimits(t *testing.T) {
	ts, _ := newInferServer(t, InferLimits{PerClientRate: 0.01, PerClientBurst: 3, PerClientWebsockets: 1}, io.Discard)
	post := func(forwardedFor string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/infer/nli", strings.NewReader(`{"premise":"a","hypothesis":"b"}`))
		req.Header.Set("Content-Type", "application/json")
		if forwardedFor != "" {
			req.Header.Set("X-Forwarded-For", forwardedFor)
			req.Header.Set("X-Real-IP", forwardedFor)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	// The burst (3) is shared by HTTP requests and websocket opens.
	if resp := post(""); resp.StatusCode != http.StatusOK {
		t.Fatalf("first request: %d", resp.StatusCode)
	}
	c, _, err := dialWS(t, ts, "")
	if err != nil {
		t.Fatalf("first websocket: %v", err)
	}
	// The second websocket is over the per-client cap; it still spends a token.
	_, resp, err := dialWS(t, ts, "")
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("second websocket from one address: %v, want 429 with Retry-After", err)
	}
	// The bucket is empty now; another address in a header changes nothing.
	for _, spoof := range []string{"", "203.0.113.9"} {
		if resp := post(spoof); resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
			t.Errorf("request over the rate (X-Forwarded-For %q): %d, want 429", spoof, resp.StatusCode)
		}
	}
	// Closing the websocket frees its place (checked without the rate limit).
	c.Close()
	cl := newClientLimits(InferLimits{PerClientWebsockets: 1})
	if !cl.enter("192.0.2.1") || cl.enter("192.0.2.1") || !cl.enter("192.0.2.2") {
		t.Error("per-client websocket count: a second websocket from one address, or a first from another, was misjudged")
	}
	cl.leave("192.0.2.1")
	if !cl.enter("192.0.2.1") {
		t.Error("a closed websocket did not free its place")
	}
	cl.leave("192.0.2.1")
	cl.leave("192.0.2.2")
	if len(cl.open) != 0 {
		t.Errorf("counts of clients without websockets kept: %v", cl.open)
	}
}

// TestPerClientLimitsOffByDefault: the default limits never refuse a busy
// single address (tests, benchmarks and proxies all look like one client).
func TestPerClientLimitsOffByDefault(t *testing.T) {
	ts, _ := newInferServer(t, InferLimits{}, io.Discard)
	var conns []*websocket.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range 50 {
		resp, err := http.Post(ts.URL+"/api/v1/infer/nli", "application/json", strings.NewReader(`{"premise":"a","hypothesis":"b"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
		if i < 20 {
			c, _, err := dialWS(t, ts, "")
			if err != nil {
				t.Fatalf("websocket %d: %v", i, err)
			}
			conns = append(conns, c)
		}
	}
}
