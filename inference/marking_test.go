package inference

import (
	"slices"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/inference/refranges"
)

// The marks add tokens and nothing else: without them the encoding is the
// plain one, token for token and offset for offset into the texts as sent,
// and each mark's tokens sit, wordless, where the mark went in.
func TestMarkingTokenizerKeepsOffsetsOfTheTextsAsSent(t *testing.T) {
	plain, err := HFTokenizer("../models/minilm-nli/tokenizer.json")
	if err != nil {
		t.Fatal(err)
	}
	marking := markingTokenizer{inner: plain, marker: refranges.New()}
	for _, c := range []struct{ premise, hypothesis string }{
		{"Na 124 on admission, K 6.1; HR 142 and BP 84/50.", "The patient is hyponatremic."},
		{"Creatinine 3.4 mg/dL on arrival.", "Her creatinine is 0.9 today."},
		{"No values here at all.", "Still none."},
		{"ünïcödé Hgb 6.9 g/dL → transfused", "T 39.4 C"},
	} {
		req := EncodeRequest{Text: c.premise, Pair: &c.hypothesis, MaxLength: 512, Strategy: LongestFirst}
		want, err := plain.Encode(req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := marking.Encode(req)
		if err != nil {
			t.Fatal(err)
		}
		_, premiseMarks := refranges.New().Mark(c.premise)
		_, hypMarks := refranges.New().Mark(c.hypothesis)
		g, w := got[0], want[0]
		var ids []int64
		var offs [][2]int
		marked := 0
		for i := range g.IDs {
			if g.SequenceIDs[i] >= 0 && g.WordIDs[i] < 0 {
				marked++
				ats := []int{}
				for _, in := range [][]refranges.Insertion{premiseMarks, hypMarks}[g.SequenceIDs[i]] {
					ats = append(ats, in.At)
				}
				if o := g.Offsets[i]; o[0] != o[1] || !slices.Contains(ats, o[0]) {
					t.Errorf("%q: mark token %d has offsets %v, want an empty one at %v", c.premise, i, o, ats)
				}
				continue
			}
			ids, offs = append(ids, g.IDs[i]), append(offs, g.Offsets[i])
		}
		if !slices.Equal(ids, w.IDs) || !slices.Equal(offs, w.Offsets) {
			t.Errorf("%q: without its marks the encoding differs from the plain one\n got %v %v\nwant %v %v", c.premise, ids, offs, w.IDs, w.Offsets)
		}
		if wantMarks := len(premiseMarks) + len(hypMarks); (marked > 0) != (wantMarks > 0) || marked < 3*wantMarks {
			t.Errorf("%q: %d mark tokens for %d marks", c.premise, marked, wantMarks)
		}
		if strings.Contains(c.premise, "Na 124") && marked == 0 {
			t.Errorf("%q: nothing marked", c.premise)
		}
	}
}
