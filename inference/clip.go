package inference

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/clinlm/clinlm/inference/models"
	"github.com/clinlm/clinlm/inference/sentences"
)

// Sentence is one sentence of a CLIP answer; Start and End are code-point
// offsets into the input text. Labels hold every label, highest first;
// Predicted are those at or above their threshold. Generated is the label
// list a text-to-text model wrote (absent for classifiers).
type Sentence struct {
	Index     int          `json:"index"`
	Text      string       `json:"text"`
	Start     int          `json:"start"`
	End       int          `json:"end"`
	Labels    []LabelScore `json:"labels"`
	Predicted []string     `json:"predicted"`
	Generated *string      `json:"generated,omitempty"`
}

// CLIPOutput is the answer of a CLIP model.
type CLIPOutput struct {
	Sentences  []Sentence         `json:"sentences"`
	Thresholds map[string]float64 `json:"thresholds"`
}

// clipConcurrency is how many sentences one request keeps in flight, and
// clipRowsInFlight how many model rows (a zero-shot sentence is one row per
// label): enough to fill batches, few enough that one long note cannot fill
// the queue.
const (
	clipConcurrency  = 16
	clipRowsInFlight = 32
)

func (m *model) clip(ctx context.Context, text string, partial Partial, maxSentences int, st *stats) (CLIPOutput, error) {
	spans := sentences.Split(text)
	if len(spans) > maxSentences {
		return CLIPOutput{}, newError(CodeTooLong, "the note has %d sentences; the limit is %d", len(spans), maxSentences)
	}
	inFlight := clipConcurrency
	if m.manifest.Head == models.HeadZeroShotNLI {
		inFlight = max(1, min(inFlight, clipRowsInFlight/max(1, len(m.manifest.Labels))))
	}
	runes := newRuneIndex(text)
	out := CLIPOutput{Sentences: make([]Sentence, len(spans)), Thresholds: map[string]float64{}}
	for _, l := range m.manifest.Labels {
		out.Thresholds[l] = m.manifest.Threshold(l)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		firstEr error
		sem     = make(chan struct{}, inFlight)
	)
	fail := func(err error) {
		mu.Lock()
		if firstEr == nil {
			firstEr = err
		}
		mu.Unlock()
		cancel()
	}
	for i, sp := range spans {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			defer func() {
				// A panic here would end the process: it fails this request.
				if r := recover(); r != nil {
					fail(&Error{Code: CodeInternal, Message: "internal error", Err: fmt.Errorf("clip sentence: panic: %v", r)})
				}
			}()
			s := Sentence{Index: i, Text: text[sp.Start:sp.End], Start: runes.at(sp.Start), End: runes.at(sp.End)}
			var scores []float64
			var err error
			if m.t2t != nil {
				var text string
				scores, text, err = m.sentenceT2T(ctx, s.Text, st)
				s.Generated = &text
			} else {
				scores, err = m.sentenceScores(ctx, s.Text, st)
			}
			if err != nil {
				fail(err)
				return
			}
			s.Labels = rankLabels(m.manifest.Labels, scores)
			s.Predicted = []string{}
			for _, ls := range s.Labels {
				if ls.Score >= m.manifest.Threshold(ls.Label) {
					s.Predicted = append(s.Predicted, ls.Label)
				}
			}
			mu.Lock()
			out.Sentences[i] = s
			if partial != nil {
				partial(s)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if firstEr != nil {
		return CLIPOutput{}, firstEr
	}
	if err := ctx.Err(); err != nil {
		return CLIPOutput{}, err
	}
	return out, nil
}

// sentenceScores is each label's probability for one sentence.
func (m *model) sentenceScores(ctx context.Context, sentence string, st *stats) ([]float64, error) {
	mf := m.manifest
	if mf.Head == models.HeadSentenceMultiLabel {
		encs, err := m.encode(EncodeRequest{Text: sentence, MaxLength: mf.MaxLength, Strategy: LongestFirst}, st)
		if err != nil {
			return nil, err
		}
		outs, err := m.run(ctx, []row{toRow(encs[0])}, st)
		if err != nil {
			return nil, err
		}
		scores := make([]float64, len(mf.Labels))
		for i, v := range outs[0][0] {
			scores[i] = sigmoid(v)
		}
		return scores, nil
	}
	// Zero-shot: one (sentence, hypothesis) pair per label; a label's score is
	// p(entailment) from a softmax over [contradiction, entailment] (HF's
	// multi-label zero-shot classification).
	rows := make([]row, len(mf.Labels))
	for i, l := range mf.Labels {
		h := strings.Replace(mf.HypothesisTemplate, "{}", l, 1)
		encs, err := m.encode(EncodeRequest{Text: sentence, Pair: &h, MaxLength: mf.MaxLength, Strategy: OnlyFirst}, st)
		if err != nil {
			return nil, err
		}
		rows[i] = toRow(encs[0])
	}
	outs, err := m.run(ctx, rows, st)
	if err != nil {
		return nil, err
	}
	ent, con := mf.EntailmentIndex(), mf.ContradictionIndex()
	scores := make([]float64, len(mf.Labels))
	for i, o := range outs {
		p := softmax([]float32{o[0][con], o[0][ent]})
		scores[i] = p[1]
	}
	return scores, nil
}
