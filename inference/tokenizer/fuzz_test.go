package tokenizer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/clinlm/clinlm/internal/testenv"
)

// fuzzTokenizers are the committed e2e tokenizers plus, when ../shared is
// present, the real ones.
func fuzzTokenizers(f *testing.F) map[string]*Tokenizer {
	toks := map[string]*Tokenizer{}
	for _, name := range []string{"bert-added", "roberta-bytelevel", "template-metaspace", "plain-padleft", "bytelevel-sequence"} {
		tok, err := FromFile(filepath.Join("testdata", "e2e", name+".json"))
		if err != nil {
			f.Fatal(err)
		}
		toks[name] = tok
	}
	shared := testenv.SharedPath(f)
	for _, name := range []string{"bert-base-uncased", "roberta", "t5"} {
		path := filepath.Join(shared, "tokenizers", name+".json")
		if _, err := os.Stat(path); err != nil {
			continue
		}
		tok, err := FromFile(path)
		if err != nil {
			f.Fatal(err)
		}
		toks[name] = tok
	}
	return toks
}

// FuzzEncode checks, for any text and pair: no panic, no error on valid
// UTF-8, offsets within the text they point into and ordered within each
// sequence, and for the lossless byte-level BPE (roberta) that decoding
// gives the text back.
func FuzzEncode(f *testing.F) {
	for _, s := range []string{
		"", "Hello world", "  spaces  ", "héllo wörld", "漢字 😀 e\u0301", "<mask> [CLS] [DAY] <ent>",
		"x\u0000y\ufffd", "\u0130stanbul", "a\u0323\u0302", "ﬁ ① ½", "\t\n\r", "don't I'm",
	} {
		f.Add(s, "")
		f.Add(s, "pair text")
	}
	toks := fuzzTokenizers(f)
	f.Fuzz(func(t *testing.T, text, pair string) {
		for name, tok := range toks {
			var p *string
			if pair != "" {
				p = &pair
			}
			e, err := tok.EncodeWithOptions(text, p, EncodeOptions{AddSpecialTokens: true})
			valid := utf8.ValidString(text) && utf8.ValidString(pair)
			if !valid {
				if err == nil {
					t.Errorf("%s: invalid UTF-8 accepted", name)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %q/%q: %v", name, text, pair, err)
			}
			checkOffsets(t, name, e, text, pair)
			if _, err := tok.Decode(e.IDs, true); err != nil {
				t.Errorf("%s: Decode: %v", name, err)
			}
		}
		if tok, ok := toks["roberta"]; ok && utf8.ValidString(text) && !containsAddedToken(tok, text) {
			e, err := tok.Encode(text, false)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := tok.Decode(e.IDs, false); got != text {
				t.Errorf("roberta: decode(encode(%q)) = %q", text, got)
			}
		}
	})
}

func containsAddedToken(t *Tokenizer, text string) bool {
	for _, a := range t.added.ordered {
		if strings.Contains(text, a.Content) {
			return true
		}
	}
	return false
}

func checkOffsets(t *testing.T, name string, e *Encoding, text, pair string) {
	t.Helper()
	n := e.Len()
	for _, l := range []int{len(e.Tokens), len(e.Offsets), len(e.ByteOffsets), len(e.TypeIDs), len(e.SpecialTokensMask),
		len(e.AttentionMask), len(e.WordIDs), len(e.SequenceIDs)} {
		if l != n {
			t.Fatalf("%s: field lengths differ (%d vs %d)", name, l, n)
		}
	}
	last := map[int32]int{}
	for i := 0; i < n; i++ {
		if e.SpecialTokensMask[i] == 1 || e.SequenceIDs[i] < 0 {
			continue
		}
		src := text
		if e.SequenceIDs[i] == 1 {
			src = pair
		}
		o, b := Offset(e.Offsets[i]), Offset(e.ByteOffsets[i])
		if o[0] < 0 || o[0] > o[1] || o[1] > utf8.RuneCountInString(src) {
			t.Errorf("%s: token %d %q offsets %v out of bounds of %q", name, i, e.Tokens[i], o, src)
		}
		if b[0] < 0 || b[0] > b[1] || b[1] > len(src) {
			t.Errorf("%s: token %d %q byte offsets %v out of bounds of %q", name, i, e.Tokens[i], b, src)
		}
		seq := e.SequenceIDs[i]
		if prev, ok := last[seq]; ok && o[0] < prev {
			t.Errorf("%s: token %d %q starts at %d, before the previous token's start %d in %q", name, i, e.Tokens[i], o[0], prev, src)
		}
		last[seq] = o[0]
	}
}
