package server

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/clinlm/clinlm/internal/testenv"
)

// scrapeMetrics reads /metrics with the Prometheus text parser, as a
// Prometheus server would.
func scrapeMetrics(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("/metrics Content-Type %q, want the text format", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return families
}

// TestMetricsScrape checks every series docs/operations.md documents, after
// real inference: names, types, help, labels, and counts that match what
// the test sent. Unknown model names never become label values.
func TestMetricsScrape(t *testing.T) {
	b := realBackend(t)
	s := newSuiteServer(t, b, InferLimits{})
	client := &http.Client{Timeout: 30 * time.Second}
	const okN, badN = 5, 3
	for range okN {
		if st, _, err := postInfer(client, s.URL, b.nli, strings.NewReader(`{"premise":"a","hypothesis":"b"}`), true, nil); err != nil || st != 200 {
			t.Fatalf("ok request: %d %v", st, err)
		}
	}
	for range badN {
		postInfer(client, s.URL, b.nli, strings.NewReader(`{"premise":"a"}`), true, nil)
	}
	for i := range 20 {
		postInfer(client, s.URL, "unknown-"+strings.Repeat("x", i), strings.NewReader(`{"text":"a"}`), true, nil)
	}
	postInfer(client, s.URL, b.clip, strings.NewReader(`{"text":"One. Two."}`), true, nil)

	families := scrapeMetrics(t, s.URL)
	want := map[string]dto.MetricType{
		"clinlm_infer_requests_total":   dto.MetricType_COUNTER,
		"clinlm_infer_queue_depth":      dto.MetricType_GAUGE,
		"clinlm_infer_batch_size":       dto.MetricType_HISTOGRAM,
		"clinlm_infer_run_seconds":      dto.MetricType_HISTOGRAM,
		"clinlm_infer_tokenize_seconds": dto.MetricType_HISTOGRAM,
		"clinlm_infer_positions_total":  dto.MetricType_COUNTER,
		"go_goroutines":                 dto.MetricType_GAUGE,
		"go_memstats_heap_alloc_bytes":  dto.MetricType_GAUGE,
		"process_resident_memory_bytes": dto.MetricType_GAUGE,
		"process_cpu_seconds_total":     dto.MetricType_COUNTER,
		"process_open_fds":              dto.MetricType_GAUGE,
	}
	for name, typ := range want {
		f, ok := families[name]
		if !ok {
			t.Errorf("missing %s", name)
			continue
		}
		if f.GetType() != typ || f.GetHelp() == "" {
			t.Errorf("%s: type %v help %q, want %v with help", name, f.GetType(), f.GetHelp(), typ)
		}
	}
	counts := map[[2]string]float64{}
	for _, m := range families["clinlm_infer_requests_total"].GetMetric() {
		var key [2]string
		for _, l := range m.GetLabel() {
			switch l.GetName() {
			case "model":
				key[0] = l.GetValue()
			case "code":
				key[1] = l.GetValue()
			}
		}
		if strings.HasPrefix(key[0], "unknown-") {
			t.Errorf("an unknown model name became a label value: %q", key[0])
		}
		counts[key] = m.GetCounter().GetValue()
	}
	if counts[[2]string{b.nli, "ok"}] != okN || counts[[2]string{b.nli, "bad_request"}] != badN || counts[[2]string{b.clip, "ok"}] != 1 {
		t.Errorf("request counts %v, want %s ok=%d bad_request=%d, %s ok=1", counts, b.nli, okN, badN, b.clip)
	}
	var batches uint64
	for _, m := range families["clinlm_infer_batch_size"].GetMetric() {
		batches += m.GetHistogram().GetSampleCount()
	}
	if batches == 0 {
		t.Error("no batch observed")
	}
	if v := families["process_resident_memory_bytes"].GetMetric()[0].GetGauge().GetValue(); v < 1<<20 {
		t.Errorf("resident memory %v bytes", v)
	}
	// Every clinlm series is documented for operators.
	doc, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	for name := range families {
		if strings.HasPrefix(name, "clinlm_") && !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("%s is not documented in docs/operations.md", name)
		}
	}
}
