//go:build cgo

package inference_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/internal/testenv"
)

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
	testenv.WriteJSON(t, filepath.Join(dst, "manifest.json"), manifest)
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
	testenv.ORTLibrary(t) // skip before MLServer starts when ONNX Runtime is missing
	src := filepath.Join(testenv.TestModels(t), "tiny-nli")
	srv := testenv.StartMLServer(t, filepath.Join(src, "model.onnx"), map[string]map[string]any{
		"nli":  nil,
		"slow": {"delay_ms": 3000},
		"bad":  {"corrupt": "short"},
		"busy": {"status": 503},
	})
	deadPort := testenv.FreePort(t)
	root := t.TempDir()
	copyModel(t, src, filepath.Join(root, "local-nli"), nil)
	remote := func(model string, extra map[string]any) map[string]any {
		r := map[string]any{"url": srv.URL, "model": model, "timeout_ms": 5000}
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

	eng := openModels(t, root, inference.Config{})

	loadTests := []struct {
		model, provider, errPart string
	}{
		{"local-nli", inference.ProviderCPU, ""},
		{"remote-nli", inference.ProviderRemote, ""},
		{"remote-slow", inference.ProviderRemote, ""},
		{"remote-missing", "", `remote model metadata: unavailable: remote model "nope" at ` + srv.URL + " answered 404 Not Found"},
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
	if m, _ := eng.Model("remote-nli"); m.Endpoint != srv.URL {
		t.Errorf("remote-nli endpoint %q, want %q", m.Endpoint, srv.URL)
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

	health := func() map[string]inference.RemoteStatus {
		out := map[string]inference.RemoteStatus{}
		for _, st := range eng.RemoteHealth(context.Background(), 2*time.Second) {
			out[st.Model] = st
		}
		return out
	}
	up := health()
	if len(up) != 4 || !up["remote-nli"].Ready || up["remote-nli"].Endpoint != srv.URL {
		t.Errorf("remote health with the server up: %+v, want the 4 loaded remote models ready", up)
	}

	// The server goes away while clinlm runs: the remote model says so (in
	// its answers and its health), the local one keeps answering.
	srv.Stop()
	if down := health()["remote-nli"]; down.Ready || !strings.Contains(down.Error, "is unreachable") {
		t.Errorf("remote health with the server down: %+v", down)
	}
	_, err := eng.Infer(context.Background(), "remote-nli", in, nil)
	if ae := inference.AsError(err); ae == nil || ae.Code != inference.CodeUnavailable || !strings.Contains(ae.Message, "is unreachable") {
		t.Errorf("remote down: %v", err)
	}
	if _, err := eng.Infer(context.Background(), "local-nli", in, nil); err != nil {
		t.Errorf("the local model stopped working with the remote: %v", err)
	}
}

// A remote's TLS files are read at load: a missing or empty CA file or a
// broken client certificate leaves the model listed with the reason. (No
// server is needed: the files fail before any connection; remote models
// load without ONNX Runtime.)
func TestRemoteTLSFilesAreCheckedAtLoad(t *testing.T) {
	root := t.TempDir()
	manifest := func(tls map[string]any) map[string]any {
		return map[string]any{"task": "nli", "head": "sequence-pair-classification", "labels": []string{"entailment", "neutral", "contradiction"},
			"max_length": 32, "licence": "MIT", "availability": "public", "provenance": map[string]any{}, "metrics": []any{},
			"remote": map[string]any{"url": "https://127.0.0.1:1", "tls": tls}}
	}
	tests := []struct {
		name    string
		tls     map[string]any
		wantErr string
	}{
		{"missing-ca", map[string]any{"ca_file": "ca.pem"}, "remote tls ca_file: open"},
		{"not-pem-ca", map[string]any{"ca_file": "tokenizer.json"}, "holds no PEM certificate"},
		{"broken-client-cert", map[string]any{"cert_file": "tokenizer.json", "key_file": "tokenizer.json"}, "remote tls client certificate"},
	}
	for _, tc := range tests {
		testenv.WriteJSON(t, filepath.Join(root, tc.name, "manifest.json"), manifest(tc.tls))
		if err := os.WriteFile(filepath.Join(root, tc.name, "tokenizer.json"), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	eng, err := inference.Open(inference.Config{Dir: root,
		LoadTokenizer: func(string) (inference.Tokenizer, error) { return fixedTokenizer{}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	for _, tc := range tests {
		m, _ := eng.Model(tc.name)
		if m.Status != inference.StatusError || !strings.Contains(m.Error, tc.wantErr) {
			t.Errorf("%s: status %s error %q, want %q", tc.name, m.Status, m.Error, tc.wantErr)
		}
	}
}
