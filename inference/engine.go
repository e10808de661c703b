// Package inference runs clinlm's demo models: it loads the model
// repository (inference/models) into ONNX Runtime sessions (inference/ort),
// batches requests per model (inference/batcher) and turns model outputs
// into answers for the three tasks — NLI, QA over doc-stride windows, and
// CLIP sentence labelling (directly or zero-shot through an NLI model). The
// same Engine serves HTTP, websockets and the eval command.
package inference

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/clinlm/clinlm/inference/batcher"
	"github.com/clinlm/clinlm/inference/models"
	"github.com/clinlm/clinlm/inference/ort"
)

// Config is what the engine needs; the binary builds it from flags.
type Config struct {
	// Dir is the model repository; "" means no models.
	Dir string
	// Runtime runs the models; nil when ONNX Runtime could not be opened,
	// with RuntimeErr saying why (every model then reports it).
	Runtime    *ort.Runtime
	RuntimeErr error
	// LoadTokenizer opens tokenizer.json files.
	LoadTokenizer TokenizerLoader
	Batch         batcher.Config
	// Timeout bounds one request, queueing included (default 30s).
	Timeout time.Duration
	// MaxTextRunes bounds each input text in Unicode code points (default 20,000).
	MaxTextRunes int
	// Metrics may be nil.
	Metrics *Metrics
	Logger  *slog.Logger
}

// Status values of a model.
const (
	StatusReady = "ready"
	StatusError = "error"
)

// ModelInfo is a model as GET /api/v1/models lists it.
type ModelInfo struct {
	Name         string   `json:"name"`
	Task         string   `json:"task"`
	Head         string   `json:"head"`
	Labels       []string `json:"labels"`
	MaxLength    int      `json:"max_length"`
	Availability string   `json:"availability"`
	Status       string   `json:"status"`
	Error        string   `json:"error,omitempty"`
}

// Timing is where a request's time went, in milliseconds.
type Timing struct {
	QueueMS    float64 `json:"queue_ms"`
	TokenizeMS float64 `json:"tokenize_ms"`
	RunMS      float64 `json:"run_ms"`
}

// Result is one answer.
type Result struct {
	// Output is NLIOutput, QAOutput or CLIPOutput.
	Output any    `json:"output"`
	Timing Timing `json:"timing"`
}

// Engine holds the loaded models.
type Engine struct {
	cfg    Config
	models []*model
	byName map[string]*model
}

// model is one repository entry, loaded or not.
type model struct {
	info     ModelInfo
	manifest models.Manifest
	tok      Tokenizer
	batch    *batcher.Batcher[row, rowOut]
	session  *ort.Session
	obs      modelObserver
	cardPath string
	// file is model.onnx, read again by TensorIO (inference/tensors.go).
	file string
	// t2t is set for text-to-text models (which have no session or batch).
	t2t *textToText
}

func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.MaxTextRunes <= 0 {
		c.MaxTextRunes = 20000
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Open scans the repository and loads every usable model. It fails only
// when Dir is set and cannot be read; broken models are listed with reasons.
func Open(cfg Config) (*Engine, error) {
	cfg = cfg.withDefaults()
	e := &Engine{cfg: cfg, byName: map[string]*model{}}
	if cfg.Dir == "" {
		return e, nil
	}
	entries, err := models.Scan(cfg.Dir)
	if err != nil {
		return nil, err
	}
	for _, entry := range entries {
		m := e.load(entry)
		if m.info.Status == StatusReady {
			cfg.Logger.Info("model loaded", "model", m.info.Name, "task", m.info.Task, "head", m.info.Head)
		} else {
			cfg.Logger.Warn("model not loaded", "model", m.info.Name, "dir", entry.Dir, "err", m.info.Error)
		}
		e.add(m)
	}
	return e, nil
}

func (e *Engine) add(m *model) {
	e.models = append(e.models, m)
	if _, dup := e.byName[m.info.Name]; !dup {
		e.byName[m.info.Name] = m
	}
}

func infoOf(entry models.Entry) ModelInfo {
	mf := entry.Manifest
	labels := mf.Labels
	if labels == nil {
		labels = []string{}
	}
	return ModelInfo{Name: entry.Name, Task: string(mf.Task), Head: string(mf.Head), Labels: labels,
		MaxLength: mf.MaxLength, Availability: string(mf.Availability), Status: StatusError}
}

// load turns a repository entry into a model; failures become its status.
func (e *Engine) load(entry models.Entry) *model {
	m := &model{info: infoOf(entry), manifest: entry.Manifest, obs: modelObserver{e.cfg.Metrics, entry.Name},
		cardPath: entry.ModelCardPath(), file: entry.Path(models.ModelFile)}
	fail := func(err error) *model {
		m.info.Error = err.Error()
		return m
	}
	switch {
	case entry.Err != nil:
		return fail(entry.Err)
	case e.cfg.Runtime == nil:
		reason := e.cfg.RuntimeErr
		if reason == nil {
			reason = ort.ErrUnavailable
		}
		return fail(fmt.Errorf("ONNX Runtime is not available: %v", reason))
	case e.cfg.LoadTokenizer == nil:
		return fail(errors.New("no tokenizer engine is configured"))
	case entry.Manifest.Head == models.HeadTextToText:
		tok, err := e.cfg.LoadTokenizer(entry.Path(models.TokenizerFile))
		if err != nil {
			return fail(fmt.Errorf("tokenizer.json: %w", err))
		}
		m.tok = tok
		if err := e.loadTextToText(m, entry, tok); err != nil {
			return fail(err)
		}
		m.info.Status = StatusReady
		return m
	}
	inputs, withTypes, outputs, perToken, err := checkIO(e.cfg.Runtime, entry)
	if err != nil {
		return fail(err)
	}
	tok, err := e.cfg.LoadTokenizer(entry.Path(models.TokenizerFile))
	if err != nil {
		return fail(fmt.Errorf("tokenizer.json: %w", err))
	}
	sess, err := e.cfg.Runtime.NewSession(entry.Path(models.ModelFile), inputs, outputs)
	if err != nil {
		return fail(err)
	}
	m.tok, m.session = tok, sess
	m.batch = batcher.New(e.cfg.Batch, sessionRunner(sess, withTypes, perToken), rowLen, m.obs)
	m.info.Status = StatusReady
	return m
}

// checkIO compares the ONNX file's inputs and outputs with the manifest, so a
// wrong export is reported at start-up, not on the first request.
func checkIO(rt *ort.Runtime, entry models.Entry) (inputs []string, withTypes bool, outputs []string, perToken []bool, err error) {
	mf := entry.Manifest
	ins, outs, err := rt.Inspect(entry.Path(models.ModelFile))
	if err != nil {
		return nil, false, nil, nil, fmt.Errorf("model.onnx does not load: %w", err)
	}
	have := map[string]ort.IOInfo{}
	for _, in := range ins {
		have[in.Name] = in
	}
	for _, role := range []string{"input_ids", "attention_mask"} {
		name := mf.InputName(role)
		info, ok := have[name]
		if !ok {
			return nil, false, nil, nil, fmt.Errorf("model.onnx has no input %q (%s); it has %v", name, role, ioNames(ins))
		}
		if info.Type != "int64" {
			return nil, false, nil, nil, fmt.Errorf("model.onnx input %q is %s, want int64", name, info.Type)
		}
		inputs = append(inputs, name)
	}
	if _, ok := have[mf.InputName("token_type_ids")]; ok {
		inputs = append(inputs, mf.InputName("token_type_ids"))
		withTypes = true
	}
	if len(inputs) != len(ins) {
		return nil, false, nil, nil, fmt.Errorf("model.onnx has inputs %v; only input_ids, attention_mask and token_type_ids are supported", ioNames(ins))
	}
	haveOut := map[string]ort.IOInfo{}
	for _, o := range outs {
		haveOut[o.Name] = o
	}
	for _, role := range mf.OutputRoles() {
		name := mf.OutputName(role)
		info, ok := haveOut[name]
		if !ok {
			return nil, false, nil, nil, fmt.Errorf("model.onnx has no output %q (%s); it has %v", name, role, ioNames(outs))
		}
		if info.Type != "float32" || len(info.Shape) != 2 {
			return nil, false, nil, nil, fmt.Errorf("model.onnx output %q is %s%v, want float32 [batch, n]", name, info.Type, info.Shape)
		}
		if role == "logits" {
			want := len(mf.Labels)
			if mf.Head == models.HeadZeroShotNLI {
				want = len(mf.NLILabels)
			}
			if n := info.Shape[1]; n > 0 && int(n) != want {
				return nil, false, nil, nil, fmt.Errorf("model.onnx output %q has %d classes, the manifest names %d labels", name, n, want)
			}
		}
		outputs = append(outputs, name)
		perToken = append(perToken, role != "logits")
	}
	return inputs, withTypes, outputs, perToken, nil
}

func ioNames(list []ort.IOInfo) []string {
	var out []string
	for _, x := range list {
		out = append(out, x.Name)
	}
	return out
}

// Models lists every model, loaded or not, sorted by name.
func (e *Engine) Models() []ModelInfo {
	out := make([]ModelInfo, 0, len(e.models))
	for _, m := range e.models {
		out = append(out, m.info)
	}
	slices.SortFunc(out, func(a, b ModelInfo) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

// Model returns one model's listing.
func (e *Engine) Model(name string) (ModelInfo, bool) {
	m, ok := e.byName[name]
	if !ok {
		return ModelInfo{}, false
	}
	return m.info, true
}

// ModelCard is the path of a model's card, "" when it has none.
func (e *Engine) ModelCard(name string) string {
	if m, ok := e.byName[name]; ok {
		return m.cardPath
	}
	return ""
}

// Manifest returns a model's manifest (thresholds, provenance, metrics).
func (e *Engine) Manifest(name string) (models.Manifest, bool) {
	m, ok := e.byName[name]
	if !ok {
		return models.Manifest{}, false
	}
	return m.manifest, true
}

// Input is the task input of /api/v1/infer and websocket frames.
type Input struct {
	Premise    string `json:"premise,omitempty"`
	Hypothesis string `json:"hypothesis,omitempty"`
	Context    string `json:"context,omitempty"`
	Question   string `json:"question,omitempty"`
	Text       string `json:"text,omitempty"`
	// TopK is the number of QA answers (default 3, at most 20).
	TopK int `json:"top_k,omitempty"`
}

// ParseInput decodes an input object strictly.
func ParseInput(raw json.RawMessage) (Input, error) {
	var in Input
	if len(raw) == 0 {
		return in, newError(CodeBadRequest, "input is required")
	}
	dec := json.NewDecoder(bytesReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, newError(CodeBadRequest, "input: %s", jsonProblem(err))
	}
	return in, nil
}

// Partial receives CLIP sentences as they finish (may be nil).
type Partial func(Sentence)

// Infer runs one request. Errors are *Error values (see AsError).
func (e *Engine) Infer(ctx context.Context, name string, in Input, partial Partial) (Result, error) {
	m, ok := e.byName[name]
	if !ok {
		return Result{}, newError(CodeUnknownModel, "no model named %q", name)
	}
	res, err := e.infer(ctx, m, in, partial)
	code := Code("ok")
	if err != nil {
		ae := AsError(err)
		code, err = ae.Code, ae
	}
	m.obs.request(code)
	return res, err
}

func (e *Engine) infer(ctx context.Context, m *model, in Input, partial Partial) (Result, error) {
	if m.info.Status != StatusReady {
		return Result{}, newError(CodeUnavailable, "model %s is not loaded: %s", m.info.Name, m.info.Error)
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	var st stats
	var out any
	var err error
	switch m.manifest.Task {
	case models.TaskNLI:
		if err := e.requireTexts(map[string]string{"premise": in.Premise, "hypothesis": in.Hypothesis}); err != nil {
			return Result{}, err
		}
		if m.t2t != nil {
			out, err = m.nliT2T(ctx, in.Premise, in.Hypothesis, &st)
		} else {
			out, err = m.nli(ctx, in.Premise, in.Hypothesis, &st)
		}
	case models.TaskQA:
		if err := e.requireTexts(map[string]string{"context": in.Context, "question": in.Question}); err != nil {
			return Result{}, err
		}
		k := in.TopK
		if k == 0 {
			k = 3
		}
		if k < 1 || k > 20 {
			return Result{}, newError(CodeBadRequest, "top_k must be between 1 and 20")
		}
		if m.t2t != nil {
			out, err = m.qaT2T(ctx, in.Question, in.Context, k, &st)
		} else {
			out, err = m.qa(ctx, in.Question, in.Context, k, &st)
		}
	case models.TaskCLIP:
		if err := e.requireTexts(map[string]string{"text": in.Text}); err != nil {
			return Result{}, err
		}
		out, err = m.clip(ctx, in.Text, partial, &st)
	default:
		return Result{}, newError(CodeInternal, "task %q has no pipeline", m.manifest.Task)
	}
	if err != nil {
		return Result{}, err
	}
	return Result{Output: out, Timing: st.timing()}, nil
}

func (e *Engine) requireTexts(fields map[string]string) error {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		v := fields[k]
		if v == "" {
			return newError(CodeBadRequest, "input.%s is required", k)
		}
		if n := runeCount(v); n > e.cfg.MaxTextRunes {
			return newError(CodeTooLong, "input.%s has %d characters; the limit is %d", k, n, e.cfg.MaxTextRunes)
		}
	}
	return nil
}

// Close stops the batchers and frees the sessions.
func (e *Engine) Close() error {
	var errs []error
	for _, m := range e.models {
		if m.batch != nil {
			m.batch.Close()
		}
		if m.session != nil {
			errs = append(errs, m.session.Close())
		}
		if m.t2t != nil {
			errs = append(errs, m.t2t.Close())
		}
	}
	return errors.Join(errs...)
}

// stats accumulates a request's timing across its submits.
type stats struct {
	mu       sync.Mutex
	queue    time.Duration
	tokenize time.Duration
	run      time.Duration
}

func (s *stats) addTokenize(d time.Duration) {
	s.mu.Lock()
	s.tokenize += d
	s.mu.Unlock()
}

func (s *stats) addBatch(t batcher.Timing) {
	s.mu.Lock()
	s.queue = max(s.queue, t.Queue)
	s.run += t.Run
	s.mu.Unlock()
}

func (s *stats) timing() Timing {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return Timing{QueueMS: ms(s.queue), TokenizeMS: ms(s.tokenize), RunMS: ms(s.run)}
}
