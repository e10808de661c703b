package models

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodNLI = `{
  "task": "nli", "head": "sequence-pair-classification",
  "labels": ["entailment", "neutral", "contradiction"],
  "max_length": 128, "licence": "MIT", "availability": "public",
  "provenance": {"source": "test"},
  "metrics": [{"name": "accuracy", "value": 0.8, "data": "MedNLI test"}]
}`

func TestParseManifest(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(string) string
		wantErr string
	}{
		{"valid", func(s string) string { return s }, ""},
		{"unknown field", func(s string) string { return strings.Replace(s, `"task"`, `"tsak": 1, "task"`, 1) }, "unknown field"},
		{"bad task", func(s string) string { return strings.Replace(s, `"nli"`, `"ner"`, 1) }, "task"},
		{"head not for task", func(s string) string {
			return strings.Replace(s, "sequence-pair-classification", "span-extraction", 1)
		}, "does not fit"},
		{"no labels", func(s string) string {
			return strings.Replace(s, `["entailment", "neutral", "contradiction"]`, `[]`, 1)
		}, "labels"},
		{"repeated label", func(s string) string { return strings.Replace(s, `"neutral"`, `"entailment"`, 1) }, "repeated"},
		{"short max_length", func(s string) string { return strings.Replace(s, "128", "4", 1) }, "max_length"},
		{"bad availability", func(s string) string { return strings.Replace(s, `"public"`, `"secret"`, 1) }, "availability"},
		{"no licence", func(s string) string { return strings.Replace(s, `"MIT"`, `""`, 1) }, "licence"},
		{"metric without data", func(s string) string { return strings.Replace(s, `"MedNLI test"`, `""`, 1) }, "measured on"},
		{"not json", func(string) string { return "{" }, "manifest.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseManifest([]byte(tc.edit(goodNLI)))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want it to mention %q", err, tc.wantErr)
			}
		})
	}
}

func TestZeroShotManifest(t *testing.T) {
	m := Manifest{Task: TaskCLIP, Head: HeadZeroShotNLI, Labels: CLIPLabels, MaxLength: 128, Licence: "MIT",
		Availability: Public, NLILabels: []string{"contradiction", "neutral", "entailment"}, HypothesisTemplate: "About {}."}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if m.EntailmentIndex() != 2 || m.ContradictionIndex() != 0 {
		t.Errorf("entailment %d contradiction %d", m.EntailmentIndex(), m.ContradictionIndex())
	}
	m.NLILabels = []string{"ENTAILMENT", "other", "x"}
	if m.EntailmentIndex() != 0 || m.ContradictionIndex() != 2 {
		t.Errorf("HF convention: entailment %d contradiction %d", m.EntailmentIndex(), m.ContradictionIndex())
	}
	m.HypothesisTemplate = "no placeholder"
	if err := m.Validate(); err == nil {
		t.Error("template without {} accepted")
	}
}

func TestManifestDefaults(t *testing.T) {
	m := Manifest{Head: HeadSpanExtraction, Inputs: map[string]string{"input_ids": "ids"}}
	if m.InputName("input_ids") != "ids" || m.InputName("attention_mask") != "attention_mask" {
		t.Error("input names")
	}
	if got := m.OutputRoles(); len(got) != 2 || got[0] != "start_logits" {
		t.Errorf("output roles %v", got)
	}
	if m.AnswerLength() != 30 || m.Threshold("lab") != 0.5 {
		t.Error("defaults")
	}
}

func writeFolder(t *testing.T, root, name string, files map[string]string) {
	t.Helper()
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for f, content := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestScanListsBrokenFoldersWithReasons(t *testing.T) {
	root := t.TempDir()
	complete := map[string]string{ManifestFile: goodNLI, ModelFile: "onnx", TokenizerFile: "{}"}
	writeFolder(t, root, "good", complete)
	writeFolder(t, root, "no-model", map[string]string{ManifestFile: goodNLI, TokenizerFile: "{}"})
	writeFolder(t, root, "no-manifest", map[string]string{ModelFile: "x", TokenizerFile: "{}"})
	writeFolder(t, root, "bad-manifest", map[string]string{ManifestFile: `{"task":"nli"}`, ModelFile: "x", TokenizerFile: "{}"})
	writeFolder(t, root, "empty-tokenizer", map[string]string{ManifestFile: goodNLI, ModelFile: "x", TokenizerFile: ""})
	writeFolder(t, root, ".hidden", complete)
	named := strings.Replace(goodNLI, `"task"`, `"name": "good", "task"`, 1)
	writeFolder(t, root, "zz-duplicate", map[string]string{ManifestFile: named, ModelFile: "x", TokenizerFile: "{}"})

	entries, err := Scan(root)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"good":            "",
		"no-model":        "model.onnx is missing",
		"no-manifest":     "manifest.json is missing",
		"bad-manifest":    "head",
		"empty-tokenizer": "tokenizer.json is empty",
	}
	got := map[string]string{}
	for _, e := range entries {
		reason := ""
		if e.Err != nil {
			reason = e.Err.Error()
		}
		if e.Name == "good" && e.Dir == filepath.Join(root, "zz-duplicate") {
			if !strings.Contains(reason, "already used") {
				t.Errorf("duplicate name not reported: %q", reason)
			}
			continue
		}
		got[e.Name] = reason
	}
	if len(got) != len(want) {
		t.Errorf("entries %v", got)
	}
	for name, w := range want {
		r, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s not listed", name)
		case w == "" && r != "":
			t.Errorf("%s: unexpected error %q", name, r)
		case !strings.Contains(r, w):
			t.Errorf("%s: reason %q, want it to mention %q", name, r, w)
		}
	}
	if _, err := Scan(filepath.Join(root, "absent")); err == nil {
		t.Error("scan of a missing directory succeeded")
	}
}
