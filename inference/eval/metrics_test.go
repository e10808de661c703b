package eval

import (
	"math"
	"testing"
)

func TestNormalizeAnswer(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"The Cat!", "cat"},
		{"  a  dog,\tan owl\nthe end ", "dog owl end"},
		{"theory and anatomy", "theory and anatomy"}, // articles only as whole words
		{"x_the_y the_", "xthey"},                    // "_" is punctuation, removed before the articles
		{"(the) [a]", ""},                            // punctuation goes first, then the articles
		{"120/80 mg", "12080 mg"},
		{"café—the end", "café— end"}, // the em dash stays (not ASCII) and is no word character
		{"ΟΔΟΣ", "οδος"},              // final sigma
		{"ΣΑΣ.Β", "σασβ"},             // final-sigma context is checked before punctuation is removed
		{"İ", "i\u0307"},
		{"a\u0301 b", "\u0301 b"},                  // a combining mark is not a word character in Python's re
		{"one\x1ctwo\u00a0three", "one two three"}, // Python's str.split separators
		{"\u200bthe", "\u200b"},                    // U+200B is neither space nor word character
	} {
		if got := NormalizeAnswer(c.in); got != c.want {
			t.Errorf("NormalizeAnswer(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSQuADExample(t *testing.T) {
	for _, c := range []struct {
		name      string
		pred      string
		golds     []string
		v         SQuADVersion
		exact, f1 float64
	}{
		{"exact after normalisation", "The cat.", []string{"cat"}, SQuADv2, 1, 1},
		{"best gold counts", "red blood cells", []string{"white cells", "red blood cells"}, SQuADv2, 1, 1},
		{"partial overlap", "red blood", []string{"red blood cells"}, SQuADv2, 0, 0.8},
		{"repeated tokens count once each", "cells cells", []string{"cells"}, SQuADv2, 0, 2.0 / 3},
		{"v2 no answer, empty prediction", "", nil, SQuADv2, 1, 1},
		{"v2 no answer, some prediction", "cat", nil, SQuADv2, 0, 0},
		{"v2 drops golds that normalise to nothing", "", []string{"the"}, SQuADv2, 1, 1},
		{"v1 keeps them", "a", []string{"the"}, SQuADv1, 1, 0},
		{"v1 empty vs empty F1 is 0", "", []string{""}, SQuADv1, 1, 0},
		{"v1 without golds", "cat", nil, SQuADv1, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			em, f1 := SQuADExample(c.pred, c.golds, c.v)
			if em != c.exact || math.Abs(f1-c.f1) > 1e-15 {
				t.Errorf("exact %v f1 %v, want %v %v", em, f1, c.exact, c.f1)
			}
		})
	}
}

func TestSQuADTotals(t *testing.T) {
	s := SQuAD([]string{"cat", "", "dog", "red blood"}, [][]string{{"cat"}, nil, {}, {"red blood cells"}}, SQuADv2)
	want := SQuADScores{Exact: 50, F1: 100 * 2.8 / 4, Total: 4, HasAnsExact: 50, HasAnsF1: 100 * 1.8 / 2, HasAnsTotal: 2,
		NoAnsExact: 50, NoAnsF1: 50, NoAnsTotal: 2}
	if math.Abs(s.F1-want.F1) > 1e-12 || math.Abs(s.HasAnsF1-want.HasAnsF1) > 1e-12 {
		t.Fatalf("got %+v, want %+v", s, want)
	}
	s.F1, s.HasAnsF1 = want.F1, want.HasAnsF1
	if s != want {
		t.Errorf("got %+v, want %+v", s, want)
	}
	if empty := SQuAD(nil, nil, SQuADv2); empty != (SQuADScores{}) {
		t.Errorf("no examples: %+v", empty)
	}
}

func TestClassify(t *testing.T) {
	labels := []string{"a", "b", "c"}
	gold := [][]bool{{true, false, false}, {true, true, false}, {false, false, false}}
	pred := [][]bool{{true, false, false}, {false, true, false}, {true, false, false}}
	for _, c := range []struct {
		zero       float64
		cP, cR, cF float64
	}{
		// label c: never gold, never predicted → every score is zero_division.
		{0, 0, 0, 0},
		{1, 1, 1, 1},
	} {
		got, err := Classify(labels, gold, pred, c.zero)
		if err != nil {
			t.Fatal(err)
		}
		a := got.Labels[0]
		if a.TP != 1 || a.FP != 1 || a.FN != 1 || a.Support != 2 || a.Precision != 0.5 || a.Recall != 0.5 || a.F1 != 0.5 {
			t.Errorf("label a: %+v", a)
		}
		lc := got.Labels[2]
		if lc.Precision != c.cP || lc.Recall != c.cR || lc.F1 != c.cF {
			t.Errorf("zero_division %v: label c %+v", c.zero, lc)
		}
		// label a: F1 0.5; label b: 1.
		wantMacro := (0.5 + 1 + c.cF) / 3
		if math.Abs(got.MacroF1-wantMacro) > 1e-15 {
			t.Errorf("zero_division %v: macro F1 %v, want %v", c.zero, got.MacroF1, wantMacro)
		}
		if got.MicroPrecision != 2.0/3 || got.MicroRecall != 2.0/3 || math.Abs(got.MicroF1-2.0/3) > 1e-15 {
			t.Errorf("micro %v %v %v", got.MicroPrecision, got.MicroRecall, got.MicroF1)
		}
		if got.Accuracy != 1.0/3 {
			t.Errorf("subset accuracy %v", got.Accuracy)
		}
	}
	if _, err := Classify(labels, gold, pred[:2], 0); err == nil {
		t.Error("mismatched rows: no error")
	}
	if _, err := Classify(labels, [][]bool{{true}}, [][]bool{{true}}, 0); err == nil {
		t.Error("short row: no error")
	}
}
