package tokenizer

import (
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// TestEncodeBatch checks that EncodeBatch returns, in order, exactly what
// Encode returns for each text, with one worker and with several, and that a
// bad text fails the batch with its index.
func TestEncodeBatch(t *testing.T) {
	tok, err := FromFile(filepath.Join("testdata", "e2e", "template-metaspace.json"))
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for i := range 200 {
		texts = append(texts, strings.Repeat("Ünïcödé café naïve, word ", i%7)+strings.Repeat("x", i))
	}
	cases := []struct {
		name    string
		procs   int
		texts   []string
		wantErr string
	}{
		{"empty batch", 2, nil, ""},
		{"one worker", 1, texts, ""},
		{"four workers", 4, texts, ""},
		{"invalid UTF-8 at 150", 4, append(append(append([]string{}, texts[:150]...), "bad \xff"), texts[150:]...), "text 150: tokenizer: text is not valid UTF-8"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(tc.procs))
			got, err := tok.EncodeBatch(tc.texts, true)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.texts) {
				t.Fatalf("%d encodings for %d texts", len(got), len(tc.texts))
			}
			for i, s := range tc.texts {
				want, err := tok.Encode(s, true)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got[i], want) {
					t.Fatalf("text %d: batch encoding differs from Encode", i)
				}
			}
		})
	}
}
