package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseServeFlags(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantAddr string
		wantErr  bool
	}{
		{"default", nil, nil, "127.0.0.1:8080", false},
		{"env", nil, map[string]string{"CLINLM_ADDR": "127.0.0.1:9001"}, "127.0.0.1:9001", false},
		{"flag beats env", []string{"--addr", "127.0.0.1:9002"}, map[string]string{"CLINLM_ADDR": "127.0.0.1:9001"}, "127.0.0.1:9002", false},
		{"bad env duration", nil, map[string]string{"CLINLM_SHUTDOWN_GRACE": "soon"}, "", true},
		{"unknown flag", []string{"--nope"}, nil, "", true},
		{"stray argument", []string{"extra"}, nil, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseServeFlags(tc.args, stdio{err: io.Discard, getenv: envMap(tc.env)})
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if err == nil && cfg.addr != tc.wantAddr {
				t.Errorf("addr %q, want %q", cfg.addr, tc.wantAddr)
			}
		})
	}
}

func TestEnvName(t *testing.T) {
	if got := envName("shutdown-grace"); got != "CLINLM_SHUTDOWN_GRACE" {
		t.Errorf("envName = %q", got)
	}
}

func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"help"}, 0},
		{[]string{"no-such-command"}, 2},
		{[]string{"serve", "--log-level", "loud"}, 1},
		{[]string{"serve", "--bogus"}, 2},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut strings.Builder
			got := run(context.Background(), tc.args, stdio{in: strings.NewReader(""), out: &out, err: &errOut, getenv: envMap(nil)})
			if got != tc.want {
				t.Errorf("exit %d, want %d (stderr %q)", got, tc.want, errOut.String())
			}
		})
	}
}

// TestServeStartsAndDrains starts the real server on a free port, checks the
// probes, then cancels the context as SIGTERM would and expects a clean exit.
func TestServeStartsAndDrains(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--shutdown-grace", "2s"},
			stdio{in: strings.NewReader(""), out: pw, err: io.Discard, getenv: envMap(nil)})
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no startup line: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	url := strings.TrimSpace(strings.TrimPrefix(line, "clinlm dashboard: "))
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("unexpected startup line %q", line)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url + "healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz status %d", resp.StatusCode)
	}
	resp, err = client.Get(url + "readyz")
	if err != nil {
		t.Fatal(err)
	}
	var ready struct {
		Ready  bool `json:"ready"`
		Checks []struct {
			Name string `json:"name"`
			OK   bool   `json:"ok"`
		} `json:"checks"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ready); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !ready.Ready {
		t.Errorf("/readyz not ready: %+v", ready)
	}
	foundResults := false
	for _, c := range ready.Checks {
		if c.Name == "results" && c.OK {
			foundResults = true
		}
	}
	if !foundResults {
		t.Errorf("/readyz does not report the results: %+v", ready.Checks)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit code %d after shutdown", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop after cancel")
	}
}
