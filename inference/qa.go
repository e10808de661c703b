package inference

import (
	"context"
	"math"
	"sort"
	"strings"
)

// Answer is one extracted span; Start and End are code-point offsets into
// the context ([Start, End)), Text is that slice of it.
type Answer struct {
	Text  string  `json:"text"`
	Start int     `json:"start"`
	End   int     `json:"end"`
	Score float64 `json:"score"`
}

// QAOutput lists the best answers, highest score first. NoAnswerScore is set
// for models trained to point at [CLS] when the context has no answer.
// Generated is the best answer a text-to-text model wrote, found in the
// context or not (absent for span-extraction models).
type QAOutput struct {
	Answers       []Answer `json:"answers"`
	NoAnswerScore *float64 `json:"no_answer_score,omitempty"`
	Generated     *string  `json:"generated,omitempty"`
}

// qa follows HF's question-answering pipeline as last released (4.53 to
// 4.57; transformers 5 dropped it): question first, context second,
// truncated only in the context with doc-stride windows (at most
// maxWindows, counted before they are built); per window, softmax over the
// context tokens plus [CLS], the top_k*2+10 spans with start <= end <
// start + max_answer_length ranked by p(start)·p(end), answers widened to
// whole words; an answer whose text equals an earlier one's, ignoring case,
// adds its score to that one (so one answer is not listed twice); then the
// top_k by score.
func (m *model) qa(ctx context.Context, question, context string, topK, maxWindows int, st *stats) (QAOutput, error) {
	encs, err := m.encode(m.qaRequest(question, context, maxWindows), st)
	if err != nil {
		return QAOutput{}, err
	}
	if len(encs) > maxWindows {
		return QAOutput{}, newError(CodeTooLong, "the context needs %d windows of %d tokens; the limit is %d", len(encs), m.manifest.MaxLength, maxWindows)
	}
	rows := make([]row, len(encs))
	for i, e := range encs {
		rows[i] = toRow(e)
	}
	outs, err := m.run(ctx, rows, st)
	if err != nil {
		return QAOutput{}, err
	}
	runes := newRuneIndex(context)
	var answers []Answer
	null := math.Inf(1)
	byText := map[string]int{} // lower-cased answer text -> index in answers
	for i, e := range encs {
		spans, n := decodeSpans(e, outs[i][0], outs[i][1], 2*topK+10, m.manifest.AnswerLength())
		null = math.Min(null, n)
		for _, s := range spans {
			a, _ := wordBytes(e, s.start)
			_, b := wordBytes(e, s.end)
			key := strings.ToLower(context[a:b])
			if k, ok := byText[key]; ok {
				answers[k].Score += s.score
				continue
			}
			byText[key] = len(answers)
			answers = append(answers, Answer{Text: context[a:b], Start: runes.at(a), End: runes.at(b), Score: s.score})
		}
	}
	sort.SliceStable(answers, func(a, b int) bool { return answers[a].Score > answers[b].Score })
	if len(answers) > topK {
		answers = answers[:topK]
	}
	out := QAOutput{Answers: answers}
	if out.Answers == nil {
		out.Answers = []Answer{}
	}
	if m.manifest.NoAnswer && !math.IsInf(null, 1) {
		out.NoAnswerScore = &null
	}
	return out, nil
}

// qaRequest encodes the question with the context in doc-stride windows.
func (m *model) qaRequest(question, context string, maxWindows int) EncodeRequest {
	return EncodeRequest{Text: question, Pair: &context, MaxLength: m.manifest.MaxLength,
		Stride: m.manifest.Stride, Strategy: OnlySecond, MaxWindows: maxWindows}
}

type span struct {
	start, end int
	score      float64
}

// decodeSpans ranks the spans of one window. It returns the spans that lie
// in the context and the window's no-answer score p(start=CLS)·p(end=CLS).
func decodeSpans(e Encoding, startLogits, endLogits []float32, topK, maxLen int) ([]span, float64) {
	n := len(e.IDs)
	ps, pe := spanProbs(e, startLogits, endLogits)
	null := ps[0] * pe[0]
	ps[0], pe[0] = 0, 0
	var cands []span
	for s := 0; s < n; s++ {
		for t := s; t < n && t < s+maxLen; t++ {
			cands = append(cands, span{s, t, ps[s] * pe[t]})
		}
	}
	// Highest score first; equal scores in row-major order, like a stable argsort.
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].score > cands[b].score })
	if len(cands) > topK {
		cands = cands[:topK]
	}
	out := cands[:0]
	for _, c := range cands {
		if e.SequenceIDs[c.start] == 1 && e.SequenceIDs[c.end] == 1 {
			out = append(out, c)
		}
	}
	return out, null
}

// spanProbs are a window's start and end probabilities: a softmax over the
// context tokens and [CLS], every other token masked out.
func spanProbs(e Encoding, startLogits, endLogits []float32) ([]float64, []float64) {
	masked := func(logits []float32) []float32 {
		out := make([]float32, len(e.IDs))
		for i := range out {
			if i == 0 || e.SequenceIDs[i] == 1 {
				out[i] = logits[i]
			} else {
				out[i] = -10000
			}
		}
		return out
	}
	return softmax(masked(startLogits)), softmax(masked(endLogits))
}

// wordBytes is the byte span of the whole word (in the context) that token i
// belongs to, within this window.
func wordBytes(e Encoding, i int) (int, int) {
	start, end := e.Offsets[i][0], e.Offsets[i][1]
	w := e.WordIDs[i]
	if w < 0 {
		return start, end
	}
	for j := range e.IDs {
		if e.WordIDs[j] == w && e.SequenceIDs[j] == 1 {
			start = min(start, e.Offsets[j][0])
			end = max(end, e.Offsets[j][1])
		}
	}
	return start, end
}
