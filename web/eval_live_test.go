package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clinlm/clinlm/inference/eval"
	"github.com/clinlm/clinlm/internal/testenv"
)

// startServe runs `clinlm serve` on a free loopback port until the test
// ends and returns its URL (with the trailing slash).
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--shutdown-grace", "2s", "--data-dir", t.TempDir()}, args...),
			stdio{in: strings.NewReader(""), out: pw, err: io.Discard, getenv: envMap(nil)})
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop")
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no startup line: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return strings.TrimSpace(strings.TrimPrefix(line, "clinlm dashboard: "))
}

// TestLiveEvaluationMatchesEvalCommand: an evaluation run by `clinlm serve`
// (POST /api/v1/evaluations on a bundled set) reports the numbers `clinlm
// eval --json` prints for the same model and file — model version, data
// SHA-256, example count and metrics — and its "evaluated here" row on the
// leaderboard shows them.
func TestLiveEvaluationMatchesEvalCommand(t *testing.T) {
	models, ortLib := testenv.TestModels(t), testenv.ORTLibrary(t)
	code, stdout, stderr := runEvalCLI(t, "--models", models, "--model", "tiny-nli", "--data", "devset:nli", "--json",
		"--ort-lib", ortLib, "--device", "cpu")
	if code != 0 {
		t.Fatalf("clinlm eval exited %d: %s", code, stderr)
	}
	var cli eval.Report
	if err := json.Unmarshal([]byte(stdout), &cli); err != nil {
		t.Fatal(err)
	}
	if len(cli.ModelVersion) != 64 || len(cli.DataSHA256) != 64 {
		t.Fatalf("clinlm eval --json lacks the versions: %s", stdout)
	}
	url := startServe(t, "--models", models, "--ort-lib", ortLib, "--device", "cpu")
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Post(url+"api/v1/evaluations", "application/json",
		strings.NewReader(`{"model": "tiny-nli", "dataset": "devset:nli"}`))
	if err != nil {
		t.Fatal(err)
	}
	var job struct {
		ID           string       `json:"id"`
		Status       string       `json:"status"`
		ModelVersion string       `json:"model_version"`
		DataSHA256   string       `json:"data_sha256"`
		Items        int          `json:"items"`
		Report       *eval.Report `json:"report"`
	}
	decode := func(r *http.Response) {
		t.Helper()
		defer r.Body.Close()
		if err := json.NewDecoder(r.Body).Decode(&job); err != nil {
			t.Fatal(err)
		}
	}
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /api/v1/evaluations: %s", resp.Status)
	}
	decode(resp)
	for deadline := time.Now().Add(2 * time.Minute); job.Status == "queued" || job.Status == "running"; {
		if time.Now().After(deadline) {
			t.Fatal("the evaluation did not finish")
		}
		time.Sleep(50 * time.Millisecond)
		r, err := client.Get(url + "api/v1/evaluations/" + job.ID)
		if err != nil {
			t.Fatal(err)
		}
		decode(r)
	}
	if job.Status != "done" || job.Report == nil {
		t.Fatalf("evaluation %+v", job)
	}
	if job.ModelVersion != cli.ModelVersion || job.DataSHA256 != cli.DataSHA256 || job.Items != cli.Examples {
		t.Errorf("live: version %s, data %s, %d items; clinlm eval: %s, %s, %d",
			job.ModelVersion, job.DataSHA256, job.Items, cli.ModelVersion, cli.DataSHA256, cli.Examples)
	}
	if len(job.Report.Metrics) != len(cli.Metrics) {
		t.Fatalf("live metrics %v, clinlm eval %v", job.Report.Metrics, cli.Metrics)
	}
	for i, m := range cli.Metrics {
		if job.Report.Metrics[i] != m {
			t.Errorf("live %v, clinlm eval %v", job.Report.Metrics[i], m)
		}
	}
	r, err := client.Get(url + "leaderboard/mednli")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(r.Body)
	r.Body.Close()
	row := string(page)
	if i := strings.Index(row, `<tr data-evaluation="`+job.ID+`">`); i >= 0 {
		row = row[i:]
		row = row[:strings.Index(row, "</tr>")]
	} else {
		t.Fatal("no evaluated-here row")
	}
	for _, want := range []string{cli.ModelVersion[:12], cli.DataSHA256[:12], ">" + strconv.Itoa(cli.Examples) + "<",
		"accuracy " + strconv.FormatFloat(cli.Metrics[0].Value, 'f', 4, 64)} {
		if !strings.Contains(row, want) {
			t.Errorf("the evaluated-here row lacks %q: %s", want, row)
		}
	}
}
