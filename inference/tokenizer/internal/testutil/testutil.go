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
