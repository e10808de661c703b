package spm

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// graphemeEnds splits s with graphemeEnd and returns each cluster's end.
func graphemeEnds(s string) []int {
	var ends []int
	for i := 0; i < len(s); {
		i = graphemeEnd(s, i)
		ends = append(ends, i)
	}
	return ends
}

// TestGraphemesGolden compares cluster boundaries with unicode-segmentation
// 1.13.3 (the crate HF tokenizers 0.23.3 uses) on every ordered pair of
// break classes and on random sequences biased to the look-behind rules
// (GB9c conjuncts, GB11 emoji ZWJ sequences, GB12/13 flags, Hangul).
func TestGraphemesGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/graphemes.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Raw [][2]json.RawMessage `json:"cases"` // [text, cluster end offsets]
	}
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Raw) < 1000 {
		t.Fatalf("only %d cases", len(g.Raw))
	}
	bad := 0
	for _, c := range g.Raw {
		var s string
		var want []int
		if err := json.Unmarshal(c[0], &s); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(c[1], &want); err != nil {
			t.Fatal(err)
		}
		if got := graphemeEnds(s); !slices.Equal(got, want) {
			if bad++; bad <= 20 {
				t.Errorf("%+q: cluster ends %v, want %v", s, got, want)
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d cases differ", bad, len(g.Raw))
	}
}

func TestGraphemeExamples(t *testing.T) {
	tests := []struct {
		s    string
		want []int
	}{
		{"abc", []int{1, 2, 3}},
		{"\r\n\n", []int{2, 3}},
		{"e\u0301x", []int{3, 4}},
		{"👨‍👩‍👧", []int{18}},
		{"🇫🇷🇩🇪🇮", []int{8, 16, 20}},
		{"क्ष", []int{9}},                                // GB9c: consonant + virama + consonant
		{"\u1100\u1161\u11a8\uac00\u11a8", []int{9, 15}}, // L V T jamo; LV syllable + T
		{"\u0600a", []int{3}},                            // GB9b: prepend
		{"\xffa", []int{1, 2}},
	}
	for _, tt := range tests {
		if got := graphemeEnds(tt.s); !slices.Equal(got, tt.want) {
			t.Errorf("%+q: cluster ends %v, want %v", tt.s, got, tt.want)
		}
	}
}

func FuzzGraphemeEnd(f *testing.F) {
	for _, s := range []string{"", "a", "👨‍👩‍👧", "क्ष", "\r\n", "\xff", "🇫🇷🇩"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		prev := 0
		for _, e := range graphemeEnds(s) {
			if e <= prev || e > len(s) {
				t.Fatalf("%+q: bad cluster end %d after %d", s, e, prev)
			}
			prev = e
		}
		if prev != len(s) {
			t.Fatalf("%+q: clusters end at %d, want %d", s, prev, len(s))
		}
	})
}
