package main

import (
	"encoding/binary"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/clinlm/clinlm/inference/tokenizer"
)

// unpacked is pack's buffer read back the way static/js/tokenize-worker.js
// reads it, so the layout is checked from both sides of the boundary.
type unpacked struct {
	head   [headerWords]int32
	arrays [arrayCount][]int32 // arrays[8] (piece lengths) is nil when tokens go by id
	pieces []string            // the tokens, cut from the pieces or looked up by id
}

func unpack(t *testing.T, b []byte, vocab vocabulary) unpacked {
	t.Helper()
	var u unpacked
	word := func(i int) int32 { return int32(binary.LittleEndian.Uint32(b[4*i:])) }
	for i := range u.head {
		u.head[i] = word(i)
	}
	n, byID := int(u.head[0]), u.head[1] == piecesByID
	arrays := arrayCount
	if byID {
		arrays--
	}
	for a := 0; a < arrays; a++ {
		u.arrays[a] = make([]int32, n)
		for i := 0; i < n; i++ {
			u.arrays[a][i] = word(headerWords + a*n + i)
		}
	}
	at := 4 * (headerWords + arrays*n)
	if byID {
		if len(b) != at {
			t.Fatalf("%d bytes after the arrays of a by-id layout", len(b)-at)
		}
		for _, id := range u.arrays[0] {
			u.pieces = append(u.pieces, vocab.token(int(id)))
		}
		return u
	}
	if len(b)-at != int(u.head[1]) {
		t.Fatalf("pieces: %d bytes left, header says %d", len(b)-at, u.head[1])
	}
	p16 := utf16.Encode([]rune(string(b[at:])))
	off := int32(0)
	for _, l := range u.arrays[8] {
		u.pieces = append(u.pieces, string(utf16.Decode(p16[off:off+l])))
		off += l
	}
	return u
}

// fakeEntry stands for a loaded tokenizer: ids 0.. are vocab, 100 is the
// unknown token, "+" (1009) a special added token.
func fakeEntry(vocab map[int32]string) *entry {
	tokens := make([]string, 2000)
	for id, tok := range vocab {
		tokens[id] = tok
	}
	e := &entry{unkID: 100, vocab: vocabOf(tokens), specialBits: make([]uint64, 2000/64+1)}
	e.specialBits[1009>>6] |= 1 << (1009 & 63)
	return e
}

// vocabOf lays tokens out as entry.vocabulary does.
func vocabOf(tokens []string) vocabulary {
	return newVocabulary(len(tokens), func(id int) string { return tokens[id] })
}

// part builds one encoding part as the engine passes them (EncodeParts).
func part(ids []int32, tokens []string, offsets [][2]int32, words []int32, special ...int32) *tokenizer.Encoding {
	n := len(ids)
	mask := make([]int32, n)
	for _, i := range special {
		mask[i] = 1
	}
	return &tokenizer.Encoding{IDs: ids, Tokens: tokens, Offsets: offsets, WordIDs: words, TypeIDs: make([]int32, n), SpecialTokensMask: mask}
}

func TestPack(t *testing.T) {
	// The emoji is one code point but two UTF-16 units.
	text := "K+ 🙂é"
	parts := []*tokenizer.Encoding{
		part([]int32{101}, []string{"[CLS]"}, [][2]int32{{0, 0}}, []int32{-1}, 0),
		part([]int32{1047, 1009, 100, 1041}, []string{"k", "+", "[UNK]", "##é"}, [][2]int32{{0, 1}, {1, 2}, {3, 4}, {4, 5}}, []int32{0, 1, 2, 2}),
		part([]int32{102}, []string{"[SEP]"}, [][2]int32{{0, 0}}, []int32{-1}, 0),
	}
	tokens := []string{"[CLS]", "k", "+", "[UNK]", "##é", "[SEP]"}
	full := map[int32]string{101: "[CLS]", 1047: "k", 1009: "+", 100: "[UNK]", 1041: "##é", 102: "[SEP]"}
	partial := map[int32]string{101: "[CLS]", 1047: "k", 1009: "+", 100: "[UNK]", 102: "[SEP]"} // "##é" missing
	for name, vocab := range map[string]map[int32]string{"tokens by id": full, "tokens as pieces": partial} {
		t.Run(name, func(t *testing.T) {
			e := fakeEntry(vocab)
			b, err := new(packer).pack(text, e, parts)
			if err != nil {
				t.Fatal(err)
			}
			u := unpack(t, b, e.vocab)
			if u.head[0] != 6 || u.head[2] != 100 || (u.head[1] == piecesByID) != (len(vocab) == len(full)) {
				t.Fatalf("header %v", u.head)
			}
			wantFlags := []int32{flagSpecial, 0, flagAddedSpecial, flagUnknown, 0, flagSpecial}
			wantWords := []int32{-1, 0, 1, 2, 2, -1}
			wantCP := [][2]int32{{0, 0}, {0, 1}, {1, 2}, {3, 4}, {4, 5}, {0, 0}}
			wantU16 := [][2]int32{{0, 0}, {0, 1}, {1, 2}, {3, 5}, {5, 6}, {0, 0}}
			a := u.arrays
			for i := range tokens {
				if a[2][i] != wantFlags[i] || a[3][i] != wantWords[i] {
					t.Errorf("token %d: word %d flags %d", i, a[3][i], a[2][i])
				}
				if a[4][i] != wantCP[i][0] || a[5][i] != wantCP[i][1] {
					t.Errorf("token %d: code-point offsets [%d,%d)", i, a[4][i], a[5][i])
				}
				if a[6][i] != wantU16[i][0] || a[7][i] != wantU16[i][1] {
					t.Errorf("token %d: UTF-16 offsets [%d,%d), want %v", i, a[6][i], a[7][i], wantU16[i])
				}
			}
			// The UTF-16 span of the UNK is exactly the emoji.
			if got := string(utf16.Decode(utf16.Encode([]rune(text))[a[6][3]:a[7][3]])); got != "🙂" {
				t.Errorf("UNK covers %q", got)
			}
			if strings.Join(u.pieces, " ") != strings.Join(tokens, " ") {
				t.Errorf("tokens %q, want %q", u.pieces, tokens)
			}
		})
	}
}

// A token is the vocabulary's when its bytes are: at the vocabulary
// string's own address (no comparison) or elsewhere; never a shorter
// string at that address or other bytes of the same length.
func TestVocabularyTokens(t *testing.T) {
	e := fakeEntry(map[int32]string{7: "hello", 8: "world"})
	own := e.vocab.token(7) // a copy in the vocabulary's text, not the fake's string
	for _, tc := range []struct {
		id   int32
		tok  string
		want bool
	}{
		{7, "hello", true}, {7, strings.Clone("hello"), true}, {7, own, true}, {7, "hello"[:4], false},
		{7, "hellO", false}, {8, "hello", false}, {9, "", false}, {-1, "hello", false}, {5000, "hello", false},
	} {
		if got := e.vocabularyTokens([]int32{tc.id}, []string{tc.tok}); got != tc.want {
			t.Errorf("vocabularyTokens(%d, %q) = %v", tc.id, tc.tok, got)
		}
	}
}

func TestPackEmpty(t *testing.T) {
	e := fakeEntry(nil)
	e.unkID = -1
	b, err := new(packer).pack("", e, []*tokenizer.Encoding{part(nil, nil, nil, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if u := unpack(t, b, e.vocab); u.head[0] != 0 || u.head[1] != piecesByID || u.head[2] != -1 || len(u.pieces) != 0 || len(b) != 4*headerWords {
		t.Errorf("empty: %v %q, %d bytes", u.head, u.pieces, len(b))
	}
}

// Until the page asked for the vocabulary (the corpus workers never do),
// every token travels as its string.
func TestPackWithoutVocabulary(t *testing.T) {
	e := fakeEntry(nil)
	e.vocab = vocabulary{}
	p := part([]int32{1, 2}, []string{"bp", "120"}, [][2]int32{{0, 2}, {3, 6}}, []int32{0, 1})
	b, err := new(packer).pack("BP 120", e, []*tokenizer.Encoding{p})
	if err != nil {
		t.Fatal(err)
	}
	if u := unpack(t, b, vocabulary{}); u.head[1] != int32(len("bp120")) || strings.Join(u.pieces, " ") != "bp 120" {
		t.Errorf("header %v, pieces %q", u.head, u.pieces)
	}
}

func TestPackRejects(t *testing.T) {
	one := func() *tokenizer.Encoding { return part([]int32{1}, []string{"a"}, [][2]int32{{0, 1}}, []int32{0}) }
	cases := map[string]func(*tokenizer.Encoding){
		"short slice":         func(e *tokenizer.Encoding) { e.Tokens = nil },
		"offset past end":     func(e *tokenizer.Encoding) { e.Offsets[0] = [2]int32{0, 2} },
		"reversed offsets":    func(e *tokenizer.Encoding) { e.Offsets[0] = [2]int32{1, 0} },
		"invalid UTF-8 token": func(e *tokenizer.Encoding) { e.Tokens[0] = "\xff" },
	}
	for name, spoil := range cases {
		p := one()
		spoil(p)
		if _, err := new(packer).pack("a", fakeEntry(nil), []*tokenizer.Encoding{p}); err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.HasPrefix(err.Error(), "pack:") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// ASCII text takes the short way (no UTF-16 table): offsets pass through.
func TestPackASCII(t *testing.T) {
	text := "BP 120/80"
	tokens := []string{"bp", "120", "/", "80"}
	p := part([]int32{1, 2, 3, 4}, tokens, [][2]int32{{0, 2}, {3, 6}, {6, 7}, {7, 9}}, []int32{0, 1, 2, 3})
	var pk packer
	for _, e := range []*entry{fakeEntry(nil), fakeEntry(map[int32]string{1: "bp", 2: "120", 3: "/", 4: "80"})} {
		for range 2 { // the second call reuses the first's memory
			b, err := pk.pack(text, e, []*tokenizer.Encoding{p})
			if err != nil {
				t.Fatal(err)
			}
			u := unpack(t, b, e.vocab)
			for i, off := range p.Offsets {
				if u.arrays[6][i] != off[0] || u.arrays[7][i] != off[1] {
					t.Errorf("token %d: UTF-16 [%d,%d)", i, u.arrays[6][i], u.arrays[7][i])
				}
			}
			if strings.Join(u.pieces, "") != "bp120/80" {
				t.Errorf("pieces %q", u.pieces)
			}
		}
	}
}

// The vocabulary layout gives every id's token back, the empty ones too.
func TestPackVocabulary(t *testing.T) {
	tokens := []string{"[PAD]", "", "é", "🙂x", "##ing"}
	e := &entry{vocab: vocabOf(tokens)}
	b := new(packer).packVocabulary(e)
	n := int(int32(binary.LittleEndian.Uint32(b)))
	if n != len(tokens) {
		t.Fatalf("count %d", n)
	}
	p16 := utf16.Encode([]rune(string(b[4*(1+n):])))
	at := uint32(0)
	for id, want := range tokens {
		l := binary.LittleEndian.Uint32(b[4*(1+id):])
		if got := string(utf16.Decode(p16[at : at+l])); got != want {
			t.Errorf("id %d: %q, want %q", id, got, want)
		}
		at += l
	}
}
