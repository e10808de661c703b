package server

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/net/html"
)

// validParams fills a route's parameters with values that exist.
var validParams = map[string]string{
	"/leaderboard/:task":   "/leaderboard/mednli",
	"/models/:name":        "/models/GatorTron",
	"/demo/:task":          "/demo/nli",
	"/demo/card/:name":     "/demo/card/nli",
	"/tokenizers/:file":    "/tokenizers/none.json",
	"/static/*":            "/static/css/app.css",
	"/api/v1/infer/:model": "/api/v1/infer/nli",

	"/api/v1/saliency/:model": "/api/v1/saliency/nli",

	"/v2/models/:model":                         "/v2/models/nli",
	"/v2/models/:model/ready":                   "/v2/models/nli/ready",
	"/v2/models/:model/infer":                   "/v2/models/nli/infer",
	"/v2/models/:model/versions/:version":       "/v2/models/nli/versions/1",
	"/v2/models/:model/versions/:version/ready": "/v2/models/nli/versions/1/ready",
	"/v2/models/:model/versions/:version/infer": "/v2/models/nli/versions/1/infer",
	// No submission exists in the suite server: these answer 404, headers included.
	"/api/v1/submissions/:id":              "/api/v1/submissions/1",
	"/api/v1/submissions/:id/approve":      "/api/v1/submissions/1/approve",
	"/api/v1/evaluations/:id":              "/api/v1/evaluations/1",
	"/api/v1/evaluations/:id/misses.jsonl": "/api/v1/evaluations/1/misses.jsonl",
	"/evaluations/:id":                     "/evaluations/1",
	"/evaluations/:id/cancel":              "/evaluations/1/cancel",
}

var wantHeaders = map[string]string{
	"X-Content-Type-Options":     "nosniff",
	"X-Frame-Options":            "DENY",
	"Referrer-Policy":            "same-origin",
	"Cross-Origin-Opener-Policy": "same-origin",
}

// TestSecurityHeadersOnEveryResponse: every route (and the error pages)
// answers with the CSP and the usual headers; the CSP allows no inline or
// evaluated script, and no HTML page carries inline script or event-handler
// attributes.
func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	s := newSuiteServer(t, fakeBackend(t), InferLimits{})
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var targets [][2]string
	for _, r := range s.srv.echo.Routes() {
		p := r.Path
		if v, ok := validParams[p]; ok {
			p = v
		} else if strings.ContainsAny(p, ":*") {
			t.Fatalf("route %s has parameters this test does not know; add it to validParams", p)
		}
		targets = append(targets, [2]string{r.Method, p})
	}
	targets = append(targets, [2]string{"GET", "/no/such/page"}, [2]string{"GET", "/api/v1/nothing"}, [2]string{"DELETE", "/"})
	for _, tg := range targets {
		var body io.Reader
		if tg[0] == http.MethodPost {
			body = strings.NewReader(`{"premise":"a","hypothesis":"b"}`)
		}
		req, _ := http.NewRequest(tg[0], s.URL+tg[1], body)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tg[0], tg[1], err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if tg[1] == "/ws/infer" {
			continue // answered by the websocket upgrader (400 without an upgrade)
		}
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		if csp == "" {
			t.Errorf("%s %s (%d): no Content-Security-Policy", tg[0], tg[1], resp.StatusCode)
		}
		for _, d := range strings.Split(csp, ";") {
			d = strings.TrimSpace(d)
			if strings.HasPrefix(d, "script-src") && (strings.Contains(d, "'unsafe-inline'") || strings.Contains(d, "'unsafe-eval'")) {
				t.Errorf("%s: script-src allows inline or eval: %s", tg[1], d)
			}
		}
		for k, v := range wantHeaders {
			if h.Get(k) != v {
				t.Errorf("%s %s: %s = %q, want %q", tg[0], tg[1], k, h.Get(k), v)
			}
		}
		if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			checkNoInlineScript(t, tg[1], string(raw))
		}
	}
}

func checkNoInlineScript(t *testing.T, path, body string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, n := range findAll(doc, func(n *html.Node) bool { return n.Type == html.ElementNode }) {
		if n.Data == "script" {
			_, hasSrc := attr(n, "src")
			typ, _ := attr(n, "type")
			if !hasSrc && typ != "application/json" {
				t.Errorf("%s: inline script %.80q", path, textOf(n))
			}
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Errorf("%s: event-handler attribute %s on <%s>", path, a.Key, n.Data)
			}
			if (a.Key == "href" || a.Key == "src" || a.Key == "action") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
				t.Errorf("%s: javascript: URL in %s", path, a.Key)
			}
		}
	}
}

// TestCrossSiteWebsocket: a page on another origin cannot open /ws/infer
// (cross-site websocket hijacking); the page's own origin and configured
// extra origins can, and clients without an Origin (not browsers) can.
func TestCrossSiteWebsocket(t *testing.T) {
	s := newSuiteServer(t, fakeBackend(t), InferLimits{AllowedOrigins: []string{"https://clinlm.example"}})
	host := strings.TrimPrefix(s.URL, "http://")
	tests := []struct {
		origin string
		ok     bool
	}{
		{"", true},
		{s.URL, true},
		{"https://clinlm.example", true},
		{"https://evil.example", false},
		{"http://" + host + ".evil.example", false},
		{"http://evil.example/" + host, false},
		{"http://127.0.0.2:" + strings.Split(host, ":")[1], false},
		{"null", false},
		{"http://clinlm.example", false}, // the allowed origin is https only
	}
	for _, tc := range tests {
		h := http.Header{}
		if tc.origin != "" {
			h.Set("Origin", tc.origin)
		}
		c, resp, err := websocket.DefaultDialer.Dial(s.wsURL(), h)
		if c != nil {
			c.Close()
		}
		switch {
		case tc.ok && err != nil:
			t.Errorf("origin %q refused: %v", tc.origin, err)
		case !tc.ok && err == nil:
			t.Errorf("origin %q accepted: cross-site websocket hijacking", tc.origin)
		case !tc.ok && (resp == nil || resp.StatusCode != http.StatusForbidden):
			t.Errorf("origin %q: %v, want 403", tc.origin, err)
		}
	}
}
