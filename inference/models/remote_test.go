package models

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRemoteManifest(t *testing.T) {
	withRemote := func(remote string) string {
		return strings.Replace(goodNLI, `"task"`, `"remote": `+remote+`, "task"`, 1)
	}
	tests := []struct {
		name, manifest, wantErr string
	}{
		{"plain", withRemote(`{"url": "http://triton:8000", "model": "nli", "version": "2", "timeout_ms": 500}`), ""},
		{"https with tls", withRemote(`{"url": "https://kserve.example", "tls": {"ca_file": "ca.pem", "cert_file": "c.pem", "key_file": "k.pem", "server_name": "kserve"}}`), ""},
		{"no url", withRemote(`{}`), "want http:// or https://"},
		{"bad scheme", withRemote(`{"url": "grpc://triton:8001"}`), "want http:// or https://"},
		{"no host", withRemote(`{"url": "http://"}`), "has no host"},
		{"credentials", withRemote(`{"url": "http://user:secret@triton:8000"}`), "no secrets"},
		{"query", withRemote(`{"url": "http://triton:8000/?x=1"}`), "no query"},
		{"path in model", withRemote(`{"url": "http://triton:8000", "model": "../admin"}`), "must not contain '/'"},
		{"negative timeout", withRemote(`{"url": "http://triton:8000", "timeout_ms": -1}`), "negative"},
		{"tls on http", withRemote(`{"url": "http://triton:8000", "tls": {"ca_file": "ca.pem"}}`), "not https://"},
		{"half a client certificate", withRemote(`{"url": "https://triton", "tls": {"cert_file": "c.pem"}}`), "go together"},
		{"unknown key", withRemote(`{"url": "http://triton:8000", "adress": "x"}`), "unknown field"},
		{"generates on an encoder head", withRemote(`{"url": "http://triton:8000", "generates": true}`), "text-to-text head only"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseManifest([]byte(tc.manifest))
			if tc.wantErr == "" && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err %v, want it to mention %q", err, tc.wantErr)
			}
		})
	}
}

// A remote text-to-text model is a whole generator on the server, never one
// round trip per token.
func TestRemoteTextToTextManifest(t *testing.T) {
	remote := func(r string) string {
		return strings.Replace(goodT5, `"task"`, `"remote": `+r+`, "task"`, 1)
	}
	if _, err := ParseManifest([]byte(remote(`{"url": "http://triton:8000", "generates": true}`))); err != nil {
		t.Errorf("a generator: %v", err)
	}
	if _, err := ParseManifest([]byte(remote(`{"url": "http://triton:8000"}`))); err == nil || !strings.Contains(err.Error(), "set generates") {
		t.Errorf("a remote text-to-text model without generates: %v, want a refusal naming generates", err)
	}
}

// A remote generator's folder is its manifest alone: the server tokenizes,
// generates and decodes.
func TestScanRemoteGeneratorNeedsNoFiles(t *testing.T) {
	dir := t.TempDir()
	manifest := strings.Replace(goodT5, `"task"`, `"remote": {"url": "http://triton:8000", "generates": true}, "task"`, 1)
	if err := os.MkdirAll(filepath.Join(dir, "remote-t5"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "remote-t5", ManifestFile), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	entries, err := Scan(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Err != nil || entries[0].Decoder != NoDecoder {
		t.Fatalf("entries %+v", entries)
	}
}

// A remote model's folder needs its tokenizer and manifest, not model.onnx.
func TestScanRemoteFolderNeedsNoModelFile(t *testing.T) {
	dir := t.TempDir()
	folder := filepath.Join(dir, "remote-nli")
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	manifest := strings.Replace(goodNLI, `"task"`, `"remote": {"url": "http://triton:8000"}, "task"`, 1)
	for name, data := range map[string]string{ManifestFile: manifest, TokenizerFile: "{}"} {
		if err := os.WriteFile(filepath.Join(folder, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := Scan(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Err != nil || entries[0].Manifest.RemoteModel(entries[0].Name) != "remote-nli" {
		t.Fatalf("entries %+v", entries)
	}
}
