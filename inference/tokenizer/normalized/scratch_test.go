package normalized

import (
	"reflect"
	"strings"
	"testing"
)

// TestMapASCII checks the one-table path: mapped text with unchanged
// alignments, and no change at all when a byte is non-ASCII or has no entry.
func TestMapASCII(t *testing.T) {
	var upper [128]byte
	for c := range byte(128) {
		upper[c] = c
		if 'a' <= c && c <= 'z' {
			upper[c] = c - 'a' + 'A'
		}
	}
	upper[0] = 0 // NUL has no entry: the caller's general path handles it
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"chest x-ray, no acute findings", "CHEST X-RAY, NO ACUTE FINDINGS", true},
		{"ALREADY UPPER", "ALREADY UPPER", true},
		{"", "", true},
		{"café", "café", false},
		{"nul\x00byte", "nul\x00byte", false},
	} {
		s := New(tc.in)
		spans := byteSpans(&s)
		if ok := s.MapASCII(&upper); ok != tc.ok || s.Get() != tc.want {
			t.Errorf("MapASCII(%q) = %q, %v; want %q, %v", tc.in, s.Get(), ok, tc.want, tc.ok)
		}
		if got := byteSpans(&s); !reflect.DeepEqual(got, spans) {
			t.Errorf("MapASCII(%q) moved alignments: %v, want %v", tc.in, got, spans)
		}
	}
}

// TestScratchReuse checks that the texts a PreTokenized's transformations
// build come from its scratch memory, never overlap within one input, and that
// the memory is reused for the next input but not kept when it grew huge.
func TestScratchReuse(t *testing.T) {
	var p PreTokenized
	p.ResetText("Patient Denies Chest Pain")
	p.Pieces[0].Norm.Lowercase()
	first := p.Pieces[0].Norm.Get()
	p.Pieces[0].Norm.Prepend("_")
	if first != "patient denies chest pain" || p.Pieces[0].Norm.Get() != "_patient denies chest pain" {
		t.Fatalf("transformations gave %q then %q", first, p.Pieces[0].Norm.Get())
	}
	used := len(p.mem.bytes)
	if used == 0 {
		t.Fatal("the transformations did not use the scratch memory")
	}
	buf := p.mem.bytes[:1]

	p.ResetText("Second Note")
	p.Pieces[0].Norm.Lowercase()
	if got := p.Pieces[0].Norm.Get(); got != "second note" {
		t.Fatalf("second input gave %q", got)
	}
	if &p.mem.bytes[:1][0] != &buf[0] {
		t.Error("the second input did not reuse the first one's scratch memory")
	}

	big := strings.Repeat("A", 2*maxRetained)
	p.ResetText(big)
	p.Pieces[0].Norm.Lowercase()
	p.ResetText("x")
	if cap(p.mem.bytes) > maxRetained {
		t.Errorf("rewind kept %d bytes of scratch memory, want at most %d", cap(p.mem.bytes), maxRetained)
	}
}
