package models

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// findSharedDir locates the read-only shared data: $CLINLM_SHARED, else
// <repo>/../shared.
func findSharedDir() (string, error) {
	if d := os.Getenv("CLINLM_SHARED"); d != "" {
		return d, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(dir), "shared"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root (go.mod) not found; cannot locate ../shared")
		}
		dir = parent
	}
}

// sharedFileErr returns the path of a shared file, or why it is unavailable.
func sharedFileErr(rel string) (string, error) {
	d, err := findSharedDir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(d, rel)
	if _, err := os.Stat(p); err != nil {
		return "", err
	}
	return p, nil
}

// sharedFile returns the path of a shared file, skipping the test when it
// is missing.
func sharedFile(t testing.TB, rel string) string {
	t.Helper()
	p, err := sharedFileErr(rel)
	if err != nil {
		t.Skipf("shared file %s not available (set CLINLM_SHARED): %v", rel, err)
	}
	return p
}

// loadSharedModel reads the "model" object of a shared tokenizer.json.
func loadSharedModel(t testing.TB, name string) Model {
	t.Helper()
	data, err := os.ReadFile(sharedFile(t, filepath.Join("tokenizers", name)))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Model json.RawMessage `json:"model"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	m, err := FromJSON(file.Model)
	if err != nil {
		t.Fatalf("FromJSON(%s): %v", name, err)
	}
	return m
}

// loadGPT2 builds the GPT-2 BPE from encoder.json and merges.txt, as HF's
// BPE.from_file does.
func loadGPT2(t testing.TB) Model {
	t.Helper()
	vocabData, err := os.ReadFile(sharedFile(t, "tokenizers/gpt2/encoder.json"))
	if err != nil {
		t.Fatal(err)
	}
	mergesData, err := os.ReadFile(sharedFile(t, "tokenizers/gpt2/merges.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var vocab map[string]int
	if err := json.Unmarshal(vocabData, &vocab); err != nil {
		t.Fatal(err)
	}
	merges, err := ParseMergesFile(mergesData)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewBPE(BPEConfig{Vocab: vocab, Merges: merges})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
