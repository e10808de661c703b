package inference

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/clinlm/clinlm/inference/batcher"
	"github.com/clinlm/clinlm/inference/models"
)

// TextDecoder turns generated token ids back into text; text-to-text models
// need a tokenizer that has it.
type TextDecoder interface {
	Decode(ids []int64) (string, error)
}

// genJob is one request to a text-to-text model: the prompt's tokens and,
// for NLI, the label words to score by teacher forcing.
type genJob struct {
	ids    []int64
	forced [][]int64
}

// genResult holds the generated hypotheses (best first) and the log-
// probability of each forced sequence.
type genResult struct {
	hyps   []hypothesis
	forced []float64
}

func genJobLen(j genJob) int { return len(j.ids) }

// generator runs batches of jobs: one encoder run, one batched greedy or
// beam decode with the key/value cache, one teacher-forced decoder run for
// the label words of the whole batch.
type generator struct {
	s2s *seq2seq
	cfg genConfig
	// noCache decodes with fullStepper (tests compare both paths).
	noCache bool
}

func (g generator) run(ctx context.Context, jobs []genJob) ([]genResult, error) {
	rows := make([][]int64, len(jobs))
	for i, j := range jobs {
		rows[i] = j.ids
	}
	enc, err := g.s2s.encode(ctx, rows, g.cfg.pad)
	if err != nil {
		return nil, err
	}
	out := make([]genResult, len(jobs))
	n := g.cfg.numBeams
	e := enc
	if n > 1 {
		e = enc.pick(repeatIndex(len(jobs), n))
	}
	var st stepper = &cachedStepper{m: g.s2s, enc: e}
	if g.noCache {
		st = &fullStepper{m: g.s2s, enc: e}
	}
	if n > 1 {
		hyps, err := beamSearch(ctx, st, len(jobs), g.cfg)
		if err != nil {
			return nil, err
		}
		for i := range out {
			out[i].hyps = hyps[i]
		}
	} else {
		hyps, err := greedy(ctx, st, len(jobs), g.cfg)
		if err != nil {
			return nil, err
		}
		for i := range out {
			out[i].hyps = []hypothesis{hyps[i]}
		}
	}
	var owner []int
	var seqs [][]int64
	for i, j := range jobs {
		for _, s := range j.forced {
			owner = append(owner, i)
			seqs = append(seqs, s)
		}
	}
	lps, err := g.s2s.scoreSequences(ctx, enc, owner, seqs, g.cfg.start, g.cfg.pad)
	if err != nil {
		return nil, err
	}
	for k, i := range owner {
		out[i].forced = append(out[i].forced, lps[k])
	}
	return out, nil
}

func genConfigOf(t models.TextToText) genConfig {
	return genConfig{maxNewTokens: t.MaxNewTokens, numBeams: t.Beams(), lengthPenalty: t.Penalty(),
		earlyStopping: t.EarlyStopping, start: t.StartToken(), eos: t.EOSToken(), pad: t.PadToken()}
}

// textToText is a loaded text-to-text model.
type textToText struct {
	cfg    models.TextToText
	s2s    *seq2seq
	batch  *batcher.Batcher[genJob, genResult]
	decode TextDecoder
	// labelIDs are the label words' tokens, end-of-sequence last (nli);
	// words maps a normalised label word to its label (nli, clip).
	labelIDs [][]int64
	words    map[string]string
}

// loadTextToText opens the encoder and the folder's decoder files (merged or
// separate) and prepares the label words.
func (e *Engine) loadTextToText(m *model, entry models.Entry, tok Tokenizer) error {
	dec, ok := tok.(TextDecoder)
	if !ok {
		return errors.New("the tokenizer cannot decode token ids, which a text-to-text model needs")
	}
	mf := entry.Manifest
	t := &textToText{cfg: *mf.TextToText, decode: dec, words: map[string]string{}}
	for _, l := range mf.Labels {
		w := t.cfg.Word(l)
		t.words[models.NormalizeWord(w)] = l
		if mf.Task != models.TaskNLI {
			continue
		}
		encs, err := tok.Encode(EncodeRequest{Text: w, MaxLength: mf.MaxLength, Strategy: LongestFirst})
		if err != nil || len(encs) == 0 || len(encs[0].IDs) == 0 {
			return fmt.Errorf("label word %q does not tokenize: %v", w, err)
		}
		ids := slices.Clone(encs[0].IDs)
		if ids[len(ids)-1] != t.cfg.EOSToken() {
			ids = append(ids, t.cfg.EOSToken())
		}
		t.labelIDs = append(t.labelIDs, ids)
	}
	s2s, err := openSeq2Seq(e.cfg.Runtime, e.sessions, entry)
	if err != nil {
		return err
	}
	t.s2s = s2s
	gen := generator{s2s: s2s, cfg: genConfigOf(t.cfg)}
	t.batch = batcher.New(e.cfg.Batch, gen.run, genJobLen, m.obs)
	m.t2t = t
	return nil
}

// Close stops the model's batches; its sessions belong to the engine's pool.
func (t *textToText) Close() { t.batch.Close() }

// generate tokenizes the filled prompt and runs it.
func (m *model) generate(ctx context.Context, fields map[string]string, forced [][]int64, st *stats) (genResult, error) {
	prompt := m.t2t.cfg.FillPrompt(fields)
	encs, err := m.encode(EncodeRequest{Text: prompt, MaxLength: m.manifest.MaxLength, Strategy: LongestFirst}, st)
	if err != nil {
		return genResult{}, err
	}
	if len(encs) > 1 {
		// Truncating the filled prompt would cut its end: for NLI the
		// hypothesis, and a label would still come back for a question
		// the model never saw.
		return genResult{}, newError(CodeTooLong, "the input does not fit the model's prompt of %d tokens; shorten %s", m.manifest.MaxLength, longestField(fields))
	}
	outs, timing, err := m.t2t.batch.Submit(ctx, []genJob{{ids: encs[0].IDs, forced: forced}})
	if err != nil {
		return genResult{}, err
	}
	st.addBatch(timing)
	return outs[0], nil
}

// longestField names the longest field of a request, the one to shorten.
func longestField(fields map[string]string) string {
	name, n := "", -1
	for k, v := range fields {
		if len(v) > n || (len(v) == n && k < name) {
			name, n = k, len(v)
		}
	}
	return "input." + name
}

// text decodes a hypothesis without special tokens.
func (t *textToText) text(h hypothesis) (string, error) {
	s, err := t.decode.Decode(h.tokens)
	if err != nil {
		return "", &Error{Code: CodeInternal, Message: "decoding the generated tokens failed", Err: err}
	}
	return strings.TrimSpace(s), nil
}

// nliT2T ranks the label words by p(word </s> | prompt), normalised over
// the label words (a softmax of their sequence log-probabilities); the free
// generation is reported beside them.
func (m *model) nliT2T(ctx context.Context, premise, hypothesis string, st *stats) (NLIOutput, error) {
	res, err := m.generate(ctx, map[string]string{"premise": premise, "hypothesis": hypothesis}, m.t2t.labelIDs, st)
	if err != nil {
		return NLIOutput{}, err
	}
	text, err := m.t2t.text(res.hyps[0])
	if err != nil {
		return NLIOutput{}, err
	}
	return NLIOutput{Labels: rankLabels(m.manifest.Labels, softmax64(res.forced)), Generated: &text}, nil
}

// qaT2T turns the generated answers (one for greedy, up to top_k of the
// beams) into spans of the context; an answer that is not in the context is
// dropped, so the list can be empty (Generated still says what was written).
// Score is the answer's sequence probability.
func (m *model) qaT2T(ctx context.Context, question, context string, topK int, st *stats) (QAOutput, error) {
	res, err := m.generate(ctx, map[string]string{"question": question, "context": context}, nil, st)
	if err != nil {
		return QAOutput{}, err
	}
	out := QAOutput{Answers: []Answer{}}
	for i, h := range res.hyps {
		text, err := m.t2t.text(h)
		if err != nil {
			return QAOutput{}, err
		}
		if i == 0 {
			out.Generated = &text
		}
		start, end, ok := locate(context, text)
		if !ok || len(out.Answers) == topK {
			continue
		}
		runes := []rune(context)
		a := Answer{Text: string(runes[start:end]), Start: start, End: end, Score: math.Exp(h.sumLogprob)}
		if !slices.ContainsFunc(out.Answers, func(b Answer) bool { return b.Start == a.Start && b.End == a.End }) {
			out.Answers = append(out.Answers, a)
		}
	}
	return out, nil
}

// sentenceT2T parses the generated label list of one CLIP sentence. T5 writes
// a set, not per-label probabilities: a label the list names scores 1, the
// others 0 (thresholds stay 0.5).
func (m *model) sentenceT2T(ctx context.Context, sentence string, st *stats) ([]float64, string, error) {
	res, err := m.generate(ctx, map[string]string{"text": sentence}, nil, st)
	if err != nil {
		return nil, "", err
	}
	text, err := m.t2t.text(res.hyps[0])
	if err != nil {
		return nil, "", err
	}
	named := parseLabelList(text, m.t2t.cfg.LabelSeparator(), m.t2t.words)
	scores := make([]float64, len(m.manifest.Labels))
	for i, l := range m.manifest.Labels {
		if slices.Contains(named, l) {
			scores[i] = 1
		}
	}
	return scores, text, nil
}

// parseLabelList splits a generated list on sep and keeps the pieces that
// name a label (compared case-folded with spaces collapsed); other pieces
// are ignored.
func parseLabelList(text, sep string, words map[string]string) []string {
	var out []string
	for _, piece := range strings.Split(text, sep) {
		if l, ok := words[models.NormalizeWord(piece)]; ok && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// locate finds a generated answer in the context and returns its code-point
// span: the first exact occurrence, else the first occurrence after folding
// both (NFKC, lower case, runs of white space as one space — what T5's
// tokenizer does to text before the model sees it).
func locate(context, answer string) (start, end int, ok bool) {
	answer = strings.TrimSpace(answer)
	if answer == "" {
		return 0, 0, false
	}
	if i := strings.Index(context, answer); i >= 0 {
		start = len([]rune(context[:i]))
		return start, start + len([]rune(answer)), true
	}
	fc, at := fold(context)
	fa, _ := fold(answer)
	fa = []rune(strings.TrimSpace(string(fa)))
	if len(fa) == 0 {
		return 0, 0, false
	}
	for i := 0; i+len(fa) <= len(fc); i++ {
		if slices.Equal(fc[i:i+len(fa)], fa) {
			return at[i], at[i+len(fa)-1] + 1, true
		}
	}
	return 0, 0, false
}

// fold normalises s rune by rune; at[i] is the code-point index in s of
// folded rune i.
func fold(s string) (out []rune, at []int) {
	space := false
	for i, r := range []rune(s) {
		if unicode.IsSpace(r) {
			if !space {
				out, at = append(out, ' '), append(at, i)
			}
			space = true
			continue
		}
		space = false
		for _, f := range norm.NFKC.String(string(r)) {
			out, at = append(out, unicode.ToLower(f)), append(at, i)
		}
	}
	return out, at
}

// softmax64 normalises log-probabilities.
func softmax64(x []float64) []float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	out := make([]float64, len(x))
	sum := 0.0
	for i, v := range x {
		out[i] = math.Exp(v - m)
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}
