package server

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/clinlm/clinlm/internal/testenv"
)

// The privacy check: every demo (HTTP API, websocket, the no-JavaScript form
// posts), on success and on every error path, is driven with a marker in
// every text field. The marker must then appear in no log line (debug level),
// no metric name, help or label, and no file written during the test.

// newMarker is random per run, so no binary or cache holds it beforehand.
func newMarker(t *testing.T) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "NOTEMARKER" + hex.EncodeToString(b)
}

func markedInputs(b backend, marker string) map[string]string {
	m := func(s string) string { return strings.ReplaceAll(s, "MARK", marker) }
	return map[string]string{
		b.nli:  m(`{"premise":"Patient MARK denies chest pain.","hypothesis":"MARK has no chest pain."}`),
		b.qa:   m(`{"context":"MARK: small left effusion. No pneumonia.","question":"What did MARK show?","top_k":2}`),
		b.clip: m(`{"text":"MARK follows up in two weeks. Start aspirin for MARK. Repeat labs."}`),
	}
}

func drivePrivacy(t *testing.T, b backend, marker string) *suiteServer {
	s := newSuiteServer(t, b, InferLimits{RatePerSecond: 1000, Burst: 1000})
	client := &http.Client{Timeout: 30 * time.Second}
	long := strings.Repeat(marker+" ", maxTestRunes/len(marker)+10)
	for model, body := range markedInputs(b, marker) {
		bodies := []string{
			body, // success
			strings.Replace(body, "{", `{"`+marker+`":1,`, 1),             // unknown field named by the marker
			strings.Replace(body, marker, long, 1),                        // too long
			strings.Replace(body, `"`+marker, `"\u0000`+marker+"\xff", 1), // invalid UTF-8
			`{"premise":` + strings.Repeat("[", 20000) + `"` + marker + `"` + strings.Repeat("]", 20000) + `}`,
		}
		for _, bb := range bodies {
			if _, _, err := postInfer(client, s.URL, model, strings.NewReader(bb), true, nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := postInfer(client, s.URL, "no-such-model", strings.NewReader(body), true, nil); err != nil {
			t.Fatal(err)
		}
		ws := dial(t, s)
		for i, bb := range bodies {
			frame := fmt.Sprintf(`{"id":"%d","model":%q,"input":%s}`, i, model, bb)
			if _, err := roundTrip(ws, b, wsCase{frame: fixed(frame)}); err != nil {
				t.Fatal(err)
			}
		}
		ws.WriteMessage(websocket.TextMessage, []byte(marker)) // not JSON at all
		ws.Close()
		for _, vb := range v2Bodies(t, body, marker, long) {
			resp, err := client.Post(s.URL+"/v2/models/"+model+"/infer", "application/json", strings.NewReader(vb))
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	forms := map[string]url.Values{
		"nli":  {"premise": {"Patient " + marker}, "hypothesis": {marker + " is well"}},
		"qa":   {"context": {marker + " report"}, "question": {"Where is " + marker + "?"}},
		"clip": {"text": {marker + " follows up. Start aspirin."}},
	}
	for task, form := range forms {
		for _, f := range []url.Values{form, {"text": {long}, "premise": {long}, "hypothesis": {long}, "context": {long}, "question": {long}}} {
			resp, err := client.PostForm(s.URL+"/demo/"+task, f)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("POST /demo/%s: %d", task, resp.StatusCode)
			}
		}
	}
	// Queries too: a page URL that carries the marker.
	resp, err := client.Get(s.URL + "/api/v1/results?model=" + url.QueryEscape(marker))
	if err == nil {
		resp.Body.Close()
	}
	return s
}

// filesWithMarker lists regular files under root modified since start that
// contain the marker.
func filesWithMarker(t *testing.T, root string, since time.Time, marker string) []string {
	var hits []string
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable or vanished: not ours
		}
		if d.IsDir() {
			if name := d.Name(); name == ".git" || name == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil || info.ModTime().Before(since) || info.Size() > 64<<20 {
			return nil
		}
		b, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(b), marker) {
			hits = append(hits, path)
		}
		return nil
	})
	return hits
}

func checkPrivacy(t *testing.T, b backend) {
	marker := newMarker(t)
	start := time.Now().Add(-time.Second)
	s := drivePrivacy(t, b, marker)
	logs := s.logs.String()
	if !strings.Contains(logs, "route=/api/v1/infer/:model") || !strings.Contains(logs, "infer") {
		t.Fatalf("the log does not show the requests, so it proves nothing:\n%.2000s", logs)
	}
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, marker) || strings.Contains(line, marker[:12]) {
			t.Errorf("note text in a log line: %.300s", line)
		}
	}
	if b.metrics != nil {
		families := scrapeMetrics(t, s.URL)
		for name, f := range families {
			if strings.Contains(name, marker) || strings.Contains(f.GetHelp(), marker) {
				t.Errorf("note text in metric %s", name)
			}
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if strings.Contains(l.GetName(), marker) || strings.Contains(l.GetValue(), marker) {
						t.Errorf("note text in a label of %s: %s=%.80q", name, l.GetName(), l.GetValue())
					}
				}
			}
		}
	}
	for _, root := range []string{testenv.RepoRoot(t), os.TempDir()} {
		for _, path := range filesWithMarker(t, root, start, marker) {
			t.Errorf("note text in a file: %s", path)
		}
	}
}

func TestNoNoteTextInLogsMetricsOrFilesEngineLike(t *testing.T) {
	checkPrivacy(t, fakeBackend(t))
}

func TestNoNoteTextInLogsMetricsOrFilesRealEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("real-engine privacy check skipped in -short mode")
	}
	checkPrivacy(t, realBackend(t))
}

// v2Bodies are KServe v2 requests carrying the texts of an /api/v1/infer
// body as BYTES inputs: as is, with the marker as a datatype, as an input
// name, and too long.
func v2Bodies(t *testing.T, apiBody, marker, long string) []string {
	var fields map[string]any
	if err := json.Unmarshal([]byte(apiBody), &fields); err != nil {
		t.Fatal(err)
	}
	var inputs []string
	for k, v := range fields {
		if text, ok := v.(string); ok {
			inputs = append(inputs, fmt.Sprintf(`{"name":%q,"shape":[1],"datatype":"BYTES","data":[%q]}`, k, text))
		}
	}
	v2 := `{"inputs":[` + strings.Join(inputs, ",") + `]}`
	return []string{v2, strings.Replace(v2, `"BYTES"`, `"`+marker+`"`, 1),
		strings.Replace(v2, `"name":"`, `"name":"`+marker, 1), strings.Replace(v2, marker, long, 1)}
}
