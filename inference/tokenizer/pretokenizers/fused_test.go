package pretokenizers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/inference/tokenizer/normalized"
)

// TestWhitespaceMetaspaceFused checks that the fused WhitespaceSplit +
// Metaspace step gives exactly the pieces (text, original range and the
// alignment of every byte) of the two steps run one after the other.
func TestWhitespaceMetaspaceFused(t *testing.T) {
	texts := []string{
		"", " ", "Hello world", "  lead and trail  ", "a▁b", "▁a", "▁▁a▁", "▁", "a ▁ b▁▁",
		"tab\tnew\nline\u00a0nbsp\u2003em", "café naïve 東京 ▁x", "x|y ▁z|▁", "|lead",
	}
	var schemes = []PrependScheme{PrependAlways, PrependFirst, PrependNever}
	for _, text := range texts {
		for _, scheme := range schemes {
			for _, split := range []bool{true, false} {
				for _, presplit := range []bool{false, true} {
					m := Metaspace{Replacement: '▁', PrependScheme: scheme, Split: split}
					name := fmt.Sprintf("%q/%s/split=%v/presplit=%v", text, scheme, split, presplit)
					want := piecesOf(t, text, presplit, func(pt *normalized.PreTokenized) error {
						if err := (WhitespaceSplit{}).PreTokenize(pt); err != nil {
							return err
						}
						return m.PreTokenize(pt)
					})
					got := piecesOf(t, text, presplit, Sequence{WhitespaceSplit{}, m}.PreTokenize)
					if got != want {
						t.Errorf("%s:\n got %s\nwant %s", name, got, want)
					}
				}
			}
		}
	}
}

// piecesOf pre-tokenizes text (cut at "|" first when presplit, so that
// pieces start after the text's start) and describes the pieces.
func piecesOf(t *testing.T, text string, presplit bool, run func(*normalized.PreTokenized) error) string {
	t.Helper()
	pt := &normalized.PreTokenized{}
	pt.ResetText(text)
	if presplit {
		if err := pt.SplitPattern(normalized.Rune('|'), normalized.Removed); err != nil {
			t.Fatal(err)
		}
	}
	if err := run(pt); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, p := range pt.Pieces {
		n := &p.Norm
		fmt.Fprintf(&b, "%q%v[", n.Get(), n.OffsetsOriginal())
		for i := 0; i < n.Len(); i++ {
			o, _ := n.ToOriginal(i, i+1)
			fmt.Fprint(&b, o)
		}
		b.WriteString("] ")
	}
	return b.String()
}
