package server

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/batcher"
	"github.com/clinlm/clinlm/internal/testenv"
)

// flopsRepository is a model repository with tiny-nli's files under the
// name flops-nli, whose manifest gives the base model's pretraining FLOPs.
func flopsRepository(t *testing.T, flops float64) string {
	t.Helper()
	src, dir := filepath.Join(testenv.TestModels(t), "tiny-nli"), t.TempDir()
	dst := filepath.Join(dir, "flops-nli")
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	testenv.CopyFile(t, filepath.Join(src, "model.onnx"), filepath.Join(dst, "model.onnx"))
	testenv.CopyFile(t, filepath.Join(src, "tokenizer.json"), filepath.Join(dst, "tokenizer.json"))
	raw, err := os.ReadFile(filepath.Join(src, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var mf map[string]any
	if err := json.Unmarshal(raw, &mf); err != nil {
		t.Fatal(err)
	}
	mf["provenance"].(map[string]any)["pretraining_flops"] = flops
	testenv.WriteJSON(t, filepath.Join(dst, "manifest.json"), mf)
	return dir
}

// TestFlopsFigureShowsSubmittedAndEvaluated: an approved submission with
// its FLOPs and a live-evaluated model whose manifest gives them are points
// of Figure 3 with markers of their own, in the legend and the table, and
// count for the Pareto frontier; the model's card shows what its latest
// live evaluation got wrong.
func TestFlopsFigureShowsSubmittedAndEvaluated(t *testing.T) {
	eng, err := inference.Open(inference.Config{Dir: flopsRepository(t, 1e19), Runtime: openRuntime(t),
		LoadTokenizer: inference.HFTokenizer, Batch: batcher.Config{MaxBatch: 8, QueueSize: 256}, Timeout: 30 * time.Second,
		MaxTextRunes: maxTestRunes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	srv, _ := newTestServer(t, backend{name: "engine", inf: eng}, InferLimits{})

	sub := goodSubmissionJSON()
	sub["value"], sub["pretraining_flops"] = 0.99, 3e20 // above every paper model: on the frontier
	created := call(t, srv, http.MethodPost, "/api/v1/submissions", jsonBody(t, sub), "")
	wantStatus(t, created, http.StatusCreated)
	id := decodeView(t, created).ID
	wantStatus(t, call(t, srv, http.MethodPost, "/api/v1/submissions/"+jsonBody(t, id)+"/approve", "", "suite-moderator-token"), http.StatusOK)
	noFlops := goodSubmissionJSON()
	noFlops["model_name"] = "Plain-BERT"
	created = call(t, srv, http.MethodPost, "/api/v1/submissions", jsonBody(t, noFlops), "")
	wantStatus(t, created, http.StatusCreated)
	wantStatus(t, call(t, srv, http.MethodPost, "/api/v1/submissions/"+jsonBody(t, decodeView(t, created).ID)+"/approve", "",
		"suite-moderator-token"), http.StatusOK)

	started := call(t, srv, http.MethodPost, "/api/v1/evaluations", `{"model": "flops-nli", "dataset": "devset:nli"}`, "")
	wantStatus(t, started, http.StatusAccepted)
	var job struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(started.Body.Bytes(), &job); err != nil {
		t.Fatal(err)
	}
	waitEvaluation(t, srv, "/api/v1/evaluations/"+job.ID)

	page := fetch(t, srv, "/figures/flops")
	wantStatus(t, page, http.StatusOK)
	body := page.Body.String()
	mednli := body[strings.Index(body, `data-testid="panel-flops-mednli"`):strings.Index(body, `data-testid="panel-flops-radqa"`)]
	for _, want := range []string{`"symbol":"diamond"`, `"symbol":"triangle"`, `"name":"submitted"`, `"name":"evaluated here"`,
		`<tr class="frontier" data-kind="submitted">`, `data-kind="evaluated here"`, `>Ward-BERT</a>`, `>flops-nli</a>`,
		`href="/demo/card/flops-nli"`} {
		if !strings.Contains(mednli, want) {
			t.Errorf("the MedNLI panel lacks %s", want)
		}
	}
	radqa := body[strings.Index(body, `data-testid="panel-flops-radqa"`):]
	if strings.Contains(radqa, "Ward-BERT") || strings.Contains(radqa, "flops-nli") {
		t.Error("a MedNLI score is drawn on another task's panel")
	}
	if !strings.Contains(body, "Plain-BERT (submitted without its pretraining FLOPs)") {
		t.Error("a submission without FLOPs is not named as left off")
	}

	card := fetch(t, srv, "/demo/card/flops-nli")
	wantStatus(t, card, http.StatusOK)
	for _, want := range []string{`data-testid="model-last-evaluation"`, `href="/evaluations/` + job.ID + `"`, "devset:nli",
		`data-testid="model-misses-count"`} {
		if !strings.Contains(card.Body.String(), want) {
			t.Errorf("the model card lacks %s", want)
		}
	}
	var misses int
	if got := call(t, srv, http.MethodGet, "/api/v1/evaluations/"+job.ID+"/misses.jsonl", "", ""); got.Code == http.StatusOK {
		misses = strings.Count(got.Body.String(), "\n")
	}
	if misses > 0 && !strings.Contains(card.Body.String(), `href="/api/v1/evaluations/`+job.ID+`/misses.jsonl"`) {
		t.Error("the model card does not offer the misses as JSONL")
	}
	if card := fetch(t, srv, "/demo/card/flops-nli").Body.String(); misses == 0 && strings.Contains(card, "misses.jsonl") {
		t.Error("a download of no misses is offered")
	}
}
