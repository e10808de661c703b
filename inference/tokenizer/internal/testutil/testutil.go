// Package testutil holds helpers shared by the tokenizer packages' tests.
package testutil

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// CharOffsets converts a byte range of text to code points the way HF's
// Python binding reports offsets.
func CharOffsets(text string, start, end int) [2]int {
	return [2]int{utf8.RuneCountInString(text[:min(start, len(text))]), utf8.RuneCountInString(text[:min(end, len(text))])}
}

// LoadCases reads testdata/<name> (a JSON array written by
// testdata/hfgen) into out.
func LoadCases(t testing.TB, name string, out any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// SharedDir returns the project's read-only shared directory (../shared
// from the repository root, or $CLINLM_SHARED), skipping the test when it is
// absent.
func SharedDir(t testing.TB) string {
	t.Helper()
	if dir := os.Getenv("CLINLM_SHARED"); dir != "" {
		return dir
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			shared := filepath.Join(dir, "..", "shared")
			if _, err := os.Stat(shared); err != nil {
				t.Skipf("shared data not found at %s (set CLINLM_SHARED)", shared)
			}
			return shared
		}
		if filepath.Dir(dir) == dir {
			t.Skip("repository root not found")
		}
	}
}
