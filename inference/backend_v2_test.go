//go:build cgo

package inference_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/ort"
	"github.com/clinlm/clinlm/internal/testenv"
)

// mlserver is a real MLServer (tools/mlserver) serving tiny-nli's model.onnx
// on loopback under several names, some with a fault switched on.
type mlserver struct {
	url string
	cmd *exec.Cmd
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// startMLServer serves modelFile as each of models (name → parameters.extra).
// MLServer starts in a few seconds; start it once per test function.
func startMLServer(t *testing.T, modelFile string, models map[string]map[string]any) *mlserver {
	t.Helper()
	root := testenv.RepoRoot(t)
	bin := filepath.Join(root, ".venv-mlserver", "bin", "mlserver")
	if _, err := os.Stat(bin); err != nil {
		testenv.Missing(t, "MLServer ("+bin+")", "run `bash tools/mlserver/setup.sh`")
	}
	dir := t.TempDir()
	httpPort := freePort(t)
	// Worker processes fail on Python 3.11; the runtime runs in the main process.
	writeJSON(t, filepath.Join(dir, "settings.json"), map[string]any{"parallel_workers": 0, "host": "127.0.0.1",
		"http_port": httpPort, "grpc_port": freePort(t), "metrics_port": freePort(t), "load_models_at_startup": true})
	for name, extra := range models {
		params := map[string]any{"uri": modelFile}
		if len(extra) > 0 {
			params["extra"] = extra
		}
		writeJSON(t, filepath.Join(dir, name, "model-settings.json"), map[string]any{
			"name": name, "implementation": "ort_runtime.OnnxRuntime", "parameters": params})
	}
	cmd := exec.Command(bin, "start", dir)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PYTHONPATH="+filepath.Join(root, "tools", "mlserver"))
	logFile, err := os.Create(filepath.Join(t.TempDir(), "mlserver.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &mlserver{url: fmt.Sprintf("http://127.0.0.1:%d", httpPort), cmd: cmd}
	t.Cleanup(func() {
		s.stop()
		logFile.Close()
	})
	deadline := time.Now().Add(90 * time.Second)
	for {
		res, err := http.Get(s.url + "/v2/health/ready")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logFile.Name())
			t.Fatalf("MLServer did not become ready in 90s:\n%s", log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (s *mlserver) stop() {
	if s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

// copyModel writes a model folder from the test model src, with the
// manifest's fields changed by edit (nil: unchanged) and model.onnx left out
// when the manifest names a remote.
func copyModel(t *testing.T, src, dst string, edit map[string]any) {
	t.Helper()
	var manifest map[string]any
	data, err := os.ReadFile(filepath.Join(src, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		t.Fatal(err)
	}
	files := []string{"tokenizer.json", "model.onnx"}
	for k, v := range edit {
		manifest[k] = v
		if k == "remote" {
			files = files[:1]
		}
	}
	writeJSON(t, filepath.Join(dst, "manifest.json"), manifest)
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRemoteV2Backend runs tiny-nli in process and on MLServer and checks
// that the answers agree, and that a remote that is down, slow, overloaded or
// answers malformed tensors fails clearly while the other models keep working.
func TestRemoteV2Backend(t *testing.T) {
	lib := testenv.ORTLibrary(t)
	src := filepath.Join(testenv.TestModels(t), "tiny-nli")
	srv := startMLServer(t, filepath.Join(src, "model.onnx"), map[string]map[string]any{
		"nli":  nil,
		"slow": {"delay_ms": 3000},
		"bad":  {"corrupt": "short"},
		"busy": {"status": 503},
	})
	deadPort := freePort(t)
	root := t.TempDir()
	copyModel(t, src, filepath.Join(root, "local-nli"), nil)
	remote := func(model string, extra map[string]any) map[string]any {
		r := map[string]any{"url": srv.url, "model": model, "timeout_ms": 5000}
		for k, v := range extra {
			r[k] = v
		}
		return map[string]any{"remote": r}
	}
	copyModel(t, src, filepath.Join(root, "remote-nli"), remote("nli", nil))
	copyModel(t, src, filepath.Join(root, "remote-slow"), remote("slow", map[string]any{"timeout_ms": 300}))
	copyModel(t, src, filepath.Join(root, "remote-bad"), remote("bad", nil))
	copyModel(t, src, filepath.Join(root, "remote-busy"), remote("busy", nil))
	copyModel(t, src, filepath.Join(root, "remote-missing"), remote("nope", nil))
	copyModel(t, src, filepath.Join(root, "remote-down"), remote("nli", map[string]any{"url": fmt.Sprintf("http://127.0.0.1:%d", deadPort)}))

	rt, err := ort.Open(ort.Config{LibraryPath: lib, Device: ort.DeviceCPU, IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	eng, err := inference.Open(inference.Config{Dir: root, Runtime: rt, LoadTokenizer: inference.HFTokenizer})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()

	loadTests := []struct {
		model, provider, errPart string
	}{
		{"local-nli", inference.ProviderCPU, ""},
		{"remote-nli", inference.ProviderRemote, ""},
		{"remote-slow", inference.ProviderRemote, ""},
		{"remote-missing", "", `remote model metadata: unavailable: remote model "nope" at ` + srv.url + " answered 404 Not Found"},
		{"remote-down", "", "unreachable"},
	}
	for _, tc := range loadTests {
		m, ok := eng.Model(tc.model)
		if !ok {
			t.Fatalf("%s not listed", tc.model)
		}
		if tc.errPart == "" && (m.Status != inference.StatusReady || m.Provider != tc.provider) {
			t.Errorf("%s: status %s provider %q error %q, want ready on %s", tc.model, m.Status, m.Provider, m.Error, tc.provider)
		}
		if tc.errPart != "" && (m.Status != inference.StatusError || !strings.Contains(m.Error, tc.errPart)) {
			t.Errorf("%s: status %s error %q, want an error with %q", tc.model, m.Status, m.Error, tc.errPart)
		}
	}
	if m, _ := eng.Model("remote-nli"); m.Endpoint != srv.url {
		t.Errorf("remote-nli endpoint %q, want %q", m.Endpoint, srv.url)
	}

	pairs := []inference.Input{
		{Premise: "The patient denies chest pain.", Hypothesis: "The patient has chest pain."},
		{Premise: "Aspirin 81 mg daily was started.", Hypothesis: "The patient takes aspirin."},
		{Premise: "No fever.", Hypothesis: "Afebrile on admission, discharged home in stable condition."},
	}
	for _, in := range pairs {
		local, err := eng.Infer(context.Background(), "local-nli", in, nil)
		if err != nil {
			t.Fatal(err)
		}
		remote, err := eng.Infer(context.Background(), "remote-nli", in, nil)
		if err != nil {
			t.Fatal(err)
		}
		l, r := local.Output.(inference.NLIOutput).Labels, remote.Output.(inference.NLIOutput).Labels
		if len(l) != len(r) {
			t.Fatalf("local %v, remote %v", l, r)
		}
		for i := range l {
			if l[i].Label != r[i].Label || math.Abs(l[i].Score-r[i].Score) > 1e-5 {
				t.Errorf("label %d: local %+v, remote %+v", i, l[i], r[i])
			}
		}
	}

	in := pairs[0]
	failTests := []struct {
		model   string
		code    inference.Code
		msgPart string
	}{
		{"remote-slow", inference.CodeTimeout, "did not answer within 300ms"},
		{"remote-bad", inference.CodeUnavailable, `output "logits" has 2 values for shape [1 3]`},
		{"remote-busy", inference.CodeBusy, "busy"},
		{"remote-down", inference.CodeUnavailable, "not loaded"},
	}
	for _, tc := range failTests {
		t.Run(tc.model, func(t *testing.T) {
			_, err := eng.Infer(context.Background(), tc.model, in, nil)
			ae := inference.AsError(err)
			if ae == nil || ae.Code != tc.code || !strings.Contains(ae.Message, tc.msgPart) {
				t.Errorf("err %v, want %s with %q", err, tc.code, tc.msgPart)
			}
			if err != nil && strings.Contains(err.Error(), "chest") {
				t.Error("the error quotes the note")
			}
		})
	}

	// The server goes away while clinlm runs: the remote model says so, the
	// local one keeps answering.
	srv.stop()
	_, err = eng.Infer(context.Background(), "remote-nli", in, nil)
	if ae := inference.AsError(err); ae == nil || ae.Code != inference.CodeUnavailable || !strings.Contains(ae.Message, "is unreachable") {
		t.Errorf("remote down: %v", err)
	}
	if _, err := eng.Infer(context.Background(), "local-nli", in, nil); err != nil {
		t.Errorf("the local model stopped working with the remote: %v", err)
	}
}
