package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Another web site cannot drive a clinlm on the user's machine: not by a
// simple (text/plain or form) post, not with its Origin, not through DNS
// rebinding (Origin = Host = its own name). The page's own forms, the
// websocket of its own origin and clients that are not browsers still work.
func TestOtherSitesCannotUseTheServer(t *testing.T) {
	s := newSuiteServer(t, fakeBackend(t), InferLimits{AllowedHosts: []string{"clinlm.example.org"}})
	u, _ := url.Parse(s.URL)
	own := "http://" + u.Host
	const nliBody = `{"premise":"a","hypothesis":"b"}`
	cases := []struct {
		name, method, path, body string
		header                   map[string]string
		status                   int
	}{
		{"JSON from a client that is not a browser", "POST", "/api/v1/infer/nli", nliBody,
			map[string]string{"Content-Type": "application/json"}, 200},
		{"JSON from the page's own origin", "POST", "/api/v1/infer/nli", nliBody,
			map[string]string{"Content-Type": "application/json", "Origin": own, "Sec-Fetch-Site": "same-origin"}, 200},
		{"text/plain from another site", "POST", "/api/v1/infer/nli", nliBody,
			map[string]string{"Content-Type": "text/plain", "Origin": "https://evil.example"}, 403},
		{"text/plain without an Origin", "POST", "/api/v1/infer/nli", nliBody,
			map[string]string{"Content-Type": "text/plain"}, 415},
		{"no content type", "POST", "/api/v1/infer/nli", nliBody, nil, 415},
		{"JSON with another site's Origin", "POST", "/api/v1/infer/nli", nliBody,
			map[string]string{"Content-Type": "application/json", "Origin": "https://evil.example"}, 403},
		{"cross-site fetch metadata", "POST", "/api/v1/infer/nli", nliBody,
			map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}, 403},
		{"same-site (another port of localhost)", "POST", "/api/v1/infer/nli", nliBody,
			map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "same-site", "Origin": "http://localhost:3000"}, 403},
		{"DNS rebinding: Host and Origin of the attacker", "POST", "/api/v1/infer/nli", nliBody,
			map[string]string{"Content-Type": "application/json", "Host": "rebind.evil.example:" + u.Port(), "Origin": "http://rebind.evil.example:" + u.Port()}, 403},
		{"DNS rebinding: a page read", "GET", "/api/v1/models", "",
			map[string]string{"Host": "rebind.evil.example:" + u.Port()}, 403},
		{"a name from --allowed-hosts", "POST", "/api/v1/infer/nli", nliBody,
			map[string]string{"Content-Type": "application/json", "Host": "clinlm.example.org", "Origin": "https://clinlm.example.org"}, 200},
		{"localhost", "GET", "/api/v1/models", "", map[string]string{"Host": "localhost:" + u.Port()}, 200},
		{"a name under .localhost", "GET", "/healthz", "", map[string]string{"Host": "clinlm.localhost"}, 200},
		{"IPv6 loopback", "GET", "/healthz", "", map[string]string{"Host": "[::1]:" + u.Port()}, 200},
		// The no-JavaScript demo form: a same-origin form post. Browsers send
		// Sec-Fetch-Site on localhost and a real Origin under this server's
		// Referrer-Policy (under no-referrer they sent "Origin: null").
		{"demo form, fetch metadata same-origin, Origin null", "POST", "/demo/nli", "premise=a&hypothesis=b",
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": "null", "Sec-Fetch-Site": "same-origin"}, 200},
		{"demo form, own Origin, no fetch metadata", "POST", "/demo/nli", "premise=a&hypothesis=b",
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": own}, 200},
		{"demo form from another site", "POST", "/demo/nli", "premise=a&hypothesis=b",
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 403},
		{"demo form from a sandboxed page (Origin null, no metadata)", "POST", "/demo/nli", "premise=a&hypothesis=b",
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": "null"}, 403},
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, tc := range cases {
		req, _ := http.NewRequest(tc.method, s.URL+tc.path, strings.NewReader(tc.body))
		setHeaders(req, tc.header)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d (%.200s)", tc.name, resp.StatusCode, tc.status, raw)
		}
	}

	// The websocket: its own origin opens; a rebinding page, whose Origin
	// matches the Host it sends, does not.
	for _, ws := range []struct {
		name   string
		header http.Header
		ok     bool
	}{
		{"own origin", http.Header{"Origin": {own}}, true},
		{"DNS rebinding", http.Header{"Origin": {"http://rebind.evil.example:" + u.Port()}, "Host": {"rebind.evil.example:" + u.Port()}}, false},
		{"another site", http.Header{"Origin": {"https://evil.example"}}, false},
	} {
		d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
		if h := ws.header.Get("Host"); h != "" {
			ws.header.Del("Host")
			d.NetDial = func(network, _ string) (net.Conn, error) { return net.Dial(network, u.Host) }
			c, resp, err := d.Dial("ws://"+h+"/ws/infer", ws.header)
			checkDial(t, ws.name, c, resp, err, ws.ok)
			continue
		}
		c, resp, err := d.Dial(s.wsURL(), ws.header)
		checkDial(t, ws.name, c, resp, err, ws.ok)
	}
}

func checkDial(t *testing.T, name string, c *websocket.Conn, resp *http.Response, err error, ok bool) {
	t.Helper()
	if c != nil {
		c.Close()
	}
	switch {
	case ok && err != nil:
		t.Errorf("websocket %s: %v", name, err)
	case !ok && (err == nil || resp == nil || resp.StatusCode != http.StatusForbidden):
		t.Errorf("websocket %s: opened or not refused with 403 (%v)", name, err)
	}
}

// Clients that send headers and then a body slowly (Content-Length 1000,
// one byte) hold no inference slot: with both slots' worth of them open, a
// normal request is answered, and the slow ones get 408 after the body
// timeout.
func TestSlowBodiesHoldNoInferenceSlot(t *testing.T) {
	s := newSuiteServer(t, fakeBackend(t), InferLimits{MaxHTTPInFlight: 2, BodyTimeout: 500 * time.Millisecond})
	u, _ := url.Parse(s.URL)
	var slow []net.Conn
	for range 6 {
		c, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, err = io.WriteString(c, "POST /api/v1/infer/nli HTTP/1.1\r\nHost: "+u.Host+"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
		if err != nil {
			t.Fatal(err)
		}
		slow = append(slow, c)
	}
	time.Sleep(100 * time.Millisecond) // the slow requests are in their handlers
	resp, err := http.Post(s.URL+"/api/v1/infer/nli", "application/json", strings.NewReader(`{"premise":"a","hypothesis":"b"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("a normal request beside slow senders: %d, want 200", resp.StatusCode)
	}
	for i, c := range slow {
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second)) // a deadlock guard, not a latency bound
		r, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("slow sender %d: %v", i, err)
		}
		r.Body.Close()
		if r.StatusCode != http.StatusRequestTimeout {
			t.Errorf("slow sender %d: %d, want 408", i, r.StatusCode)
		}
	}
}
