package server

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/inference/eval"
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
