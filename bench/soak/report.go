package main

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// serverStats is what the soak reads from the server's /metrics.
type serverStats struct {
	ok         bool
	rss        float64 // process_resident_memory_bytes
	heap       float64 // go_memstats_heap_alloc_bytes
	goroutines float64 // go_goroutines
	requests   float64 // sum of clinlm_infer_requests_total
}

// scrape reads /metrics with the Prometheus text parser; a failed scrape is
// reported as missing values, not as a load error.
func scrape(base string) serverStats {
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		return serverStats{}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return serverStats{}
	}
	families, err := parseMetrics(resp.Body)
	if err != nil {
		return serverStats{}
	}
	return serverStats{
		ok:         true,
		rss:        sum(families["process_resident_memory_bytes"]),
		heap:       sum(families["go_memstats_heap_alloc_bytes"]),
		goroutines: sum(families["go_goroutines"]),
		requests:   sum(families["clinlm_infer_requests_total"]),
	}
}

func parseMetrics(r io.Reader) (map[string]*dto.MetricFamily, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(r)
}

// sum adds a family's gauge, counter or untyped values across its labels.
func sum(f *dto.MetricFamily) float64 {
	if f == nil {
		return 0
	}
	var s float64
	for _, m := range f.GetMetric() {
		switch {
		case m.Gauge != nil:
			s += m.GetGauge().GetValue()
		case m.Counter != nil:
			s += m.GetCounter().GetValue()
		case m.Untyped != nil:
			s += m.GetUntyped().GetValue()
		}
	}
	return s
}

// row is one report period.
type row struct {
	at       time.Duration
	requests int
	rate     float64
	p50, p99 time.Duration
	errs     map[string]int
	server   serverStats
}

// report prints rows as they come and keeps them for the summary.
type report struct {
	out     io.Writer
	clients int
	models  []string
	rows    []row
	after   serverStats
	// all is every latency of the run, for its overall percentiles.
	all []time.Duration
}

// busyCode is the answer of a server shedding load (a full queue, too many
// requests at once): reported apart, not counted as an error.
const busyCode = "busy"

// errors counts the failed requests, busy answers excepted.
func (r *report) errors() int {
	n := 0
	for _, x := range r.rows {
		for code, c := range x.errs {
			if code != busyCode {
				n += c
			}
		}
	}
	return n
}

// busy counts the requests answered busy.
func (r *report) busy() int {
	n := 0
	for _, x := range r.rows {
		n += x.errs[busyCode]
	}
	return n
}

func (r *report) header(o options) {
	fmt.Fprintf(r.out, "soak: %d clients for %s against %s, models %s\n", o.clients, o.duration, o.url, strings.Join(r.models, ", "))
	fmt.Fprintf(r.out, "%8s %9s %9s %9s %9s %8s %9s %9s %10s\n", "t", "requests", "req/s", "p50", "p99", "errors", "rss MiB", "heap MiB", "goroutines")
}

func (r *report) sample(at, window time.Duration, lat []time.Duration, errs map[string]int, s serverStats) {
	x := row{at: at, requests: len(lat), errs: errs, server: s}
	if window > 0 {
		x.rate = float64(len(lat)) / window.Seconds()
	}
	x.p50, x.p99 = percentile(lat, 0.50), percentile(lat, 0.99)
	r.all = append(r.all, lat...)
	r.rows = append(r.rows, x)
	fmt.Fprintf(r.out, "%8s %9d %9.1f %9s %9s %8s %9s %9s %10s\n", at.Round(100*time.Millisecond), x.requests, x.rate,
		fmtDur(x.p50), fmtDur(x.p99), fmtErrs(errs), fmtMiB(s.ok, s.rss), fmtMiB(s.ok, s.heap), fmtNum(s.ok, s.goroutines))
}

// percentile is the nearest-rank percentile (0 for no samples).
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(p*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

func fmtDur(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}

func fmtErrs(e map[string]int) string {
	n := 0
	for _, c := range e {
		n += c
	}
	if n == 0 {
		return "0"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(e)) {
		parts = append(parts, fmt.Sprintf("%s:%d", k, e[k]))
	}
	return strings.Join(parts, ",")
}

func fmtMiB(ok bool, b float64) string {
	if !ok {
		return "?"
	}
	return fmt.Sprintf("%.1f", b/(1<<20))
}

func fmtNum(ok bool, v float64) string {
	if !ok {
		return "?"
	}
	return fmt.Sprintf("%.0f", v)
}

// summary prints totals and how the server's memory moved: from the first
// loaded window to the last (drift under load) and after the load.
func (r *report) summary(o options) {
	loaded := r.rows[1:] // rows[0] is the idle baseline
	total := len(r.all)
	var elapsed time.Duration
	if len(loaded) > 0 {
		elapsed = loaded[len(loaded)-1].at
	}
	fmt.Fprintf(r.out, "\ntotal: %d requests in %s (%.1f req/s), p50 %s, p99 %s, %d errors, %d busy\n", total, elapsed.Round(time.Second),
		float64(total)/max(elapsed.Seconds(), 1e-9), fmtDur(percentile(r.all, 0.5)), fmtDur(percentile(r.all, 0.99)), r.errors(), r.busy())
	base := r.rows[0].server
	if len(loaded) > 0 && base.ok {
		first, last := loaded[0].server, loaded[len(loaded)-1].server
		fmt.Fprintf(r.out, "server rss MiB: idle %.1f, first window %.1f, last window %.1f, idle after %s\n",
			base.rss/(1<<20), first.rss/(1<<20), last.rss/(1<<20), fmtMiB(r.after.ok, r.after.rss))
		fmt.Fprintf(r.out, "server goroutines: idle %.0f, first window %.0f, last window %.0f, idle after %s\n",
			base.goroutines, first.goroutines, last.goroutines, fmtNum(r.after.ok, r.after.goroutines))
		fmt.Fprintf(r.out, "server inference requests counted: %.0f\n", last.requests-base.requests)
	}
	if o.markdown {
		fmt.Fprintf(r.out, "\n| t | requests | req/s | p50 | p99 | errors | server RSS MiB | Go heap MiB | goroutines |\n|---|---|---|---|---|---|---|---|---|\n")
		for _, x := range r.rows {
			fmt.Fprintf(r.out, "| %s | %d | %.1f | %s | %s | %s | %s | %s | %s |\n", x.at.Round(100*time.Millisecond), x.requests, x.rate,
				fmtDur(x.p50), fmtDur(x.p99), fmtErrs(x.errs), fmtMiB(x.server.ok, x.server.rss), fmtMiB(x.server.ok, x.server.heap),
				fmtNum(x.server.ok, x.server.goroutines))
		}
		if r.after.ok {
			fmt.Fprintf(r.out, "| idle after | | | | | | %s | %s | %s |\n", fmtMiB(true, r.after.rss), fmtMiB(true, r.after.heap), fmtNum(true, r.after.goroutines))
		}
	}
}
