//go:build cgo

package inference_test

// Parity with Hugging Face transformers: tools/models/make_test_models.py
// builds random-weight BERT models (NLI, QA, CLIP, zero-shot CLIP) and writes
// what transformers and Python onnxruntime compute for fixed inputs, together
// with the HF tokenizer's encodings. These tests run the Go engine on the
// same inputs, replaying those encodings so that the pipelines are compared
// on their own (the tokenizer has its own parity tests), and require
// probabilities within 1e-4 and identical answer spans.
//
// Needs the ORT library (tools/ort/fetch.sh) and the test models
// (tools/models/setup.sh); skips without them unless CI=true.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/internal/testenv"
)

const tolerance = 1e-4

type refEncoding struct {
	IDs         []int64  `json:"ids"`
	TypeIDs     []int64  `json:"type_ids"`
	Offsets     [][2]int `json:"offsets"`
	WordIDs     []int    `json:"word_ids"`
	SequenceIDs []int    `json:"sequence_ids"`
}

// replay is a Tokenizer answering from the reference encodings.
type replay map[string][]inference.Encoding

func replayKey(text string, pair *string) string {
	if pair == nil {
		return text
	}
	return text + "\x00" + *pair
}

// add converts the reference's code-point offsets to byte offsets.
func (r replay) add(text string, pair *string, encs ...refEncoding) {
	key := replayKey(text, pair)
	for _, e := range encs {
		out := inference.Encoding{IDs: e.IDs, TypeIDs: e.TypeIDs, WordIDs: e.WordIDs, SequenceIDs: e.SequenceIDs}
		for i, o := range e.Offsets {
			src := text
			if e.SequenceIDs[i] == 1 {
				src = *pair
			}
			out.Offsets = append(out.Offsets, [2]int{byteOffset(src, o[0]), byteOffset(src, o[1])})
		}
		r[key] = append(r[key], out)
	}
}

func byteOffset(s string, runes int) int {
	i := 0
	for n := 0; n < runes && i < len(s); n++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

func (r replay) Encode(req inference.EncodeRequest) ([]inference.Encoding, error) {
	encs, ok := r[replayKey(req.Text, req.Pair)]
	if !ok {
		return nil, fmt.Errorf("replay: no reference encoding for this input")
	}
	return encs, nil
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// openEngine loads the test models with the replay tokenizer.
func openEngine(t *testing.T, tok replay) *inference.Engine {
	t.Helper()
	eng := openModels(t, testenv.TestModels(t), inference.Config{
		LoadTokenizer: func(string) (inference.Tokenizer, error) { return tok, nil }})
	// The replayed encodings serve the BERT models; the text-to-text models
	// (which need a tokenizer that decodes) have their own tests.
	for _, m := range eng.Models() {
		if m.Status != inference.StatusReady && m.Head != "text-to-text" {
			t.Fatalf("model %s: %s", m.Name, m.Error)
		}
	}
	return eng
}

func TestParityNLI(t *testing.T) {
	dir := testenv.TestModels(t)
	var ref struct {
		Cases []struct {
			Premise, Hypothesis string
			Encoding            refEncoding
			Transformers        []float64
			Onnxruntime         []float64
		}
	}
	readJSON(t, filepath.Join(dir, "tiny-nli", "reference.json"), &ref)
	tok := replay{}
	for _, c := range ref.Cases {
		tok.add(c.Premise, &c.Hypothesis, c.Encoding)
	}
	eng := openEngine(t, tok)
	labels := []string{"entailment", "neutral", "contradiction"}
	for i, c := range ref.Cases {
		res, err := eng.Infer(context.Background(), "tiny-nli", inference.Input{Premise: c.Premise, Hypothesis: c.Hypothesis}, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := res.Output.(inference.NLIOutput)
		prev := math.Inf(1)
		for _, ls := range out.Labels {
			if ls.Score > prev {
				t.Errorf("case %d: labels not sorted by score: %+v", i, out.Labels)
			}
			prev = ls.Score
			k := indexOf(labels, ls.Label)
			if d := math.Abs(ls.Score - c.Transformers[k]); d > tolerance {
				t.Errorf("case %d %s: go %.6f transformers %.6f (diff %.2g)", i, ls.Label, ls.Score, c.Transformers[k], d)
			}
		}
	}
}

func TestParityQA(t *testing.T) {
	dir := testenv.TestModels(t)
	var ref struct {
		Cases []struct {
			Question, Context string
			TopK              int `json:"top_k"`
			Windows           []refEncoding
			Answers           []inference.Answer
			NoAnswerScore     float64 `json:"no_answer_score"`
		}
	}
	readJSON(t, filepath.Join(dir, "tiny-qa", "reference.json"), &ref)
	tok := replay{}
	for _, c := range ref.Cases {
		tok.add(c.Question, &c.Context, c.Windows...)
	}
	eng := openEngine(t, tok)
	for i, c := range ref.Cases {
		res, err := eng.Infer(context.Background(), "tiny-qa", inference.Input{Question: c.Question, Context: c.Context, TopK: c.TopK}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := res.Output.(inference.QAOutput).Answers
		if len(got) != len(c.Answers) {
			t.Fatalf("case %d: %d answers, reference %d\n go %+v\nref %+v", i, len(got), len(c.Answers), got, c.Answers)
		}
		runes := []rune(c.Context)
		for k, a := range got {
			w := c.Answers[k]
			if a.Start != w.Start || a.End != w.End || a.Text != w.Text {
				t.Errorf("case %d answer %d: go %q [%d,%d) reference %q [%d,%d)", i, k, a.Text, a.Start, a.End, w.Text, w.Start, w.End)
			}
			if string(runes[a.Start:a.End]) != a.Text {
				t.Errorf("case %d answer %d: offsets do not index the context", i, k)
			}
			if d := math.Abs(a.Score - w.Score); d > tolerance {
				t.Errorf("case %d answer %d: score %.6f reference %.6f", i, k, a.Score, w.Score)
			}
		}
		if len(c.Windows) > 1 && res.Timing.RunMS <= 0 {
			t.Errorf("case %d: no run time reported", i)
		}
	}
}

func TestParityCLIP(t *testing.T) {
	dir := testenv.TestModels(t)
	var ref struct {
		Cases []struct {
			Sentence     string
			Encoding     refEncoding
			Transformers []float64
		}
	}
	readJSON(t, filepath.Join(dir, "tiny-clip", "reference.json"), &ref)
	tok := replay{}
	var note []string
	for _, c := range ref.Cases {
		tok.add(c.Sentence, nil, c.Encoding)
		note = append(note, c.Sentence)
	}
	eng := openEngine(t, tok)
	text := strings.Join(note, " ")
	var partials int
	res, err := eng.Infer(context.Background(), "tiny-clip", inference.Input{Text: text}, func(inference.Sentence) { partials++ })
	if err != nil {
		t.Fatal(err)
	}
	out := res.Output.(inference.CLIPOutput)
	if len(out.Sentences) != len(ref.Cases) || partials != len(ref.Cases) {
		t.Fatalf("%d sentences, %d partials, want %d", len(out.Sentences), partials, len(ref.Cases))
	}
	labels := []string{"appointment", "medication", "lab", "patient instructions", "procedure", "imaging", "other"}
	for i, s := range out.Sentences {
		c := ref.Cases[i]
		if s.Text != c.Sentence || string([]rune(text)[s.Start:s.End]) != s.Text {
			t.Errorf("sentence %d: %q at [%d,%d)", i, s.Text, s.Start, s.End)
		}
		for _, ls := range s.Labels {
			k := indexOf(labels, ls.Label)
			if d := math.Abs(ls.Score - c.Transformers[k]); d > tolerance {
				t.Errorf("sentence %d %s: go %.6f transformers %.6f", i, ls.Label, ls.Score, c.Transformers[k])
			}
			if (ls.Score >= out.Thresholds[ls.Label]) != (indexOf(s.Predicted, ls.Label) >= 0) {
				t.Errorf("sentence %d %s: predicted set disagrees with the threshold", i, ls.Label)
			}
		}
	}
}

func TestParityZeroShot(t *testing.T) {
	dir := testenv.TestModels(t)
	var ref struct {
		Cases []struct {
			Sentence     string
			Transformers map[string]float64
			Encodings    []struct {
				Pair     string
				Encoding refEncoding
			}
		}
	}
	readJSON(t, filepath.Join(dir, "tiny-zeroshot", "reference.json"), &ref)
	tok := replay{}
	var note []string
	for _, c := range ref.Cases {
		for _, e := range c.Encodings {
			tok.add(c.Sentence, &e.Pair, e.Encoding)
		}
		note = append(note, c.Sentence)
	}
	eng := openEngine(t, tok)
	res, err := eng.Infer(context.Background(), "tiny-zeroshot", inference.Input{Text: strings.Join(note, "\n\n")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := res.Output.(inference.CLIPOutput)
	if len(out.Sentences) != len(ref.Cases) {
		t.Fatalf("%d sentences, want %d", len(out.Sentences), len(ref.Cases))
	}
	for i, s := range out.Sentences {
		for _, ls := range s.Labels {
			want := ref.Cases[i].Transformers[ls.Label]
			if d := math.Abs(ls.Score - want); d > tolerance {
				t.Errorf("sentence %d %s: go %.6f transformers %.6f", i, ls.Label, ls.Score, want)
			}
		}
	}
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// TestParityWithGoTokenizer runs the NLI and QA references end to end through
// the pure-Go tokenizer instead of the replayed encodings.
func TestParityWithGoTokenizer(t *testing.T) {
	dir := testenv.TestModels(t)
	eng := openModels(t, dir, inference.Config{})
	var nli struct {
		Cases []struct {
			Premise, Hypothesis string
			Transformers        []float64
		}
	}
	readJSON(t, filepath.Join(dir, "tiny-nli", "reference.json"), &nli)
	labels := []string{"entailment", "neutral", "contradiction"}
	for i, c := range nli.Cases {
		res, err := eng.Infer(context.Background(), "tiny-nli", inference.Input{Premise: c.Premise, Hypothesis: c.Hypothesis}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, ls := range res.Output.(inference.NLIOutput).Labels {
			if d := math.Abs(ls.Score - c.Transformers[indexOf(labels, ls.Label)]); d > tolerance {
				t.Errorf("nli case %d %s: diff %.2g", i, ls.Label, d)
			}
		}
	}
	var qa struct {
		Cases []struct {
			Question, Context string
			TopK              int `json:"top_k"`
			Answers           []inference.Answer
		}
	}
	readJSON(t, filepath.Join(dir, "tiny-qa", "reference.json"), &qa)
	for i, c := range qa.Cases {
		res, err := eng.Infer(context.Background(), "tiny-qa", inference.Input{Question: c.Question, Context: c.Context, TopK: c.TopK}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := res.Output.(inference.QAOutput).Answers
		if len(got) != len(c.Answers) {
			t.Fatalf("qa case %d: %d answers, want %d", i, len(got), len(c.Answers))
		}
		for k := range got {
			if got[k].Start != c.Answers[k].Start || got[k].End != c.Answers[k].End {
				t.Errorf("qa case %d answer %d: [%d,%d) want [%d,%d)", i, k, got[k].Start, got[k].End, c.Answers[k].Start, c.Answers[k].End)
			}
		}
	}
}

// TestParityQAPipeline compares the Go QA answers, top_k > 1 included, with
// HF's question-answering pipeline as released (transformers 4.57, the last
// release that has it; tools/models/qa_pipeline_reference.py runs it over the
// same ONNX model): same answers in the same order, same offsets, scores
// within tolerance. The rules it pins: top_k*2+10 candidates per window,
// answers aligned to whole words, and answers with the same text (ignoring
// case) merged by adding their scores.
func TestParityQAPipeline(t *testing.T) {
	dir := testenv.TestModels(t)
	path := filepath.Join(dir, "tiny-qa", "pipeline_reference.json")
	if _, err := os.Stat(path); err != nil {
		testenv.Missing(t, path, "run `bash tools/models/setup.sh` (it installs transformers 4.57 for the QA pipeline)")
	}
	var ref struct {
		Transformers string
		Cases        []struct {
			Question, Context string
			TopK              int `json:"top_k"`
			Answers           []inference.Answer
		}
	}
	readJSON(t, path, &ref)
	eng := openModels(t, dir, inference.Config{})
	topKAbove1 := false
	for i, c := range ref.Cases {
		res, err := eng.Infer(context.Background(), "tiny-qa", inference.Input{Question: c.Question, Context: c.Context, TopK: c.TopK}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := res.Output.(inference.QAOutput).Answers
		if len(got) != len(c.Answers) {
			t.Fatalf("case %d: %d answers, transformers %s pipeline %d\n go %+v\nref %+v", i, len(got), ref.Transformers, len(c.Answers), got, c.Answers)
		}
		seen := map[string]bool{}
		for k, a := range got {
			w := c.Answers[k]
			if a.Start != w.Start || a.End != w.End || a.Text != w.Text {
				t.Errorf("case %d answer %d: go %q [%d,%d) pipeline %q [%d,%d)", i, k, a.Text, a.Start, a.End, w.Text, w.Start, w.End)
			}
			if d := math.Abs(a.Score - w.Score); d > tolerance {
				t.Errorf("case %d answer %d: score %.6f pipeline %.6f", i, k, a.Score, w.Score)
			}
			key := strings.ToLower(a.Text)
			if seen[key] {
				t.Errorf("case %d: %q listed twice", i, a.Text)
			}
			seen[key] = true
			topKAbove1 = topKAbove1 || c.TopK > 1
		}
	}
	if !topKAbove1 {
		t.Error("no case with top_k > 1")
	}
}
