package eval

// runningMetric keeps a task's headline metric over the examples answered
// so far, in constant work per example, for Options.Progress: nli accuracy,
// clip micro F1 (pooled counts over the labels, as Classify computes it)
// and qa SQuAD F1 in percent (the mean of SQuADExample, as SQuAD computes
// it). Predictions must be of the example's task.
type runningMetric struct {
	name         string
	squad        SQuADVersion
	zeroDivision float64
	n            int
	// correct (nli), sum of F1 (qa), and the pooled clip counts.
	correct, f1Sum float64
	tp, fp, fn     int
}

func newRunningMetric(task string, opts Options) *runningMetric {
	r := &runningMetric{squad: opts.SQuAD, zeroDivision: opts.ZeroDivision}
	switch task {
	case TaskNLI:
		r.name = "accuracy"
	case TaskCLIP:
		r.name = "micro_f1"
	case TaskQA:
		r.name = "f1"
	}
	return r
}

// add counts one answered example.
func (r *runningMetric) add(ex Example, p Prediction) {
	r.n++
	switch {
	case ex.NLI != nil:
		if p.Label == ex.NLI.Label {
			r.correct++
		}
	case ex.CLIP != nil:
		gold := map[string]bool{}
		for _, l := range ex.CLIP.Labels {
			gold[l] = true
		}
		for _, l := range p.Labels {
			if gold[l] {
				r.tp++
				delete(gold, l)
			} else {
				r.fp++
			}
		}
		r.fn += len(gold)
	case ex.QA != nil && p.Answer != nil:
		golds := make([]string, 0, len(ex.QA.Answers))
		for _, a := range ex.QA.Answers {
			golds = append(golds, a.Text)
		}
		_, f1 := SQuADExample(*p.Answer, golds, r.squad)
		r.f1Sum += f1
	}
}

// value is the metric so far (0 before any example).
func (r *runningMetric) value() Metric {
	m := Metric{Name: r.name}
	switch {
	case r.n == 0:
	case r.name == "accuracy":
		m.Value = r.correct / float64(r.n)
	case r.name == "f1":
		m.Value = 100 * r.f1Sum / float64(r.n)
	case r.name == "micro_f1":
		if d := 2*r.tp + r.fp + r.fn; d > 0 {
			m.Value = float64(2*r.tp) / float64(d)
		} else {
			m.Value = r.zeroDivision
		}
	}
	return m
}
