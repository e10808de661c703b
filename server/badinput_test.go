package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The bad-input suite: every HTTP endpoint and every websocket message kind
// gets empty, oversized (just over the 1 MiB limit, and 100 MB streamed),
// invalid UTF-8, NUL and control characters, wrong JSON types, deeply nested
// JSON, unknown fields and unknown models, one at a time and many at once.
// Each must get its documented error (docs/protocol.md, docs/operations.md),
// the server must stay up, and goroutines and the Go heap must return to
// their baseline afterwards. It runs against the engine-like fake always and
// against the real engine over the random-weight test models when ONNX
// Runtime and .cache/testmodels are present.

const (
	frameLimit  = 1 << 20   // the default --max-frame-bytes
	streamBytes = 100 << 20 // "100 MB streamed"
)

// zeros streams n bytes of 'a' without holding them in memory.
type zeros struct{ left int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), z.left)
	for i := range p[:n] {
		p[i] = 'a'
	}
	z.left -= n
	return int(n), nil
}

// streamedJSON is a JSON body of about size bytes sent chunked (no length).
func streamedJSON(size int64) io.Reader {
	return io.MultiReader(strings.NewReader(`{"premise":"`), &zeros{left: size}, strings.NewReader(`","hypothesis":"h"}`))
}

func deepJSON(depth int) string {
	return `{"premise":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `,"hypothesis":"h"}`
}

// httpCase is one POST /api/v1/infer request and its documented answer.
type httpCase struct {
	name   string
	model  func(b backend) string
	body   func() io.Reader
	length bool // send Content-Length (false: chunked)
	status int
	code   string // "" for success
	// header is sent besides Content-Type: application/json (which it may replace).
	header map[string]string
	// engineOnly: the limit is the engine's (windows, sentences), not the fake's.
	engineOnly bool
}

func nliModel(b backend) string { return b.nli }
func qaModel(b backend) string  { return b.qa }

func text(s string) func() io.Reader { return func() io.Reader { return strings.NewReader(s) } }

func httpInferCases() []httpCase {
	ok := func(name, body string) httpCase {
		return httpCase{name, nliModel, text(body), true, 200, "", nil, false}
	}
	bad := func(name, body string) httpCase {
		return httpCase{name, nliModel, text(body), true, 400, "bad_request", nil, false}
	}
	return []httpCase{
		ok("valid", `{"premise":"The patient has a fever.","hypothesis":"The patient is febrile."}`),
		bad("empty", ``),
		bad("whitespace", " \n\t "),
		{"just over 1 MiB", nliModel, text(`{"premise":"` + strings.Repeat("a", frameLimit) + `","hypothesis":"h"}`), true, 413, "too_long", nil, false},
		{"100 MB streamed", nliModel, func() io.Reader { return streamedJSON(streamBytes) }, false, 413, "too_long", nil, false},
		{"text over the character limit", nliModel, text(`{"premise":"` + strings.Repeat("é", maxTestRunes+1) + `","hypothesis":"h"}`), true, 413, "too_long", nil, false},
		bad("invalid UTF-8", "{\"premise\":\"caf\xe9 \xff\xfe\",\"hypothesis\":\"h\"}"),
		bad("raw NUL", "{\"premise\":\"a\x00b\",\"hypothesis\":\"h\"}"),
		bad("raw control character", "{\"premise\":\"a\x07\x1bb\",\"hypothesis\":\"h\"}"),
		ok("escaped NUL and control characters", `{"premise":"a\u0000b\u0007\u001b[31mc\r\n","hypothesis":"\u0000"}`),
		bad("null", `null`),
		bad("array", `[{"premise":"a","hypothesis":"b"}]`),
		bad("string", `"premise"`),
		bad("number", `42`),
		bad("premise is a number", `{"premise":1,"hypothesis":"h"}`),
		bad("premise is an object", `{"premise":{"text":"a"},"hypothesis":"h"}`),
		bad("premise is null", `{"premise":null,"hypothesis":"h"}`),
		{"top_k is a string", qaModel, text(`{"context":"c","question":"q","top_k":"3"}`), true, 400, "bad_request", nil, false},
		{"top_k out of range", qaModel, text(`{"context":"c","question":"q","top_k":1000}`), true, 400, "bad_request", nil, false},
		{"top_k negative", qaModel, text(`{"context":"c","question":"q","top_k":-1}`), true, 400, "bad_request", nil, false},
		bad("deeply nested", deepJSON(100000)),
		bad("nested past the decoder limit inside a string field", `{"premise":`+strings.Repeat(`{"a":`, 20000)+`1`+strings.Repeat(`}`, 20000)+`}`),
		bad("unknown field", `{"premise":"a","hypothesis":"b","temperature":0}`),
		bad("missing field", `{"premise":"a"}`),
		bad("cut short", `{"premise":"a","hypo`),
		{"unknown model", func(backend) string { return "no-such-model" }, text(`{"premise":"a","hypothesis":"b"}`), true, 404, "unknown_model", nil, false},
		{"model name of 10 KB", func(backend) string { return strings.Repeat("m", 10000) }, text(`{"premise":"a","hypothesis":"b"}`), true, 404, "unknown_model", nil, false},
		{"model name with NUL and invalid UTF-8", func(backend) string { return "a\x00\xff" }, text(`{"premise":"a","hypothesis":"b"}`), true, 404, "unknown_model", nil, false},
		// Issue 15: inputs that once cost memory and CPU in proportion to the
		// attacker's choice, answered 500, or reached other sites' pages.
		{"156-word question, 20,000-character context", qaModel, text(`{"question":"` + strings.Repeat("pleural ", 156) + `?","context":"` +
			strings.Repeat("effusion ", 2223)[:20000] + `"}`), true, 413, "too_long", nil, true},
		{"question of 170 tokens", qaModel, text(`{"question":"` + strings.Repeat("where ", 170) + `?","context":"No effusion."}`), true, 413, "too_long", nil, true},
		{"20,000-character context past the window limit", qaModel, text(`{"question":"Is there an effusion?","context":"` +
			strings.Repeat("effusion ", 2223)[:20000] + `"}`), true, 413, "too_long", nil, true},
		{"CLIP note of 6,666 empty-line sentences", func(b backend) string { return b.clip }, text(`{"text":"` + strings.Repeat(`x\n\n`, 6666) + `"}`),
			true, 413, "too_long", nil, true},
		{"text/plain body", nliModel, text(`{"premise":"a","hypothesis":"b"}`), true, 415, "unsupported_media_type",
			map[string]string{"Content-Type": "text/plain"}, false},
		{"another site's Origin", nliModel, text(`{"premise":"a","hypothesis":"b"}`), true, 403, "forbidden",
			map[string]string{"Origin": "https://evil.example"}, false},
		{"DNS rebinding Host", nliModel, text(`{"premise":"a","hypothesis":"b"}`), true, 403, "forbidden",
			map[string]string{"Host": "rebind.evil.example", "Origin": "http://rebind.evil.example"}, false},
	}
}

// apiErrorBody is {"error":{"code","message"}}.
type apiErrorBody struct {
	Output json.RawMessage `json:"output"`
	Error  struct{ Code, Message string }
}

func postInfer(client *http.Client, base, model string, body io.Reader, length bool, header map[string]string) (int, apiErrorBody, error) {
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/infer/"+url.PathEscape(model), body)
	if err != nil {
		return 0, apiErrorBody{}, err
	}
	if !length {
		req.ContentLength = -1
		req.Body = io.NopCloser(body) // hide the length from the transport
	}
	req.Header.Set("Content-Type", "application/json")
	setHeaders(req, header)
	resp, err := client.Do(req)
	if err != nil {
		return 0, apiErrorBody{}, err
	}
	defer resp.Body.Close()
	var out apiErrorBody
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, out, err
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return resp.StatusCode, out, fmt.Errorf("answer is not JSON: %q", raw)
	}
	return resp.StatusCode, out, nil
}

func checkHTTPCase(t testing.TB, client *http.Client, base string, b backend, tc httpCase) {
	t.Helper()
	if tc.engineOnly && b.name != "engine" {
		return
	}
	status, body, err := postInfer(client, base, tc.model(b), tc.body(), tc.length, tc.header)
	if err != nil {
		t.Errorf("%s: %v", tc.name, err)
		return
	}
	if status != tc.status || body.Error.Code != tc.code {
		t.Errorf("%s: status %d code %q (%s), want %d %q", tc.name, status, body.Error.Code, body.Error.Message, tc.status, tc.code)
	}
	if tc.code == "" && len(body.Output) == 0 {
		t.Errorf("%s: no output", tc.name)
	}
	if tc.code != "" && body.Error.Message == "" {
		t.Errorf("%s: error without a message", tc.name)
	}
}

// wsCase is one websocket frame and the documented answer.
type wsCase struct {
	name   string
	binary bool
	frame  func(b backend) string
	id     string // the id the answer carries
	code   string // "" for a result
	// engineOnly: the limit is the engine's (windows, sentences), not the fake's.
	engineOnly bool
}

func fixed(s string) func(backend) string { return func(backend) string { return s } }

func wsCases() []wsCase {
	withModel := func(format string) func(b backend) string {
		return func(b backend) string { return fmt.Sprintf(format, b.nli) }
	}
	return []wsCase{
		{"valid", false, withModel(`{"id":"ok","model":%q,"input":{"premise":"a","hypothesis":"b"}}`), "ok", "", false},
		{"valid binary frame", true, withModel(`{"id":"bin","model":%q,"input":{"premise":"a","hypothesis":"b"}}`), "bin", "", false},
		{"clip with partials", false, func(b backend) string {
			return fmt.Sprintf(`{"id":"clip","model":%q,"input":{"text":"Follow up in two weeks. Start aspirin."}}`, b.clip)
		}, "clip", "", false},
		{"empty", false, fixed(``), "", "bad_request", false},
		{"whitespace", false, fixed(" \n"), "", "bad_request", false},
		{"invalid UTF-8", false, withModel("{\"id\":\"u\",\"model\":%q,\"input\":{\"premise\":\"\xff\xfe\",\"hypothesis\":\"b\"}}"), "", "bad_request", false},
		{"raw NUL", false, fixed("{\"id\":\"n\x00\"}"), "", "bad_request", false},
		{"escaped NUL and control characters", false, withModel(`{"id":"c\u0000\u001b","model":%q,"input":{"premise":"a\u0000\u0007b","hypothesis":"\u001b[2J"}}`), "c\x00\x1b", "", false},
		{"null", false, fixed(`null`), "", "bad_request", false},
		{"array", false, fixed(`[1,2,3]`), "", "bad_request", false},
		{"string", false, fixed(`"hello"`), "", "bad_request", false},
		{"id is a number", false, withModel(`{"id":7,"model":%q,"input":{"text":"a"}}`), "", "bad_request", false},
		{"model is an array", false, fixed(`{"id":"m","model":["a"],"input":{"text":"a"}}`), "m", "bad_request", false},
		{"input is a string", false, withModel(`{"id":"i","model":%q,"input":"premise"}`), "i", "bad_request", false},
		{"input is missing", false, withModel(`{"id":"i2","model":%q}`), "i2", "bad_request", false},
		{"premise is a number", false, withModel(`{"id":"p","model":%q,"input":{"premise":1,"hypothesis":"b"}}`), "p", "bad_request", false},
		{"deeply nested input", false, func(b backend) string {
			return fmt.Sprintf(`{"id":"d","model":%q,"input":%s}`, b.nli, deepJSON(100000))
		}, "", "bad_request", false},
		{"unknown frame field", false, withModel(`{"id":"f","model":%q,"input":{"text":"a"},"stream":true}`), "f", "bad_request", false},
		{"unknown input field", false, withModel(`{"id":"g","model":%q,"input":{"premise":"a","hypothesis":"b","x":1}}`), "g", "bad_request", false},
		{"two JSON values", false, withModel(`{"id":"t","model":%q,"input":{"premise":"a","hypothesis":"b"}} {}`), "t", "bad_request", false},
		{"no id", false, withModel(`{"model":%q,"input":{"premise":"a","hypothesis":"b"}}`), "", "bad_request", false},
		{"id over 128 bytes", false, withModel(`{"id":"` + strings.Repeat("x", 129) + `","model":%q,"input":{"text":"a"}}`), "", "bad_request", false},
		{"no model", false, fixed(`{"id":"nm","input":{"text":"a"}}`), "nm", "bad_request", false},
		{"unknown model", false, fixed(`{"id":"um","model":"no-such-model","input":{"text":"a"}}`), "um", "unknown_model", false},
		{"model name of 10 KB", false, fixed(`{"id":"lm","model":"` + strings.Repeat("m", 10000) + `","input":{"text":"a"}}`), "lm", "unknown_model", false},
		{"text over the character limit", false, withModel(`{"id":"tl","model":%q,"input":{"premise":"` + strings.Repeat("é", maxTestRunes+1) + `","hypothesis":"b"}}`), "tl", "too_long", false},
		{"missing text", false, withModel(`{"id":"mt","model":%q,"input":{"premise":"a"}}`), "mt", "bad_request", false},
		{"156-word question, 20,000-character context", false, func(b backend) string {
			return fmt.Sprintf(`{"id":"lq","model":%q,"input":{"question":"%s?","context":"%s"}}`, b.qa, strings.Repeat("pleural ", 156), strings.Repeat("effusion ", 2223)[:20000])
		}, "lq", "too_long", true},
		{"question of 170 tokens", false, func(b backend) string {
			return fmt.Sprintf(`{"id":"q170","model":%q,"input":{"question":"%s?","context":"No effusion."}}`, b.qa, strings.Repeat("where ", 170))
		}, "q170", "too_long", true},
		{"CLIP note of 6,666 empty-line sentences", false, func(b backend) string {
			return fmt.Sprintf(`{"id":"xs","model":%q,"input":{"text":"%s"}}`, b.clip, strings.Repeat(`x\n\n`, 6666))
		}, "xs", "too_long", true},
	}
}

func dial(t testing.TB, s *suiteServer) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial(s.wsURL(), nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return c
}

// roundTrip sends one frame and reads frames until its final answer
// (partials are skipped); it returns that answer.
func roundTrip(c *websocket.Conn, b backend, tc wsCase) (serverFrame, error) {
	kind := websocket.TextMessage
	if tc.binary {
		kind = websocket.BinaryMessage
	}
	_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := c.WriteMessage(kind, []byte(tc.frame(b))); err != nil {
		return serverFrame{}, err
	}
	for {
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		var f serverFrame
		var raw struct {
			serverFrame
			Output json.RawMessage `json:"output"`
		}
		if err := c.ReadJSON(&raw); err != nil {
			return f, err
		}
		f = raw.serverFrame
		f.Output = raw.Output
		if f.Type != "partial" {
			return f, nil
		}
	}
}

func checkWSCase(t testing.TB, c *websocket.Conn, b backend, tc wsCase) {
	t.Helper()
	if tc.engineOnly && b.name != "engine" {
		return
	}
	f, err := roundTrip(c, b, tc)
	if err != nil {
		t.Errorf("%s: %v", tc.name, err)
		return
	}
	if f.ID != tc.id {
		t.Errorf("%s: answer id %q, want %q", tc.name, f.ID, tc.id)
	}
	switch {
	case tc.code == "" && (f.Type != "result" || f.Output == nil || f.Timing == nil):
		t.Errorf("%s: %+v, want a result", tc.name, f)
	case tc.code != "" && (f.Type != "error" || f.Error == nil || f.Error.Code != tc.code || f.Error.Message == ""):
		t.Errorf("%s: %+v (error %+v), want error %s", tc.name, f, f.Error, tc.code)
	}
}

// oversizedFrame writes a frame of size bytes (in 64 KiB pieces, so 100 MB
// is never held) and expects the server to close with 1009.
func oversizedFrame(t testing.TB, s *suiteServer, size int64) {
	t.Helper()
	c := dial(t, s)
	defer c.Close()
	done := make(chan error, 1)
	go func() {
		_ = c.SetWriteDeadline(time.Now().Add(60 * time.Second))
		w, err := c.NextWriter(websocket.TextMessage)
		if err != nil {
			done <- err
			return
		}
		_, err = io.Copy(w, streamedJSON(size))
		if err == nil {
			err = w.Close()
		}
		done <- err
	}()
	_ = c.SetReadDeadline(time.Now().Add(60 * time.Second))
	_, _, err := c.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Errorf("frame of %d bytes: read %v, want close 1009", size, err)
	}
	c.Close()
	if werr := <-done; size >= streamBytes && werr == nil {
		t.Errorf("the server read all %d bytes of an oversized frame", size)
	}
}

// routeProbe fills a route's parameters and query with hostile values.
func routeProbes(path string) []string {
	hostile := []string{"%FF%FE", "a%00b", "%1B%5B2J%07", strings.Repeat("x", 8000), "..%2F..%2Fetc%2Fpasswd", "%3Cscript%3E"}
	var out []string
	for _, h := range hostile {
		p := path
		for strings.Contains(p, ":") {
			i := strings.Index(p, ":")
			j := strings.IndexByte(p[i:], '/')
			if j < 0 {
				j = len(p) - i
			}
			p = p[:i] + h + p[i+j:]
		}
		p = strings.ReplaceAll(p, "*", h)
		q := url.Values{}
		for _, k := range []string{"task", "model", "domain", "size", "method", "sort", "cols", "sample", "v", "fraction"} {
			q.Set(k, "")
		}
		out = append(out, p+"?"+strings.ReplaceAll(q.Encode(), "=", "="+h))
	}
	return out
}

// probeRoutes sends hostile GET/HEAD/POST requests to every registered route
// and expects a 2xx–4xx answer in the route's format.
func probeRoutes(t testing.TB, s *suiteServer) {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	routes := s.srv.echo.Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	for _, r := range routes {
		for _, target := range routeProbes(r.Path) {
			var body io.Reader
			if r.Method == http.MethodPost {
				body = strings.NewReader("premise=%FF%00&hypothesis=\x00\x07&model=" + strings.Repeat("m", 5000))
			}
			req, err := http.NewRequest(r.Method, s.URL+target, body)
			if err != nil {
				t.Fatalf("%s %s: %v", r.Method, target, err)
			}
			if body != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Errorf("%s %s: %v", r.Method, r.Path, err)
				continue
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 500 && !(r.Path == "/readyz" && resp.StatusCode == 503) {
				t.Errorf("%s %s (hostile %.40q): status %d", r.Method, r.Path, target, resp.StatusCode)
			}
			if strings.HasPrefix(r.Path, "/api/") && resp.StatusCode >= 400 && r.Method != http.MethodHead {
				var e apiErrorBody
				if json.Unmarshal(raw, &e) != nil || e.Error.Code == "" {
					t.Errorf("%s %s: %d answer is not a JSON error: %.200q", r.Method, r.Path, resp.StatusCode, raw)
				}
			}
			if strings.HasPrefix(r.Path, "/v2/") && resp.StatusCode >= 400 && r.Method != http.MethodHead {
				var e struct{ Error string }
				if json.Unmarshal(raw, &e) != nil || e.Error == "" {
					t.Errorf("%s %s: %d answer is not a v2 error: %.200q", r.Method, r.Path, resp.StatusCode, raw)
				}
			}
			if strings.Contains(string(raw), "<script>") {
				t.Errorf("%s %s: reflected an unescaped <script>", r.Method, r.Path)
			}
		}
	}
	// Huge bodies on every method and route: the limit holds everywhere.
	for _, r := range routes {
		req, _ := http.NewRequest(r.Method, s.URL+routeProbes(r.Path)[0], &zeros{left: 8 << 20})
		req.ContentLength = -1
		resp, err := client.Do(req)
		if err != nil {
			// The server may close the connection before the client has sent
			// everything; what matters is that it stays up.
			var ne net.Error
			if !errors.As(err, &ne) && !strings.Contains(err.Error(), "connection reset") && !strings.Contains(err.Error(), "broken pipe") {
				t.Logf("%s %s with an 8 MB body: %v", r.Method, r.Path, err)
			}
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 && r.Path != "/readyz" {
			t.Errorf("%s %s with an 8 MB body: status %d", r.Method, r.Path, resp.StatusCode)
		}
	}
}

func runBadInputSuite(t *testing.T, b backend) {
	s := newSuiteServer(t, b, InferLimits{RatePerSecond: 10000, Burst: 10000})
	client := &http.Client{Timeout: 60 * time.Second}
	// Warm up: the first requests allocate caches that are not leaks.
	checkHTTPCase(t, client, s.URL, b, httpInferCases()[0])
	probeRoutes(t, s)
	client.CloseIdleConnections()
	base := measure()

	t.Run("http", func(t *testing.T) {
		for _, tc := range httpInferCases() {
			checkHTTPCase(t, client, s.URL, b, tc)
			mustBeUp(t, s.URL)
		}
		resp, err := client.Get(s.URL + "/api/v1/infer/" + b.nli)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET /api/v1/infer: %d, want 405", resp.StatusCode)
		}
	})
	t.Run("websocket", func(t *testing.T) {
		c := dial(t, s)
		defer c.Close()
		for _, tc := range wsCases() {
			checkWSCase(t, c, b, tc)
		}
		oversizedFrame(t, s, frameLimit)
		oversizedFrame(t, s, streamBytes)
		mustBeUp(t, s.URL)
	})
	t.Run("every route", func(t *testing.T) {
		probeRoutes(t, s)
		mustBeUp(t, s.URL)
	})
	t.Run("many at once", func(t *testing.T) {
		const clients = 16
		var wg sync.WaitGroup
		for i := range clients {
			wg.Add(2)
			go func() {
				defer wg.Done()
				for _, tc := range httpInferCases() {
					if tc.name == "100 MB streamed" && i%4 != 0 {
						continue // four 100 MB streams at once are plenty on a small machine
					}
					checkHTTPCase(t, client, s.URL, b, tc)
				}
			}()
			go func() {
				defer wg.Done()
				c, _, err := websocket.DefaultDialer.Dial(s.wsURL(), nil)
				if err != nil {
					t.Errorf("dial: %v", err)
					return
				}
				defer c.Close()
				for _, tc := range wsCases() {
					checkWSCase(t, c, b, tc)
				}
			}()
		}
		wg.Wait()
		mustBeUp(t, s.URL)
	})
	client.CloseIdleConnections()
	backToBaseline(t, base, 16<<20)
}

func TestBadInputEngineLike(t *testing.T) {
	runBadInputSuite(t, fakeBackend(t))
}

func TestBadInputRealEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("real-engine bad-input suite skipped in -short mode")
	}
	runBadInputSuite(t, realBackend(t))
}
