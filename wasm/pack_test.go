package main

import (
	"encoding/binary"
	"strings"
	"testing"
	"unicode/utf16"
)

// unpack mirrors static/js/tokenize-worker.js so the layout is checked from
// both sides of the boundary.
func unpack(t *testing.T, b []byte) (head [headerWords]int32, arrays [arrayCount][]int32, pieces string) {
	t.Helper()
	word := func(i int) int32 { return int32(binary.LittleEndian.Uint32(b[4*i:])) }
	for i := range head {
		head[i] = word(i)
	}
	n := int(head[0])
	for a := 0; a < arrayCount; a++ {
		arrays[a] = make([]int32, n)
		for i := 0; i < n; i++ {
			arrays[a][i] = word(headerWords + a*n + i)
		}
	}
	at := 4 * (headerWords + arrayCount*n)
	if len(b)-at != int(head[1]) {
		t.Fatalf("pieces: %d bytes left, header says %d", len(b)-at, head[1])
	}
	return head, arrays, string(b[at:])
}

func TestPack(t *testing.T) {
	// The emoji is one code point but two UTF-16 units.
	text := "K+ 🙂é"
	e := encoded{
		IDs:     []int32{101, 1047, 1009, 100, 1041, 102},
		TypeIDs: []int32{0, 0, 0, 0, 0, 0},
		// "+" stands in for a special token written in the text.
		Flags:   []int32{flagSpecial, 0, flagAddedSpecial, flagUnknown, 0, flagSpecial},
		WordIDs: []int32{-1, 0, 1, 2, 2, -1},
		Offsets: [][2]int32{{0, 0}, {0, 1}, {1, 2}, {3, 4}, {4, 5}, {0, 0}},
		Tokens:  []string{"[CLS]", "k", "+", "[UNK]", "##é", "[SEP]"},
		UnkID:   100,
	}
	b, err := new(packer).pack(text, e)
	if err != nil {
		t.Fatal(err)
	}
	head, a, pieces := unpack(t, b)
	if head[0] != 6 || head[2] != 100 {
		t.Fatalf("header %v", head)
	}
	wantFlags := []int32{flagSpecial, 0, flagAddedSpecial, flagUnknown, 0, flagSpecial}
	wantU16 := [][2]int32{{0, 0}, {0, 1}, {1, 2}, {3, 5}, {5, 6}, {0, 0}}
	u16 := utf16.Encode([]rune(text))
	for i := range e.IDs {
		if a[0][i] != int32(e.IDs[i]) || a[3][i] != int32(e.WordIDs[i]) || a[2][i] != wantFlags[i] {
			t.Errorf("token %d: id %d word %d flags %d", i, a[0][i], a[3][i], a[2][i])
		}
		if a[4][i] != int32(e.Offsets[i][0]) || a[5][i] != int32(e.Offsets[i][1]) {
			t.Errorf("token %d: code-point offsets [%d,%d)", i, a[4][i], a[5][i])
		}
		if a[6][i] != wantU16[i][0] || a[7][i] != wantU16[i][1] {
			t.Errorf("token %d: UTF-16 offsets [%d,%d), want %v", i, a[6][i], a[7][i], wantU16[i])
		}
	}
	// The UTF-16 span of the UNK is exactly the emoji.
	if got := string(utf16.Decode(u16[a[6][3]:a[7][3]])); got != "🙂" {
		t.Errorf("UNK covers %q", got)
	}
	// Cutting the pieces by their UTF-16 lengths gives the tokens back.
	p16 := utf16.Encode([]rune(pieces))
	at := int32(0)
	for i, tok := range e.Tokens {
		if got := string(utf16.Decode(p16[at : at+a[8][i]])); got != tok {
			t.Errorf("piece %d = %q, want %q", i, got, tok)
		}
		at += a[8][i]
	}
}

func TestPackEmpty(t *testing.T) {
	b, err := new(packer).pack("", encoded{UnkID: -1})
	if err != nil {
		t.Fatal(err)
	}
	if head, _, pieces := unpack(t, b); head[0] != 0 || head[2] != -1 || pieces != "" {
		t.Errorf("empty: %v %q", head, pieces)
	}
}

func TestPackRejects(t *testing.T) {
	one := func() encoded {
		return encoded{IDs: []int32{1}, TypeIDs: []int32{0}, Flags: []int32{0}, WordIDs: []int32{0},
			Offsets: [][2]int32{{0, 1}}, Tokens: []string{"a"}, UnkID: -1}
	}
	cases := map[string]func(*encoded){
		"short slice":         func(e *encoded) { e.Tokens = nil },
		"offset past end":     func(e *encoded) { e.Offsets[0] = [2]int32{0, 2} },
		"reversed offsets":    func(e *encoded) { e.Offsets[0] = [2]int32{1, 0} },
		"invalid UTF-8 token": func(e *encoded) { e.Tokens[0] = "\xff" },
	}
	for name, spoil := range cases {
		e := one()
		spoil(&e)
		if _, err := new(packer).pack("a", e); err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.HasPrefix(err.Error(), "pack:") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// ASCII text takes the short way (no UTF-16 table): offsets pass through.
func TestPackASCII(t *testing.T) {
	text := "BP 120/80"
	e := encoded{
		IDs: []int32{1, 2, 3, 4}, TypeIDs: []int32{0, 0, 0, 0}, Flags: []int32{0, 0, 0, 0}, WordIDs: []int32{0, 1, 2, 3},
		Offsets: [][2]int32{{0, 2}, {3, 6}, {6, 7}, {7, 9}}, Tokens: []string{"bp", "120", "/", "80"}, UnkID: -1,
	}
	var p packer
	for range 2 { // the second call reuses the first's memory
		b, err := p.pack(text, e)
		if err != nil {
			t.Fatal(err)
		}
		_, a, pieces := unpack(t, b)
		for i, off := range e.Offsets {
			if a[6][i] != off[0] || a[7][i] != off[1] || a[8][i] != int32(len(e.Tokens[i])) {
				t.Errorf("token %d: UTF-16 [%d,%d) length %d", i, a[6][i], a[7][i], a[8][i])
			}
		}
		if pieces != "bp120/80" {
			t.Errorf("pieces %q", pieces)
		}
	}
}
