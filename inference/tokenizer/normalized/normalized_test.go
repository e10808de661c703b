package normalized

import (
	"reflect"
	"testing"

	"github.com/clinlm/clinlm/inference/tokenizer/internal/unorm"
)

// byteSpans returns the original byte span of each normalized character.
func byteSpans(n *String) [][2]int {
	out := [][2]int{}
	for i, r := range n.Get() {
		sp, _ := n.ToOriginal(i, i+len(string(r)))
		out = append(out, [2]int{sp.Start, sp.End})
	}
	return out
}

// TestSplitBehaviors is the example of HF's SplitDelimiterBehavior docs.
func TestSplitBehaviors(t *testing.T) {
	for _, tc := range []struct {
		b    Behavior
		want []string
	}{
		{Removed, []string{"the", "final", "countdown"}},
		{Isolated, []string{"the", "-", "final", "-", "-", "countdown"}},
		{MergedWithPrevious, []string{"the-", "final-", "-", "countdown"}},
		{MergedWithNext, []string{"the", "-final", "-", "-countdown"}},
		{Contiguous, []string{"the", "-", "final", "--", "countdown"}},
	} {
		s := New("the-final--countdown")
		parts, err := s.Split(Rune('-'), tc.b, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range parts {
			if !p.IsEmpty() {
				got = append(got, p.Get())
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: got %q, want %q", tc.b, got, tc.want)
		}
	}
}

func TestSliceKeepsOriginalOffsets(t *testing.T) {
	s := New("héllo wörld")
	s.Lowercase()
	w, ok := s.Slice(7, 13) // "wörld"
	if !ok || w.Get() != "wörld" {
		t.Fatalf("Slice = %q, %v", w.Get(), ok)
	}
	if got := w.OffsetsOriginal(); got != (Span{7, 13}) {
		t.Errorf("OffsetsOriginal = %v", got)
	}
	if sp, _ := w.ToOriginal(1, 3); sp != (Span{8, 10}) {
		t.Errorf("ToOriginal(ö) = %v", sp)
	}
	if _, ok := s.Slice(2, 3); ok {
		t.Error("Slice inside a character succeeded")
	}
}

// TestTransformAlignments checks HF's transform rules: a replacing character
// takes the alignment of the one it replaces, an inserted one the alignment
// of the byte before it, removed characters vanish.
func TestTransformAlignments(t *testing.T) {
	s := New("abc")
	s.Transform([]Change{{R: 'x', Delta: 0}, {R: 'y', Delta: 1}, {R: 'z', Delta: -1}}, 0)
	if s.Get() != "xyz" {
		t.Fatalf("got %q", s.Get())
	}
	if got, want := byteSpans(&s), [][2]int{{0, 1}, {0, 1}, {1, 2}}; !reflect.DeepEqual(got, want) {
		t.Errorf("alignments %v, want %v", got, want)
	}
	s = New("  abc")
	s.Transform([]Change{{R: 'a'}, {R: 'b'}, {R: 'c'}}, 2) // two removed at the start
	if got, want := byteSpans(&s), [][2]int{{2, 3}, {3, 4}, {4, 5}}; s.Get() != "abc" || !reflect.DeepEqual(got, want) {
		t.Errorf("%q alignments %v, want %v", s.Get(), got, want)
	}
}

// TestNormalizeAlignments pins the alignments HF gives Unicode
// normalization (values from HF tokenizers 0.23.3): a composed character
// keeps only its first part's alignment, decomposed pieces share the
// original character's, reordered marks keep positional alignments.
func TestNormalizeAlignments(t *testing.T) {
	for _, tc := range []struct {
		form unorm.Form
		in   string
		want string
		char [][2]int // code point offsets of each output character
	}{
		{unorm.NFC, "e\u0301x", "\u00e9x", [][2]int{{0, 1}, {2, 3}}},
		{unorm.NFC, "a\u0316\u0301x", "\u00e1\u0316x", [][2]int{{0, 1}, {2, 3}, {3, 4}}},
		{unorm.NFD, "\u00e0\u0323x", "a\u0323\u0300x", [][2]int{{0, 1}, {1, 2}, {1, 2}, {2, 3}}},
		{unorm.NFD, "\uac01x", "\u1100\u1161\u11a8x", [][2]int{{0, 1}, {0, 1}, {0, 1}, {1, 2}}},
		{unorm.NFKC, "\ufb01x", "fix", [][2]int{{0, 1}, {0, 1}, {1, 2}}},
	} {
		s := New(tc.in)
		s.Normalize(tc.form)
		if s.Get() != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, s.Get(), tc.want)
			continue
		}
		var got [][2]int
		for _, sp := range byteSpans(&s) {
			got = append(got, [2]int{len([]rune(tc.in[:sp[0]])), len([]rune(tc.in[:sp[1]]))})
		}
		if !reflect.DeepEqual(got, tc.char) {
			t.Errorf("%q: alignments %v, want %v", tc.in, got, tc.char)
		}
	}
}

func TestLowercaseSpecialCases(t *testing.T) {
	s := New("İx")
	s.Lowercase()
	if s.Get() != "i\u0307x" {
		t.Errorf("got %q", s.Get())
	}
	if got, want := byteSpans(&s), [][2]int{{0, 2}, {0, 2}, {2, 3}}; !reflect.DeepEqual(got, want) {
		t.Errorf("alignments %v, want %v", got, want)
	}
}
