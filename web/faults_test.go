package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// These tests run the real binary (this test executable re-run as clinlm,
// see TestMain) so that signals, exit codes and the process-wide ONNX
// Runtime environment are exactly as in production.

// asBinaryEnv makes the test executable act as clinlm.
const asBinaryEnv = "CLINLM_TEST_RUN_AS_BINARY"

func TestMain(m *testing.M) {
	if os.Getenv(asBinaryEnv) == "1" {
		main() // exits
	}
	os.Exit(m.Run())
}

// lockedBuffer is a process's stderr, read while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// binary is a running clinlm process.
type binary struct {
	cmd    *exec.Cmd
	url    string // "" when it exited before listening
	stderr *lockedBuffer
	exited chan error
	// grpc receives the v2 gRPC address when the binary prints one
	// (serve --v2-grpc-addr).
	grpc chan string
}

// startBinary runs clinlm with args and waits for its startup line or its exit.
func startBinary(t *testing.T, args ...string) *binary {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	// Each server keeps its submissions in a directory of its own test.
	cmd.Env = append(os.Environ(), asBinaryEnv+"=1", "CLINLM_DATA_DIR="+t.TempDir())
	cmd.Dir = repoRootDir(t)
	b := &binary{cmd: cmd, stderr: &lockedBuffer{}, exited: make(chan error, 1), grpc: make(chan string, 1)}
	cmd.Stderr = b.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		lines <- line
		for {
			line, err := r.ReadString('\n')
			if addr, ok := strings.CutPrefix(line, "clinlm v2 gRPC: "); ok {
				b.grpc <- strings.TrimSpace(addr)
			}
			if err != nil {
				return
			}
		}
	}()
	go func() { b.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})
	select {
	case line := <-lines:
		b.url = strings.TrimSpace(strings.TrimPrefix(line, "clinlm dashboard: "))
	case <-time.After(60 * time.Second):
		t.Fatalf("clinlm did not start within 60s; stderr:\n%s", b.stderr.String())
	}
	return b
}

// wait returns the exit code, failing after limit.
func (b *binary) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case err := <-b.exited:
		if err == nil {
			return 0
		}
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		t.Fatal(err)
	case <-time.After(limit):
		t.Fatalf("clinlm still running after %s; stderr:\n%s", limit, b.stderr.String())
	}
	return -1
}

func repoRootDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("repository root not found: %v", err)
	}
	return dir
}

// runtimeAndModels returns the ONNX Runtime library and test models, or skips.
func runtimeAndModels(t *testing.T) (lib, models string) {
	t.Helper()
	root := repoRootDir(t)
	lib = os.Getenv("CLINLM_ORT_LIB")
	if lib == "" {
		lib = filepath.Join(root, ".cache", "ort", "libonnxruntime.so.1")
	}
	models = filepath.Join(root, ".cache", "testmodels")
	for _, p := range []string{lib, filepath.Join(models, "COMPLETE")} {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing (CI=true requires it)", p)
			}
			t.Skipf("%s is missing; run `go tool task ort` and `bash tools/models/setup.sh`", p)
		}
	}
	return lib, models
}

// TestCUDARequestedButAbsent: --device cuda on a machine without CUDA stops
// at start with exit code 1 and says why; --device auto falls back to CPU.
func TestCUDARequestedButAbsent(t *testing.T) {
	lib, models := runtimeAndModels(t)
	b := startBinary(t, "serve", "--addr", "127.0.0.1:0", "--device", "cuda", "--ort-lib", lib, "--models", models)
	if b.url != "" {
		b.cmd.Process.Signal(syscall.SIGTERM)
		b.wait(t, 20*time.Second)
		t.Skip("this machine has CUDA: --device cuda started")
	}
	if code := b.wait(t, 30*time.Second); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if msg := b.stderr.String(); !strings.Contains(msg, "--device cuda") {
		t.Errorf("stderr does not say that CUDA was asked for and is missing:\n%s", msg)
	}
}

// TestSIGTERMDuringInference: clients keep the real engine busy over
// websockets; on SIGTERM the server answers what it has accepted, closes
// every websocket with 1001 and exits 0 within the grace period.
func TestSIGTERMDuringInference(t *testing.T) {
	lib, models := runtimeAndModels(t)
	b := startBinary(t, "serve", "--addr", "127.0.0.1:0", "--ort-lib", lib, "--models", models,
		"--shutdown-grace", "10s", "--log-format", "json", "--ort-threads", "1")
	if b.url == "" {
		t.Fatalf("clinlm exited at start:\n%s", b.stderr.String())
	}
	wsURL := "ws" + strings.TrimPrefix(strings.TrimSuffix(b.url, "/"), "http") + "/ws/infer"
	const clients = 8
	type outcome struct {
		sent, answered int
		closeErr       error
	}
	outcomes := make(chan outcome, clients)
	started := make(chan struct{}, clients)
	for i := range clients {
		go func() {
			var o outcome
			defer func() { outcomes <- o }()
			c, _, err := websocket.DefaultDialer.Dial(wsURL, nil)
			if err != nil {
				o.closeErr = err
				started <- struct{}{}
				return
			}
			defer c.Close()
			model := []string{"tiny-nli", "tiny-clip"}[i%2]
			input := map[string]map[string]string{
				"tiny-nli":  {"premise": "The patient denies chest pain and dyspnea.", "hypothesis": "No chest pain."},
				"tiny-clip": {"text": "Follow up in two weeks. Start aspirin 81 mg. Repeat CBC on Monday."},
			}[model]
			for n := 0; ; n++ {
				_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
				if err := c.WriteJSON(map[string]any{"id": string(rune('a'+n%26)) + "x", "model": model, "input": input}); err != nil {
					o.closeErr = err
					return
				}
				o.sent++
				if n == 0 {
					started <- struct{}{}
				}
				for {
					_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
					_, data, err := c.ReadMessage()
					if err != nil {
						o.closeErr = err
						return
					}
					var f struct{ Type string }
					if json.Unmarshal(data, &f) != nil {
						o.closeErr = io.ErrUnexpectedEOF
						return
					}
					if f.Type != "partial" {
						o.answered++
						break
					}
				}
			}
		}()
	}
	for range clients {
		<-started
	}
	time.Sleep(300 * time.Millisecond) // under load
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := b.wait(t, 15*time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0; stderr:\n%s", code, b.stderr.String())
	}
	var answered int
	for range clients {
		o := <-outcomes
		answered += o.answered
		if o.sent-o.answered > 1 {
			t.Errorf("a client sent %d and got %d answers: more than its last request lost", o.sent, o.answered)
		}
		if !websocket.IsCloseError(o.closeErr, websocket.CloseGoingAway) {
			t.Errorf("a client's connection ended with %v, want close 1001 (going away)", o.closeErr)
		}
	}
	if answered < clients {
		t.Errorf("only %d answers before the shutdown: the load did not run", answered)
	}
	logs := b.stderr.String()
	for _, want := range []string{`"msg":"shutting down"`, `"msg":"stopped"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s", want)
		}
	}
	if strings.Contains(logs, `"level":"ERROR"`) {
		t.Errorf("errors logged during the shutdown:\n%s", logs)
	}
	t.Logf("%d answers from %d clients before the shutdown", answered, clients)
}

// TestMissingRuntimeLibrary: with no ONNX Runtime library the binary still
// serves; /readyz stays ready and names the problem and its fix, and
// inference answers 503 unavailable.
func TestMissingRuntimeLibrary(t *testing.T) {
	_, models := runtimeAndModels(t)
	missing := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	b := startBinary(t, "serve", "--addr", "127.0.0.1:0", "--ort-lib", missing, "--models", models)
	if b.url == "" {
		t.Fatalf("clinlm exited without ONNX Runtime:\n%s", b.stderr.String())
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(b.url + "readyz")
	if err != nil {
		t.Fatal(err)
	}
	var ready struct {
		Ready  bool
		Checks []struct {
			Name, Error string
			OK          bool
		}
	}
	err = json.NewDecoder(resp.Body).Decode(&ready)
	resp.Body.Close()
	if err != nil || !ready.Ready || resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz %d %+v %v: want ready (ONNX Runtime is optional)", resp.StatusCode, ready, err)
	}
	found := false
	for _, c := range ready.Checks {
		if c.Name == "onnx runtime" {
			found = true
			if c.OK || !strings.Contains(c.Error, missing) || !strings.Contains(c.Error, "fetch.sh") {
				t.Errorf("onnx runtime check %+v: want the missing path and how to fetch it", c)
			}
		}
	}
	if !found {
		t.Error("/readyz has no onnx runtime check")
	}
	resp, err = client.Post(b.url+"api/v1/infer/tiny-nli", "application/json", strings.NewReader(`{"premise":"a","hypothesis":"b"}`))
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Error struct{ Code, Message string }
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || body.Error.Code != "unavailable" {
		t.Errorf("inference without ONNX Runtime: %d %+v, want 503 unavailable", resp.StatusCode, body.Error)
	}
	b.cmd.Process.Signal(syscall.SIGTERM)
	if code := b.wait(t, 20*time.Second); code != 0 {
		t.Errorf("exit code %d after SIGTERM", code)
	}
}
