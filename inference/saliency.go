package inference

import (
	"context"
	"slices"

	"github.com/clinlm/clinlm/inference/models"
	"github.com/clinlm/clinlm/inference/sentences"
)

// Saliency by occlusion: each word the model saw is hidden in turn — every
// sub-token of the word replaced by the tokenizer's mask token — and the
// model is run again on each variant through the model's batcher; a word's
// importance is how much the explained score falls without it. It needs no
// gradients, so it works for every encoder model of the repository, local or
// remote.
//
// Masking rather than deleting keeps the length and the positions of every
// other token, so the only change the model sees is the word's content (a
// deletion also shifts every later position). A tokenizer without a mask
// token uses its unknown token; one with neither deletes the word.
//
// Words are the tokenizer's pre-tokens (whitespace and punctuation split
// for BERT-style tokenizers), never sub-tokens. What is explained: NLI, the
// chosen label's probability (premise and hypothesis words); QA, the top
// answer's span probability p(start)·p(end) in the window that scores it
// highest (context words of that window and question words); CLIP, the
// chosen label's probability for each sentence (a word counts for its own
// sentence only).

// SaliencyOptions choose what is explained.
type SaliencyOptions struct {
	// Label is the NLI or CLIP label whose probability is explained; ""
	// picks the top label (for CLIP, the label with the highest probability
	// in any sentence). QA always explains its top answer.
	Label string
}

// Progress receives how many of the occluded variants have run (may be nil).
type Progress func(done, total int)

// WordImportance is one word: its code-point offsets into an input field,
// and the explained score on the whole input minus the score with the word
// masked (positive: the word supports the answer).
type WordImportance struct {
	Field string  `json:"field"`
	Start int     `json:"start"`
	End   int     `json:"end"`
	Score float64 `json:"score"`
}

// SaliencyTarget is what was explained: a label, or a QA answer.
type SaliencyTarget struct {
	Label  string  `json:"label,omitempty"`
	Answer *Answer `json:"answer,omitempty"`
}

// SentenceScore is a CLIP sentence and the explained label's probability
// for it (code-point offsets into the note).
type SentenceScore struct {
	Index int     `json:"index"`
	Start int     `json:"start"`
	End   int     `json:"end"`
	Score float64 `json:"score"`
}

// SaliencyOutput is a saliency answer. Words lists the words the model saw,
// in text order; words it did not see (after a truncation) have no score.
type SaliencyOutput struct {
	Method string `json:"method"`
	// Occlusion is "mask" (MaskToken replaced each sub-token) or "delete".
	Occlusion string         `json:"occlusion"`
	MaskToken string         `json:"mask_token,omitempty"`
	Target    SaliencyTarget `json:"target"`
	// Score is the explained score on the whole input (NLI, QA); CLIP has
	// one per sentence in Sentences.
	Score      *float64         `json:"score,omitempty"`
	Sentences  []SentenceScore  `json:"sentences,omitempty"`
	Words      []WordImportance `json:"words"`
	Truncation []Truncated      `json:"truncation,omitempty"`
	// Runs is how many occluded variants the model ran (one per word).
	Runs int `json:"runs"`
}

// SaliencyResult is one saliency answer with where its time went.
type SaliencyResult struct {
	Output SaliencyOutput `json:"output"`
	Timing Timing         `json:"timing"`
}

// saliencyChunk is how many variants one Submit carries: progress is
// reported after each, and a cancelled request stops within one chunk.
const saliencyChunk = 16

// Saliency explains one answer by occlusion. Beyond the engine's
// MaxSaliencyWords words it is too_long; text-to-text models are
// bad_request. Errors are *Error values.
func (e *Engine) Saliency(ctx context.Context, name string, in Input, opts SaliencyOptions, progress Progress) (SaliencyResult, error) {
	m, ok := e.byName[name]
	if !ok {
		return SaliencyResult{}, newError(CodeUnknownModel, "no model named %q", name)
	}
	res, err := e.saliency(ctx, m, in, opts, progress)
	code := Code("ok")
	if err != nil {
		ae := AsError(err)
		code, err = ae.Code, ae
	}
	m.obs.request(code)
	return res, err
}

func (e *Engine) saliency(ctx context.Context, m *model, in Input, opts SaliencyOptions, progress Progress) (SaliencyResult, error) {
	if m.info.Status != StatusReady {
		return SaliencyResult{}, newError(CodeUnavailable, "model %s is not loaded: %s", m.info.Name, m.info.Error)
	}
	if m.t2t != nil {
		return SaliencyResult{}, newError(CodeBadRequest, "saliency is not available for text-to-text models; pick an encoder model")
	}
	if _, err := e.checkInput(m, in); err != nil {
		return SaliencyResult{}, err
	}
	switch {
	case m.manifest.Task == models.TaskQA && opts.Label != "":
		return SaliencyResult{}, newError(CodeBadRequest, "label is for nli and clip models; qa explains its top answer")
	case opts.Label != "" && !slices.Contains(m.manifest.Labels, opts.Label):
		return SaliencyResult{}, newError(CodeBadRequest, "model %s has no label %q", m.info.Name, opts.Label)
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	sr := saliencyRun{m: m, occ: m.occluder(), limit: e.cfg.MaxSaliencyWords, progress: progress}
	var out SaliencyOutput
	var err error
	switch m.manifest.Task {
	case models.TaskNLI:
		out, err = sr.nli(ctx, in.Premise, in.Hypothesis, opts.Label)
	case models.TaskQA:
		out, err = sr.qa(ctx, in.Question, in.Context, e.cfg.MaxWindows)
	case models.TaskCLIP:
		out, err = sr.clip(ctx, in.Text, opts.Label, e.cfg.MaxSentences)
	default:
		return SaliencyResult{}, newError(CodeInternal, "task %q has no pipeline", m.manifest.Task)
	}
	if err != nil {
		return SaliencyResult{}, err
	}
	out.Method, out.Occlusion, out.MaskToken = "occlusion", "delete", sr.occ.token
	if sr.occ.masks {
		out.Occlusion = "mask"
	}
	out.Runs = sr.done
	if out.Words == nil {
		out.Words = []WordImportance{}
	}
	return SaliencyResult{Output: out, Timing: sr.st.timing()}, nil
}

// occlusion is how a word is hidden: by the mask (or unknown) token, or,
// when the tokenizer has neither, by deleting its tokens.
type occlusion struct {
	masks bool
	id    int64
	token string
}

// occluder picks the tokenizer's mask token, else its unknown token.
func (m *model) occluder() occlusion {
	vocab, ok := m.tok.(interface{ TokenToID(string) (int, bool) })
	if !ok {
		return occlusion{}
	}
	for _, t := range []string{"[MASK]", "<mask>", "[UNK]", "<unk>"} {
		if id, ok := vocab.TokenToID(t); ok {
			return occlusion{masks: true, id: int64(id), token: t}
		}
	}
	return occlusion{}
}

// word is one pre-token of an encoding: the indices of its tokens, which
// text it is in (0 or 1) and its byte span in that text.
type word struct {
	seq        int
	tokens     []int
	start, end int
}

// encodingWords groups an encoding's tokens into words, in token order,
// keeping the sequences for which keep is true (special tokens have none).
func encodingWords(e Encoding, keep func(seq int) bool) []word {
	var out []word
	at := map[[2]int]int{} // (sequence, word id) -> index in out
	for i, w := range e.WordIDs {
		s := e.SequenceIDs[i]
		if w < 0 || s < 0 || !keep(s) {
			continue
		}
		k := [2]int{s, w}
		j, ok := at[k]
		if !ok {
			j = len(out)
			at[k] = j
			out = append(out, word{seq: s, start: e.Offsets[i][0], end: e.Offsets[i][1]})
		}
		out[j].tokens = append(out[j].tokens, i)
		out[j].start = min(out[j].start, e.Offsets[i][0])
		out[j].end = max(out[j].end, e.Offsets[i][1])
	}
	return out
}

// apply hides one word of an encoding. With deletion, kept maps each old
// token index to its new one (-1: deleted); with masking it is nil.
func (o occlusion) apply(e Encoding, w word) (Encoding, []int) {
	if o.masks {
		v := e
		v.IDs = slices.Clone(e.IDs)
		for _, i := range w.tokens {
			v.IDs[i] = o.id
		}
		return v, nil
	}
	var v Encoding
	kept := make([]int, len(e.IDs))
	for i := range e.IDs {
		if slices.Contains(w.tokens, i) {
			kept[i] = -1
			continue
		}
		kept[i] = len(v.IDs)
		v.IDs = append(v.IDs, e.IDs[i])
		v.TypeIDs = append(v.TypeIDs, e.TypeIDs[i])
		v.Offsets = append(v.Offsets, e.Offsets[i])
		v.WordIDs = append(v.WordIDs, e.WordIDs[i])
		v.SequenceIDs = append(v.SequenceIDs, e.SequenceIDs[i])
	}
	return v, kept
}

// saliencyRun is one saliency request's state: its model, the occlusion,
// the word limit and the progress so far.
type saliencyRun struct {
	m        *model
	occ      occlusion
	limit    int
	progress Progress
	st       stats
	done     int
}

// checkWords refuses a note with more words than the limit before any
// variant runs (each word costs one model run).
func (sr *saliencyRun) checkWords(n int) error {
	if n > sr.limit {
		return newError(CodeTooLong, "the input has %d words the model sees; saliency runs the model once per word and is limited to %d words: shorten the text", n, sr.limit)
	}
	return nil
}

// runVariants runs the occluded rows in chunks through the model's batcher,
// reporting progress after each chunk.
func (sr *saliencyRun) runVariants(ctx context.Context, rows []row) ([]rowOut, error) {
	outs := make([]rowOut, 0, len(rows))
	for i := 0; i < len(rows); i += saliencyChunk {
		j := min(len(rows), i+saliencyChunk)
		o, err := sr.m.run(ctx, rows[i:j], &sr.st)
		if err != nil {
			return nil, err
		}
		outs = append(outs, o...)
		sr.done += j - i
		if sr.progress != nil {
			sr.progress(sr.done, len(rows))
		}
	}
	return outs, nil
}

func (sr *saliencyRun) nli(ctx context.Context, premise, hypothesis, label string) (SaliencyOutput, error) {
	m := sr.m
	base, err := m.nli(ctx, premise, hypothesis, &sr.st)
	if err != nil {
		return SaliencyOutput{}, err
	}
	if label == "" {
		label = base.Labels[0].Label
	}
	li := slices.Index(m.manifest.Labels, label)
	score := base.Labels[slices.IndexFunc(base.Labels, func(l LabelScore) bool { return l.Label == label })].Score
	encs, err := m.encode(m.nliRequest(premise, hypothesis), &sr.st)
	if err != nil {
		return SaliencyOutput{}, err
	}
	e := encs[0]
	words := encodingWords(e, func(int) bool { return true })
	if err := sr.checkWords(len(words)); err != nil {
		return SaliencyOutput{}, err
	}
	rows := make([]row, len(words))
	for i, w := range words {
		v, _ := sr.occ.apply(e, w)
		rows[i] = toRow(v)
	}
	outs, err := sr.runVariants(ctx, rows)
	if err != nil {
		return SaliencyOutput{}, err
	}
	texts := nliTexts(premise, hypothesis)
	out := SaliencyOutput{Target: SaliencyTarget{Label: label}, Score: &score, Truncation: base.Truncation}
	for i, w := range words {
		t := texts[w.seq]
		out.Words = append(out.Words, WordImportance{Field: t.field, Start: t.runes.at(w.start), End: t.runes.at(w.end),
			Score: score - softmax(outs[i][0])[li]})
	}
	return out, nil
}

// answerTokens are the first and last context tokens of a window inside the
// answer's byte span [a, b).
func answerTokens(e Encoding, a, b int) (int, int, bool) {
	s, t := -1, -1
	for i, seq := range e.SequenceIDs {
		if seq == 1 && e.Offsets[i][0] >= a && e.Offsets[i][1] <= b && e.Offsets[i][1] > e.Offsets[i][0] {
			if s < 0 {
				s = i
			}
			t = i
		}
	}
	return s, t, s >= 0
}

func (sr *saliencyRun) qa(ctx context.Context, question, context string, maxWindows int) (SaliencyOutput, error) {
	m := sr.m
	base, err := m.qa(ctx, question, context, 1, maxWindows, &sr.st)
	if err != nil {
		return SaliencyOutput{}, err
	}
	if len(base.Answers) == 0 {
		return SaliencyOutput{}, newError(CodeBadRequest, "the model found no answer in the context, so there is no answer to explain")
	}
	answer := base.Answers[0]
	cps := []rune(context)
	a := len(string(cps[:answer.Start]))
	b := a + len(string(cps[answer.Start:answer.End]))
	encs, err := m.encode(m.qaRequest(question, context, maxWindows), &sr.st)
	if err != nil {
		return SaliencyOutput{}, err
	}
	// The windows that hold the answer; the one that scores it highest is explained.
	type held struct {
		e    Encoding
		s, t int
	}
	var windows []held
	var rows []row
	for _, e := range encs {
		if s, t, ok := answerTokens(e, a, b); ok {
			windows = append(windows, held{e, s, t})
			rows = append(rows, toRow(e))
		}
	}
	if len(windows) == 0 {
		return SaliencyOutput{}, newError(CodeInternal, "the answer lies in no window")
	}
	outs, err := m.run(ctx, rows, &sr.st)
	if err != nil {
		return SaliencyOutput{}, err
	}
	best, score := 0, -1.0
	for i, w := range windows {
		ps, pe := spanProbs(w.e, outs[i][0], outs[i][1])
		if p := ps[w.s] * pe[w.t]; p > score {
			best, score = i, p
		}
	}
	win := windows[best]
	words := encodingWords(win.e, func(int) bool { return true })
	if err := sr.checkWords(len(words)); err != nil {
		return SaliencyOutput{}, err
	}
	variants := make([]Encoding, len(words))
	spans := make([][2]int, len(words)) // the answer's tokens in each variant; -1 when deleted
	rows = make([]row, len(words))
	for i, w := range words {
		v, kept := sr.occ.apply(win.e, w)
		variants[i], spans[i] = v, [2]int{win.s, win.t}
		if kept != nil {
			spans[i] = [2]int{kept[win.s], kept[win.t]}
		}
		rows[i] = toRow(v)
	}
	outs, err = sr.runVariants(ctx, rows)
	if err != nil {
		return SaliencyOutput{}, err
	}
	texts := [2]truncatedText{{field: "question", runes: newRuneIndex(question)}, {field: "context", runes: newRuneIndex(context)}}
	out := SaliencyOutput{Target: SaliencyTarget{Answer: &answer}, Score: &score}
	for i, w := range words {
		p := 0.0 // the answer's own first or last token deleted: the span is gone
		if s, t := spans[i][0], spans[i][1]; s >= 0 && t >= 0 {
			ps, pe := spanProbs(variants[i], outs[i][0], outs[i][1])
			p = ps[s] * pe[t]
		}
		tx := texts[w.seq]
		out.Words = append(out.Words, WordImportance{Field: tx.field, Start: tx.runes.at(w.start), End: tx.runes.at(w.end), Score: score - p})
	}
	return out, nil
}

func (sr *saliencyRun) clip(ctx context.Context, text, label string, maxSentences int) (SaliencyOutput, error) {
	m := sr.m
	base, err := m.clip(ctx, text, nil, maxSentences, &sr.st)
	if err != nil {
		return SaliencyOutput{}, err
	}
	if label == "" {
		top := -1.0
		for _, sn := range base.Sentences {
			if len(sn.Labels) > 0 && sn.Labels[0].Score > top {
				label, top = sn.Labels[0].Label, sn.Labels[0].Score
			}
		}
	}
	li := slices.Index(m.manifest.Labels, label)
	rowLabel := label // a zero-shot row carries its label's hypothesis
	if m.manifest.Head == models.HeadSentenceMultiLabel {
		rowLabel = ""
	}
	runes := newRuneIndex(text)
	spans := sentences.Split(text)
	type sentenceWord struct {
		sentence int
		w        word
	}
	var words []sentenceWord
	var encs []Encoding
	out := SaliencyOutput{Target: SaliencyTarget{Label: label}}
	for i, sp := range spans {
		sn := base.Sentences[i]
		k := slices.IndexFunc(sn.Labels, func(l LabelScore) bool { return l.Label == label })
		out.Sentences = append(out.Sentences, SentenceScore{Index: i, Start: sn.Start, End: sn.End, Score: sn.Labels[k].Score})
		if sn.Truncation != nil {
			out.Truncation = append(out.Truncation, *sn.Truncation)
		}
		e, err := m.encode(m.sentenceRequest(text[sp.Start:sp.End], rowLabel), &sr.st)
		if err != nil {
			return SaliencyOutput{}, err
		}
		encs = append(encs, e[0])
		for _, w := range encodingWords(e[0], func(seq int) bool { return seq == 0 }) {
			words = append(words, sentenceWord{i, w})
		}
	}
	if err := sr.checkWords(len(words)); err != nil {
		return SaliencyOutput{}, err
	}
	rows := make([]row, len(words))
	for i, sw := range words {
		v, _ := sr.occ.apply(encs[sw.sentence], sw.w)
		rows[i] = toRow(v)
	}
	outs, err := sr.runVariants(ctx, rows)
	if err != nil {
		return SaliencyOutput{}, err
	}
	for i, sw := range words {
		scores := m.labelScores(outs[i])
		p := scores[0]
		if rowLabel == "" {
			p = scores[li]
		}
		start := spans[sw.sentence].Start
		out.Words = append(out.Words, WordImportance{Field: "text", Start: runes.at(start + sw.w.start), End: runes.at(start + sw.w.end),
			Score: out.Sentences[sw.sentence].Score - p})
	}
	return out, nil
}
