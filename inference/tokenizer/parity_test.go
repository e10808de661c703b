//go:build !(js && wasm)

package tokenizer_test

// Parity with Hugging Face `tokenizers` (Python binding, pinned in tools/requirements.txt).
//
// For every tokenizer.json in ../shared/tokenizers, the GPT-2 one built from encoder.json +
// merges.txt, the dashboard's catalogue (tokenizers/files) and the small tokenizers
// tools/train_tokenizers.py trains to cover the other HF options, testdata/parity/hard_cases.jsonl
// plus the sampled clinical corpus (tools/parity_corpus.py) go through RunJSONLines and through
// tools/tokenizer_reference.py; the JSON lines must agree.
//
//	go test ./inference/tokenizer/ -run Parity -v                    # everything
//	go test ./inference/tokenizer/ -run 'Parity/^bert-base-uncased$' # one tokenizer
//	go test ./inference/tokenizer/ -run Parity -short                # hard cases only
//
// Each tokenizer is a parallel subtest with two subtests of its own: "encode" (ids, tokens,
// offsets) and "extras" (type_ids, special_tokens_mask, decoded), so a decoder bug does not hide
// an encoder one. Trained tokenizers get the hard cases and a quarter of the corpus, the others
// all of it (CLINLM_PARITY_FULL=1: all of it for every tokenizer). Reference outputs are cached
// in <repo>/.cache/parity/reference/<inputs>/ keyed by the hash of the inputs, the tokenizer
// file, the tokenizers version and the reference script; a run also leaves summary.md and
// mismatches/<tokenizer>.jsonl (every differing case, both outputs) there.
//
// Needs ../shared (or $CLINLM_SHARED) and <repo>/.venv (bash tools/setup_venv.sh). Without
// them the test skips, except that with CI=true a missing venv is a failure.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/clinlm/clinlm/inference/tokenizer"

	"github.com/clinlm/clinlm/internal/testenv"
)

// parityDetails is how many differing cases each subtest describes in full.
const parityDetails = 3

// parityEnv is where the parity inputs, tools and build outputs live.
type parityEnv struct {
	repo, shared, python, build string
}

// parityManifest is what tools/parity_prepare.py prints.
type parityManifest struct {
	TokenizersVersion string `json:"tokenizers_version"`
	Inputs            struct {
		Corpus    string `json:"corpus"`
		HardCases string `json:"hard_cases"`
	} `json:"inputs"`
	Tokenizers []parityTokenizer `json:"tokenizers"`
}

type parityTokenizer struct {
	Name     string `json:"name"`
	Path     string `json:"path"`
	Source   string `json:"source"`
	Model    string `json:"model"`
	Family   string `json:"family"`
	Features string `json:"features"`
}

// parityInput is one input line of the CLI contract.
type parityInput struct {
	ID   json.RawMessage `json:"id"`
	Text string          `json:"text"`
	Pair *string         `json:"pair"`
}

// parityOutput is one output line of the CLI contract (either the encoding or an error).
type parityOutput struct {
	ID                json.RawMessage `json:"id"`
	IDs               []int           `json:"ids"`
	Tokens            []string        `json:"tokens"`
	Offsets           [][2]int        `json:"offsets"`
	TypeIDs           []int           `json:"type_ids"`
	SpecialTokensMask []int           `json:"special_tokens_mask"`
	Decoded           *string         `json:"decoded"`
	Error             string          `json:"error"`
}

func TestParity(t *testing.T) {
	env := findParityEnv(t)
	manifest := prepareParity(t, env)
	scopes := parityScopes(t, env, manifest)
	refScript, err := os.ReadFile(filepath.Join(env.repo, "tools", "tokenizer_reference.py"))
	if err != nil {
		t.Fatal(err)
	}

	var (
		mu      sync.Mutex
		results []paritySummary
	)
	// Cleanup runs after every (parallel) subtest has finished.
	t.Cleanup(func() {
		summary := renderParitySummary(manifest, results)
		t.Log("\n" + summary)
		if err := writeAtomic(filepath.Join(env.build, "summary.md"), []byte(summary)); err != nil {
			t.Errorf("writing summary: %v", err)
		}
	})
	for _, tk := range manifest.Tokenizers {
		t.Run(tk.Name, func(t *testing.T) {
			// One Python reference process and one engine run per subtest; -parallel (default
			// GOMAXPROCS) subtests at a time keep every core busy.
			t.Parallel()
			sc := scopes.forTokenizer(tk)
			want := splitLines(referenceOutput(t, env, manifest, tk, sc, refScript))
			if len(want) != len(sc.cases) {
				t.Fatalf("reference has %d lines for %d cases", len(want), len(sc.cases))
			}
			cmp := &parityComparison{cases: sc.cases}
			got, loadErr := engineOutputs(tk.Path, sc.inputs)
			if loadErr == nil {
				cmp = compareRawParity(sc.cases, got, want)
			}
			cmp.tokenizer, cmp.family, cmp.loadErr, cmp.scope = tk, tk.Family, loadErr, sc.name

			t.Run("encode", func(t *testing.T) { cmp.report(t, "ids/tokens/offsets", cmp.encodeDiffs) })
			t.Run("extras", func(t *testing.T) { cmp.report(t, "type_ids/special_tokens_mask/decoded", cmp.extraDiffs) })
			writeMismatches(t, env, cmp)

			mu.Lock()
			results = append(results, cmp.summary())
			mu.Unlock()
		})
	}
}

// parityScope is one set of input cases, written to a file for the Python reference.
type parityScope struct {
	name   string
	path   string
	inputs []byte
	cases  []parityInput
}

type parityScopeSet struct {
	short             bool
	hard, sample, all parityScope
}

// parityScopes builds the input sets: the hard cases alone (-short), hard cases plus every
// sampleStride-th corpus line ("sample", for the trained tokenizers, which exist to cover
// pipeline options rather than vocabularies), and hard cases plus the whole corpus ("full", for
// the published tokenizers and the dashboard's own; CLINLM_PARITY_FULL=1 uses it for all).
func parityScopes(t *testing.T, env parityEnv, m parityManifest) *parityScopeSet {
	t.Helper()
	const sampleStride = 4
	hard := readCases(t, m.Inputs.HardCases, 1)
	set := &parityScopeSet{short: testing.Short()}
	set.hard = newParityScope(t, env, "short", hard)
	if !set.short {
		set.sample = newParityScope(t, env, "sample", append(slices.Clone(hard), readCases(t, m.Inputs.Corpus, sampleStride)...))
		set.all = newParityScope(t, env, "full", append(slices.Clone(hard), readCases(t, m.Inputs.Corpus, 1)...))
	}
	return set
}

func (s *parityScopeSet) forTokenizer(tk parityTokenizer) parityScope {
	switch {
	case s.short:
		return s.hard
	case tk.Source == "trained" && os.Getenv("CLINLM_PARITY_FULL") != "1":
		return s.sample
	default:
		return s.all
	}
}

type rawCase struct {
	line []byte
	in   parityInput
}

func newParityScope(t *testing.T, env parityEnv, name string, cases []rawCase) parityScope {
	t.Helper()
	sc := parityScope{name: name, path: filepath.Join(env.build, "inputs-"+name+".jsonl")}
	for _, c := range cases {
		sc.inputs = append(sc.inputs, c.line...)
		sc.inputs = append(sc.inputs, '\n')
		sc.cases = append(sc.cases, c.in)
	}
	writeIfChanged(t, sc.path, sc.inputs)
	return sc
}

// --- environment ----------------------------------------------------------------------------

func findParityEnv(t *testing.T) parityEnv {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	repo := wd
	for {
		if _, err := os.Stat(filepath.Join(repo, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(repo)
		if parent == repo {
			t.Fatalf("no go.mod above %s", wd)
		}
		repo = parent
	}
	shared := testenv.SharedPath(t)
	for _, need := range []string{"tokenizers", "data"} {
		if _, err := os.Stat(filepath.Join(shared, need)); err != nil {
			t.Skipf("parity: %s not found (shared research data; set CLINLM_SHARED): %v", filepath.Join(shared, need), err)
		}
	}
	python := filepath.Join(repo, ".venv", "bin", "python")
	if _, err := os.Stat(python); err != nil {
		msg := fmt.Sprintf("parity: %s not found; create it with `bash tools/setup_venv.sh`", python)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	build := filepath.Join(repo, ".cache", "parity")
	if err := os.MkdirAll(build, 0o755); err != nil {
		t.Fatal(err)
	}
	return parityEnv{repo: repo, shared: shared, python: python, build: build}
}

func prepareParity(t *testing.T, env parityEnv) parityManifest {
	t.Helper()
	cmd := exec.Command(env.python, filepath.Join(env.repo, "tools", "parity_prepare.py"),
		"--shared", env.shared, "--build", env.build)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tools/parity_prepare.py: %v\n%s", err, stderr.String())
	}
	var m parityManifest
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("tools/parity_prepare.py printed no manifest: %v\n%s", err, out)
	}
	if len(m.Tokenizers) == 0 {
		t.Fatal("tools/parity_prepare.py listed no tokenizers")
	}
	return m
}

// readCases reads every stride-th line of a JSON-lines input file.
func readCases(t *testing.T, path string, stride int) []rawCase {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []rawCase
	for i, line := range bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n")) {
		if i%stride != 0 {
			continue
		}
		var in parityInput
		if err := json.Unmarshal(line, &in); err != nil {
			t.Fatalf("%s:%d: %v", path, i+1, err)
		}
		cases = append(cases, rawCase{line: line, in: in})
	}
	return cases
}

func writeIfChanged(t *testing.T, path string, data []byte) {
	t.Helper()
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return
	}
	if err := writeAtomic(path, data); err != nil {
		t.Fatal(err)
	}
}

// writeAtomic replaces path via a rename, so a concurrent parity run (another helper's, in the
// same checkout) never reads a half-written file.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// --- reference outputs ------------------------------------------------------------------------

// referenceOutput returns the Python reference output of one tokenizer for one input scope,
// running tools/tokenizer_reference.py when it is not cached.
func referenceOutput(t *testing.T, env parityEnv, m parityManifest, tk parityTokenizer, sc parityScope, script []byte) []byte {
	t.Helper()
	tokBytes, err := os.ReadFile(tk.Path)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(env.build, "reference", sc.name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	key := contentKey(sc.inputs, tokBytes, []byte(m.TokenizersVersion), script)
	out := filepath.Join(dir, tk.Name+"-"+key[:16]+".jsonl")
	if data, err := os.ReadFile(out); err == nil {
		return data
	}
	t.Logf("computing the HF reference (tokenizers %s, %d cases)", m.TokenizersVersion, len(sc.cases))
	tmp := fmt.Sprintf("%s.%d.tmp", out, os.Getpid())
	cmd := exec.Command(env.python, filepath.Join(env.repo, "tools", "tokenizer_reference.py"),
		"--tokenizer", tk.Path, "--input", sc.path, "--output", tmp)
	cmd.Env = append(os.Environ(), "RAYON_NUM_THREADS=1", "TOKENIZERS_PARALLELISM=false")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		t.Fatalf("tools/tokenizer_reference.py: %v\n%s", err, stderr.String())
	}
	if err := os.Rename(tmp, out); err != nil {
		t.Fatal(err)
	}
	removeStale(dir, tk.Name, out)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func contentKey(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// removeStale deletes older cached references of the same tokenizer so the cache stays small.
func removeStale(dir, name, keep string) {
	old, _ := filepath.Glob(filepath.Join(dir, name+"-*.jsonl"))
	for _, f := range old {
		// The hash suffix is 16 hex digits; longer names belong to other tokenizers.
		if f != keep && len(filepath.Base(f)) == len(name)+len("-0123456789abcdef.jsonl") {
			os.Remove(f)
		}
	}
}

// --- engine outputs ----------------------------------------------------------------------------

// engineOutputs runs the Go engine over all inputs at once and returns its output lines. If
// RunJSONLines panics, the inputs are rerun one line at a time so every panicking case shows up
// as its own error line.
func engineOutputs(path string, inputs []byte) ([][]byte, error) {
	tok, err := tokenizer.FromFile(path)
	if err != nil {
		return nil, fmt.Errorf("FromFile: %w", err)
	}
	out, err := runEngine(tok, inputs)
	if err == nil {
		return splitLines(out), nil
	}
	var lines [][]byte
	for _, in := range splitLines(inputs) {
		one, err := runEngine(tok, append(slices.Clip(in), '\n'))
		if err == nil && len(splitLines(one)) != 1 {
			err = fmt.Errorf("RunJSONLines wrote %d lines for one input", len(splitLines(one)))
		}
		if err != nil {
			msg, _ := json.Marshal(parityOutput{Error: "go engine: " + err.Error()})
			lines = append(lines, msg)
			continue
		}
		lines = append(lines, splitLines(one)[0])
	}
	return lines, nil
}

func runEngine(tok *tokenizer.Tokenizer, inputs []byte) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	var buf bytes.Buffer
	if err := tokenizer.RunJSONLines(tok, bytes.NewReader(inputs), &buf); err != nil {
		return nil, fmt.Errorf("RunJSONLines: %w", err)
	}
	return buf.Bytes(), nil
}

// splitLines splits JSON lines on '\n' only: U+2028 and friends may appear raw inside strings.
func splitLines(data []byte) [][]byte {
	data = bytes.TrimRight(data, "\n")
	if len(data) == 0 {
		return nil
	}
	return bytes.Split(data, []byte("\n"))
}

// parseLine decodes one output line; a line that is not valid JSON becomes an error output.
func parseLine(line []byte) parityOutput {
	var o parityOutput
	if err := json.Unmarshal(line, &o); err != nil {
		return parityOutput{Error: fmt.Sprintf("unparseable output line (%v): %.200s", err, line)}
	}
	return o
}

// --- comparison ------------------------------------------------------------------------------

// parityDiff is one case whose outputs differ in some fields.
type parityDiff struct {
	index  int
	fields []string
	// token is the first token index where ids/tokens/offsets differ (-1 when not applicable).
	token int
}

type parityComparison struct {
	tokenizer   parityTokenizer
	family      string
	scope       string
	loadErr     error
	cases       []parityInput
	got, want   []parityOutput
	encodeDiffs []parityDiff
	extraDiffs  []parityDiff
	decodedDiff int
	goErrors    int
}

// compareRawParity compares output lines. Byte-identical lines (the engine writes JSON the way
// Python's json.dumps does, so nearly all of them) are identical in every field and skip JSON
// decoding, which would otherwise dominate the test's run time; only the rest are decoded.
func compareRawParity(cases []parityInput, got, want [][]byte) *parityComparison {
	gotOut, wantOut := make([]parityOutput, len(got)), make([]parityOutput, len(want))
	same := make([]bool, len(cases))
	goErrors := 0
	for i := range cases {
		if i < len(got) && i < len(want) && bytes.Equal(got[i], want[i]) {
			same[i] = true
			// A key "error" can only appear unescaped as a key: the case errors on both sides.
			if bytes.Contains(got[i], []byte(`"error"`)) && parseLine(got[i]).Error != "" {
				goErrors++
			}
			continue
		}
		if i < len(got) {
			gotOut[i] = parseLine(got[i])
		}
		if i < len(want) {
			wantOut[i] = parseLine(want[i])
		}
	}
	c := compareParityLines(cases, gotOut, wantOut, same)
	c.goErrors += goErrors
	return c
}

// compareParity compares engine and reference outputs line by line; a missing or extra line
// is a difference, so an engine that writes nothing cannot pass.
func compareParity(cases []parityInput, got, want []parityOutput) *parityComparison {
	return compareParityLines(cases, got, want, nil)
}

// compareParityLines is compareParity that skips the cases marked in same (known identical).
func compareParityLines(cases []parityInput, got, want []parityOutput, same []bool) *parityComparison {
	c := &parityComparison{cases: cases, got: got, want: want}
	for i := range cases {
		if same != nil && same[i] {
			continue
		}
		var g, w parityOutput
		gotLine, wantLine := i < len(got), i < len(want)
		if gotLine {
			g = got[i]
		}
		if wantLine {
			w = want[i]
		}
		if gotLine && g.Error != "" {
			c.goErrors++
		}
		var enc, extra []string
		switch {
		case !gotLine:
			enc = append(enc, "missing output line")
		case !wantLine:
			enc = append(enc, "extra output line (reference has none)")
		case g.Error != "" || w.Error != "":
			if (g.Error == "") != (w.Error == "") {
				enc = append(enc, "error")
			}
		default:
			if !jsonEqual(g.ID, w.ID) {
				enc = append(enc, "id")
			}
			for _, f := range []struct {
				name string
				a, b any
			}{{"ids", g.IDs, w.IDs}, {"tokens", g.Tokens, w.Tokens}, {"offsets", g.Offsets, w.Offsets}} {
				if !reflect.DeepEqual(nilToEmpty(f.a), nilToEmpty(f.b)) {
					enc = append(enc, f.name)
				}
			}
			for _, f := range []struct {
				name string
				a, b any
			}{{"type_ids", g.TypeIDs, w.TypeIDs}, {"special_tokens_mask", g.SpecialTokensMask, w.SpecialTokensMask}} {
				if !reflect.DeepEqual(nilToEmpty(f.a), nilToEmpty(f.b)) {
					extra = append(extra, f.name)
				}
			}
			if deref(g.Decoded) != deref(w.Decoded) || (g.Decoded == nil) != (w.Decoded == nil) {
				extra = append(extra, "decoded")
				c.decodedDiff++
			}
		}
		if len(enc) > 0 {
			c.encodeDiffs = append(c.encodeDiffs, parityDiff{index: i, fields: enc, token: firstTokenDiff(g, w)})
		}
		if len(extra) > 0 {
			c.extraDiffs = append(c.extraDiffs, parityDiff{index: i, fields: extra, token: -1})
		}
	}
	return c
}

func nilToEmpty(v any) any {
	switch s := v.(type) {
	case []int:
		if s == nil {
			return []int{}
		}
	case []string:
		if s == nil {
			return []string{}
		}
	case [][2]int:
		if s == nil {
			return [][2]int{}
		}
	}
	return v
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func jsonEqual(a, b json.RawMessage) bool {
	var ca, cb bytes.Buffer
	if json.Compact(&ca, a) != nil || json.Compact(&cb, b) != nil {
		return bytes.Equal(a, b)
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}

// firstTokenDiff is the first index where ids, tokens or offsets differ, or -1.
func firstTokenDiff(g, w parityOutput) int {
	n := max(len(g.IDs), len(w.IDs), len(g.Tokens), len(w.Tokens), len(g.Offsets), len(w.Offsets))
	for i := 0; i < n; i++ {
		if at(g.IDs, i) != at(w.IDs, i) || at(g.Tokens, i) != at(w.Tokens, i) || at(g.Offsets, i) != at(w.Offsets, i) {
			return i
		}
	}
	return -1
}

// at is s[i], or the zero value past the end (with ok=false folded into a distinct value).
func at[T comparable](s []T, i int) any {
	if i < len(s) {
		return s[i]
	}
	return "<none>"
}

func (c *parityComparison) report(t *testing.T, what string, diffs []parityDiff) {
	t.Helper()
	if c.loadErr != nil {
		t.Fatalf("%s (%s): the engine cannot load %s: %v", c.tokenizer.Name, c.tokenizer.Features, c.tokenizer.Path, c.loadErr)
	}
	if len(diffs) == 0 {
		return
	}
	fieldCounts := map[string]int{}
	for _, d := range diffs {
		for _, f := range d.fields {
			fieldCounts[f]++
		}
	}
	var fields []string
	for f, n := range fieldCounts {
		fields = append(fields, fmt.Sprintf("%s %d", f, n))
	}
	slices.Sort(fields)
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d of %d cases differ in %s (%s)", c.tokenizer.Name, len(diffs), len(c.cases), what, strings.Join(fields, ", "))
	if c.tokenizer.Features != "" {
		fmt.Fprintf(&b, "\n  tokenizer features: %s", c.tokenizer.Features)
	}
	for _, d := range diffs[:min(parityDetails, len(diffs))] {
		b.WriteString("\n\n")
		b.WriteString(c.describe(d))
	}
	if len(diffs) > parityDetails {
		fmt.Fprintf(&b, "\n\n  ... %d more; all of them, with both outputs: .cache/parity/mismatches/%s.jsonl", len(diffs)-parityDetails, c.tokenizer.Name)
	}
	t.Error(b.String())
}

// describe renders one differing case: the input around the first difference and both outputs.
func (c *parityComparison) describe(d parityDiff) string {
	in := c.cases[d.index]
	var g, w parityOutput
	if d.index < len(c.got) {
		g = c.got[d.index]
	}
	if d.index < len(c.want) {
		w = c.want[d.index]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  case %s [%s]", string(in.ID), strings.Join(d.fields, ", "))
	focus := 0
	if d.token >= 0 && d.token < len(w.Offsets) {
		focus = w.Offsets[d.token][0]
	}
	fmt.Fprintf(&b, "\n    text: %s", snippet(in.Text, focus))
	if in.Pair != nil {
		fmt.Fprintf(&b, "\n    pair: %s", snippet(*in.Pair, focus))
	}
	if g.Error != "" || w.Error != "" {
		fmt.Fprintf(&b, "\n    go error: %q\n    hf error: %q", g.Error, w.Error)
		return b.String()
	}
	if slices.Contains(d.fields, "decoded") {
		fmt.Fprintf(&b, "\n    decoded go: %s\n    decoded hf: %s", snippet(deref(g.Decoded), firstRuneDiff(deref(g.Decoded), deref(w.Decoded))),
			snippet(deref(w.Decoded), firstRuneDiff(deref(g.Decoded), deref(w.Decoded))))
	}
	if slices.Contains(d.fields, "type_ids") {
		fmt.Fprintf(&b, "\n    type_ids go: %v\n    type_ids hf: %v", clipInts(g.TypeIDs), clipInts(w.TypeIDs))
	}
	if slices.Contains(d.fields, "special_tokens_mask") {
		fmt.Fprintf(&b, "\n    special_tokens_mask go: %v\n    special_tokens_mask hf: %v", clipInts(g.SpecialTokensMask), clipInts(w.SpecialTokensMask))
	}
	if d.token >= 0 {
		fmt.Fprintf(&b, "\n    first difference at token %d (go has %d tokens, hf %d)", d.token, len(g.IDs), len(w.IDs))
		lo, hi := max(0, d.token-2), d.token+4
		fmt.Fprintf(&b, "\n    go: %s", tokenWindow(g, lo, hi, d.token))
		fmt.Fprintf(&b, "\n    hf: %s", tokenWindow(w, lo, hi, d.token))
	}
	return b.String()
}

// snippet quotes up to ~120 runes of s around rune position focus.
func snippet(s string, focus int) string {
	runes := []rune(s)
	lo := max(0, focus-40)
	hi := min(len(runes), lo+120)
	out := visibleQuote(string(runes[lo:hi]))
	if lo > 0 {
		out = "…" + out
	}
	if hi < len(runes) {
		out += fmt.Sprintf("… (%d runes)", len(runes))
	}
	return out
}

// visibleQuote is strconv.Quote that also escapes what a terminal renders invisibly or merges
// into a neighbour: combining marks, non-ASCII spaces and format characters. Normalization
// bugs are otherwise impossible to read ("café" vs "café").
func visibleQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			q := strconv.QuoteRune(r) // '\n', '\x00'
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		if r != ' ' && (unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc, unicode.Cf, unicode.Zs, unicode.Zl, unicode.Zp) || !strconv.IsPrint(r)) {
			if r <= 0xFFFF {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				fmt.Fprintf(&b, `\U%08x`, r)
			}
			continue
		}
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return `"` + b.String() + `"`
}

func firstRuneDiff(a, b string) int {
	i := 0
	for len(a) > 0 && len(b) > 0 {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			break
		}
		a, b, i = a[na:], b[nb:], i+1
	}
	return i
}

func clipInts(s []int) string {
	if len(s) > 40 {
		return fmt.Sprintf("%v… (%d)", s[:40], len(s))
	}
	return fmt.Sprint(s)
}

// tokenWindow renders tokens lo..hi as `[i]id "token" (start,end)`, marking the focus token.
func tokenWindow(o parityOutput, lo, hi, focus int) string {
	var parts []string
	if lo > 0 {
		parts = append(parts, "…")
	}
	n := max(len(o.IDs), len(o.Tokens), len(o.Offsets))
	for i := lo; i < min(hi, n); i++ {
		mark := ""
		if i == focus {
			mark = ">"
		}
		parts = append(parts, fmt.Sprintf("%s[%d]%v %v %v", mark, i, at(o.IDs, i), quoteAny(at(o.Tokens, i)), offsetAny(at(o.Offsets, i))))
	}
	if hi < n {
		parts = append(parts, "…")
	}
	if n == 0 {
		return "(no tokens)"
	}
	return strings.Join(parts, "  ")
}

func quoteAny(v any) string {
	if s, ok := v.(string); ok && s != "<none>" {
		return visibleQuote(s)
	}
	return fmt.Sprint(v)
}

func offsetAny(v any) string {
	if o, ok := v.([2]int); ok {
		return fmt.Sprintf("(%d,%d)", o[0], o[1])
	}
	return fmt.Sprint(v)
}

// writeMismatches saves every differing case with both outputs for offline debugging.
func writeMismatches(t *testing.T, env parityEnv, c *parityComparison) {
	t.Helper()
	dir := filepath.Join(env.build, "mismatches")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, c.tokenizer.Name+".jsonl")
	seen := map[int]bool{}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, d := range append(slices.Clone(c.encodeDiffs), c.extraDiffs...) {
		if seen[d.index] {
			continue
		}
		seen[d.index] = true
		rec := map[string]any{"input": c.cases[d.index], "fields": d.fields, "first_token_diff": d.token}
		if d.index < len(c.got) {
			rec["go"] = c.got[d.index]
		}
		if d.index < len(c.want) {
			rec["hf"] = c.want[d.index]
		}
		if err := enc.Encode(rec); err != nil {
			t.Fatal(err)
		}
	}
	if buf.Len() == 0 {
		os.Remove(path)
		return
	}
	if err := writeAtomic(path, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
}

// --- summary ---------------------------------------------------------------------------------

type paritySummary struct {
	name, family, status, scope        string
	cases, encodeSame, extraSame       int
	decodedSame, goErrors, encodeDiffs int
}

func (c *parityComparison) summary() paritySummary {
	s := paritySummary{name: c.tokenizer.Name, family: c.family, scope: c.scope, cases: len(c.cases)}
	if c.loadErr != nil {
		s.status = "cannot load: " + c.loadErr.Error()
		return s
	}
	s.encodeSame = len(c.cases) - len(c.encodeDiffs)
	s.extraSame = len(c.cases) - len(c.extraDiffs)
	s.decodedSame = len(c.cases) - c.decodedDiff
	s.goErrors = c.goErrors
	s.status = "ok"
	if len(c.encodeDiffs)+len(c.extraDiffs) > 0 {
		s.status = "differs"
	}
	return s
}

func renderParitySummary(m parityManifest, rows []paritySummary) string {
	// Parallel subtests finish in any order; the table follows the manifest.
	order := map[string]int{}
	for i, tk := range m.Tokenizers {
		order[tk.Name] = i
	}
	slices.SortFunc(rows, func(a, b paritySummary) int { return order[a.name] - order[b.name] })

	var b strings.Builder
	fmt.Fprintf(&b, "Tokenizer parity with HF tokenizers %s. Inputs: short = hard cases; sample = hard cases + every 4th corpus line; full = hard cases + corpus.\n\n", m.TokenizersVersion)
	b.WriteString("| tokenizer | family | inputs | cases | ids/tokens/offsets identical | type_ids+mask+decoded identical | decoded identical | engine errors | status |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	pct := func(n, of int) string {
		if of == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2f%%", 100*float64(n)/float64(of))
	}
	totalSame, total := 0, 0
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %s | %s | %s | %d | %s |\n", r.name, r.family, r.scope, r.cases,
			pct(r.encodeSame, r.cases), pct(r.extraSame, r.cases), pct(r.decodedSame, r.cases), r.goErrors,
			strings.ReplaceAll(r.status, "|", "/"))
		totalSame += r.encodeSame
		total += r.cases
	}
	fmt.Fprintf(&b, "\nOverall ids/tokens/offsets identical: %s (%d of %d tokenizer×case runs)\n", pct(totalSame, total), totalSame, total)
	return b.String()
}

// --- the harness's own checks ------------------------------------------------------------------

func TestParityCompare(t *testing.T) {
	str := func(s string) *string { return &s }
	cases := []parityInput{{ID: json.RawMessage(`"a"`), Text: "hello world"}}
	base := parityOutput{
		ID: json.RawMessage(`"a"`), IDs: []int{1, 2}, Tokens: []string{"hello", "world"},
		Offsets: [][2]int{{0, 5}, {6, 11}}, TypeIDs: []int{0, 0}, SpecialTokensMask: []int{0, 0}, Decoded: str("hello world"),
	}
	tests := []struct {
		name        string
		mutate      func(o *parityOutput)
		encodeField string
		extraField  string
		token       int
	}{
		{name: "identical", mutate: func(o *parityOutput) {}, token: -1},
		{name: "id differs", mutate: func(o *parityOutput) { o.IDs = []int{1, 3} }, encodeField: "ids", token: 1},
		{name: "token differs", mutate: func(o *parityOutput) { o.Tokens = []string{"hello", "World"} }, encodeField: "tokens", token: 1},
		{name: "offset differs", mutate: func(o *parityOutput) { o.Offsets = [][2]int{{0, 5}, {5, 11}} }, encodeField: "offsets", token: 1},
		{name: "extra token", mutate: func(o *parityOutput) {
			o.IDs, o.Tokens, o.Offsets = append(o.IDs, 9), append(o.Tokens, "!"), append(o.Offsets, [2]int{11, 11})
		}, encodeField: "ids", token: 2},
		{name: "error only in go", mutate: func(o *parityOutput) { *o = parityOutput{ID: o.ID, Error: "boom"} }, encodeField: "error", token: 0},
		{name: "decoded differs", mutate: func(o *parityOutput) { o.Decoded = str("hello  world") }, extraField: "decoded", token: -1},
		{name: "type ids differ", mutate: func(o *parityOutput) { o.TypeIDs = []int{0, 1} }, extraField: "type_ids", token: -1},
		{name: "mask differs", mutate: func(o *parityOutput) { o.SpecialTokensMask = []int{1, 0} }, extraField: "special_tokens_mask", token: -1},
	}
	t.Run("raw lines", func(t *testing.T) {
		line, _ := json.Marshal(base)
		c := compareRawParity(cases, [][]byte{line}, [][]byte{line})
		checkDiff(t, "encode", c.encodeDiffs, "")
		reordered := []byte(`{"decoded":"hello world","special_tokens_mask":[0,0],"type_ids":[0,0],"offsets":[[0,5],[6,11]],"tokens":["hello","world"],"ids":[1,2],"id":"a"}`)
		c = compareRawParity(cases, [][]byte{reordered}, [][]byte{line})
		checkDiff(t, "encode (same fields, other formatting)", c.encodeDiffs, "")
		c = compareRawParity(cases, [][]byte{[]byte(`{"id":"a","ids":[1,3]`)}, [][]byte{line})
		checkDiff(t, "encode (truncated line)", c.encodeDiffs, "error")
	})
	t.Run("no engine output", func(t *testing.T) {
		c := compareParity(cases, nil, []parityOutput{base})
		checkDiff(t, "encode", c.encodeDiffs, "missing output line")
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := base
			got.IDs, got.Tokens, got.Offsets = slices.Clone(base.IDs), slices.Clone(base.Tokens), slices.Clone(base.Offsets)
			tc.mutate(&got)
			c := compareParity(cases, []parityOutput{got}, []parityOutput{base})
			checkDiff(t, "encode", c.encodeDiffs, tc.encodeField)
			checkDiff(t, "extras", c.extraDiffs, tc.extraField)
			if tc.encodeField != "" && c.encodeDiffs[0].token != tc.token {
				t.Errorf("first token diff = %d, want %d", c.encodeDiffs[0].token, tc.token)
			}
			if tc.encodeField != "" || tc.extraField != "" {
				if text := c.describe(append(c.encodeDiffs, c.extraDiffs...)[0]); !strings.Contains(text, `case "a"`) {
					t.Errorf("description lacks the case id:\n%s", text)
				}
			}
		})
	}
}

func TestVisibleQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", `"plain text"`},
		{"cafe\u0301", `"cafe\u0301"`},
		{"caf\u00e9", `"café"`},
		{"a\u00a0b\u3000c", `"a\u00a0b\u3000c"`},
		{"zero\u200bwidth", `"zero\u200bwidth"`},
		{"tab\tnl\nnul\x00", `"tab\tnl\nnul\x00"`},
		{`quote " and \`, `"quote \" and \\"`},
		{"\U000e0067", `"\U000e0067"`},
		{"\u75c5\U0001f600", "\"\u75c5\U0001f600\""},
	}
	for _, tc := range tests {
		if got := visibleQuote(tc.in); got != tc.want {
			t.Errorf("visibleQuote(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func checkDiff(t *testing.T, what string, diffs []parityDiff, field string) {
	t.Helper()
	if field == "" {
		if len(diffs) != 0 {
			t.Errorf("%s: unexpected differences %+v", what, diffs)
		}
		return
	}
	if len(diffs) != 1 || !slices.Contains(diffs[0].fields, field) {
		t.Errorf("%s: got %+v, want one difference in %s", what, diffs, field)
	}
}
