package models

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
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
		// encoding/json matches keys without case; the manifest does not.
		{"key in the wrong case", func(s string) string { return strings.Replace(s, `"task"`, `"Task"`, 1) }, `field "Task": keys are case-sensitive, write "task"`},
		{"nested key in the wrong case", func(s string) string { return strings.Replace(s, `"name"`, `"NAME"`, 2) }, `field "metrics.0.NAME": keys are case-sensitive, write "name"`},
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
		{"unknown output role", func(s string) string { return strings.Replace(s, `"task"`, `"outputs": {"scores": "y"}, "task"`, 1) }, `unknown role "scores"`},
		// Found by FuzzParseManifest: an output renamed to nothing passed validation.
		{"empty output name", func(s string) string { return strings.Replace(s, `"task"`, `"outputs": {"logits": " "}, "task"`, 1) }, "logits has an empty ONNX name"},
		{"empty input name", func(s string) string { return strings.Replace(s, `"task"`, `"inputs": {"input_ids": ""}, "task"`, 1) }, "input_ids has an empty ONNX name"},
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

const goodT5 = `{
  "task": "nli", "head": "text-to-text", "labels": ["entailment", "neutral", "contradiction"],
  "max_length": 512, "licence": "PhysioNet Credentialed Health Data License 1.5.0", "availability": "credentialed",
  "provenance": {"base_model": "Clinical-T5-Base"}, "metrics": [],
  "text_to_text": {"prompt": "mednli premise: {premise} hypothesis: {hypothesis}", "max_new_tokens": 8}
}`

func TestTextToTextManifest(t *testing.T) {
	swap := func(old, new string) func(string) string {
		return func(s string) string { return strings.Replace(s, old, new, 1) }
	}
	const qa = `"task": "qa", "head": "text-to-text", "labels": []`
	const clip = `"task": "clip", "head": "text-to-text", "labels": ["appointment", "lab"]`
	tests := []struct {
		name    string
		edit    func(string) string
		wantErr string
	}{
		{"valid nli", func(s string) string { return s }, ""},
		{"valid qa", func(s string) string {
			s = swap(`"task": "nli", "head": "text-to-text", "labels": ["entailment", "neutral", "contradiction"]`, qa)(s)
			return swap("mednli premise: {premise} hypothesis: {hypothesis}", "question: {question} context: {context}")(s)
		}, ""},
		{"valid clip with beams", func(s string) string {
			s = swap(`"task": "nli", "head": "text-to-text", "labels": ["entailment", "neutral", "contradiction"]`, clip)(s)
			s = swap(`"max_new_tokens": 8`, `"max_new_tokens": 8, "num_beams": 4, "length_penalty": 0.6, "early_stopping": true, "separator": ";"`)(s)
			return swap("mednli premise: {premise} hypothesis: {hypothesis}", "{text}")(s)
		}, ""},
		{"label words", swap(`"max_new_tokens": 8`, `"max_new_tokens": 8, "label_words": {"entailment": "yes", "contradiction": "no"}`), ""},
		{"missing block", swap(`"text_to_text"`, `"_x"`), "unknown field"},
		{"no text_to_text", func(s string) string {
			return s[:strings.Index(s, `,
  "text_to_text"`)] + "\n}"
		}, "text_to_text is required"},
		{"block on another head", func(s string) string {
			return swap("text-to-text", "sequence-pair-classification")(s)
		}, "only for the text-to-text head"},
		{"unknown field in block", swap(`"max_new_tokens": 8`, `"max_new_tokens": 8, "beams": 2`), "unknown field"},
		{"missing placeholder", swap(" hypothesis: {hypothesis}", ""), "{hypothesis} exactly once"},
		{"repeated placeholder", swap("{premise} hypothesis", "{premise} {premise} hypothesis"), "{premise} exactly once"},
		{"foreign placeholder", swap("{hypothesis}", "{hypothesis} {context}"), `"{context}" is not a placeholder`},
		{"stray brace", swap("{hypothesis}", "{hypothesis} }"), `"}" is not a placeholder`},
		{"no max_new_tokens", swap(`"max_new_tokens": 8`, `"num_beams": 2`), "max_new_tokens 0"},
		{"too many beams", swap(`"max_new_tokens": 8`, `"max_new_tokens": 8, "num_beams": 99`), "num_beams 99"},
		{"negative token id", swap(`"max_new_tokens": 8`, `"max_new_tokens": 8, "eos_token_id": -1`), "eos_token_id -1"},
		{"label word for no label", swap(`"max_new_tokens": 8`, `"max_new_tokens": 8, "label_words": {"yes": "y"}`), `"yes" is not a label`},
		{"two labels one word", swap(`"max_new_tokens": 8`, `"max_new_tokens": 8, "label_words": {"neutral": "Entailment"}`), "both written"},
		{"qa with labels", swap(`"task": "nli"`, `"task": "qa"`), "writes answers"},
		{"separator outside clip", swap(`"max_new_tokens": 8`, `"max_new_tokens": 8, "separator": ";"`), "only for clip"},
		{"stride", swap(`"max_length": 512`, `"max_length": 512, "stride": 16`), "doc-stride"},
		{"thresholds", swap(`"metrics": []`, `"metrics": [], "thresholds": {"neutral": 0.5}`), "no score to threshold"},
		{"input names", swap(`"metrics": []`, `"metrics": [], "inputs": {"input_ids": "ids"}`), "optimum's names"},
		{"preprocess on text-to-text", swap(`"metrics": []`, `"metrics": [], "preprocess": "reference-ranges"`), "whose prompt is the model's own"},
		{"unknown preprocess", swap(`"metrics": []`, `"metrics": [], "preprocess": "lowercase"`), `want "reference-ranges"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseManifest([]byte(tc.edit(goodT5)))
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

func TestTextToTextDefaultsAndPrompt(t *testing.T) {
	m, err := ParseManifest([]byte(goodT5))
	if err != nil {
		t.Fatal(err)
	}
	g := *m.TextToText
	if g.Beams() != 1 || g.Penalty() != 1 || g.StartToken() != 0 || g.EOSToken() != 1 || g.PadToken() != 0 || g.LabelSeparator() != "," {
		t.Errorf("defaults: %+v", g)
	}
	if g.Word("neutral") != "neutral" || NormalizeWord("  Patient \t Instructions ") != "patient instructions" {
		t.Error("label words")
	}
	got := g.FillPrompt(map[string]string{"premise": "a {hypothesis}", "hypothesis": "b"})
	if want := "mednli premise: a {hypothesis} hypothesis: b"; got != want {
		t.Errorf("prompt %q, want %q (fields are substituted once)", got, want)
	}
	if files := m.Files(); !slices.Equal(files, []string{EncoderFile, TokenizerFile}) {
		t.Errorf("files %v (the decoder files depend on the folder)", files)
	}
}

func TestScanTextToTextFolders(t *testing.T) {
	root := t.TempDir()
	base := map[string]string{ManifestFile: goodT5, EncoderFile: "x", TokenizerFile: "{}"}
	tests := []struct {
		folder  string
		files   []string
		layout  DecoderLayout
		wantErr string
	}{
		{"t5-separate", []string{DecoderFile, DecoderWithPastFile}, SeparateDecoders, ""},
		{"t5-merged", []string{DecoderMergedFile}, MergedDecoder, ""},
		// The merged decoder wins when both layouts are there.
		{"t5-both", []string{DecoderFile, DecoderWithPastFile, DecoderMergedFile}, MergedDecoder, ""},
		{"t5-no-past", []string{DecoderFile}, SeparateDecoders, "decoder_with_past_model.onnx is missing (a text-to-text folder holds decoder_model_merged.onnx, or"},
		{"t5-no-decoder", nil, SeparateDecoders, "decoder_model.onnx is missing"},
		{"t5-empty-merged", []string{DecoderMergedFile + "="}, MergedDecoder, "decoder_model_merged.onnx is empty"},
	}
	for _, tc := range tests {
		files := maps.Clone(base)
		for _, f := range tc.files {
			name, empty := strings.CutSuffix(f, "=")
			files[name] = "x"
			if empty {
				files[name] = ""
			}
		}
		writeFolder(t, root, tc.folder, files)
	}
	entries, err := Scan(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(tests) {
		t.Fatalf("entries %+v", entries)
	}
	for _, tc := range tests {
		i := slices.IndexFunc(entries, func(e Entry) bool { return e.Name == tc.folder })
		if i < 0 {
			t.Errorf("%s not listed", tc.folder)
			continue
		}
		e := entries[i]
		if e.Decoder != tc.layout {
			t.Errorf("%s: layout %v, want %v", tc.folder, e.Decoder, tc.layout)
		}
		if (tc.wantErr == "") != (e.Err == nil) || (e.Err != nil && !strings.Contains(e.Err.Error(), tc.wantErr)) {
			t.Errorf("%s: error %v, want %q", tc.folder, e.Err, tc.wantErr)
		}
	}
	if e := entries[0]; e.Manifest.Head != HeadTextToText {
		t.Fatalf("manifest not read: %+v", e)
	}
}

// A manifest or a link cannot publish a file from outside the repository
// (the model card is shown on the model page): model_card must be local,
// and files that are links must resolve inside the repository. Links within
// it, as one model folder sharing another's weights, stay fine.
func TestFilesStayInsideTheRepository(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "passwd")
	if err := os.WriteFile(secret, []byte("root:x:0:0"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	complete := map[string]string{ManifestFile: goodNLI, ModelFile: "onnx", TokenizerFile: "{}"}
	withCard := func(card string) map[string]string {
		return map[string]string{ManifestFile: strings.Replace(goodNLI, `"task"`, `"model_card": "`+card+`", "task"`, 1),
			ModelFile: "onnx", TokenizerFile: "{}"}
	}
	writeFolder(t, root, "good", complete)
	writeFolder(t, root, "card-dotdot", withCard("../../../../etc/passwd"))
	writeFolder(t, root, "card-absolute", withCard(secret))
	writeFolder(t, root, "card-link", withCard("CARD.md"))
	writeFolder(t, root, "readme-link", complete)
	writeFolder(t, root, "model-link", map[string]string{ManifestFile: goodNLI, TokenizerFile: "{}"})
	writeFolder(t, root, "shares-good", map[string]string{ManifestFile: goodNLI})
	for link, target := range map[string]string{
		"card-link/CARD.md":          secret,
		"readme-link/README.md":      secret,
		"model-link/model.onnx":      secret,
		"shares-good/model.onnx":     "../good/model.onnx",
		"shares-good/tokenizer.json": "../good/tokenizer.json",
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := Scan(root)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"good":          "",
		"card-dotdot":   "model_card",
		"card-absolute": "model_card",
		"card-link":     "outside the model repository",
		"readme-link":   "",
		"model-link":    "outside the model repository",
		"shares-good":   "",
	}
	for _, e := range entries {
		reason := ""
		if e.Err != nil {
			reason = e.Err.Error()
		}
		w, ok := want[e.Name]
		switch {
		case !ok:
			t.Errorf("unexpected entry %s", e.Name)
		case (w == "") != (reason == "") || !strings.Contains(reason, w):
			t.Errorf("%s: reason %q, want it to mention %q", e.Name, reason, w)
		}
		if card := e.ModelCardPath(); card != "" {
			if data, _ := os.ReadFile(card); strings.Contains(string(data), "root:x") {
				t.Errorf("%s: model card %s is the file outside the repository", e.Name, card)
			}
		}
	}
}
