//go:build cgo

package inference_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/internal/testenv"
)

// t5Folders links the tiny T5 test models into a fresh repository together
// with broken text-to-text folders.
func t5Folders(t *testing.T) (root string, ref t5EngineReference) {
	t.Helper()
	models := testenv.TestModels(t)
	src := filepath.Join(models, "tiny-t5-nli")
	if _, err := os.Stat(filepath.Join(src, "reference.json")); err != nil {
		t.Skipf("%s is missing: tools/models/setup.sh writes it when ../shared/tokenizers/t5.json exists", src)
	}
	readJSON(t, filepath.Join(src, "reference.json"), &ref)
	root = t.TempDir()
	place := func(dir, name, target string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		testenv.CopyFile(t, target, filepath.Join(root, dir, name))
	}
	for _, name := range []string{"tiny-t5-nli", "tiny-t5-qa", "tiny-t5-clip"} {
		for _, f := range []string{"encoder_model.onnx", "decoder_model.onnx", "decoder_with_past_model.onnx", "tokenizer.json", "manifest.json"} {
			place(name, f, filepath.Join(models, name, f))
		}
	}
	for _, f := range []string{"encoder_model.onnx", "decoder_model_merged.onnx", "tokenizer.json", "manifest.json"} {
		place("tiny-t5-merged", f, filepath.Join(models, "tiny-t5-merged", f))
	}
	manifest := filepath.Join(src, "manifest.json")
	rename := func(dir string) string {
		data, err := os.ReadFile(manifest)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(root, dir+".json")
		if err := os.WriteFile(path, []byte(strings.Replace(string(data), `"task"`, `"name": "`+dir+`", "task"`, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// No decoder with past.
	for _, f := range []string{"encoder_model.onnx", "decoder_model.onnx", "tokenizer.json"} {
		place("t5-no-past", f, filepath.Join(src, f))
	}
	place("t5-no-past", "manifest.json", rename("t5-no-past"))
	// A decoder without the cache inputs in place of the decoder with past.
	for f, target := range map[string]string{"encoder_model.onnx": "encoder_model.onnx", "decoder_model.onnx": "decoder_model.onnx",
		"decoder_with_past_model.onnx": "decoder_model.onnx", "tokenizer.json": "tokenizer.json"} {
		place("t5-wrong-inputs", f, filepath.Join(src, target))
	}
	place("t5-wrong-inputs", "manifest.json", rename("t5-wrong-inputs"))
	// A BERT classifier as the encoder.
	for f, target := range map[string]string{"encoder_model.onnx": filepath.Join(models, "tiny-nli", "model.onnx"),
		"decoder_model.onnx": filepath.Join(src, "decoder_model.onnx"), "decoder_with_past_model.onnx": filepath.Join(src, "decoder_with_past_model.onnx"),
		"tokenizer.json": filepath.Join(src, "tokenizer.json")} {
		place("t5-bert-encoder", f, target)
	}
	place("t5-bert-encoder", "manifest.json", rename("t5-bert-encoder"))
	// The first-step decoder named as the merged decoder (no cache inputs, no switch).
	for f, target := range map[string]string{"encoder_model.onnx": "encoder_model.onnx", "decoder_model_merged.onnx": "decoder_model.onnx",
		"tokenizer.json": "tokenizer.json"} {
		place("t5-merged-wrong-inputs", f, filepath.Join(src, target))
	}
	place("t5-merged-wrong-inputs", "manifest.json", rename("t5-merged-wrong-inputs"))
	return root, ref
}

type t5EngineReference struct {
	Cases []struct {
		Task        string             `json:"task"`
		Fields      map[string]string  `json:"fields"`
		LabelScores map[string]float64 `json:"label_scores"`
		Generations map[string][]struct {
			Text       string  `json:"text"`
			SumLogprob float64 `json:"sum_logprob"`
		} `json:"generations"`
	} `json:"cases"`
}

func TestTextToTextModels(t *testing.T) {
	root, ref := t5Folders(t)
	eng := openModels(t, root, inference.Config{})
	want := map[string]string{
		"tiny-t5-nli":            "",
		"tiny-t5-qa":             "",
		"tiny-t5-clip":           "",
		"t5-no-past":             "decoder_with_past_model.onnx is missing",
		"t5-wrong-inputs":        `decoder_with_past_model.onnx has no input "past_key_values.0.decoder.key"`,
		"t5-bert-encoder":        `encoder_model.onnx has input "token_type_ids"`,
		"tiny-t5-merged":         "",
		"t5-merged-wrong-inputs": `decoder_model_merged.onnx has no input "past_key_values.0.decoder.key"`,
	}
	got := eng.Models()
	if len(got) != len(want) {
		t.Fatalf("models %+v", got)
	}
	for _, m := range got {
		w := want[m.Name]
		if (w == "") != (m.Status == inference.StatusReady) || !strings.Contains(m.Error, w) {
			t.Errorf("%s: status %s error %q, want error mentioning %q", m.Name, m.Status, m.Error, w)
		}
	}
	ctx := context.Background()
	var clipNote []string
	var clipRef []string
	for i, c := range ref.Cases {
		switch c.Task {
		case "nli":
			// The same NLI model in both decoder layouts.
			for _, model := range []string{"tiny-t5-nli", "tiny-t5-merged"} {
				res, err := eng.Infer(ctx, model, inference.Input{Premise: c.Fields["premise"], Hypothesis: c.Fields["hypothesis"]}, nil)
				if err != nil {
					t.Fatal(err)
				}
				out := res.Output.(inference.NLIOutput)
				if out.Generated == nil || *out.Generated != c.Generations["greedy"][0].Text {
					t.Errorf("%s case %d: generated %v, transformers %q", model, i, out.Generated, c.Generations["greedy"][0].Text)
				}
				if len(out.Labels) != 3 {
					t.Fatalf("%s case %d: labels %+v", model, i, out.Labels)
				}
				for k, ls := range out.Labels {
					if k > 0 && ls.Score > out.Labels[k-1].Score {
						t.Errorf("%s case %d: labels not sorted: %+v", model, i, out.Labels)
					}
					if d := math.Abs(ls.Score - c.LabelScores[ls.Label]); d > tolerance {
						t.Errorf("%s case %d %s: go %.6f transformers %.6f", model, i, ls.Label, ls.Score, c.LabelScores[ls.Label])
					}
				}
			}
		case "qa":
			// tiny-t5-qa decodes with 3 beams.
			res, err := eng.Infer(ctx, "tiny-t5-qa", inference.Input{Question: c.Fields["question"], Context: c.Fields["context"], TopK: 3}, nil)
			if err != nil {
				t.Fatal(err)
			}
			out := res.Output.(inference.QAOutput)
			best := c.Generations["beam3"][0]
			if out.Generated == nil || *out.Generated != best.Text {
				t.Errorf("case %d: generated %v, transformers %q", i, out.Generated, best.Text)
			}
			runes := []rune(c.Fields["context"])
			for _, a := range out.Answers {
				if a.Start < 0 || a.End > len(runes) || string(runes[a.Start:a.End]) != a.Text || a.Score <= 0 || a.Score > 1 {
					t.Errorf("case %d: answer %+v does not index the context", i, a)
				}
			}
		case "clip":
			clipNote = append(clipNote, c.Fields["text"])
			clipRef = append(clipRef, c.Generations["greedy"][0].Text)
		}
	}
	// Odd inputs: braces that look like placeholders, emoji, a context
	// without the answer. Text beyond max_length is too_long: truncating the
	// filled prompt cut its end (the hypothesis, the question) and a label
	// still came back.
	short := "Patient denies chest pain 🙂 {hypothesis}"
	long := strings.Repeat("Patient denies chest pain 🙂 {hypothesis} ", 300)
	for _, in := range []struct {
		model string
		in    inference.Input
		code  inference.Code
	}{
		{"tiny-t5-nli", inference.Input{Premise: short, Hypothesis: "{premise}"}, ""},
		{"tiny-t5-qa", inference.Input{Question: "{context}?", Context: short, TopK: 1}, ""},
		{"tiny-t5-clip", inference.Input{Text: short}, ""},
		{"tiny-t5-nli", inference.Input{Premise: long, Hypothesis: "{premise}"}, inference.CodeTooLong},
		{"tiny-t5-qa", inference.Input{Question: "{context}?", Context: long, TopK: 1}, inference.CodeTooLong},
		{"tiny-t5-clip", inference.Input{Text: long}, inference.CodeTooLong},
	} {
		res, err := eng.Infer(ctx, in.model, in.in, nil)
		if in.code != "" {
			if got := inference.AsError(err); got == nil || got.Code != in.code {
				t.Errorf("%s, %d characters: %v, want %s", in.model, len(in.in.Premise+in.in.Context+in.in.Text), err, in.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", in.model, err)
			continue
		}
		if qa, ok := res.Output.(inference.QAOutput); ok && len(qa.Answers) > 1 {
			t.Errorf("top_k 1 gave %d answers", len(qa.Answers))
		}
	}

	var partials int
	res, err := eng.Infer(ctx, "tiny-t5-clip", inference.Input{Text: strings.Join(clipNote, " ")}, func(inference.Sentence) { partials++ })
	if err != nil {
		t.Fatal(err)
	}
	out := res.Output.(inference.CLIPOutput)
	if len(out.Sentences) != len(clipNote) || partials != len(clipNote) {
		t.Fatalf("%d sentences, %d partials, want %d", len(out.Sentences), partials, len(clipNote))
	}
	for i, s := range out.Sentences {
		if s.Generated == nil || *s.Generated != clipRef[i] {
			t.Errorf("sentence %d: generated %v, transformers %q", i, s.Generated, clipRef[i])
		}
		if len(s.Labels) != 7 {
			t.Errorf("sentence %d: %d labels", i, len(s.Labels))
		}
		for _, ls := range s.Labels {
			if (ls.Score >= out.Thresholds[ls.Label]) != (indexOf(s.Predicted, ls.Label) >= 0) {
				t.Errorf("sentence %d %s: predicted set disagrees with the scores", i, ls.Label)
			}
		}
	}
}
