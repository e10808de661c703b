package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/batcher"
	"github.com/clinlm/clinlm/internal/testenv"
)

// gatedEngine is the real engine over the one-token saliency models; with
// gate set, a saliency request stops after its first progress report until
// it is cancelled, so a cancel always arrives while it runs.
type gatedEngine struct {
	*inference.Engine
	gate bool
}

func (g gatedEngine) Saliency(ctx context.Context, model string, in inference.Input, opts inference.SaliencyOptions, progress inference.Progress) (inference.SaliencyResult, error) {
	return g.Engine.Saliency(ctx, model, in, opts, func(done, total int) {
		if progress != nil {
			progress(done, total)
		}
		if g.gate {
			<-ctx.Done()
		}
	})
}

func newSaliencyServer(t *testing.T, gate bool) (*suiteServer, *syncBuffer) {
	t.Helper()
	eng, err := inference.Open(inference.Config{Dir: testenv.SaliencyTestModels(t), Runtime: openRuntime(t),
		LoadTokenizer: inference.HFTokenizer, Batch: batcher.Config{MaxBatch: 8}, MaxSaliencyWords: 100})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	s := newSuiteServer(t, backend{inf: gatedEngine{eng, gate}}, InferLimits{})
	return s, s.logs
}

const secretNote = "SECRET the patient reports fever since Tuesday"

func TestSaliencyOverTheWebsocket(t *testing.T) {
	ts, logs := newSaliencyServer(t, false)
	c, _, err := websocket.DefaultDialer.Dial(ts.wsURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.WriteJSON(map[string]any{"id": "s1", "type": "saliency", "model": "onetoken-nli",
		"input": map[string]string{"premise": secretNote, "hypothesis": "She is unwell."}})
	progress := 0
	for {
		f := readFrame(t, c)
		if f.ID != "s1" {
			t.Fatalf("frame for %q", f.ID)
		}
		if f.Type == "progress" {
			if f.Progress == nil || f.Progress.Done <= progress || f.Progress.Total != 11 {
				t.Fatalf("progress %+v after %d", f.Progress, progress)
			}
			progress = f.Progress.Done
			continue
		}
		if f.Type != "result" || progress != 11 {
			t.Fatalf("final frame %+v after progress %d", f, progress)
		}
		var out inference.SaliencyOutput
		if err := json.Unmarshal(f.Output.(json.RawMessage), &out); err != nil {
			t.Fatal(err)
		}
		top := out.Words[0]
		for _, w := range out.Words {
			if w.Score > top.Score {
				top = w
			}
		}
		if got := string([]rune(secretNote)[top.Start:top.End]); got != "fever" || out.Target.Label != "entailment" || out.Runs != 11 {
			t.Errorf("top word %q, target %+v, runs %d", got, out.Target, out.Runs)
		}
		break
	}
	if strings.Contains(logs.String(), "SECRET") {
		t.Error("note text reached the log")
	}
}

func TestSaliencyCancelFrame(t *testing.T) {
	ts, _ := newSaliencyServer(t, true)
	c, _, err := websocket.DefaultDialer.Dial(ts.wsURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	note := strings.Repeat("fever and cough ", 20) // 60 words: 4 chunks
	c.WriteJSON(map[string]any{"id": "s2", "type": "saliency", "model": "onetoken-clip", "input": map[string]string{"text": note}})
	if f := readFrame(t, c); f.Type != "progress" || f.Progress.Done != 16 || f.Progress.Total != 60 {
		t.Fatalf("first frame %+v, want progress 16 of 60", f)
	}
	c.WriteJSON(map[string]any{"id": "s2", "type": "cancel"})
	if f := readFrame(t, c); f.ID != "s2" || f.Type != "error" || f.Error.Code != "canceled" {
		t.Fatalf("frame after cancel %+v, want a canceled error", f)
	}
	// The connection goes on: a cancel for an id that is not running is
	// ignored, a plain request still works.
	c.WriteJSON(map[string]any{"id": "s2", "type": "cancel"})
	c.WriteJSON(map[string]any{"id": "i1", "model": "onetoken-nli", "input": map[string]string{"premise": "fever", "hypothesis": "ill"}})
	if f := readFrame(t, c); f.ID != "i1" || f.Type != "result" {
		t.Fatalf("frame %+v, want the result of i1", f)
	}
}

func TestSaliencyFrameErrors(t *testing.T) {
	ts, _ := newSaliencyServer(t, false)
	c, _, err := websocket.DefaultDialer.Dial(ts.wsURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	long := strings.Repeat("Fever now. ", 40) // 120 words; one sentence would be cut to max_length
	for _, tc := range []struct{ name, frame, code string }{
		{"unknown type", `{"id":"1","type":"explain","model":"onetoken-nli","input":{}}`, "bad_request"},
		{"cancel with a model", `{"id":"2","type":"cancel","model":"onetoken-nli"}`, "bad_request"},
		{"label on infer", `{"id":"3","model":"onetoken-nli","label":"neutral","input":{"premise":"a","hypothesis":"b"}}`, "bad_request"},
		{"unknown label", `{"id":"4","type":"saliency","model":"onetoken-nli","label":"maybe","input":{"premise":"a","hypothesis":"b"}}`, "bad_request"},
		{"too many words", `{"id":"5","type":"saliency","model":"onetoken-clip","input":{"text":"` + long + `"}}`, "too_long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.WriteMessage(websocket.TextMessage, []byte(tc.frame))
			f := readFrame(t, c)
			if f.Type != "error" || f.Error == nil || f.Error.Code != tc.code {
				t.Errorf("frame %+v, want error %s", f, tc.code)
			}
		})
	}
}

func TestSaliencyHTTP(t *testing.T) {
	ts, logs := newSaliencyServer(t, false)
	post := func(model, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/saliency/"+model, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		name, model, body string
		status            int
		want              string
	}{
		{"qa", "onetoken-qa", `{"input":{"question":"What?","context":"` + secretNote + `"}}`, 200, `"text":"fever"`},
		{"clip with a label", "onetoken-clip", `{"input":{"text":"` + secretNote + `"},"label":"lab"}`, 200, `"label":"lab"`},
		{"input not wrapped", "onetoken-nli", `{"premise":"a","hypothesis":"b"}`, 400, `"bad_request"`},
		{"no input", "onetoken-nli", `{"label":"neutral"}`, 400, `input.hypothesis is required`},
		{"too many words", "onetoken-clip", `{"input":{"text":"` + strings.Repeat("Fever now. ", 40) + `"}}`, 413, `"too_long"`},
		{"truncation shown", "onetoken-nli", `{"input":{"premise":"` + strings.Repeat("a ", 80) + `","hypothesis":"b"}}`, 200,
			`"truncation":[{"field":"premise","seen_tokens":60,"total_tokens":80,"seen_until":119}]`},
		{"unknown model", "nope", `{"input":{"text":"a"}}`, 404, `"unknown_model"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(tc.model, tc.body)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("%d %s, want %d with %s", status, body, tc.status, tc.want)
			}
		})
	}
	if strings.Contains(logs.String(), "SECRET") {
		t.Error("note text reached the log")
	}
}

// Without an engine that explains, saliency is unavailable, not a crash.
func TestSaliencyWithoutAnExplainer(t *testing.T) {
	ts, _ := newInferServer(t, InferLimits{}, io.Discard)
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/saliency/nli", strings.NewReader(`{"input":{"premise":"a","hypothesis":"b"}}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "unavailable") {
		t.Errorf("%d %s, want 503 unavailable", resp.StatusCode, body)
	}
}

// The no-JavaScript form renders word importance and the cut part of a
// long text.
func TestSaliencyInTheDemoForm(t *testing.T) {
	ts, logs := newSaliencyServer(t, false)
	form := url.Values{"premise": {secretNote + strings.Repeat(" and cough", 40)}, "hypothesis": {"She is unwell."},
		"model": {"onetoken-nli"}, "saliency": {"1"}}
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/demo/nli", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	page := string(b)
	for _, want := range []string{
		`data-testid="saliency"`, `data-testid="saliency-legend"`, `Explains the label entailment (probability 1.000)`,
		`<span class="sal-pos-4" title="importance +0.667">fever</span>`, `<span class="sal-0" title="importance +0.000">SECRET</span>`,
		`data-testid="truncation"`, `The model saw 52 of 104 tokens`, `<span class="unseen" title="not seen by the model">`,
		`<td><span class="sal-pos-4">fever</span></td><td>Premise</td><td class="num">+0.667</td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(logs.String(), "SECRET") {
		t.Error("note text reached the log")
	}
}
