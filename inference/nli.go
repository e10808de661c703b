package inference

import (
	"context"
	"errors"
	"sort"
	"time"
)

// LabelScore is one label's probability.
type LabelScore struct {
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

// NLIOutput is the answer of an NLI model: every label, highest first.
// Generated is what a text-to-text model wrote (absent for classifiers).
// Truncation lists the texts the model did not see whole (absent when it
// saw both). Values lists the vitals and lab values the model was told the
// state of (models whose manifest asks for "reference-ranges").
type NLIOutput struct {
	Labels     []LabelScore   `json:"labels"`
	Generated  *string        `json:"generated,omitempty"`
	Truncation []Truncated    `json:"truncation,omitempty"`
	Values     []ValueReading `json:"values,omitempty"`
}

// ValueReading is one value as the model was told it: the reading as
// written (Text, code points [Start, End) of Field) and its State against
// the adult reference interval of Analyte, with the Term clinicians give
// that state ("hyponatremia"; empty when a value alone does not name one).
type ValueReading struct {
	Field   string `json:"field"`
	Start   int    `json:"start"`
	End     int    `json:"end"`
	Text    string `json:"text"`
	Analyte string `json:"analyte"`
	State   string `json:"state"`
	Term    string `json:"term,omitempty"`
}

// valueReadings lists the values the marker reads in each text.
func (m *model) valueReadings(texts ...[2]string) []ValueReading {
	if m.marker == nil {
		return nil
	}
	var out []ValueReading
	for _, t := range texts {
		field, text := t[0], t[1]
		_, ins := m.marker.Mark(text)
		if len(ins) == 0 {
			continue
		}
		runes := newRuneIndex(text)
		for _, in := range ins {
			out = append(out, ValueReading{Field: field, Start: runes.at(in.Start), End: runes.at(in.At), Text: text[in.Start:in.At],
				Analyte: in.Analyte, State: string(in.State), Term: in.Term})
		}
	}
	return out
}

// encode tokenizes and records the time taken.
func (m *model) encode(req EncodeRequest, st *stats) ([]Encoding, error) {
	start := time.Now()
	encs, err := m.tok.Encode(req)
	d := time.Since(start)
	st.addTokenize(d)
	m.obs.tokenized(d)
	var known *Error
	if errors.As(err, &known) {
		return nil, known // too_long from the window count or the stride
	}
	if err != nil {
		return nil, &Error{Code: CodeInternal, Message: "tokenization failed", Err: err}
	}
	if len(encs) == 0 {
		return nil, newError(CodeInternal, "tokenization produced nothing")
	}
	return encs, nil
}

func (m *model) run(ctx context.Context, rows []row, st *stats) ([]rowOut, error) {
	for i := range rows {
		rows[i].bind = m.bind
	}
	outs, timing, err := m.batch.Submit(ctx, rows)
	if err != nil {
		return nil, err
	}
	st.addBatch(timing)
	return outs, nil
}

func toRow(e Encoding) row { return row{ids: e.IDs, types: e.TypeIDs} }

func (m *model) nliRequest(premise, hypothesis string) EncodeRequest {
	return EncodeRequest{Text: premise, Pair: &hypothesis, MaxLength: m.manifest.MaxLength, Strategy: LongestFirst}
}

// nliTexts names the two texts of an NLI pair for truncation reports.
func nliTexts(premise, hypothesis string) [2]truncatedText {
	return [2]truncatedText{{field: "premise", runes: newRuneIndex(premise)}, {field: "hypothesis", runes: newRuneIndex(hypothesis)}}
}

func (m *model) nli(ctx context.Context, premise, hypothesis string, st *stats) (NLIOutput, error) {
	req := m.nliRequest(premise, hypothesis)
	encs, err := m.encode(req, st)
	if err != nil {
		return NLIOutput{}, err
	}
	outs, err := m.run(ctx, []row{toRow(encs[0])}, st)
	if err != nil {
		return NLIOutput{}, err
	}
	cut, err := m.truncation(req, encs[0], nliTexts(premise, hypothesis), st)
	if err != nil {
		return NLIOutput{}, err
	}
	return NLIOutput{Labels: rankLabels(m.manifest.Labels, softmax(outs[0][0])), Truncation: cut,
		Values: m.valueReadings([2]string{"premise", premise}, [2]string{"hypothesis", hypothesis})}, nil
}

// rankLabels pairs labels with scores, highest first (ties keep label order).
func rankLabels(labels []string, scores []float64) []LabelScore {
	out := make([]LabelScore, len(labels))
	for i, l := range labels {
		out[i] = LabelScore{Label: l, Score: scores[i]}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Score > out[b].Score })
	return out
}
