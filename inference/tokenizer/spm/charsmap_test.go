package spm

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/clinlm/clinlm/internal/testenv"
)

// loadT5Charsmap parses the precompiled_charsmap of the shared T5 tokenizer.
func loadT5Charsmap(t testing.TB) *Charsmap {
	t.Helper()
	p := filepath.Join(testenv.SharedPath(t), "tokenizers", "t5.json")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Skipf("t5.json not available (set CLINLM_SHARED): %v", err)
	}
	var file struct {
		Normalizer struct {
			Type                string `json:"type"`
			PrecompiledCharsmap string `json:"precompiled_charsmap"`
		} `json:"normalizer"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	if file.Normalizer.Type != "Precompiled" {
		t.Fatalf("t5.json normalizer is %q, want Precompiled", file.Normalizer.Type)
	}
	raw, err := base64.StdEncoding.DecodeString(file.Normalizer.PrecompiledCharsmap)
	if err != nil {
		t.Fatal(err)
	}
	cm, err := ParseCharsmap(raw)
	if err != nil {
		t.Fatal(err)
	}
	return cm
}

// checkSegments verifies the Segment invariants: ordered, contiguous,
// covering s, unchanged runs equal to the input, and concatenating to want.
func checkSegments(t *testing.T, s string, segs []Segment, want string) {
	t.Helper()
	pos := 0
	var out strings.Builder
	for i, sg := range segs {
		if sg.Start != pos || sg.End <= sg.Start || sg.End > len(s) {
			t.Fatalf("%q: segment %d is [%d,%d), want start %d", s, i, sg.Start, sg.End, pos)
		}
		pos = sg.End
		out.WriteString(sg.Out)
	}
	if pos != len(s) {
		t.Fatalf("%q: segments end at %d, want %d", s, pos, len(s))
	}
	if out.String() != want {
		t.Fatalf("%q: segments spell %q, want %q", s, out.String(), want)
	}
}

func TestCharsmapT5Golden(t *testing.T) {
	checkCharsmapGolden(t, "testdata/charsmap-t5.golden.json")
	// CLINLM_EXTRA_GOLDEN_DIR may hold a larger charsmap-t5.golden.json (for
	// example built from dataset text, which must stay out of the repository).
	if dir := os.Getenv("CLINLM_EXTRA_GOLDEN_DIR"); dir != "" {
		if p := filepath.Join(dir, "charsmap-t5.golden.json"); fileExists(p) {
			checkCharsmapGolden(t, p)
		}
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func checkCharsmapGolden(t *testing.T, path string) {
	t.Helper()
	cm := loadT5Charsmap(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases [][2]string `json:"cases"`
	}
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) < 1000 {
		t.Fatalf("only %d cases", len(g.Cases))
	}
	bad := 0
	for _, c := range g.Cases {
		in, want := c[0], c[1]
		if got := cm.NormalizeString(in); got != want {
			if bad++; bad <= 20 {
				t.Errorf("NormalizeString(%q) = %q, want %q", in, got, want)
			}
			continue
		}
		checkSegments(t, in, cm.Normalize(in), want)
	}
	if bad > 0 {
		t.Fatalf("%d of %d cases differ from HF", bad, len(g.Cases))
	}
}

func TestCharsmapT5Examples(t *testing.T) {
	cm := loadT5Charsmap(t)
	tests := []struct {
		in   string
		want []Segment
	}{
		{"abc", []Segment{{0, 3, "abc"}}},
		// U+FB01 LATIN SMALL LIGATURE FI expands to two characters (NFKC).
		{"ﬁx", []Segment{{0, 3, "fi"}, {3, 4, "x"}}},
		// A decomposed accent is one grapheme the map composes whole.
		{"e\u0301!", []Segment{{0, 3, "é"}, {3, 4, "!"}}},
		// Fullwidth letters map one by one.
		{"ＡＢ", []Segment{{0, 3, "A"}, {3, 6, "B"}}},
		{"", nil},
	}
	for _, tt := range tests {
		got := cm.Normalize(tt.in)
		if len(got) != len(tt.want) {
			t.Errorf("Normalize(%q) = %+v, want %+v", tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("Normalize(%q) = %+v, want %+v", tt.in, got, tt.want)
				break
			}
		}
	}
}

// handmadeCharsmap builds a Darts trie mapping "a" → "b" and "xy" → "Z",
// so the parser and lookup are tested without the shared files.
func handmadeCharsmap(t testing.TB) []byte {
	t.Helper()
	const leaf = 1 << 8
	unit := func(label byte, hasLeaf bool, offset int) uint32 {
		u := uint32(label) | uint32(offset)<<10
		if hasLeaf {
			u |= leaf
		}
		return u
	}
	units := make([]uint32, 0x100)
	// Root at 0 with offset 1: children of the root live at 1^label.
	units[0] = unit(0, false, 1)
	// "a": slot 1^'a' = 0x60, leaf; its value unit at 0x60^1 = 0x61 → blob offset 0.
	units[0x60] = unit('a', true, 1)
	units[0x61] = 0
	// "x": slot 1^'x' = 0x79, not a leaf, offset 0x80 → children at 0x79^0x80^label.
	units[0x79] = unit('x', false, 0x80)
	// "xy": slot 0x79^0x80^'y' = 0x80, leaf, offset 2 → value at 0x82 → blob offset 2.
	units[0x80] = unit('y', true, 2)
	units[0x82] = 2
	blob := "b\x00Z\x00"
	out := binary.LittleEndian.AppendUint32(nil, uint32(4*len(units)))
	for _, u := range units {
		out = binary.LittleEndian.AppendUint32(out, u)
	}
	return append(out, blob...)
}

func TestCharsmapHandmade(t *testing.T) {
	cm, err := ParseCharsmap(handmadeCharsmap(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in, want string
		segs     []Segment
	}{
		{"cat", "cbt", []Segment{{0, 1, "c"}, {1, 2, "b"}, {2, 3, "t"}}},
		// "x" and "y" are separate graphemes and neither is known alone.
		{"xyz", "xyz", []Segment{{0, 3, "xyz"}}},
		// The shortest known prefix replaces the whole (short) grapheme.
		{"a\u0301", "b", []Segment{{0, 3, "b"}}},
		{"q", "q", []Segment{{0, 1, "q"}}},
	}
	for _, tt := range tests {
		if got := cm.NormalizeString(tt.in); got != tt.want {
			t.Errorf("NormalizeString(%q) = %q, want %q", tt.in, got, tt.want)
		}
		segs := cm.Normalize(tt.in)
		checkSegments(t, tt.in, segs, tt.want)
		if len(segs) != len(tt.segs) {
			t.Errorf("Normalize(%q) = %+v, want %+v", tt.in, segs, tt.segs)
			continue
		}
		for i := range segs {
			if segs[i] != tt.segs[i] {
				t.Errorf("Normalize(%q) = %+v, want %+v", tt.in, segs, tt.segs)
				break
			}
		}
	}
	// "xy" is in the trie even though normalization never looks it up whole.
	if out, ok := cm.transform("xy"); !ok || out != "Z" {
		t.Errorf(`transform("xy") = %q, %v; want "Z", true`, out, ok)
	}
	if _, ok := cm.transform("x"); ok {
		t.Errorf(`transform("x") matched; want no match`)
	}
	if _, ok := cm.transform("\x00a"); ok {
		t.Errorf(`transform("\x00a") matched; a NUL ends the search`)
	}
}

func TestParseCharsmapErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"short header", []byte{1, 0}},
		{"trie larger than data", []byte{16, 0, 0, 0, 1, 2, 3, 4}},
		{"blob not UTF-8", []byte{4, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe}},
	}
	for _, tt := range tests {
		if _, err := ParseCharsmap(tt.data); err == nil {
			t.Errorf("%s: ParseCharsmap succeeded, want an error", tt.name)
		}
	}
	// A size that is not a multiple of 4 leaves the remainder in the blob.
	cm, err := ParseCharsmap([]byte{6, 0, 0, 0, 0, 0, 0, 0, 'h', 'i'})
	if err != nil {
		t.Fatal(err)
	}
	if len(cm.units) != 1 || cm.normalized != "hi" {
		t.Errorf("units %d, blob %q; want 1 unit and blob \"hi\"", len(cm.units), cm.normalized)
	}
	// An empty trie matches nothing.
	cm, err = ParseCharsmap([]byte{0, 0, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	if got := cm.NormalizeString("abc"); got != "abc" {
		t.Errorf("empty trie changed %q to %q", "abc", got)
	}
}

func FuzzCharsmapNormalize(f *testing.F) {
	for _, s := range []string{"", "abc", "ﬁx", "e\u0301", "👨‍👩‍👧", "\xff\xfe", "क्ष", "\r\n", "ＡＢ"} {
		f.Add(s)
	}
	cm := fuzzCharsmap(f)
	f.Fuzz(func(t *testing.T, s string) {
		want := cm.NormalizeString(s)
		checkSegments(t, s, cm.Normalize(s), want)
		if utf8.ValidString(s) && !utf8.ValidString(want) {
			t.Fatalf("valid input %q normalized to invalid UTF-8 %q", s, want)
		}
	})
}

// fuzzCharsmap prefers the real T5 map and falls back to the hand-made one
// so the fuzz target runs anywhere.
func fuzzCharsmap(f *testing.F) *Charsmap {
	if d := testenv.SharedPath(f); d != "" {
		if _, err := os.Stat(filepath.Join(d, "tokenizers", "t5.json")); err == nil {
			return loadT5Charsmap(f)
		}
	}
	cm, err := ParseCharsmap(handmadeCharsmap(f))
	if err != nil {
		f.Fatal(err)
	}
	return cm
}
