package inference

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
)

func TestLocate(t *testing.T) {
	const ctx = "CT scan:  No  evidence of\tpneumonia. Ｆｅｖｅｒ 38.5 °C."
	tests := []struct {
		answer     string
		start, end int
		ok         bool
	}{
		{"No  evidence", 10, 22, true},             // exact
		{"no evidence of pneumonia", 10, 35, true}, // case and white space folded
		{"fever 38.5", 37, 47, true},               // NFKC: full-width letters
		{"  pneumonia.  ", 26, 36, true},           // trimmed
		{"pleural effusion", 0, 0, false},          // not in the context
		{"", 0, 0, false},
		{" \t", 0, 0, false},
	}
	for _, tc := range tests {
		s, e, ok := locate(ctx, tc.answer)
		if ok != tc.ok || s != tc.start || e != tc.end {
			t.Errorf("locate(%q) = %d, %d, %v; want %d, %d, %v (%q)", tc.answer, s, e, ok, tc.start, tc.end, tc.ok, string([]rune(ctx)[s:e]))
		}
	}
}

func TestParseLabelList(t *testing.T) {
	words := map[string]string{"appointment": "appointment", "lab": "lab", "patient instructions": "patient instructions", "meds": "medication"}
	tests := []struct {
		text string
		want []string
	}{
		{"appointment, lab", []string{"appointment", "lab"}},
		{"Lab ,  Patient   Instructions,lab", []string{"lab", "patient instructions"}},
		{"meds, imaging?, ,", []string{"medication"}},
		{"", nil},
		{"▁garbage ⁇ </s>", nil},
	}
	for _, tc := range tests {
		if got := parseLabelList(tc.text, ",", words); !slices.Equal(got, tc.want) {
			t.Errorf("parseLabelList(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

// tableStepper returns the same logits for every row at a given step.
type tableStepper struct {
	steps  [][]float32
	n      int
	calls  int
	inputs [][]int64
}

func (s *tableStepper) step(_ context.Context, _ []int, tokens []int64) ([]float32, int, error) {
	s.inputs = append(s.inputs, slices.Clone(tokens))
	row := s.steps[min(s.calls, len(s.steps)-1)]
	s.calls++
	var out []float32
	for range len(tokens) {
		out = append(out, row...)
	}
	return out, len(row), nil
}

func TestGreedyStopsAndPads(t *testing.T) {
	// Vocabulary of 4: token 1 ends the sequence.
	st := &tableStepper{steps: [][]float32{{0, 0, 5, 1}, {0, 9, 1, 1}, {0, 0, 0, 7}}}
	cfg := genConfig{maxNewTokens: 5, numBeams: 1, lengthPenalty: 1, start: 0, eos: 1, pad: 0}
	hyps, err := greedy(context.Background(), st, 2, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hyps {
		if !slices.Equal(h.tokens, []int64{2, 1}) {
			t.Errorf("tokens %v, want [2 1] (stop at the end token)", h.tokens)
		}
		want := logSoftmaxAt([]float32{0, 0, 5, 1}, 2) + logSoftmaxAt([]float32{0, 9, 1, 1}, 1)
		if math.Abs(h.sumLogprob-want) > 1e-12 {
			t.Errorf("log p %v, want %v", h.sumLogprob, want)
		}
	}
	if st.calls != 2 || !slices.Equal(st.inputs[0], []int64{0, 0}) || !slices.Equal(st.inputs[1], []int64{2, 2}) {
		t.Errorf("stepper fed %v", st.inputs)
	}
}

func TestBeamSearchOneToken(t *testing.T) {
	// With max_new_tokens 1 every continuation finishes at once; the beams
	// are the best tokens of the first step, the end token included.
	st := &tableStepper{steps: [][]float32{{0, 3, 5, 4}}}
	cfg := genConfig{maxNewTokens: 1, numBeams: 2, lengthPenalty: 1, start: 0, eos: 1, pad: 0}
	hyps, err := beamSearch(context.Background(), st, 1, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(hyps[0]) != 2 || !slices.Equal(hyps[0][0].tokens, []int64{2}) || !slices.Equal(hyps[0][1].tokens, []int64{3}) {
		t.Fatalf("hypotheses %+v", hyps[0])
	}
	if hyps[0][0].score < hyps[0][1].score {
		t.Error("hypotheses not best first")
	}
}

func TestBeamSearchEndsEarly(t *testing.T) {
	// The end token is best at every step: both beams finish in step 1 or 2
	// and no live beam can beat them, so the search stops before max_new_tokens.
	st := &tableStepper{steps: [][]float32{{0, 8, 7, 0}, {0, 8, 0, 0}}}
	cfg := genConfig{maxNewTokens: 10, numBeams: 2, lengthPenalty: 1, start: 0, eos: 1, pad: 0}
	hyps, err := beamSearch(context.Background(), st, 1, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if st.calls >= 10 {
		t.Errorf("ran %d steps", st.calls)
	}
	if len(hyps[0]) != 2 || !slices.Equal(hyps[0][0].tokens, []int64{1}) || !slices.Equal(hyps[0][1].tokens, []int64{2, 1}) {
		t.Errorf("hypotheses %+v", hyps[0])
	}
}

// cancellingStepper cancels its context after a number of steps, as the
// batcher does when every caller of a batch has gone.
type cancellingStepper struct {
	tableStepper
	after  int
	cancel context.CancelFunc
}

func (s *cancellingStepper) step(ctx context.Context, origin []int, tokens []int64) ([]float32, int, error) {
	if s.calls+1 == s.after {
		s.cancel()
	}
	return s.tableStepper.step(ctx, origin, tokens)
}

// Decoding stops at the first step after the batch's context ends, in greedy
// and beam search, instead of running max_new_tokens (× beams) steps.
func TestDecodingStopsWhenTheCallersHaveGone(t *testing.T) {
	for _, beams := range []int{1, 3} {
		ctx, cancel := context.WithCancel(context.Background())
		st := &cancellingStepper{tableStepper: tableStepper{steps: [][]float32{{0, 0, 5, 1}}}, after: 2, cancel: cancel}
		cfg := genConfig{maxNewTokens: 50, numBeams: beams, lengthPenalty: 1, start: 0, eos: 1, pad: 0}
		var err error
		if beams == 1 {
			_, err = greedy(ctx, st, 2, cfg)
		} else {
			_, err = beamSearch(ctx, st, 2, cfg)
		}
		if !errors.Is(err, context.Canceled) || st.calls != 2 {
			t.Errorf("beams %d: err %v after %d steps, want context.Canceled after 2", beams, err, st.calls)
		}
	}
}
