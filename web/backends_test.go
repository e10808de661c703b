package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clinlm/clinlm/internal/testenv"
)

// TestReadyzShowsWhereModelsRun: with --device auto on a machine without a
// GPU the binary runs on the CPU and says why; /readyz, /metrics, the model
// listing and /models say where each model runs; a remote model whose server
// is down is reported with the reason while the rest of the dashboard works.
func TestReadyzShowsWhereModelsRun(t *testing.T) {
	lib, testModels := runtimeAndModels(t)
	dir := t.TempDir()
	copyFolder := func(name string, edit func(map[string]any)) {
		src := filepath.Join(testModels, "tiny-nli")
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		files := []string{"tokenizer.json", "manifest.json", "model.onnx"}
		if edit != nil {
			files = files[:2]
		}
		for _, f := range files {
			data, err := os.ReadFile(filepath.Join(src, f))
			if err != nil {
				t.Fatal(err)
			}
			if f == "manifest.json" && edit != nil {
				var m map[string]any
				if err := json.Unmarshal(data, &m); err != nil {
					t.Fatal(err)
				}
				edit(m)
				if data, err = json.Marshal(m); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, name, f), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	copyFolder("tiny-nli", nil)
	copyFolder("tiny-nli-copy", nil)
	copyFolder("remote-nli", func(m map[string]any) { m["remote"] = map[string]any{"url": dead, "timeout_ms": 500} })
	ml := testenv.StartMLServer(t, filepath.Join(testModels, "tiny-nli", "model.onnx"), map[string]map[string]any{"nli": nil})
	copyFolder("remote-live", func(m map[string]any) { m["remote"] = map[string]any{"url": ml.URL, "model": "nli"} })

	b := startBinary(t, "serve", "--addr", "127.0.0.1:0", "--device", "auto", "--ort-lib", lib, "--models", dir,
		"--pad-buckets", "32,64", "--cuda-mem-limit", "1073741824", "--cuda-arena", "same-as-requested")
	if b.url == "" {
		t.Fatalf("clinlm did not start:\n%s", b.stderr.String())
	}
	defer func() {
		b.cmd.Process.Signal(syscall.SIGTERM)
		b.wait(t, 20*time.Second)
	}()
	client := &http.Client{Timeout: 10 * time.Second}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := client.Get(b.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	status, body := get("readyz")
	var ready struct {
		Ready  bool
		Checks []struct {
			Name, Detail, Error string
			OK                  bool
		}
	}
	if err := json.Unmarshal([]byte(body), &ready); err != nil || status != http.StatusOK || !ready.Ready {
		t.Fatalf("/readyz %d %s: want ready (a remote model is optional)", status, body)
	}
	checks := map[string]string{}
	for _, c := range ready.Checks {
		checks[c.Name] = fmt.Sprintf("ok=%v %s %s", c.OK, c.Detail, c.Error)
	}
	if rt := checks["onnx runtime"]; !strings.Contains(rt, "ok=true") || (strings.Contains(rt, " on cpu ") && !strings.Contains(rt, "CUDA not used: ")) {
		t.Errorf("onnx runtime check %q: on the CPU it must say why CUDA was not used", rt)
	}
	device := "cpu"
	if strings.Contains(checks["onnx runtime"], " on cuda ") {
		device = "cuda"
	}
	wantChecks := map[string]string{
		"model tiny-nli":      "ok=true nli / sequence-pair-classification on " + device,
		"model tiny-nli-copy": "(shares the session of tiny-nli)",
		"model remote-nli":    "ok=false",
	}
	for name, part := range wantChecks {
		if !strings.Contains(checks[name], part) {
			t.Errorf("/readyz %s: %q, want %q", name, checks[name], part)
		}
	}
	if !strings.Contains(checks["model remote-nli"], dead+" is unreachable") {
		t.Errorf("/readyz remote-nli: %q, want it to name the unreachable server", checks["model remote-nli"])
	}
	if live := checks["remote model remote-live"]; !strings.HasPrefix(live, "ok=true KServe v2 server "+ml.URL) {
		t.Errorf("/readyz remote model remote-live: %q, want ready on %s", live, ml.URL)
	}

	_, metrics := get("metrics")
	if want := `clinlm_model_provider{model="tiny-nli",provider="` + device + `"} 1`; !strings.Contains(metrics, want) {
		t.Errorf("/metrics lacks %s", want)
	}
	_, listing := get("api/v1/models")
	if !strings.Contains(listing, `"provider":"`+device+`"`) || !strings.Contains(listing, `"shares_session_with":"tiny-nli"`) {
		t.Errorf("/api/v1/models does not say where the demo models run")
	}
	status, page := get("models")
	if status != http.StatusOK || !strings.Contains(page, `<td data-testid="runs-on">`+device+`</td>`) {
		t.Errorf("/models %d does not show where tiny-nli runs", status)
	}

	// The dashboard and the local models keep working beside the broken remote.
	resp, err := client.Post(b.url+"api/v1/infer/tiny-nli-copy", "application/json", strings.NewReader(`{"premise":"No fever.","hypothesis":"Afebrile."}`))
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(answer), "entailment") {
		t.Errorf("infer on tiny-nli-copy: %d %s", resp.StatusCode, answer)
	}
	resp, err = client.Post(b.url+"api/v1/infer/remote-nli", "application/json", strings.NewReader(`{"premise":"No fever.","hypothesis":"Afebrile."}`))
	if err != nil {
		t.Fatal(err)
	}
	answer, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(answer), "unavailable") {
		t.Errorf("infer on the down remote: %d %s, want 503 unavailable", resp.StatusCode, answer)
	}
	if status, _ := get(""); status != http.StatusOK {
		t.Errorf("/ answered %d", status)
	}

	// The remote server goes down after start: /readyz says so on the next
	// probe and stays ready (remote models are optional).
	ml.Stop()
	status, body = get("readyz")
	if err := json.Unmarshal([]byte(body), &ready); err != nil || status != http.StatusOK || !ready.Ready {
		t.Fatalf("/readyz after the remote went down: %d %s", status, body)
	}
	found := false
	for _, c := range ready.Checks {
		if c.Name == "remote model remote-live" {
			found = true
			if c.OK || !strings.Contains(c.Error, ml.URL+" is unreachable") {
				t.Errorf("/readyz remote-live after its server stopped: %+v", c)
			}
		}
	}
	if !found {
		t.Error("/readyz lost the remote-live check")
	}
}
