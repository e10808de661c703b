package components

// ---- Live evaluation ----

// EvaluatePage is the form that starts an evaluation and the list of them.
type EvaluatePage struct {
	// Enabled is false when the server has no loaded models.
	Enabled bool
	Models  []Choice
	// Error is what was wrong with the last post.
	Error   string
	MaxSize string
	// Datasets are the choices of task file: an upload (Value "") or a
	// bundled set ("devset:nli").
	Datasets []Choice
	// DataFrom is an evaluation whose kept file the form reuses (named
	// DataFromName), instead of the choices.
	DataFrom, DataFromName string
	// KeepData ticks "keep the file".
	KeepData bool
	Rows     []EvaluationRow
}

// EvaluationRow is one evaluation in the list.
type EvaluationRow struct {
	ID, Href, Model, Data, Status, Progress, Summary, Queued string
}

// EvaluationPage is one evaluation: progress while it runs, the report when done.
type EvaluationPage struct {
	ID, Model, ModelVersion, Task, Data, SHA256, Status, Error string
	// RunningMetric is the headline metric so far ("accuracy 0.8125").
	RunningMetric string
	// DataKept: the task file was kept, so other models can be evaluated on it.
	DataKept               bool
	Items, Done            int
	ETA, Started, Duration string
	Running, Cancellable   bool
	Metrics                []EvalMetric
	JSONHref               string
	// Misses are the first examples the model got wrong (MissCount in
	// all, downloadable from MissesHref); shown once the run is done.
	Misses     []EvalMiss
	MissCount  int
	MissesHref string
}

// EvalMiss is one example the model got wrong.
type EvalMiss struct {
	Line, ID, Gold, Predicted, F1 string
}

// EvalMetric is one headline number of a finished evaluation.
type EvalMetric struct {
	Name, Value string
}

// EvaluatedScore is a finished live evaluation as a leaderboard row.
type EvaluatedScore struct {
	ID, Href, Model, ModelVersion, Task, Data, SHA256, Items, Metrics, Date, Duration string
}

// shortHash is a hex digest's first 12 characters, as shown beside the
// full digest in a title.
func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// ModelEvaluation is a model's latest finished live evaluation, for its card.
type ModelEvaluation struct {
	ID, Href, Data, SHA256, Items, Date, Metrics string
	// Misses are the first examples it got wrong (MissCount in all,
	// downloadable from MissesHref).
	Misses     []EvalMiss
	MissCount  int
	MissesHref string
}
