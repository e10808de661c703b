// Package evaljobs runs evaluations (inference/eval, the code of `clinlm
// eval`) in the background for the server: one evaluation per model at a
// time, a bounded queue beyond, progress (examples done, ETA) while it runs,
// and cancellation. The task file is parsed before the job is queued and
// only its examples are held, in memory, until the job ends; nothing is
// written anywhere.
package evaljobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/eval"
	"github.com/clinlm/clinlm/inference/models"
)

// Status is where a job stands.
type Status string

// A job is queued, then running, then done, failed or canceled.
const (
	StatusQueued   Status = "queued"
	StatusRunning  Status = "running"
	StatusDone     Status = "done"
	StatusFailed   Status = "failed"
	StatusCanceled Status = "canceled"
)

// Errors of Start and Cancel.
var (
	ErrQueueFull = errors.New("too many evaluations queued for this model; try again later")
	ErrNotFound  = errors.New("no such evaluation")
	ErrFinished  = errors.New("the evaluation has already finished")
	ErrNotKept   = errors.New("the evaluation's task file was not kept")
)

// Job is a snapshot of one evaluation.
type Job struct {
	ID     string `json:"id"`
	Model  string `json:"model"`
	Task   string `json:"task"`
	Status Status `json:"status"`
	// DataName names the task file as the client gave it; DataSHA256 is the
	// hex SHA-256 of its bytes, so a result can be tied to its data.
	DataName   string `json:"data_name"`
	DataSHA256 string `json:"data_sha256"`
	// DataKept says the file's bytes are kept with the job (Data.Keep).
	DataKept bool `json:"data_kept"`
	// ModelVersion is the model's version (inference.ModelInfo.Version).
	ModelVersion string `json:"model_version,omitempty"`
	Items        int    `json:"items"`
	Done         int    `json:"done"`
	// Metric is the task's headline metric over the examples done so far
	// (eval.Progress), while the job runs.
	Metric *eval.Metric `json:"metric,omitempty"`
	// ETASeconds estimates the time left from the pace so far (running jobs
	// with at least one example done).
	ETASeconds      *float64     `json:"eta_seconds,omitempty"`
	Error           string       `json:"error,omitempty"`
	Report          *eval.Report `json:"report,omitempty"`
	QueuedAt        time.Time    `json:"queued_at"`
	StartedAt       *time.Time   `json:"started_at,omitempty"`
	FinishedAt      *time.Time   `json:"finished_at,omitempty"`
	DurationSeconds *float64     `json:"duration_seconds,omitempty"`
}

// Miss is one example the model got wrong. For nli and clip, Gold and
// Predicted are label names; for qa they are left out — answers are spans
// of the uploaded notes, and a job is visible to every user of the server —
// and F1 is the example's SQuAD F1 (percent) with its exact match at 0.
type Miss struct {
	Line      int      `json:"line"`
	ID        string   `json:"id,omitempty"`
	Gold      []string `json:"gold,omitempty"`
	Predicted []string `json:"predicted,omitempty"`
	F1        *float64 `json:"f1,omitempty"`
}

// Config bounds the manager.
type Config struct {
	// QueuePerModel is how many jobs may wait per model (default 4).
	QueuePerModel int
	// Keep is how many finished jobs are remembered, oldest forgotten first
	// (default 100).
	Keep int
	// Options are passed to eval.Run (Progress is set per job).
	Options eval.Options
}

// Data is the task file of a job.
type Data struct {
	// Name names the file as the client gave it ("devset:nli" for a bundled set).
	Name  string
	Bytes []byte
	// Keep keeps Bytes with the job after it ends (see KeptData); by
	// default they are dropped once the file is parsed.
	Keep bool
}

// job is one evaluation and its state, guarded by the manager's mu.
type job struct {
	snap     Job
	examples []eval.Example
	cancel   context.CancelFunc
	progress eval.Progress
	misses   []Miss
	// kept is the task file when the client asked to keep it.
	kept []byte
	// changed is closed, and replaced, whenever the job's state changes (Watch).
	changed chan struct{}
}

// touch wakes the job's watchers; m.mu is held.
func (j *job) touch() {
	close(j.changed)
	j.changed = make(chan struct{})
}

// Manager queues and runs evaluations.
type Manager struct {
	eng  eval.Engine
	cfg  Config
	life context.Context

	mu       sync.Mutex
	seq      int
	jobs     map[string]*job
	order    []string          // job ids, oldest first
	queues   map[string][]*job // per model: the running job first, then the waiting ones
	finished []string
}

// New makes a manager over eng; jobs stop when life is cancelled.
func New(life context.Context, eng eval.Engine, cfg Config) *Manager {
	if cfg.QueuePerModel <= 0 {
		cfg.QueuePerModel = 4
	}
	if cfg.Keep <= 0 {
		cfg.Keep = 100
	}
	return &Manager{eng: eng, cfg: cfg, life: life, jobs: map[string]*job{}, queues: map[string][]*job{}}
}

// Start checks the model and the task file (every line; the first bad line
// is returned as an *eval.LineError) and queues the evaluation.
func (m *Manager) Start(model string, data Data) (Job, error) {
	info, ok := m.eng.Model(model)
	if !ok {
		return Job{}, fmt.Errorf("%w %q", eval.ErrUnknownModel, model)
	}
	examples, err := eval.ReadTaskFile(bytes.NewReader(data.Bytes), info.Task, m.cfg.Options.Limit)
	if err != nil {
		return Job{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	q := m.queues[model]
	if len(q) > m.cfg.QueuePerModel { // the running one plus QueuePerModel waiting
		return Job{}, ErrQueueFull
	}
	m.seq++
	j := &job{examples: examples, changed: make(chan struct{}), snap: Job{ID: strconv.Itoa(m.seq), Model: model,
		ModelVersion: info.Version, Task: info.Task, Status: StatusQueued, DataName: data.Name,
		DataSHA256: eval.DataSHA256(data.Bytes), DataKept: data.Keep, Items: len(examples), QueuedAt: time.Now().UTC()}}
	if data.Keep {
		j.kept = data.Bytes
	}
	m.jobs[j.snap.ID] = j
	m.order = append(m.order, j.snap.ID)
	m.queues[model] = append(q, j)
	if len(q) == 0 {
		m.launch(j)
	}
	return j.snap, nil
}

// launch runs j; m.mu is held.
func (m *Manager) launch(j *job) {
	ctx, cancel := context.WithCancel(m.life)
	j.cancel = cancel
	now := time.Now().UTC()
	j.snap.Status, j.snap.StartedAt = StatusRunning, &now
	j.touch()
	opts := m.cfg.Options
	opts.Limit = 0          // applied when the file was read
	opts.Predictions = true // for the misses; dropped from the report after
	opts.Progress = func(p eval.Progress) {
		m.mu.Lock()
		j.progress = p
		j.touch()
		m.mu.Unlock()
	}
	go func() {
		rep, err := eval.Run(ctx, m.eng, j.snap.Model, j.examples, opts)
		canceled := err != nil && ctx.Err() != nil // by Cancel or by the server stopping
		cancel()
		m.finish(j, rep, err, canceled)
	}()
}

// finish records the outcome and starts the model's next job.
func (m *Manager) finish(j *job, rep eval.Report, err error, canceled bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now().UTC()
	dur := now.Sub(*j.snap.StartedAt).Seconds()
	j.snap.FinishedAt, j.snap.DurationSeconds = &now, &dur
	switch { // the data itself is dropped below: not kept after the run
	case canceled:
		j.snap.Status = StatusCanceled
	case err != nil:
		j.snap.Status, j.snap.Error = StatusFailed, err.Error()
	default:
		j.misses = misses(j.examples, rep.Predictions, rep.SQuADVersion)
		rep.Predictions = nil
		j.snap.Status, j.snap.Report = StatusDone, &rep
	}
	j.examples = nil
	j.touch()
	q := m.queues[j.snap.Model]
	if len(q) > 0 && q[0] == j {
		q = q[1:]
	}
	m.queues[j.snap.Model] = q
	if len(q) > 0 {
		m.launch(q[0])
	} else {
		delete(m.queues, j.snap.Model)
	}
	m.remember(j.snap.ID)
}

// remember forgets the oldest finished jobs beyond Keep; m.mu is held.
func (m *Manager) remember(id string) {
	m.finished = append(m.finished, id)
	for len(m.finished) > m.cfg.Keep {
		old := m.finished[0]
		m.finished = m.finished[1:]
		delete(m.jobs, old)
		for i, o := range m.order {
			if o == old {
				m.order = append(m.order[:i], m.order[i+1:]...)
				break
			}
		}
	}
}

// snapshot copies a job's state with its progress; m.mu is held.
func snapshot(j *job) Job {
	s := j.snap
	if s.Status == StatusRunning {
		s.Done = j.progress.Done
		if s.Done > 0 {
			metric := j.progress.Metric
			s.Metric = &metric
		}
		if s.Done > 0 && s.StartedAt != nil {
			elapsed := time.Since(*s.StartedAt).Seconds()
			eta := elapsed / float64(s.Done) * float64(s.Items-s.Done)
			s.ETASeconds = &eta
		}
	} else if s.Status == StatusDone {
		s.Done = s.Items
	}
	return s
}

// Manifest returns a model's manifest (its provenance places its scores on figures).
func (m *Manager) Manifest(model string) (models.Manifest, bool) { return m.eng.Manifest(model) }

// Models returns the models that can be evaluated (loaded and ready).
func (m *Manager) Models() []inference.ModelInfo {
	var out []inference.ModelInfo
	for _, info := range m.eng.Models() {
		if info.Status == inference.StatusReady {
			out = append(out, info)
		}
	}
	return out
}

// misses lists the examples a finished run got wrong, in file order.
func misses(examples []eval.Example, preds []eval.Prediction, v eval.SQuADVersion) []Miss {
	out := []Miss{}
	for i, ex := range examples {
		if i >= len(preds) {
			break
		}
		p := preds[i]
		switch {
		case ex.NLI != nil:
			if p.Label != ex.NLI.Label {
				out = append(out, Miss{Line: ex.Line, ID: ex.NLI.ID, Gold: []string{ex.NLI.Label}, Predicted: []string{p.Label}})
			}
		case ex.CLIP != nil:
			gold, pred := slices.Sorted(slices.Values(ex.CLIP.Labels)), slices.Sorted(slices.Values(p.Labels))
			if !slices.Equal(gold, pred) {
				out = append(out, Miss{Line: ex.Line, ID: ex.CLIP.ID, Gold: gold, Predicted: pred})
			}
		case ex.QA != nil && p.Answer != nil:
			var golds []string
			for _, a := range ex.QA.Answers {
				golds = append(golds, a.Text)
			}
			if exact, f1 := eval.SQuADExample(*p.Answer, golds, v); exact == 0 {
				out = append(out, Miss{Line: ex.Line, ID: ex.QA.ID, F1: &f1})
			}
		}
	}
	return out
}

// Misses returns the examples a finished job got wrong (false while it is
// not done).
func (m *Manager) Misses(id string) ([]Miss, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[id]
	if !ok || j.snap.Status != StatusDone {
		return nil, false
	}
	return j.misses, true
}

// Watch returns one job and a channel that is closed at its next change
// (progress, start, end); a finished job does not change again.
func (m *Manager) Watch(id string) (Job, <-chan struct{}, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[id]
	if !ok {
		return Job{}, nil, false
	}
	return snapshot(j), j.changed, true
}

// KeptData returns the task file of a job whose client asked to keep it.
func (m *Manager) KeptData(id string) (Data, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[id]
	switch {
	case !ok:
		return Data{}, ErrNotFound
	case j.kept == nil:
		return Data{}, ErrNotKept
	}
	return Data{Name: j.snap.DataName, Bytes: j.kept, Keep: true}, nil
}

// Get returns one job.
func (m *Manager) Get(id string) (Job, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[id]
	if !ok {
		return Job{}, false
	}
	return snapshot(j), true
}

// List returns every remembered job, oldest first.
func (m *Manager) List() []Job {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Job, 0, len(m.order))
	for _, id := range m.order {
		out = append(out, snapshot(m.jobs[id]))
	}
	return out
}

// Cancel stops a running job or drops a queued one.
func (m *Manager) Cancel(id string) (Job, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[id]
	if !ok {
		return Job{}, ErrNotFound
	}
	switch j.snap.Status {
	case StatusRunning:
		j.cancel() // finish records it as canceled
	case StatusQueued:
		now := time.Now().UTC()
		j.snap.Status, j.snap.FinishedAt, j.examples = StatusCanceled, &now, nil
		j.touch()
		q := m.queues[j.snap.Model]
		for i, o := range q {
			if o == j {
				m.queues[j.snap.Model] = append(q[:i], q[i+1:]...)
				break
			}
		}
		m.remember(id)
	default:
		return snapshot(j), ErrFinished
	}
	return snapshot(j), nil
}
