package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/results"
)

func TestAddOwnResults(t *testing.T) {
	paper, err := results.Default()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("model,params,domain,method,task,metric,value,std,note\n"+body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	t.Run("good file", func(t *testing.T) {
		set, check := addOwnResults(paper, write("good.csv", "Mine,110M,clinical,finetuned,MedNLI,accuracy,0.8,,\n"),
			slog.New(slog.NewTextHandler(io.Discard, nil)))
		if !check.OK || !strings.Contains(check.Detail, "1 own models") || len(set.Models()) != 13 {
			t.Errorf("check %+v, %d models", check, len(set.Models()))
		}
	})
	// A bad file must not stop the dashboard: the paper's results are served
	// and the check says what is wrong, row by row.
	for name, path := range map[string]string{
		"bad file":     write("bad.csv", "Mine,110M,clinical,finetuned,MedNLI,accuracy,86.1,,\n"),
		"missing file": filepath.Join(dir, "absent.csv"),
	} {
		t.Run(name, func(t *testing.T) {
			var logs bytes.Buffer
			set, check := addOwnResults(paper, path, slog.New(slog.NewTextHandler(&logs, nil)))
			if set != paper || check.OK || !check.Optional || check.Error == "" {
				t.Errorf("check %+v", check)
			}
			if !strings.Contains(logs.String(), "own results not loaded") {
				t.Errorf("log %q", logs.String())
			}
		})
	}
}
