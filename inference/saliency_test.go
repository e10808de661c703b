package inference_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/internal/testenv"
)

// wordAt is the text of a word by its code-point offsets into the field.
func wordAt(in inference.Input, w inference.WordImportance) string {
	field := map[string]string{"premise": in.Premise, "hypothesis": in.Hypothesis, "context": in.Context,
		"question": in.Question, "text": in.Text}[w.Field]
	return string([]rune(field)[w.Start:w.End])
}

// The one-token models' answers depend on "fever" only: occlusion must rank
// it first, with every other word at (almost) zero importance.
func TestSaliencyRanksTheOneTokenThatMattersFirst(t *testing.T) {
	eng := openModels(t, testenv.SaliencyTestModels(t), inference.Config{})
	cases := []struct {
		model, label string
		in           inference.Input
		wantTarget   string // the label, or the answer's text
		wantField    string
	}{
		{"onetoken-nli", "", inference.Input{Premise: "The patient was admitted with fever and cough after two days.",
			Hypothesis: "The patient is unwell."}, "entailment", "premise"},
		{"onetoken-nli", "neutral", inference.Input{Premise: "Chest pain, no fever.", Hypothesis: "Pain in the chest."},
			"neutral", "premise"},
		{"onetoken-qa", "", inference.Input{Question: "What did the patient have?",
			Context: "The patient had chest pain. She also had a fever of 39 and a cough."}, "fever", "context"},
		{"onetoken-clip", "", inference.Input{Text: "Follow up in two weeks. Take aspirin daily for the fever."},
			"appointment", "text"},
	}
	for _, c := range cases {
		t.Run(c.model+"/"+c.label, func(t *testing.T) {
			var calls, last atomic.Int64
			res, err := eng.Saliency(context.Background(), c.model, c.in, inference.SaliencyOptions{Label: c.label},
				func(done, total int) { calls.Add(1); last.Store(int64(done)) })
			if err != nil {
				t.Fatal(err)
			}
			out := res.Output
			got := out.Target.Label
			if out.Target.Answer != nil {
				got = out.Target.Answer.Text
			}
			if got != c.wantTarget {
				t.Errorf("target %q, want %q", got, c.wantTarget)
			}
			if out.Method != "occlusion" || out.Occlusion != "mask" || out.MaskToken != "[MASK]" {
				t.Errorf("method %q occlusion %q token %q, want occlusion by [MASK]", out.Method, out.Occlusion, out.MaskToken)
			}
			ranked := slices.Clone(out.Words)
			slices.SortStableFunc(ranked, func(a, b inference.WordImportance) int {
				return -cmpAbs(a.Score, b.Score)
			})
			if w := ranked[0]; wordAt(c.in, w) != "fever" || w.Field != c.wantField {
				t.Fatalf("top word %q in %s (%.4f), want fever in %s; all: %v", wordAt(c.in, w), w.Field, w.Score, c.wantField, out.Words)
			}
			sign := 1.0
			if c.label == "neutral" {
				sign = -1 // fever raises entailment, so hiding it raises neutral
			}
			if ranked[0].Score*sign < 0.1 {
				t.Errorf("fever importance %.4f, want a large %s one", ranked[0].Score, map[float64]string{1: "positive", -1: "negative"}[sign])
			}
			for _, w := range ranked[1:] {
				if abs(w.Score) > 1e-6 {
					t.Errorf("word %q has importance %.6f, want 0", wordAt(c.in, w), w.Score)
				}
			}
			if out.Runs != len(out.Words) || int(last.Load()) != out.Runs || calls.Load() == 0 {
				t.Errorf("runs %d, words %d, last progress %d after %d calls", out.Runs, len(out.Words), last.Load(), calls.Load())
			}
		})
	}
}

func cmpAbs(a, b float64) int {
	switch {
	case abs(a) < abs(b):
		return -1
	case abs(a) > abs(b):
		return 1
	}
	return 0
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// Words are whole words with their offsets, never sub-tokens, and every
// word the model saw is there once, in text order.
func TestSaliencyWordsAreWholeWordsInOrder(t *testing.T) {
	eng := openModels(t, testenv.SaliencyTestModels(t), inference.Config{})
	in := inference.Input{Premise: "Hemoglobinuria noted; fever resolved.", Hypothesis: "No fever."}
	res, err := eng.Saliency(context.Background(), "onetoken-nli", in, inference.SaliencyOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range res.Output.Words {
		got = append(got, w.Field+":"+wordAt(in, w))
	}
	want := []string{"premise:Hemoglobinuria", "premise:noted", "premise:;", "premise:fever", "premise:resolved", "premise:.",
		"hypothesis:No", "hypothesis:fever", "hypothesis:."}
	if !slices.Equal(got, want) {
		t.Errorf("words %q, want %q", got, want)
	}
}

func TestSaliencyRefusals(t *testing.T) {
	eng := openModels(t, testenv.SaliencyTestModels(t), inference.Config{MaxSaliencyWords: 10})
	long := strings.Repeat("fever and cough ", 5)
	cases := []struct {
		name, model, label string
		in                 inference.Input
		want               inference.Code
	}{
		{"too many words", "onetoken-nli", "", inference.Input{Premise: long, Hypothesis: "fever"}, inference.CodeTooLong},
		{"unknown label", "onetoken-nli", "maybe", inference.Input{Premise: "fever", Hypothesis: "fever"}, inference.CodeBadRequest},
		{"label for qa", "onetoken-qa", "entailment", inference.Input{Question: "what", Context: "fever"}, inference.CodeBadRequest},
		{"missing input", "onetoken-clip", "", inference.Input{}, inference.CodeBadRequest},
		{"unknown model", "nope", "", inference.Input{Text: "fever"}, inference.CodeUnknownModel},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := eng.Saliency(context.Background(), c.model, c.in, inference.SaliencyOptions{Label: c.label}, nil)
			if got := inference.AsError(err); got == nil || got.Code != c.want {
				t.Fatalf("error %v, want code %s", err, c.want)
			}
		})
	}
}

// Cancelling the context stops the variants within a chunk.
func TestSaliencyStopsWhenCancelled(t *testing.T) {
	eng := openModels(t, testenv.SaliencyTestModels(t), inference.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := inference.Input{Text: strings.Repeat("Take aspirin for the fever. ", 40)}
	var seen atomic.Int64
	_, err := eng.Saliency(ctx, "onetoken-clip", in, inference.SaliencyOptions{}, func(done, total int) {
		seen.Store(int64(done))
		cancel()
	})
	if !errors.Is(err, context.Canceled) && inference.AsError(err).Code != inference.CodeCanceled {
		t.Fatalf("error %v, want canceled", err)
	}
	if seen.Load() >= 200 {
		t.Errorf("ran %d variants after the cancel", seen.Load())
	}
}

// A note longer than max_length says what the model did not see.
func TestTruncationIsReported(t *testing.T) {
	eng := openModels(t, testenv.SaliencyTestModels(t), inference.Config{})
	premise := strings.Repeat("fever and cough ", 30) // 90 words: over max_length 64
	res, err := eng.Infer(context.Background(), "onetoken-nli", inference.Input{Premise: premise, Hypothesis: "fever"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cut := res.Output.(inference.NLIOutput).Truncation
	// [CLS] premise [SEP] fever [SEP]: 64 - 3 - 1 = 60 premise tokens seen of 90.
	want := []inference.Truncated{{Field: "premise", SeenTokens: 60, TotalTokens: 90, SeenUntil: len(strings.Repeat("fever and cough ", 20)) - 1}}
	if !slices.Equal(cut, want) {
		t.Errorf("truncation %+v, want %+v", cut, want)
	}
	res, err = eng.Infer(context.Background(), "onetoken-nli", inference.Input{Premise: "fever", Hypothesis: "fever"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cut := res.Output.(inference.NLIOutput).Truncation; cut != nil {
		t.Errorf("short input reported truncation %+v", cut)
	}
	note := "Follow up in two weeks. Fever " + strings.Repeat("fever ", 80) + "end."
	res, err = eng.Infer(context.Background(), "onetoken-clip", inference.Input{Text: note}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sents := res.Output.(inference.CLIPOutput).Sentences
	if sents[0].Truncation != nil || sents[1].Truncation == nil {
		t.Fatalf("sentence truncation %+v, %+v; want only the second cut", sents[0].Truncation, sents[1].Truncation)
	}
	// [CLS] sentence [SEP]: 62 of its 85 tokens (81 words, "end" in three pieces, the full stop).
	if c := *sents[1].Truncation; c.SeenTokens != 62 || c.TotalTokens != 85 || c.SeenUntil != len("Follow up in two weeks. ")+62*len("fever ")-1 {
		t.Errorf("second sentence truncation %+v", c)
	}
}

// encodeOnly hides the tokenizer's vocabulary, so saliency cannot find a
// mask token and deletes each word instead.
type encodeOnly struct{ inference.Tokenizer }

func TestSaliencyDeletesWordsWithoutAMaskToken(t *testing.T) {
	eng := openModels(t, testenv.SaliencyTestModels(t), inference.Config{LoadTokenizer: func(path string) (inference.Tokenizer, error) {
		tok, err := inference.HFTokenizer(path)
		return encodeOnly{tok}, err
	}})
	for _, c := range []struct {
		model string
		in    inference.Input
	}{
		{"onetoken-qa", inference.Input{Question: "What did she have?", Context: "She had a cough and a fever since Monday."}},
		{"onetoken-nli", inference.Input{Premise: "She had a cough and a fever.", Hypothesis: "She is ill."}},
	} {
		res, err := eng.Saliency(context.Background(), c.model, c.in, inference.SaliencyOptions{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := res.Output
		if out.Occlusion != "delete" || out.MaskToken != "" {
			t.Errorf("%s: occlusion %q token %q, want delete", c.model, out.Occlusion, out.MaskToken)
		}
		for _, w := range out.Words {
			want := 0.0
			if wordAt(c.in, w) == "fever" {
				want = *out.Score // the answer (or the only evidence) is gone
				if c.model == "onetoken-nli" {
					want = *out.Score - 1.0/3
				}
			}
			// Deleting a word also shortens the softmax over the context: a
			// small change for every word (why masking is the default).
			if abs(w.Score-want) > 1e-3 {
				t.Errorf("%s: word %q importance %.6f, want %.6f", c.model, wordAt(c.in, w), w.Score, want)
			}
		}
	}
}

// Every encoder head of the test repository explains its answer (words from
// the texts occluded only: never a zero-shot hypothesis); text-to-text
// models are refused.
func TestSaliencyOnEveryHead(t *testing.T) {
	eng := openModels(t, testenv.TestModels(t), inference.Config{})
	note := inference.Input{Text: "Follow up with cardiology in two weeks. Take aspirin daily."}
	for _, c := range []struct {
		model string
		in    inference.Input
		label string
	}{
		{"tiny-nli", inference.Input{Premise: "The patient has chest pain.", Hypothesis: "She is ill."}, ""},
		{"tiny-qa", inference.Input{Question: "When is the follow up?", Context: note.Text}, ""},
		{"tiny-clip", note, "medication"},
		{"tiny-zeroshot", note, ""},
	} {
		res, err := eng.Saliency(context.Background(), c.model, c.in, inference.SaliencyOptions{Label: c.label}, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.model, err)
		}
		out := res.Output
		if len(out.Words) == 0 || out.Runs != len(out.Words) {
			t.Errorf("%s: %d words, %d runs", c.model, len(out.Words), out.Runs)
		}
		for _, w := range out.Words {
			if got := wordAt(c.in, w); strings.ContainsAny(got, " ") || got == "" || strings.Contains(got, "sentence is about") {
				t.Errorf("%s: word %q", c.model, got)
			}
		}
		if c.label != "" && out.Target.Label != c.label {
			t.Errorf("%s: target %+v, want %s", c.model, out.Target, c.label)
		}
		if c.model == "tiny-clip" || c.model == "tiny-zeroshot" {
			if len(out.Sentences) != 2 || len(out.Words) != 12 {
				t.Errorf("%s: %d sentences, %d words; want 2 and 12", c.model, len(out.Sentences), len(out.Words))
			}
		}
	}
	_, err := eng.Saliency(context.Background(), "tiny-t5-nli", inference.Input{Premise: "a", Hypothesis: "b"}, inference.SaliencyOptions{}, nil)
	if e := inference.AsError(err); e == nil || e.Code != inference.CodeBadRequest {
		t.Errorf("text-to-text: %v, want bad_request", err)
	}
}
