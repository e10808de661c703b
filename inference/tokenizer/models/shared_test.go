package models

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/clinlm/clinlm/internal/testenv"
)

// sharedFileErr returns the path of a shared file, or why it is unavailable.
func sharedFileErr(t testing.TB, rel string) (string, error) {
	t.Helper()
	p := filepath.Join(testenv.SharedPath(t), rel)
	if _, err := os.Stat(p); err != nil {
		return "", err
	}
	return p, nil
}

// sharedFile returns the path of a shared file, skipping the test when it
// is missing.
func sharedFile(t testing.TB, rel string) string {
	t.Helper()
	p, err := sharedFileErr(t, rel)
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
