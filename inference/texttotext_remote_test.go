//go:build cgo

package inference_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/internal/testenv"
)

// remoteT5Manifest writes dst/manifest.json: the test model src's manifest
// with remote set (a whole generator on the server), and no other file.
func remoteT5Manifest(t *testing.T, src, dst string, remote map[string]any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(src, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest map[string]any
	if err := json.Unmarshal(data, &manifest); err != nil {
		t.Fatal(err)
	}
	remote["generates"] = true
	manifest["remote"] = remote
	testenv.WriteJSON(t, filepath.Join(dst, "manifest.json"), manifest)
}

// TestRemoteTextToText generates with the test T5 in process and on MLServer
// (tools/mlserver/t5_runtime.py: the whole greedy generation on the server,
// prompt text in, generated text out) and checks that both write the same
// text; a generator that is slow, busy, answers malformed texts or goes away
// fails clearly, and a server model that is not a generator does not load.
func TestRemoteTextToText(t *testing.T) {
	testenv.ORTLibrary(t) // skip before MLServer starts when ONNX Runtime is missing
	models := testenv.TestModels(t)
	t5 := filepath.Join(models, "tiny-t5-nli")
	generator := func(name string, extra map[string]any) testenv.MLServerModel {
		return testenv.MLServerModel{Name: name, Implementation: "t5_runtime.T5Generator", URI: t5, Extra: extra}
	}
	srv := testenv.StartMLServerModels(t, []testenv.MLServerModel{
		generator("t5", nil),
		generator("slow", map[string]any{"delay_ms": 3000}),
		generator("short", map[string]any{"corrupt": "count"}),
		generator("numbers", map[string]any{"corrupt": "type"}),
		generator("busy", map[string]any{"status": 503}),
		{Name: "tensors", Implementation: "ort_runtime.OnnxRuntime", URI: filepath.Join(models, "tiny-nli", "model.onnx")},
	})
	root := t.TempDir()
	for _, name := range []string{"tiny-t5-nli", "tiny-t5-clip"} {
		for _, f := range []string{"encoder_model.onnx", "decoder_model.onnx", "decoder_with_past_model.onnx", "tokenizer.json", "manifest.json"} {
			if err := os.MkdirAll(filepath.Join(root, name), 0o755); err != nil {
				t.Fatal(err)
			}
			testenv.CopyFile(t, filepath.Join(models, name, f), filepath.Join(root, name, f))
		}
	}
	remote := func(folder, src, model string, timeoutMS int) {
		remoteT5Manifest(t, filepath.Join(models, src), filepath.Join(root, folder), map[string]any{"url": srv.URL, "model": model, "timeout_ms": timeoutMS})
	}
	remote("remote-t5-nli", "tiny-t5-nli", "t5", 20000)
	remote("remote-t5-clip", "tiny-t5-clip", "t5", 20000)
	remote("remote-slow", "tiny-t5-nli", "slow", 300)
	remote("remote-short", "tiny-t5-nli", "short", 20000)
	remote("remote-numbers", "tiny-t5-nli", "numbers", 20000)
	remote("remote-busy", "tiny-t5-nli", "busy", 20000)
	remote("remote-tensors", "tiny-t5-nli", "tensors", 20000)
	remoteT5Manifest(t, t5, filepath.Join(root, "remote-down"), map[string]any{"url": fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t)), "model": "t5"})

	eng := openModels(t, root, inference.Config{})
	for _, name := range []string{"remote-t5-nli", "remote-t5-clip", "remote-slow", "remote-busy"} {
		if m, _ := eng.Model(name); m.Status != inference.StatusReady || m.Provider != inference.ProviderRemote || m.Endpoint != srv.URL {
			t.Errorf("%s: %+v, want ready on the remote %s", name, m, srv.URL)
		}
	}
	for name, errPart := range map[string]string{
		"remote-tensors": `remote model "tensors" at ` + srv.URL + ` is not a text generator: a generator has one BYTES input (the prompt) and one BYTES output (the generated text); it has inputs input_ids (int64)`,
		"remote-down":    "unreachable",
	} {
		if m, _ := eng.Model(name); m.Status != inference.StatusError || !strings.Contains(m.Error, errPart) {
			t.Errorf("%s: status %s error %q, want an error with %q", name, m.Status, m.Error, errPart)
		}
	}

	pairs := []inference.Input{
		{Premise: "The patient denies chest pain.", Hypothesis: "The patient has chest pain."},
		{Premise: "No fever.", Hypothesis: "Afebrile on admission."},
	}
	for _, in := range pairs {
		local, err := eng.Infer(context.Background(), "tiny-t5-nli", in, nil)
		if err != nil {
			t.Fatal(err)
		}
		remote, err := eng.Infer(context.Background(), "remote-t5-nli", in, nil)
		if err != nil {
			t.Fatal(err)
		}
		l, r := local.Output.(inference.NLIOutput), remote.Output.(inference.NLIOutput)
		if *r.Generated == "" || *l.Generated != *r.Generated {
			t.Errorf("%q: generated %q in process, %q remotely", in.Premise, *l.Generated, *r.Generated)
		}
		// The remote gives no probabilities: the label whose word was
		// written scores 1, the others 0.
		sum := 0.0
		for _, s := range r.Labels {
			sum += s.Score
		}
		if len(r.Labels) != 3 || (sum != 0 && sum != 1) {
			t.Errorf("remote labels %+v, want three scoring 0 or one of them 1", r.Labels)
		}
	}
	note := "Follow up with cardiology in two weeks. Continue aspirin daily."
	local, err := eng.Infer(context.Background(), "tiny-t5-clip", inference.Input{Text: note}, nil)
	if err != nil {
		t.Fatal(err)
	}
	remoteClip, err := eng.Infer(context.Background(), "remote-t5-clip", inference.Input{Text: note}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ls, rs := local.Output.(inference.CLIPOutput).Sentences, remoteClip.Output.(inference.CLIPOutput).Sentences
	if len(ls) != 2 || len(rs) != len(ls) {
		t.Fatalf("sentences: local %d, remote %d", len(ls), len(rs))
	}
	for i := range ls {
		if *ls[i].Generated != *rs[i].Generated || strings.Join(ls[i].Predicted, ",") != strings.Join(rs[i].Predicted, ",") {
			t.Errorf("sentence %d: local %q %v, remote %q %v", i, *ls[i].Generated, ls[i].Predicted, *rs[i].Generated, rs[i].Predicted)
		}
	}

	in := pairs[0]
	failTests := []struct {
		model   string
		code    inference.Code
		msgPart string
	}{
		{"remote-slow", inference.CodeTimeout, "did not answer within 300ms"},
		{"remote-short", inference.CodeUnavailable, `answered a malformed tensor: output "generated" has shape [0`},
		{"remote-numbers", inference.CodeUnavailable, `answered a malformed tensor: output "generated" is FP32, want BYTES`},
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

	// The server goes away: the remote generator says so in its health and
	// its answers, the in-process T5 keeps answering.
	srv.Stop()
	for _, st := range eng.RemoteHealth(context.Background(), 2e9) {
		if st.Model == "remote-t5-nli" && (st.Ready || !strings.Contains(st.Error, "is unreachable")) {
			t.Errorf("remote health with the server down: %+v", st)
		}
	}
	if _, err := eng.Infer(context.Background(), "remote-t5-nli", in, nil); inference.AsError(err) == nil || inference.AsError(err).Code != inference.CodeUnavailable {
		t.Errorf("generator down: %v, want unavailable", err)
	}
	if _, err := eng.Infer(context.Background(), "tiny-t5-nli", in, nil); err != nil {
		t.Errorf("the in-process T5 stopped working with the remote: %v", err)
	}
}
