package eval

import "fmt"

// LabelScores are one label's counts and scores.
type LabelScores struct {
	Label     string  `json:"label"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	// Support is the number of examples whose gold labels include this one.
	Support int `json:"support"`
	TP      int `json:"tp"`
	FP      int `json:"fp"`
	FN      int `json:"fn"`
}

// Classification is sklearn's precision_recall_fscore_support over a fixed
// label list (its labels= argument), per label and averaged.
type Classification struct {
	Labels []LabelScores `json:"labels"`
	// Micro pools the counts of every label; Macro is the unweighted mean of
	// the per-label scores.
	MicroPrecision float64 `json:"micro_precision"`
	MicroRecall    float64 `json:"micro_recall"`
	MicroF1        float64 `json:"micro_f1"`
	MacroPrecision float64 `json:"macro_precision"`
	MacroRecall    float64 `json:"macro_recall"`
	MacroF1        float64 `json:"macro_f1"`
	// Accuracy is sklearn's accuracy_score: the share of examples whose
	// predicted label set equals the gold set exactly (for single-label
	// data, plain accuracy; for multi-label data, subset accuracy).
	Accuracy float64 `json:"accuracy"`
}

// Classify scores predicted label sets against gold ones: gold[i][j] and
// pred[i][j] say whether example i has label j of labels.
//
// A score whose denominator is zero (precision of a label never predicted,
// recall of a label never in the gold data, F1 of a label that is in
// neither) takes the value zeroDivision, as sklearn's zero_division
// argument does; sklearn's default ("warn") uses 0 and warns. F1 is
// computed from counts as sklearn ≥ 1.3 does: 2·TP / (2·TP + FP + FN).
func Classify(labels []string, gold, pred [][]bool, zeroDivision float64) (Classification, error) {
	if len(gold) != len(pred) {
		return Classification{}, fmt.Errorf("eval: %d gold rows but %d predictions", len(gold), len(pred))
	}
	c := Classification{Labels: make([]LabelScores, len(labels))}
	exact := 0
	for i := range gold {
		if len(gold[i]) != len(labels) || len(pred[i]) != len(labels) {
			return Classification{}, fmt.Errorf("eval: row %d has %d gold and %d predicted columns for %d labels", i, len(gold[i]), len(pred[i]), len(labels))
		}
		same := true
		for j := range labels {
			g, p := gold[i][j], pred[i][j]
			switch {
			case g && p:
				c.Labels[j].TP++
			case p:
				c.Labels[j].FP++
			case g:
				c.Labels[j].FN++
			}
			same = same && g == p
		}
		if same {
			exact++
		}
	}
	var tp, fp, fn int
	var sumP, sumR, sumF float64
	for j, l := range labels {
		s := &c.Labels[j]
		s.Label = l
		s.Support = s.TP + s.FN
		s.Precision, s.Recall, s.F1 = prf(s.TP, s.FP, s.FN, zeroDivision)
		tp, fp, fn = tp+s.TP, fp+s.FP, fn+s.FN
		sumP, sumR, sumF = sumP+s.Precision, sumR+s.Recall, sumF+s.F1
	}
	c.MicroPrecision, c.MicroRecall, c.MicroF1 = prf(tp, fp, fn, zeroDivision)
	if n := float64(len(labels)); n > 0 {
		c.MacroPrecision, c.MacroRecall, c.MacroF1 = sumP/n, sumR/n, sumF/n
	}
	if len(gold) > 0 {
		c.Accuracy = float64(exact) / float64(len(gold))
	}
	return c, nil
}

// prf is precision, recall and F1 from counts.
func prf(tp, fp, fn int, zeroDivision float64) (p, r, f float64) {
	div := func(num, den int) float64 {
		if den == 0 {
			return zeroDivision
		}
		return float64(num) / float64(den)
	}
	return div(tp, tp+fp), div(tp, tp+fn), div(2*tp, 2*tp+fp+fn)
}
