package xnorm

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// TestMatchesUpstream compares the copy with golang.org/x/text/unicode/norm on
// every code point, in the four forms, alone and before a combining mark (so
// composition and reordering are exercised), and on the properties unorm reads.
func TestMatchesUpstream(t *testing.T) {
	if norm.Version != Version {
		t.Skipf("upstream norm has Unicode %s tables, this copy %s", norm.Version, Version)
	}
	forms := []struct {
		up   norm.Form
		here Form
	}{{norm.NFC, NFC}, {norm.NFD, NFD}, {norm.NFKC, NFKC}, {norm.NFKD, NFKD}}
	bad := 0
	for r := rune(0); r <= utf8.MaxRune && bad < 10; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		c := string(r)
		for _, f := range forms {
			if s := c + "\u0301"; f.up.String(s) != f.here.String(s) {
				t.Errorf("%U in %q: upstream %q, here %q", r, s, f.up.String(s), f.here.String(s))
				bad++
			}
		}
		for _, s := range []string{c} {
			for _, f := range forms {
				if u, h := f.up.String(s), f.here.String(s); u != h {
					t.Errorf("%U in %q: upstream %q, here %q", r, s, u, h)
					bad++
				}
				if u, h := f.up.IsNormalString(s), f.here.IsNormalString(s); u != h {
					t.Errorf("%U IsNormal %q: %v vs %v", r, s, u, h)
					bad++
				}
				if u, h := f.up.QuickSpanString(s), f.here.QuickSpanString(s); u != h {
					t.Errorf("%U QuickSpan %q: %v vs %v", r, s, u, h)
					bad++
				}
				if u, h := f.up.NextBoundaryInString(s, true), f.here.NextBoundaryInString(s, true); u != h {
					t.Errorf("%U NextBoundary %q: %v vs %v", r, s, u, h)
					bad++
				}
			}
		}
		for _, f := range forms {
			u, h := f.up.PropertiesString(c), f.here.PropertiesString(c)
			if u.CCC() != h.CCC() || u.LeadCCC() != h.LeadCCC() || u.TrailCCC() != h.TrailCCC() ||
				u.BoundaryBefore() != h.BoundaryBefore() || u.BoundaryAfter() != h.BoundaryAfter() ||
				u.Size() != h.Size() || !bytes.Equal(u.Decomposition(), h.Decomposition()) {
				t.Errorf("%U properties differ", r)
				bad++
			}
		}
	}
}
