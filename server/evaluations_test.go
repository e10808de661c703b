package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/clinlm/clinlm/inference/eval"
	"github.com/clinlm/clinlm/inference/eval/devset"
	"github.com/clinlm/clinlm/inference/evaljobs"
)

// TestEvaluationsAPI runs a live evaluation over HTTP on the real engine:
// it reports what `clinlm eval` (eval.RunFile) reports, a bad line is a 400
// naming the line, and no example text reaches the log.
func TestEvaluationsAPI(t *testing.T) {
	b := realBackend(t)
	srv, logs := newTestServer(t, b, InferLimits{})
	raw, err := os.ReadFile(filepath.Join("..", "inference", "eval", "testdata", "qa.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	body := jsonString(map[string]string{"model": b.qa, "data": string(raw), "data_name": "qa.jsonl"})
	rec := call(t, srv, http.MethodPost, "/api/v1/evaluations", body, "")
	wantStatus(t, rec, http.StatusAccepted)
	var job evaljobs.Job
	if err := json.Unmarshal(rec.Body.Bytes(), &job); err != nil || rec.Header().Get("Location") != "/api/v1/evaluations/"+job.ID {
		t.Fatalf("%s: %v", rec.Body, err)
	}
	waitEvaluation(t, srv, "/api/v1/evaluations/"+job.ID)
	if err := json.Unmarshal(fetch(t, srv, "/api/v1/evaluations/"+job.ID).Body.Bytes(), &job); err != nil {
		t.Fatal(err)
	}
	want, err := eval.RunFile(context.Background(), b.inf.(eval.Engine), b.qa, strings.NewReader(string(raw)), eval.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != evaljobs.StatusDone || job.Report == nil || !reflect.DeepEqual(job.Report.Metrics, want.Metrics) {
		t.Fatalf("job %+v; clinlm eval says %+v", job, want.Metrics)
	}
	bad := strings.Replace(string(raw), `"question"`, `"questio"`, 1)
	rec = call(t, srv, http.MethodPost, "/api/v1/evaluations", jsonString(map[string]string{"model": b.qa, "data": bad}), "")
	wantStatus(t, rec, http.StatusBadRequest)
	if !strings.Contains(rec.Body.String(), "line 1") {
		t.Fatalf("the error does not name the line: %s", rec.Body)
	}
	var first struct {
		Context string `json:"context"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(string(raw), "\n", 2)[0]), &first); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), first.Context[:20]) {
		t.Fatal("example text reached the log")
	}
}

func TestEvaluationsOff(t *testing.T) {
	srv, _ := newResultsServer(t)
	wantStatus(t, call(t, srv, http.MethodGet, "/api/v1/evaluations", "", ""), http.StatusNotFound)
	wantStatus(t, call(t, srv, http.MethodPost, "/api/v1/evaluations", `{"model":"x","data":"{}"}`, ""), http.StatusNotFound)
}

// postEvaluateForm posts the multipart form of /evaluate.
func postEvaluateForm(t *testing.T, h http.Handler, model, fileName string, data []byte) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if err := mw.WriteField("model", model); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile("data", fileName)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req := localRequest(http.MethodPost, "/evaluate", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestEvaluatePages: the form starts an evaluation and redirects to its
// page, which reloads itself while it runs and shows the numbers when done;
// a bad file is explained on the form.
func TestEvaluatePages(t *testing.T) {
	b := realBackend(t)
	srv, _ := newTestServer(t, b, InferLimits{})
	page := fetch(t, srv, "/evaluate")
	wantStatus(t, page, http.StatusOK)
	if !strings.Contains(page.Body.String(), `<option value="`+b.nli+`"`) {
		t.Fatal("the form does not offer the loaded models")
	}
	raw, err := os.ReadFile(filepath.Join("..", "inference", "eval", "testdata", "nli.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	bad := postEvaluateForm(t, srv, b.nli, "bad.jsonl", []byte("{\"premise\": 1}\n"))
	wantStatus(t, bad, http.StatusOK)
	if !strings.Contains(bad.Body.String(), `data-testid="evaluate-error"`) || !strings.Contains(bad.Body.String(), "line 1") {
		t.Fatalf("the form does not explain the bad file: %s", bad.Body)
	}
	rec := postEvaluateForm(t, srv, b.nli, "nli.jsonl", raw)
	wantStatus(t, rec, http.StatusSeeOther)
	loc := rec.Header().Get("Location")
	waitEvaluation(t, srv, "/api"+"/v1"+loc)
	done := fetch(t, srv, loc)
	wantStatus(t, done, http.StatusOK)
	body := done.Body.String()
	for _, want := range []string{`data-testid="evaluation-metrics"`, ">accuracy<", `data-testid="evaluation-sha256"`, `data-testid="evaluation-misses-count"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the finished evaluation's page lacks %s", want)
		}
	}
	if strings.Contains(body, `http-equiv="refresh"`) {
		t.Error("a finished evaluation's page still reloads itself")
	}
	list := fetch(t, srv, "/evaluate").Body.String()
	if !strings.Contains(list, `data-evaluation="1"`) {
		t.Error("the evaluation is not listed")
	}
	// The finished evaluation is a leaderboard row of its stand-in task only.
	for target, want := range map[string]bool{"/leaderboard": true, "/leaderboard/mednli": true, "/leaderboard/radqa": false} {
		lb := fetch(t, srv, target).Body.String()
		if got := strings.Contains(lb, `data-testid="evaluated-table"`) && strings.Contains(lb, `<tr data-evaluation="1">`); got != want {
			t.Errorf("%s shows the evaluation: %v, want %v", target, got, want)
		}
	}
}

// TestEvaluationSources: a job's task file is an upload, a bundled set or
// the kept file of an earlier job; an upload is kept only when asked.
func TestEvaluationSources(t *testing.T) {
	b := realBackend(t)
	srv, _ := newTestServer(t, b, InferLimits{})
	start := func(req map[string]any, status int) evaljobs.Job {
		t.Helper()
		rec := call(t, srv, http.MethodPost, "/api/v1/evaluations", jsonString(req), "")
		wantStatus(t, rec, status)
		var j evaljobs.Job
		if status == http.StatusAccepted {
			if err := json.Unmarshal(rec.Body.Bytes(), &j); err != nil {
				t.Fatal(err)
			}
			waitEvaluation(t, srv, "/api/v1/evaluations/"+j.ID)
			_ = json.Unmarshal(fetch(t, srv, "/api/v1/evaluations/"+j.ID).Body.Bytes(), &j)
			if j.Status != evaljobs.StatusDone {
				t.Fatalf("job %+v", j)
			}
		}
		return j
	}
	f, err := devset.Open("nli")
	if err != nil {
		t.Fatal(err)
	}
	bundled, _ := io.ReadAll(f)
	f.Close()
	set := start(map[string]any{"model": b.nli, "dataset": "devset:nli"}, http.StatusAccepted)
	if set.DataName != "devset:nli" || set.DataSHA256 != eval.DataSHA256(bundled) || set.DataKept || set.ModelVersion == "" {
		t.Fatalf("bundled set job %+v", set)
	}
	raw, err := os.ReadFile(filepath.Join("..", "inference", "eval", "testdata", "nli.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	dropped := start(map[string]any{"model": b.nli, "data": string(raw)}, http.StatusAccepted)
	kept := start(map[string]any{"model": b.nli, "data": string(raw), "data_name": "mine.jsonl", "keep_data": true}, http.StatusAccepted)
	if dropped.DataKept || !kept.DataKept {
		t.Fatalf("kept: %v without keep_data, %v with it", dropped.DataKept, kept.DataKept)
	}
	again := start(map[string]any{"model": b.nli, "data_from": kept.ID}, http.StatusAccepted)
	if again.DataSHA256 != kept.DataSHA256 || again.DataName != "mine.jsonl" {
		t.Fatalf("evaluation on the kept file %+v", again)
	}
	for _, c := range []struct {
		req    map[string]any
		status int
	}{
		{map[string]any{"model": b.nli, "data_from": dropped.ID}, http.StatusBadRequest},
		{map[string]any{"model": b.nli, "data_from": "999"}, http.StatusNotFound},
		{map[string]any{"model": b.nli, "dataset": "devset:nope"}, http.StatusBadRequest},
		{map[string]any{"model": b.nli, "dataset": "/etc/passwd"}, http.StatusBadRequest},
		{map[string]any{"model": b.nli, "dataset": "devset:nli", "data": string(raw)}, http.StatusBadRequest},
		{map[string]any{"model": b.nli}, http.StatusBadRequest},
		{map[string]any{"model": b.qa, "dataset": "devset:nli"}, http.StatusBadRequest}, // a file of another task
	} {
		start(c.req, c.status)
	}
	// The form: a bundled set needs no file; the kept file is offered by its page.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("model", b.nli)
	mw.WriteField("dataset", "devset:nli")
	mw.Close()
	req := localRequest(http.MethodPost, "/evaluate", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	wantStatus(t, rec, http.StatusSeeOther)
	form := fetch(t, srv, "/evaluate").Body.String()
	for _, want := range []string{`value="devset:nli"`, `value="devset:qa"`, `value="devset:clip"`, `name="keep_data"`} {
		if !strings.Contains(form, want) {
			t.Errorf("the form lacks %s", want)
		}
	}
	if page := fetch(t, srv, "/evaluations/"+kept.ID).Body.String(); !strings.Contains(page, `href="/evaluate?data_from=`+kept.ID+`"`) {
		t.Error("the page of an evaluation with a kept file does not offer another model on it")
	}
	if page := fetch(t, srv, "/evaluations/"+dropped.ID).Body.String(); strings.Contains(page, "data_from=") {
		t.Error("the page of an evaluation whose file was dropped offers it again")
	}
	if form := fetch(t, srv, "/evaluate?data_from="+kept.ID).Body.String(); !strings.Contains(form, `name="data_from" value="`+kept.ID+`"`) {
		t.Error("the form does not carry the kept file")
	}
}

// TestEvaluationProgressOverWebsocket: a subscription frame streams the
// evaluation's state, with the running metric, until it has finished.
func TestEvaluationProgressOverWebsocket(t *testing.T) {
	b := realBackend(t)
	s := newSuiteServer(t, b, InferLimits{})
	one, err := os.ReadFile(filepath.Join("..", "inference", "eval", "testdata", "nli.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat(one, 40)
	j, err := s.srv.cfg.Evaluations.Start(b.nli, evaljobs.Data{Name: "long.jsonl", Bytes: data})
	if err != nil {
		t.Fatal(err)
	}
	// A job waiting behind it: its page has the progress bar, the script
	// that streams it, and a reload for browsers without JavaScript only.
	queued, err := s.srv.cfg.Evaluations.Start(b.nli, evaljobs.Data{Name: "one.jsonl", Bytes: one})
	if err != nil {
		t.Fatal(err)
	}
	page := fetch(t, s.srv, "/evaluations/"+queued.ID).Body.String()
	for _, want := range []string{`<noscript><meta http-equiv="refresh" content="2"></noscript>`, `data-running`,
		`data-testid="evaluation-progress"`, `js/evaluation.js`, `data-testid="evaluation-cancel"`} {
		if !strings.Contains(page, want) {
			t.Errorf("a queued evaluation's page lacks %s", want)
		}
	}
	c := dial(t, s)
	defer c.Close()
	// A cancel frame ends a subscription, answered canceled; the evaluation goes on.
	if err := c.WriteJSON(map[string]string{"id": "q", "type": "evaluation", "evaluation": queued.ID}); err != nil {
		t.Fatal(err)
	}
	var first serverFrame
	_ = c.SetReadDeadline(time.Now().Add(time.Minute))
	if err := c.ReadJSON(&first); err != nil || first.ID != "q" || first.Evaluation == nil || first.Evaluation.Status != evaljobs.StatusQueued {
		t.Fatalf("first frame of the queued job %+v, %v", first, err)
	}
	if err := c.WriteJSON(map[string]string{"id": "q", "type": "cancel"}); err != nil {
		t.Fatal(err)
	}
	for {
		var f serverFrame
		if err := c.ReadJSON(&f); err != nil {
			t.Fatal(err)
		}
		if f.Type == "error" {
			if f.ID != "q" || f.Error.Code != "canceled" {
				t.Fatalf("answer to the cancel %+v", f)
			}
			break
		}
	}
	if got, _ := s.srv.cfg.Evaluations.Get(queued.ID); got.Status == evaljobs.StatusCanceled {
		t.Fatal("cancelling the subscription cancelled the evaluation")
	}
	if err := c.WriteJSON(map[string]string{"id": "p", "type": "evaluation", "evaluation": j.ID}); err != nil {
		t.Fatal(err)
	}
	var frames []evaljobs.Job
	for {
		_ = c.SetReadDeadline(time.Now().Add(time.Minute))
		var f serverFrame
		if err := c.ReadJSON(&f); err != nil {
			t.Fatalf("after %d frames: %v", len(frames), err)
		}
		if f.ID != "p" || f.Type != "evaluation" || f.Evaluation == nil {
			t.Fatalf("frame %+v", f)
		}
		frames = append(frames, *f.Evaluation)
		if f.Evaluation.Status == evaljobs.StatusDone {
			break
		}
	}
	last := frames[len(frames)-1]
	if last.Done != last.Items || last.Report == nil || len(frames) < 2 {
		t.Fatalf("%d frames, the last %+v", len(frames), last)
	}
	sawMetric := false
	for i, f := range frames[:len(frames)-1] {
		if i > 0 && f.Done < frames[i-1].Done {
			t.Fatalf("progress went back: %d after %d", f.Done, frames[i-1].Done)
		}
		if f.Metric != nil && f.Metric.Name == "accuracy" {
			sawMetric = true
		}
	}
	if !sawMetric && len(frames) > 2 {
		t.Error("no frame carried the running accuracy")
	}
	for _, c2 := range []struct{ frame, code string }{
		{`{"id":"u","type":"evaluation","evaluation":"999"}`, "unknown_evaluation"},
		{`{"id":"e","type":"evaluation"}`, "bad_request"},
		{`{"id":"m","type":"evaluation","evaluation":"1","model":"x"}`, "bad_request"},
		{`{"id":"t","type":"other","model":"x","input":{}}`, "bad_request"},
	} {
		if err := c.WriteMessage(websocket.TextMessage, []byte(c2.frame)); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		var f serverFrame
		if err := c.ReadJSON(&f); err != nil || f.Type != "error" || f.Error == nil || f.Error.Code != c2.code {
			t.Errorf("%s: answer %+v (%v), want %s", c2.frame, f, err, c2.code)
		}
	}
}
