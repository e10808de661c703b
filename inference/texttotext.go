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

// genJob is one request to a text-to-text model: in process the prompt's
// tokens and, for NLI, the label words to score by teacher forcing; for a
// remote generator the filled prompt's text.
type genJob struct {
	ids    []int64
	forced [][]int64
	prompt string
}

// genResult holds the generated hypotheses (best first) and the log-
// probability of each forced sequence; a remote generator answers texts
// instead.
type genResult struct {
	hyps   []hypothesis
	forced []float64
	texts  []string
}

// genJobLen is a job's length for batching: tokens, or a remote prompt's bytes.
func genJobLen(j genJob) int {
	if j.ids == nil {
		return len(j.prompt)
	}
	return len(j.ids)
}

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

// textToText is a loaded text-to-text model, run in process (s2s) or by a
// remote generator (remote).
type textToText struct {
	cfg    models.TextToText
	s2s    *seq2seq
	remote *v2Generator
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

// loadRemoteTextToText binds a text-to-text model to its remote generator
// (remote.generates): no tokenizer or session here, the server generates.
func (e *Engine) loadRemoteTextToText(m *model, entry models.Entry) error {
	mf := entry.Manifest
	g, err := openV2Generator(context.Background(), entry)
	if err != nil {
		return err
	}
	t := &textToText{cfg: *mf.TextToText, remote: g, words: map[string]string{}}
	for _, l := range mf.Labels {
		t.words[models.NormalizeWord(t.cfg.Word(l))] = l
	}
	t.batch = batcher.New(e.cfg.Batch, g.run, genJobLen, m.obs)
	m.t2t = t
	m.info.Provider, m.info.Endpoint = g.Provider(), g.Endpoint()
	return nil
}

// Close stops the model's batches; in-process sessions belong to the
// engine's pool.
func (t *textToText) Close() {
	t.batch.Close()
	if t.remote != nil {
		_ = t.remote.Close()
	}
}

// generation is what a text-to-text model wrote for one prompt: the texts
// of its hypotheses, best first, with their sequence probabilities, and for
// NLI the label words' log-probabilities. A remote generator answers one
// text and no probabilities (probs and forced are nil).
type generation struct {
	texts  []string
	probs  []float64
	forced []float64
}

// generate fills the prompt and runs it: tokenized here in process, as
// text on a remote generator.
func (m *model) generate(ctx context.Context, fields map[string]string, forced [][]int64, st *stats) (generation, error) {
	prompt := m.t2t.cfg.FillPrompt(fields)
	job := genJob{prompt: prompt}
	if m.t2t.remote == nil {
		encs, err := m.encode(EncodeRequest{Text: prompt, MaxLength: m.manifest.MaxLength, Strategy: LongestFirst}, st)
		if err != nil {
			return generation{}, err
		}
		if len(encs) > 1 {
			// Truncating the filled prompt would cut its end: for NLI the
			// hypothesis, and a label would still come back for a question
			// the model never saw.
			return generation{}, newError(CodeTooLong, "the input does not fit the model's prompt of %d tokens; shorten %s", m.manifest.MaxLength, longestField(fields))
		}
		job = genJob{ids: encs[0].IDs, forced: forced}
	}
	outs, timing, err := m.t2t.batch.Submit(ctx, []genJob{job})
	if err != nil {
		return generation{}, err
	}
	st.addBatch(timing)
	res := outs[0]
	if res.texts != nil {
		return generation{texts: res.texts}, nil
	}
	g := generation{forced: res.forced}
	for _, h := range res.hyps {
		text, err := m.t2t.text(h)
		if err != nil {
			return generation{}, err
		}
		g.texts = append(g.texts, text)
		g.probs = append(g.probs, math.Exp(h.sumLogprob))
	}
	return g, nil
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
// generation is reported beside them. A remote generator gives no
// probabilities: the label whose word it wrote scores 1, the others 0.
func (m *model) nliT2T(ctx context.Context, premise, hypothesis string, st *stats) (NLIOutput, error) {
	res, err := m.generate(ctx, map[string]string{"premise": premise, "hypothesis": hypothesis}, m.t2t.labelIDs, st)
	if err != nil {
		return NLIOutput{}, err
	}
	text := strings.TrimSpace(res.texts[0])
	scores := make([]float64, len(m.manifest.Labels))
	if res.forced != nil {
		scores = softmax64(res.forced)
	} else if l, ok := m.t2t.words[models.NormalizeWord(text)]; ok {
		scores[slices.Index(m.manifest.Labels, l)] = 1
	}
	return NLIOutput{Labels: rankLabels(m.manifest.Labels, scores), Generated: &text}, nil
}

// qaT2T turns the generated answers (one for greedy or a remote generator,
// up to top_k of the beams) into spans of the context; an answer that is
// not in the context is dropped, so the list can be empty (Generated still
// says what was written). Score is the answer's sequence probability, 1 for
// a remote generator's (which gives none).
func (m *model) qaT2T(ctx context.Context, question, context string, topK int, st *stats) (QAOutput, error) {
	res, err := m.generate(ctx, map[string]string{"question": question, "context": context}, nil, st)
	if err != nil {
		return QAOutput{}, err
	}
	out := QAOutput{Answers: []Answer{}}
	for i, text := range res.texts {
		text = strings.TrimSpace(text)
		if i == 0 {
			out.Generated = &text
		}
		start, end, ok := locate(context, text)
		if !ok || len(out.Answers) == topK {
			continue
		}
		score := 1.0
		if res.probs != nil {
			score = res.probs[i]
		}
		runes := []rune(context)
		a := Answer{Text: string(runes[start:end]), Start: start, End: end, Score: score}
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
	text := strings.TrimSpace(res.texts[0])
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
