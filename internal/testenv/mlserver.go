package testenv

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// MLServer is a real MLServer (a third-party KServe v2 server, from
// tools/mlserver/setup.sh) running on loopback.
type MLServer struct {
	// URL is its base address, http://127.0.0.1:PORT.
	URL string
	cmd *exec.Cmd
}

// FreePort is a loopback TCP port nothing listens on (at the time of asking).
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// WriteJSON writes v as indented JSON to path, creating its folder.
func WriteJSON(t testing.TB, path string, v any) {
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

// StartMLServer serves the ONNX file modelFile under each name of models
// with tools/mlserver/ort_runtime.py; the map's values are the runtime's
// fault switches (parameters.extra: delay_ms, corrupt, status), nil for none.
// It waits until the server is ready (a few seconds) and stops it when the
// test ends; start it once per test function.
func StartMLServer(t testing.TB, modelFile string, models map[string]map[string]any) *MLServer {
	t.Helper()
	var list []MLServerModel
	for name, extra := range models {
		list = append(list, MLServerModel{Name: name, Implementation: "ort_runtime.OnnxRuntime", URI: modelFile, Extra: extra})
	}
	return StartMLServerModels(t, list)
}

// MLServerModel is one model of an MLServer: its name, the runtime class
// under tools/mlserver (module.Class), the runtime's uri and its
// parameters.extra (nil for none).
type MLServerModel struct {
	Name, Implementation, URI string
	Extra                     map[string]any
}

// StartMLServerModels is StartMLServer for models of any runtime under
// tools/mlserver (e.g. t5_runtime.T5Generator).
func StartMLServerModels(t testing.TB, models []MLServerModel) *MLServer {
	t.Helper()
	root := RepoRoot(t)
	bin := filepath.Join(root, ".venv-mlserver", "bin", "mlserver")
	if _, err := os.Stat(bin); err != nil {
		Missing(t, "MLServer ("+bin+")", "run `bash tools/mlserver/setup.sh`")
	}
	dir := t.TempDir()
	httpPort := FreePort(t)
	// Worker processes fail on Python 3.11; the runtime runs in the main process.
	WriteJSON(t, filepath.Join(dir, "settings.json"), map[string]any{"parallel_workers": 0, "host": "127.0.0.1",
		"http_port": httpPort, "grpc_port": FreePort(t), "metrics_port": FreePort(t), "load_models_at_startup": true})
	for _, m := range models {
		params := map[string]any{"uri": m.URI}
		if len(m.Extra) > 0 {
			params["extra"] = m.Extra
		}
		WriteJSON(t, filepath.Join(dir, m.Name, "model-settings.json"), map[string]any{
			"name": m.Name, "implementation": m.Implementation, "parameters": params})
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
	s := &MLServer{URL: fmt.Sprintf("http://127.0.0.1:%d", httpPort), cmd: cmd}
	t.Cleanup(func() {
		s.Stop()
		logFile.Close()
	})
	deadline := time.Now().Add(90 * time.Second)
	for {
		res, err := http.Get(s.URL + "/v2/health/ready")
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

// Stop ends the server (as a crash would: no drain).
func (s *MLServer) Stop() {
	if s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}
