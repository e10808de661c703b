package inference

import (
	"context"
	"math"
	"slices"
	"sort"
)

// genConfig are the decoding settings of a text-to-text model.
type genConfig struct {
	maxNewTokens  int
	numBeams      int
	lengthPenalty float64
	earlyStopping bool
	start, eos    int64
	pad           int64
}

// hypothesis is one generated sequence: its tokens (the decoder start token
// left out, the end-of-sequence token kept when it was generated), the sum
// of their log-probabilities and, for beam search, HF's ranking score
// sumLogprob / length^length_penalty.
type hypothesis struct {
	tokens     []int64
	sumLogprob float64
	score      float64
}

// logSoftmaxAt is log softmax(x)[i], in float64.
func logSoftmaxAt(x []float32, i int) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, float64(v))
	}
	sum := 0.0
	for _, v := range x {
		sum += math.Exp(float64(v) - m)
	}
	return float64(x[i]) - m - math.Log(sum)
}

// argmax is the first index of the largest value, like torch.argmax.
func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// greedy decodes every row by its most likely next token until each has
// written the end-of-sequence token or max_new_tokens, like HF's generate
// with num_beams=1: finished rows are fed the pad token until all finish.
func greedy(ctx context.Context, st stepper, rows int, cfg genConfig) ([]hypothesis, error) {
	out := make([]hypothesis, rows)
	done := make([]bool, rows)
	next := make([]int64, rows)
	for i := range next {
		next[i] = cfg.start
	}
	for range cfg.maxNewTokens {
		// The batch's context ends when all its callers have gone: stop
		// decoding then instead of running max_new_tokens steps for nobody.
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		logits, vocab, err := st.step(ctx, nil, next)
		if err != nil {
			return nil, err
		}
		finished := 0
		for r := range rows {
			if done[r] {
				next[r] = cfg.pad
				finished++
				continue
			}
			row := logits[r*vocab : (r+1)*vocab]
			tok := argmax(row)
			out[r].tokens = append(out[r].tokens, int64(tok))
			out[r].sumLogprob += logSoftmaxAt(row, tok)
			next[r] = int64(tok)
			if int64(tok) == cfg.eos {
				done[r] = true
				finished++
			}
		}
		if finished == rows {
			break
		}
	}
	for i := range out {
		out[i].score = out[i].sumLogprob
	}
	return out, nil
}

// beamItem is the beam-search state of one request.
type beamItem struct {
	running  [][]int64 // numBeams live sequences
	scores   []float32 // their summed log-probabilities
	finished []hypothesis
	// open is HF's is_early_stop_heuristic_unsatisfied: the live beams may
	// still beat the worst finished hypothesis.
	open bool
}

type candidate struct {
	beam  int
	token int64
	score float32
}

// beamSearch follows transformers' beam search (5.x, _beam_search) for
// requests of batch rows, numBeams rows each:
//   - scores are float32 sums of log-softmax, the first beam starting at 0
//     and the others at -1e9 so that step one expands one beam;
//   - each step keeps the 2·numBeams best (beam, token) continuations; those
//     ending in the end-of-sequence token (or reaching max_new_tokens) and
//     ranked within the first numBeams become finished hypotheses scored
//     sum / length^length_penalty (length counts generated tokens, the end
//     token included); the best numBeams others continue;
//   - a request stops accepting hypotheses once numBeams have finished and
//     the best live beam, scored at its current length, cannot beat the
//     worst of them (HF's default early_stopping=False heuristic), or, with
//     early_stopping, as soon as numBeams have finished;
//   - the search ends when no request can improve or at max_new_tokens.
//
// It returns each request's finished hypotheses, best first.
func beamSearch(ctx context.Context, st stepper, batch int, cfg genConfig) ([][]hypothesis, error) {
	n := cfg.numBeams
	items := make([]beamItem, batch)
	for b := range items {
		items[b] = beamItem{running: make([][]int64, n), scores: make([]float32, n), open: true}
		for j := 1; j < n; j++ {
			items[b].scores[j] = -1e9
		}
	}
	tokens := make([]int64, batch*n)
	for i := range tokens {
		tokens[i] = cfg.start
	}
	var origin []int
	maxLength := 1 + cfg.maxNewTokens
	for curLen := 1; curLen < maxLength; curLen++ {
		if err := ctx.Err(); err != nil {
			return nil, err // every caller of the batch has gone
		}
		logits, vocab, err := st.step(ctx, origin, tokens)
		if err != nil {
			return nil, err
		}
		origin = make([]int, batch*n)
		lastStep := curLen+1 >= maxLength
		anyOpen, allFull := false, true
		for b := range items {
			it := &items[b]
			cands := topContinuations(logits[b*n*vocab:(b+1)*n*vocab], vocab, it.scores, 2*n)
			hits := func(c candidate) bool { return c.token == cfg.eos || lastStep }
			// Finished hypotheses: only candidates ranked within the first n count.
			if it.open && !(cfg.earlyStopping && len(it.finished) == n) {
				added := false
				for k := range n {
					c := cands[k]
					if !hits(c) {
						continue
					}
					seq := append(slices.Clone(it.running[c.beam]), c.token)
					score := float64(c.score / float32(math.Pow(float64(curLen), cfg.lengthPenalty)))
					it.finished = append(it.finished, hypothesis{tokens: seq, sumLogprob: float64(c.score), score: score})
					added = true
				}
				if added {
					sort.SliceStable(it.finished, func(a, c int) bool { return it.finished[a].score > it.finished[c].score })
					if len(it.finished) > n {
						it.finished = it.finished[:n]
					}
				}
			}
			// Live beams: the best n candidates that did not finish.
			next := make([][]int64, 0, n)
			scores := make([]float32, 0, n)
			for _, c := range cands {
				if len(next) == n {
					break
				}
				if hits(c) {
					continue
				}
				next = append(next, append(slices.Clone(it.running[c.beam]), c.token))
				scores = append(scores, c.score)
				origin[b*n+len(next)-1] = b*n + c.beam
				tokens[b*n+len(next)-1] = c.token
			}
			for len(next) < n { // only at max_new_tokens, when the loop ends
				next = append(next, nil)
				scores = append(scores, -1e9)
				origin[b*n+len(next)-1] = b * n
				tokens[b*n+len(next)-1] = cfg.pad
			}
			it.running, it.scores = next, scores
			if it.open && len(it.finished) == n {
				best := it.scores[0] / float32(math.Pow(float64(curLen), cfg.lengthPenalty))
				worst := float32(it.finished[n-1].score)
				it.open = best > worst
			}
			anyOpen = anyOpen || it.open
			allFull = allFull && len(it.finished) == n
		}
		if !anyOpen || (cfg.earlyStopping && allFull) {
			break
		}
	}
	out := make([][]hypothesis, batch)
	for b, it := range items {
		out[b] = it.finished
	}
	return out, nil
}

// topContinuations ranks (beam, token) pairs of one request by accumulated
// score (log-softmax in float32 plus the beam's score) and returns the k
// best, ties in index order.
func topContinuations(logits []float32, vocab int, beamScores []float32, k int) []candidate {
	best := make([]candidate, 0, k+1)
	worse := func(a, b candidate) bool { // a ranks after b
		if a.score != b.score {
			return a.score < b.score
		}
		return a.beam > b.beam || (a.beam == b.beam && a.token > b.token)
	}
	for j, base := range beamScores {
		row := logits[j*vocab : (j+1)*vocab]
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, float64(v))
		}
		sum := 0.0
		for _, v := range row {
			sum += math.Exp(float64(v) - m)
		}
		logZ := m + math.Log(sum)
		for t, v := range row {
			c := candidate{beam: j, token: int64(t), score: float32(float64(v)-logZ) + base}
			if len(best) == k && !worse(best[k-1], c) {
				continue
			}
			i := sort.Search(len(best), func(i int) bool { return worse(best[i], c) })
			best = slices.Insert(best, i, c)
			if len(best) > k {
				best = best[:k]
			}
		}
	}
	return best
}
