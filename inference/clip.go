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
// list a text-to-text model wrote (absent for classifiers). Truncation is
// set when the sentence was longer than the model's max_length (its
// SeenUntil is an offset into the note).
type Sentence struct {
	Index      int          `json:"index"`
	Text       string       `json:"text"`
	Start      int          `json:"start"`
	End        int          `json:"end"`
	Labels     []LabelScore `json:"labels"`
	Predicted  []string     `json:"predicted"`
	Generated  *string      `json:"generated,omitempty"`
	Truncation *Truncated   `json:"truncation,omitempty"`
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
				scores, s.Truncation, err = m.sentenceScores(ctx, s.Text, truncatedText{field: "text", base: sp.Start, runes: runes}, st)
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

// sentenceRequest encodes one CLIP sentence: alone for a multi-label head,
// with the label's hypothesis for a zero-shot one.
func (m *model) sentenceRequest(sentence, label string) EncodeRequest {
	mf := m.manifest
	if mf.Head == models.HeadSentenceMultiLabel {
		return EncodeRequest{Text: sentence, MaxLength: mf.MaxLength, Strategy: LongestFirst}
	}
	h := strings.Replace(mf.HypothesisTemplate, "{}", label, 1)
	return EncodeRequest{Text: sentence, Pair: &h, MaxLength: mf.MaxLength, Strategy: OnlyFirst}
}

// labelScores turns a sentence row's output into label probabilities: every
// label's sigmoid for a multi-label head; for a zero-shot row, its label's
// p(entailment) from a softmax over [contradiction, entailment] (HF's
// multi-label zero-shot classification), in a slice of one.
func (m *model) labelScores(o rowOut) []float64 {
	mf := m.manifest
	if mf.Head == models.HeadSentenceMultiLabel {
		scores := make([]float64, len(mf.Labels))
		for i, v := range o[0] {
			scores[i] = sigmoid(v)
		}
		return scores
	}
	p := softmax([]float32{o[0][mf.ContradictionIndex()], o[0][mf.EntailmentIndex()]})
	return []float64{p[1]}
}

// sentenceScores is each label's probability for one sentence, and how the
// sentence was cut when it is longer than max_length (for a zero-shot head,
// as the first label's pair cut it).
func (m *model) sentenceScores(ctx context.Context, sentence string, where truncatedText, st *stats) ([]float64, *Truncated, error) {
	mf := m.manifest
	labels := mf.Labels
	if mf.Head == models.HeadSentenceMultiLabel {
		labels = []string{""} // one row for every label
	}
	rows := make([]row, len(labels))
	var cut *Truncated
	for i, l := range labels {
		req := m.sentenceRequest(sentence, l)
		encs, err := m.encode(req, st)
		if err != nil {
			return nil, nil, err
		}
		rows[i] = toRow(encs[0])
		if i == 0 {
			t, err := m.truncation(req, encs[0], [2]truncatedText{where}, st)
			if err != nil {
				return nil, nil, err
			}
			if len(t) > 0 {
				cut = &t[0]
			}
		}
	}
	outs, err := m.run(ctx, rows, st)
	if err != nil {
		return nil, nil, err
	}
	if mf.Head == models.HeadSentenceMultiLabel {
		return m.labelScores(outs[0]), cut, nil
	}
	scores := make([]float64, len(mf.Labels))
	for i, o := range outs {
		scores[i] = m.labelScores(o)[0]
	}
	return scores, cut, nil
}
