package inference

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the engine's Prometheus series, registered on a registry the
// caller owns (never the global default).
type Metrics struct {
	queueDepth *prometheus.GaugeVec
	batchSize  *prometheus.HistogramVec
	runTime    *prometheus.HistogramVec
	tokenize   *prometheus.HistogramVec
	requests   *prometheus.CounterVec
	provider   *prometheus.GaugeVec
	positions  *prometheus.CounterVec
}

// NewMetrics creates and registers the series.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		queueDepth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "clinlm_infer_queue_depth", Help: "Sequences waiting for a batch, per model.",
		}, []string{"model"}),
		batchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "clinlm_infer_batch_size", Help: "Sequences per model run.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64},
		}, []string{"model"}),
		runTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "clinlm_infer_run_seconds", Help: "Duration of one batched model run.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"model"}),
		tokenize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "clinlm_infer_tokenize_seconds", Help: "Tokenization time per request.",
			Buckets: prometheus.ExponentialBuckets(0.00005, 2, 16),
		}, []string{"model"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "clinlm_infer_requests_total", Help: "Inference requests by model and outcome code (ok or an error code).",
		}, []string{"model", "code"}),
		provider: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "clinlm_model_provider", Help: "1 for where each loaded model runs (provider: cpu, cuda or remote).",
		}, []string{"model", "provider"}),
		positions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "clinlm_infer_positions_total", Help: "Sequence positions sent to the model per model, by kind: token (a row's own) or padding (filling a batch to its width).",
		}, []string{"model", "kind"}),
	}
	for _, c := range []prometheus.Collector{m.queueDepth, m.batchSize, m.runTime, m.tokenize, m.requests, m.provider, m.positions} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// modelObserver feeds one model's batcher measurements into the series.
type modelObserver struct {
	m     *Metrics
	model string
}

func (o modelObserver) QueueDepth(n int) {
	if o.m != nil {
		o.m.queueDepth.WithLabelValues(o.model).Set(float64(n))
	}
}

func (o modelObserver) Batch(size int, run time.Duration) {
	if o.m != nil {
		o.m.batchSize.WithLabelValues(o.model).Observe(float64(size))
		o.m.runTime.WithLabelValues(o.model).Observe(run.Seconds())
	}
}

// padded counts one batch's positions: its rows' own tokens and the padding
// that filled it to its width.
func (o modelObserver) padded(tokens, padding int) {
	if o.m != nil {
		o.m.positions.WithLabelValues(o.model, "token").Add(float64(tokens))
		o.m.positions.WithLabelValues(o.model, "padding").Add(float64(padding))
	}
}

func (o modelObserver) tokenized(d time.Duration) {
	if o.m != nil {
		o.m.tokenize.WithLabelValues(o.model).Observe(d.Seconds())
	}
}

func (o modelObserver) provider(p string) {
	if o.m != nil {
		o.m.provider.WithLabelValues(o.model, p).Set(1)
	}
}

func (o modelObserver) request(code Code) {
	if o.m != nil {
		o.m.requests.WithLabelValues(o.model, string(code)).Inc()
	}
}
