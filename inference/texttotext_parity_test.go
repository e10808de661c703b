//go:build cgo

package inference

// Generation parity with Hugging Face transformers: tools/models/t5_test_model.py
// exports a tiny random-weight T5 in optimum's three-file layout and records
// what transformers' generate writes (greedy, beam search with HF's defaults,
// beam search with a length penalty and early stopping) for prompts in the
// three tasks' formats. The Go decoder must write the same tokens, with
// sequence log-probabilities within 1e-4; decoding with and without the
// key/value cache must agree.
//
// Needs the ORT library (tools/ort/fetch.sh) and the test models
// (tools/models/setup.sh, which needs ../shared/tokenizers/t5.json); skips
// without them unless CI=true.

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/clinlm/clinlm/inference/models"
	"github.com/clinlm/clinlm/inference/ort"
	"github.com/clinlm/clinlm/internal/testenv"
)

type t5Reference struct {
	MaxNewTokens int `json:"max_new_tokens"`
	MaxLength    int `json:"max_length"`
	Settings     []struct {
		Name          string  `json:"name"`
		NumBeams      int     `json:"num_beams"`
		LengthPenalty float64 `json:"length_penalty"`
		EarlyStopping bool    `json:"early_stopping"`
	} `json:"settings"`
	Cases []struct {
		Task        string             `json:"task"`
		Fields      map[string]string  `json:"fields"`
		Prompt      string             `json:"prompt"`
		InputIDs    []int64            `json:"input_ids"`
		LabelIDs    map[string][]int64 `json:"label_word_ids"`
		LabelScores map[string]float64 `json:"label_scores"`
		Generations map[string][]t5Hyp `json:"generations"`
	} `json:"cases"`
}

type t5Hyp struct {
	Tokens     []int64  `json:"tokens"`
	Text       string   `json:"text"`
	SumLogprob float64  `json:"sum_logprob"`
	Score      *float64 `json:"score"`
}

var nliWords = []string{"entailment", "neutral", "contradiction"}

// t5Layouts are the tiny T5's folders, one per decoder layout; both must
// write what transformers writes.
var t5Layouts = []struct{ name, folder string }{
	{"separate", "tiny-t5-nli"},  // decoder_model.onnx + decoder_with_past_model.onnx
	{"merged", "tiny-t5-merged"}, // decoder_model_merged.onnx
}

// forEachT5Layout runs test as a subtest per decoder layout with the tiny
// T5's sessions, its reference (tiny-t5-nli/reference.json) and the folder
// holding the reference and the tokenizer.
func forEachT5Layout(t *testing.T, test func(t *testing.T, s2s *seq2seq, ref t5Reference, dir string)) {
	for _, l := range t5Layouts {
		t.Run(l.name, func(t *testing.T) {
			s2s, ref, dir := openTinyT5(t, l.folder)
			test(t, s2s, ref, dir)
		})
	}
}

// openTinyT5 loads the sessions of one tiny T5 folder and the reference.
func openTinyT5(t testing.TB, folder string) (*seq2seq, t5Reference, string) {
	t.Helper()
	lib := testenv.ORTLibrary(t)
	dir := filepath.Join(testenv.TestModels(t), "tiny-t5-nli")
	if _, err := os.Stat(filepath.Join(dir, "reference.json")); err != nil {
		t.Skipf("%s is missing: tools/models/setup.sh writes it when ../shared/tokenizers/t5.json exists", dir)
	}
	var ref t5Reference
	data, err := os.ReadFile(filepath.Join(dir, "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	entries, err := models.Scan(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(entries, func(e models.Entry) bool { return e.Name == folder })
	if i < 0 {
		t.Skipf("%s is missing: rerun tools/models/setup.sh", folder)
	}
	if entries[i].Err != nil {
		t.Fatalf("%s: %v", folder, entries[i].Err)
	}
	rt, err := ort.Open(ort.Config{LibraryPath: lib, Device: ort.DeviceCPU, IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	pool := newSessionPool(rt)
	s2s, err := openSeq2Seq(rt, pool, entries[i])
	if err != nil {
		pool.Close()
		rt.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pool.Close()
		rt.Close()
	})
	return s2s, ref, dir
}

func (r t5Reference) config(setting int) genConfig {
	s := r.Settings[setting]
	return genConfig{maxNewTokens: r.MaxNewTokens, numBeams: s.NumBeams, lengthPenalty: s.LengthPenalty,
		earlyStopping: s.EarlyStopping, start: 0, eos: 1, pad: 0}
}

func TestT5GenerationParity(t *testing.T) {
	forEachT5Layout(t, testGenerationParity)
}

func testGenerationParity(t *testing.T, s2s *seq2seq, ref t5Reference, _ string) {
	ctx := context.Background()
	compared := 0
	for si, s := range ref.Settings {
		gen := generator{s2s: s2s, cfg: ref.config(si)}
		var batch []genJob
		var want [][]t5Hyp
		for ci, c := range ref.Cases {
			batch = append(batch, genJob{ids: c.InputIDs})
			want = append(want, c.Generations[s.Name])
			res, err := gen.run(ctx, []genJob{{ids: c.InputIDs}})
			if err != nil {
				t.Fatal(err)
			}
			compareHyps(t, s.Name, ci, res[0].hyps, c.Generations[s.Name])
			compared++
		}
		// The same prompts in one padded batch write the same tokens.
		res, err := gen.run(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		for ci := range res {
			compareHyps(t, s.Name+"/batched", ci, res[ci].hyps, want[ci])
		}
	}
	t.Logf("%d prompt × setting cases equal transformers' generate (and again batched)", compared)
}

func compareHyps(t *testing.T, setting string, ci int, got []hypothesis, want []t5Hyp) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s case %d: %d hypotheses, transformers %d", setting, ci, len(got), len(want))
		return
	}
	for k := range got {
		if !slices.Equal(got[k].tokens, want[k].Tokens) {
			t.Errorf("%s case %d hypothesis %d:\n go %v\n hf %v", setting, ci, k, got[k].tokens, want[k].Tokens)
			continue
		}
		if d := math.Abs(got[k].sumLogprob - want[k].SumLogprob); d > tolerance {
			t.Errorf("%s case %d hypothesis %d: log p %.6f, transformers %.6f", setting, ci, k, got[k].sumLogprob, want[k].SumLogprob)
		}
		if want[k].Score != nil {
			if d := math.Abs(got[k].score - *want[k].Score); d > tolerance {
				t.Errorf("%s case %d hypothesis %d: beam score %.6f, transformers %.6f", setting, ci, k, got[k].score, *want[k].Score)
			}
		}
	}
}

const tolerance = 1e-4

// TestT5CacheMatchesNoCache feeds the same tokens to the cached decoder and
// to the decoder re-reading the whole history, step by step, including a
// beam reordering, and requires the same next-token probabilities (within
// 1e-4) and the same generations.
func TestT5CacheMatchesNoCache(t *testing.T) {
	forEachT5Layout(t, testCacheMatchesNoCache)
}

func testCacheMatchesNoCache(t *testing.T, s2s *seq2seq, ref t5Reference, _ string) {
	ctx := context.Background()
	// Rows 0 and 1 read the same prompt but follow different tokens (the
	// best and the second best), and swap histories every other step, as
	// beams of one request do; row 2 is another prompt.
	rows := [][]int64{ref.Cases[0].InputIDs, ref.Cases[0].InputIDs, ref.Cases[4].InputIDs}
	enc, err := s2s.encode(ctx, rows, 0)
	if err != nil {
		t.Fatal(err)
	}
	cached, full := &cachedStepper{m: s2s, enc: enc}, &fullStepper{m: s2s, enc: enc}
	tokens := []int64{0, 0, 0}
	var origin []int
	maxDiff, maxLogit := 0.0, 0.0
	for step := range 8 {
		a, va, err := cached.step(ctx, origin, tokens)
		if err != nil {
			t.Fatal(err)
		}
		b, vb, err := full.step(ctx, origin, tokens)
		if err != nil {
			t.Fatal(err)
		}
		if va != vb || len(a) != len(b) {
			t.Fatalf("step %d: vocab %d vs %d", step, va, vb)
		}
		for i := range a {
			maxLogit = math.Max(maxLogit, math.Abs(float64(a[i]-b[i])))
		}
		for r := range tokens {
			pa, pb := softmax(a[r*va:(r+1)*va]), softmax(b[r*va:(r+1)*va])
			for i := range pa {
				maxDiff = math.Max(maxDiff, math.Abs(pa[i]-pb[i]))
			}
		}
		for r := range tokens {
			row := slices.Clone(a[r*va : (r+1)*va])
			best := argmax(row)
			if r == 1 {
				row[best] = float32(math.Inf(-1))
				best = argmax(row)
			}
			tokens[r] = int64(best)
		}
		origin = nil
		if step%2 == 1 {
			origin = []int{1, 0, 2}
		}
	}
	if maxDiff > tolerance {
		t.Errorf("cached and uncached probabilities differ by %.3g", maxDiff)
	}
	t.Logf("cache vs no cache over 8 steps: probabilities within %.2g, logits within %.2g", maxDiff, maxLogit)
	for si := range ref.Settings {
		with := generator{s2s: s2s, cfg: ref.config(si)}
		without := generator{s2s: s2s, cfg: ref.config(si), noCache: true}
		for ci, c := range ref.Cases {
			a, err := with.run(ctx, []genJob{{ids: c.InputIDs}})
			if err != nil {
				t.Fatal(err)
			}
			b, err := without.run(ctx, []genJob{{ids: c.InputIDs}})
			if err != nil {
				t.Fatal(err)
			}
			for k := range a[0].hyps {
				if !slices.Equal(a[0].hyps[k].tokens, b[0].hyps[k].tokens) {
					t.Errorf("setting %d case %d: cache %v, no cache %v", si, ci, a[0].hyps[k].tokens, b[0].hyps[k].tokens)
				}
			}
		}
	}
}

// TestT5LabelWordScores checks the teacher-forced label-word probabilities
// (NLI scores) and that the Go tokenizer writes the reference's token ids.
func TestT5LabelWordScores(t *testing.T) {
	forEachT5Layout(t, testLabelWordScores)
}

func testLabelWordScores(t *testing.T, s2s *seq2seq, ref t5Reference, dir string) {
	tok, err := HFTokenizer(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	gen := generator{s2s: s2s, cfg: ref.config(0)}
	for ci, c := range ref.Cases {
		encs, err := tok.Encode(EncodeRequest{Text: c.Prompt, MaxLength: ref.MaxLength, Strategy: LongestFirst})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(encs[0].IDs, c.InputIDs) {
			t.Errorf("case %d: Go tokenizer %v, HF %v", ci, encs[0].IDs, c.InputIDs)
		}
		text, err := tok.(TextDecoder).Decode(c.Generations["greedy"][0].Tokens)
		if err != nil || text != c.Generations["greedy"][0].Text {
			t.Errorf("case %d: decoded %q (%v), HF %q", ci, text, err, c.Generations["greedy"][0].Text)
		}
		if c.Task != "nli" {
			continue
		}
		var forced [][]int64
		for _, w := range nliWords {
			forced = append(forced, c.LabelIDs[w])
		}
		res, err := gen.run(context.Background(), []genJob{{ids: c.InputIDs, forced: forced}})
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range softmax64(res[0].forced) {
			if d := math.Abs(p - c.LabelScores[nliWords[i]]); d > tolerance {
				t.Errorf("case %d %s: go %.6f transformers %.6f", ci, nliWords[i], p, c.LabelScores[nliWords[i]])
			}
		}
	}
}

// TestT5DecodeSpeed reports the tiny model's decoding cost on the CPU
// (32 new tokens, encoder run included, one ORT thread).
func TestT5DecodeSpeed(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	forEachT5Layout(t, testDecodeSpeed)
}

func testDecodeSpeed(t *testing.T, s2s *seq2seq, ref t5Reference, _ string) {
	const tokens, runs = 32, 3
	for _, tc := range []struct {
		name         string
		beams, batch int
	}{{"greedy", 1, 1}, {"greedy, batch of 8", 1, 8}, {"4 beams", 4, 1}} {
		gen := generator{s2s: s2s, cfg: genConfig{maxNewTokens: tokens, numBeams: tc.beams, lengthPenalty: 1, start: 0, eos: -1, pad: 0}}
		var jobs []genJob
		for i := range tc.batch {
			jobs = append(jobs, genJob{ids: ref.Cases[i%len(ref.Cases)].InputIDs})
		}
		if _, err := gen.run(context.Background(), jobs); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for range runs {
			if _, err := gen.run(context.Background(), jobs); err != nil {
				t.Fatal(err)
			}
		}
		step := time.Since(start) / (runs * tokens)
		t.Logf("tiny T5, %s: %.2f ms per decoding step, %.2f ms per request-token", tc.name,
			float64(step.Microseconds())/1000, float64(step.Microseconds())/1000/float64(tc.batch))
	}
}
