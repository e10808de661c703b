package server

import (
	"context"
	"encoding/json"
	"net/http"
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
