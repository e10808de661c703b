package spans

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

// FuzzParseBRAT: whatever the .ann says, every span it accepts lies within
// the text, in order, and the parser never panics.
func FuzzParseBRAT(f *testing.F) {
	f.Add("T1\tDrug 6 16\tmetoprolol\n", note)
	f.Add("T1\tDrug 0 2;3 5\tPt on\nR1\tx\n", note)
	f.Add("T1\tX -1 99999999999999999999\tx", "😀")
	f.Fuzz(func(t *testing.T, ann, text string) {
		if !utf8.ValidString(text) {
			return
		}
		doc, _, err := ParseBRAT(bytes.NewReader([]byte(ann)), "f.ann", text)
		if err != nil {
			return
		}
		n := utf8.RuneCountInString(text)
		for _, s := range doc.Spans {
			if checkFragments(s.Fragments, n) != nil {
				t.Fatalf("accepted span %+v outside a text of %d characters", s, n)
			}
		}
	})
}

// FuzzParseJSONL: the same for JSONL documents.
func FuzzParseJSONL(f *testing.F) {
	f.Add(`{"text":"Pt on aspirin","spans":[{"start":6,"end":13,"label":"Drug"}]}`)
	f.Add(`{"text":"😀x","spans":[{"start":1,"end":2,"label":"X"}]}` + "\n{}")
	f.Fuzz(func(t *testing.T, in string) {
		docs, _, err := ParseJSONL(bytes.NewReader([]byte(in)), "f.jsonl")
		if err != nil {
			return
		}
		for _, d := range docs {
			n := utf8.RuneCountInString(d.Text)
			for _, s := range d.Spans {
				if checkFragments(s.Fragments, n) != nil {
					t.Fatalf("accepted span %+v outside a text of %d characters", s, n)
				}
			}
		}
	})
}
