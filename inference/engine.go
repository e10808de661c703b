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
	"github.com/clinlm/clinlm/inference/refranges"
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
	// PadBuckets, when set, pads each batch to the first of these lengths
	// that holds its longest row (e.g. 32, 64, 128, 256) instead of to the
	// longest row itself; longer rows pad to their own length.
	PadBuckets []int
	// BucketBatches makes batches keep to one of PadBuckets: rows of one
	// bucket run together, never beside a row of another (see
	// batcher.Config.Buckets); off, only the padding follows the buckets.
	BucketBatches bool
	// Timeout bounds one request, queueing included (default 30s).
	Timeout time.Duration
	// MaxTextRunes bounds each input text in Unicode code points (default 20,000).
	MaxTextRunes int
	// MaxWindows bounds the doc-stride windows of one QA request (default
	// 64); MaxSentences the sentences of one CLIP note (default 512). Beyond
	// either the answer is too_long. With the queue they bound what one
	// request may hold of a model.
	MaxWindows   int
	MaxSentences int
	// MaxSaliencyWords bounds the words of one saliency request (default
	// 400): occlusion runs the model once per word.
	MaxSaliencyWords int
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
	// Provider is where a loaded model runs: cpu, cuda or remote.
	Provider string `json:"provider,omitempty"`
	// Endpoint is the remote server of a remote model.
	Endpoint string `json:"endpoint,omitempty"`
	// SharesWith names the model whose session and batches this one uses
	// (the same model.onnx bytes).
	SharesWith string `json:"shares_session_with,omitempty"`
	// Version is the loaded folder's models.Entry.Version (the SHA-256 over
	// its manifest, model and tokenizer files), so scores name the exact
	// model that earned them.
	Version string `json:"version,omitempty"`
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
	// backends holds every backend opened, in-process ones by the digest of
	// their file: models with the same model.onnx (minilm-nli and
	// minilm-clip-zeroshot) share one session on the process's one device.
	backends     map[string]Backend
	backendOrder []Backend
	// batchers are per backend and binding, so models sharing a session
	// also share its batches.
	batchers     map[string]sharedBatcher
	batcherOrder []*batcher.Batcher[row, rowOut]
	// sessions holds the text-to-text models' sessions, one per file.
	sessions *sessionPool
}

// sharedBatcher is a batcher and the model that opened it.
type sharedBatcher struct {
	batch *batcher.Batcher[row, rowOut]
	owner string
}

// model is one repository entry, loaded or not.
type model struct {
	info     ModelInfo
	manifest models.Manifest
	tok      Tokenizer
	// batch runs on backend; the engine owns both (possibly shared).
	batch    *batcher.Batcher[row, rowOut]
	bind     *binding
	backend  Backend
	obs      modelObserver
	cardPath string
	// alone: every row runs in a batch of its own, because the graph
	// quantizes activations per batch (see batchDependent).
	alone bool
	// t2t is set for text-to-text models (which have no session or batch).
	t2t *textToText
	// marker marks vitals and lab values before tokenizing (manifest
	// "preprocess": "reference-ranges"); nil for models without it.
	marker *refranges.Marker
}

func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.MaxTextRunes <= 0 {
		c.MaxTextRunes = 20000
	}
	if c.MaxWindows <= 0 {
		c.MaxWindows = 64
	}
	if c.MaxSentences <= 0 {
		c.MaxSentences = 512
	}
	if c.MaxSaliencyWords <= 0 {
		c.MaxSaliencyWords = 400
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
	e := &Engine{cfg: cfg, byName: map[string]*model{}, backends: map[string]Backend{},
		batchers: map[string]sharedBatcher{}, sessions: newSessionPool(cfg.Runtime)}
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
			cfg.Logger.Info("model loaded", "model", m.info.Name, "task", m.info.Task, "head", m.info.Head,
				"provider", m.info.Provider, "endpoint", m.info.Endpoint, "rows_alone", m.alone)
			m.obs.provider(m.info.Provider)
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
	m := e.loadEntry(entry)
	if m.info.Status == StatusReady {
		v, err := entry.Version()
		if err != nil {
			m.info.Status, m.info.Error = StatusError, relativePaths(err.Error(), entry.Dir)
		}
		m.info.Version = v
	}
	return m
}

// loadEntry opens the entry's tokenizer and backend.
func (e *Engine) loadEntry(entry models.Entry) *model {
	m := &model{info: infoOf(entry), manifest: entry.Manifest, obs: modelObserver{e.cfg.Metrics, entry.Name},
		cardPath: entry.ModelCardPath()}
	fail := func(err error) *model {
		// Clients see this message (/api/v1/models, unavailable answers):
		// paths inside the model folder are named relative to it.
		m.info.Error = relativePaths(err.Error(), entry.Dir)
		return m
	}
	switch {
	case entry.Err != nil:
		return fail(entry.Err)
	case entry.Manifest.Remote != nil && entry.Manifest.Head == models.HeadTextToText:
		if err := e.loadRemoteTextToText(m, entry); err != nil {
			return fail(err)
		}
		m.info.Status = StatusReady
		return m
	case entry.Manifest.Remote != nil:
		if e.cfg.LoadTokenizer == nil {
			return fail(errors.New("no tokenizer engine is configured"))
		}
		if err := e.bindRemote(m, entry); err != nil {
			return fail(err)
		}
		m.info.Status = StatusReady
		return m
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
		m.info.Provider = providerOf(e.cfg.Runtime)
		return m
	}
	if err := e.bindLocal(m, entry); err != nil {
		return fail(err)
	}
	m.info.Status = StatusReady
	return m
}

// checkIO compares the model's inputs and outputs, as its backend describes
// them, with the manifest, so a wrong export is reported at start-up, not on
// the first request. what names the model in messages (model.onnx, or the
// remote model).
func checkIO(what string, ins, outs []ort.IOInfo, mf models.Manifest) (binding, error) {
	var bind binding
	fail := func(format string, args ...any) (binding, error) {
		return binding{}, fmt.Errorf("%s %s", what, fmt.Sprintf(format, args...))
	}
	roles := map[string]string{}
	for _, role := range []string{"input_ids", "attention_mask", "token_type_ids"} {
		roles[mf.InputName(role)] = role
	}
	for _, role := range []string{"input_ids", "attention_mask"} {
		name := mf.InputName(role)
		if !slices.ContainsFunc(ins, func(in ort.IOInfo) bool { return in.Name == name }) {
			return fail("has no input %q (%s); it has %v", name, role, ioNames(ins))
		}
	}
	for _, in := range ins {
		role, ok := roles[in.Name]
		if !ok {
			return fail("has inputs %v; only input_ids, attention_mask and token_type_ids are supported", ioNames(ins))
		}
		if in.Type != "int64" {
			return fail("input %q is %s, want int64", in.Name, in.Type)
		}
		bind.inputRoles = append(bind.inputRoles, role)
	}
	for _, role := range mf.OutputRoles() {
		name := mf.OutputName(role)
		idx := slices.IndexFunc(outs, func(o ort.IOInfo) bool { return o.Name == name })
		if idx < 0 {
			return fail("has no output %q (%s); it has %v", name, role, ioNames(outs))
		}
		info := outs[idx]
		if info.Type != "float32" || len(info.Shape) != 2 {
			return fail("output %q is %s%v, want float32 [batch, n]", name, info.Type, info.Shape)
		}
		bind.outputIndex = append(bind.outputIndex, idx)
		bind.perToken = append(bind.perToken, role != "logits")
		width := 0
		if role == "logits" {
			width = len(mf.Labels)
			if mf.Head == models.HeadZeroShotNLI {
				width = len(mf.NLILabels)
			}
		}
		if n := info.Shape[1]; width > 0 && n > 0 && int(n) != width {
			return fail("output %q has %d classes, the manifest names %d labels", name, n, width)
		}
		bind.widths = append(bind.widths, width)
	}
	return bind, nil
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
	k, err := e.checkInput(m, in)
	if err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	var st stats
	var out any
	switch m.manifest.Task {
	case models.TaskNLI:
		if m.t2t != nil {
			out, err = m.nliT2T(ctx, in.Premise, in.Hypothesis, &st)
		} else {
			out, err = m.nli(ctx, in.Premise, in.Hypothesis, &st)
		}
	case models.TaskQA:
		if m.t2t != nil {
			out, err = m.qaT2T(ctx, in.Question, in.Context, k, &st)
		} else {
			out, err = m.qa(ctx, in.Question, in.Context, k, e.cfg.MaxWindows, &st)
		}
	case models.TaskCLIP:
		out, err = m.clip(ctx, in.Text, partial, e.cfg.MaxSentences, &st)
	}
	if err != nil {
		return Result{}, err
	}
	return Result{Output: out, Timing: st.timing()}, nil
}

// checkInput checks the texts a model's task needs; for QA it also returns
// the number of answers asked for.
func (e *Engine) checkInput(m *model, in Input) (int, error) {
	switch m.manifest.Task {
	case models.TaskNLI:
		return 0, e.requireTexts(map[string]string{"premise": in.Premise, "hypothesis": in.Hypothesis})
	case models.TaskQA:
		if err := e.requireTexts(map[string]string{"context": in.Context, "question": in.Question}); err != nil {
			return 0, err
		}
		k := in.TopK
		if k == 0 {
			k = 3
		}
		if k < 1 || k > 20 {
			return 0, newError(CodeBadRequest, "top_k must be between 1 and 20")
		}
		return k, nil
	case models.TaskCLIP:
		return 0, e.requireTexts(map[string]string{"text": in.Text})
	}
	return 0, newError(CodeInternal, "task %q has no pipeline", m.manifest.Task)
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

// Close stops the batchers and frees the backends.
func (e *Engine) Close() error {
	var errs []error
	for _, b := range e.batcherOrder {
		b.Close()
	}
	for _, b := range e.backendOrder {
		errs = append(errs, b.Close())
	}
	for _, m := range e.models {
		if m.t2t != nil {
			m.t2t.Close()
		}
	}
	errs = append(errs, e.sessions.Close())
	return errors.Join(errs...)
}

// Loaded counts what the engine holds open for its models: sessions (one
// per model file on this process's device, however many models point at
// it; a remote model's client counts as one) and batchers (one per session
// of an encoder model, one per text-to-text model).
func (e *Engine) Loaded() (sessions, batchers int) {
	batchers = len(e.batcherOrder)
	for _, m := range e.models {
		if m.t2t != nil {
			batchers++
		}
	}
	return len(e.backendOrder) + len(e.sessions.order), batchers
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
