package models

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseManifest: no manifest.json panics the loader; an accepted one is
// valid, its accessors answer, and it survives a JSON round trip unchanged
// in meaning (it parses again and validates).
func FuzzParseManifest(f *testing.F) {
	seeds := []string{goodNLI,
		`{"task":"qa","head":"span-extraction","max_length":384,"stride":128,"licence":"MIT","availability":"public","provenance":{"source":"s"},"metrics":[],"no_answer":true,"max_answer_length":30}`,
		`{"task":"clip","head":"zero-shot-nli","labels":["a","b"],"nli_labels":["contradiction","neutral","entailment"],"hypothesis_template":"About {}.","max_length":128,"licence":"MIT","availability":"public","provenance":{"source":"s"},"metrics":[],"thresholds":{"a":0.3}}`,
		`{"task":"clip","head":"sentence-multi-label","labels":["a"],"max_length":8,"licence":"x","availability":"results-only","provenance":{"source":"s"},"metrics":[],"inputs":{"input_ids":"ids"},"outputs":{"logits":"out"}}`,
		`{`, `null`, `[]`, `{"task":"nli","max_length":-1}`, `{"thresholds":{"a":1e400}}`,
	}
	// The repository's own manifests are the best seeds.
	if dirs, err := filepath.Glob(filepath.Join("..", "..", "models", "*", ManifestFile)); err == nil {
		for _, p := range dirs {
			if b, err := os.ReadFile(p); err == nil {
				seeds = append(seeds, string(b))
			}
		}
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "manifest.json: ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("accepted manifest does not validate: %v", err)
		}
		for _, role := range m.OutputRoles() {
			if m.OutputName(role) == "" {
				t.Fatalf("output role %s has an empty name", role)
			}
		}
		for _, l := range m.Labels {
			if th := m.Threshold(l); th < 0 || th > 1 {
				t.Fatalf("threshold %v for %q", th, l)
			}
		}
		if m.Head == HeadZeroShotNLI {
			if i := m.EntailmentIndex(); i < 0 || i >= len(m.NLILabels) {
				t.Fatalf("entailment index %d of %v", i, m.NLILabels)
			}
			if i := m.ContradictionIndex(); i < 0 || i >= len(m.NLILabels) {
				t.Fatalf("contradiction index %d of %v", i, m.NLILabels)
			}
		}
		if m.AnswerLength() <= 0 {
			t.Fatalf("answer length %d", m.AnswerLength())
		}
		again, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseManifest(again); err != nil {
			t.Fatalf("re-encoded manifest %s does not parse: %v", again, err)
		}
	})
}
