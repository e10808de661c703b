package inference

import "math"

// Truncated says how much of one input text the model saw when the text
// was cut to the model's max_length: SeenTokens of TotalTokens, and
// SeenUntil, the code-point offset (into the text the answer's offsets refer
// to) where the seen part ends. Everything from SeenUntil on was never read
// by the model.
type Truncated struct {
	Field       string `json:"field"`
	SeenTokens  int    `json:"seen_tokens"`
	TotalTokens int    `json:"total_tokens"`
	SeenUntil   int    `json:"seen_until"`
}

// truncatedText is one text of an encoding request as truncation reports
// it: the input field it came from, and the byte offset of the text inside
// that field (a CLIP sentence lies inside the note), with the field's rune
// index to turn bytes into code points.
type truncatedText struct {
	field string
	base  int
	runes runeIndex
}

// truncation compares an encoding cut to req.MaxLength with the text's
// whole encoding and reports each text that lost tokens (nil when none
// did). texts[0] describes req.Text, texts[1] req.Pair; a nil-field entry
// is not reported (a zero-shot hypothesis). The whole encoding is only
// computed when the cut one is full, so an input that fits costs nothing.
func (m *model) truncation(req EncodeRequest, cut Encoding, texts [2]truncatedText, st *stats) ([]Truncated, error) {
	if len(cut.IDs) < req.MaxLength {
		return nil, nil
	}
	whole := req
	whole.MaxLength, whole.Stride, whole.MaxWindows = math.MaxInt32, 0, 0
	encs, err := m.encode(whole, st)
	if err != nil {
		return nil, err
	}
	var out []Truncated
	for seq, t := range texts {
		if t.field == "" {
			continue
		}
		seen, total, until := 0, 0, 0
		for i, s := range cut.SequenceIDs {
			if s == seq {
				seen++
				until = max(until, cut.Offsets[i][1])
			}
		}
		for _, s := range encs[0].SequenceIDs {
			if s == seq {
				total++
			}
		}
		if seen < total {
			out = append(out, Truncated{Field: t.field, SeenTokens: seen, TotalTokens: total, SeenUntil: t.runes.at(t.base + until)})
		}
	}
	return out, nil
}
