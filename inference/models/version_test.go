package models

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

func TestVersionNamesEveryFile(t *testing.T) {
	root := t.TempDir()
	manifest := `{"task": "nli", "head": "sequence-pair-classification", "labels": ["entailment", "neutral", "contradiction"],
"max_length": 64, "provenance": {}, "licence": "MIT", "availability": "public", "metrics": []}`
	writeFolder(t, root, "m", map[string]string{"manifest.json": manifest, "model.onnx": "weights", "tokenizer.json": "{}"})
	entries, err := Scan(root)
	if err != nil || len(entries) != 1 || entries[0].Err != nil {
		t.Fatalf("scan: %v %+v", err, entries)
	}
	e := entries[0]
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	// The definition, restated: one line per file, in name order.
	want := sum("manifest.json " + sum(manifest) + "\nmodel.onnx " + sum("weights") + "\ntokenizer.json " + sum("{}") + "\n")
	got, err := e.Version()
	if err != nil || got != want {
		t.Fatalf("version %s, %v; want %s", got, err, want)
	}
	for _, f := range []string{"model.onnx", "tokenizer.json", "manifest.json"} {
		t.Run(f, func(t *testing.T) {
			p := filepath.Join(e.Dir, f)
			old, _ := os.ReadFile(p)
			if err := os.WriteFile(p, append(old, ' '), 0o644); err != nil {
				t.Fatal(err)
			}
			defer os.WriteFile(p, old, 0o644)
			if v, err := e.Version(); err != nil || v == want {
				t.Errorf("changing %s left the version %s (%v)", f, v, err)
			}
		})
	}
	if _, err := (Entry{Err: os.ErrNotExist}).Version(); err == nil {
		t.Error("a broken folder has a version")
	}
}
