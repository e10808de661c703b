package tokenizer

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/internal/testenv"
)

// sharedTokenizer loads ../shared/tokenizers/<name>.json, skipping the test
// when the shared data is absent.
func sharedTokenizer(t testing.TB, name string) *Tokenizer {
	t.Helper()
	path := filepath.Join(testenv.SharedDir(t), "tokenizers", name+".json")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s not available", path)
	}
	tok, err := FromFile(path)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return tok
}

func TestLoadSharedTokenizers(t *testing.T) {
	for _, tc := range []struct {
		name, model, normalizer, pre, post, decoder string
		vocab                                       int
	}{
		{"bert-base-uncased", "WordPiece", "BertNormalizer", "BertPreTokenizer", "TemplateProcessing", "WordPiece", 30522},
		{"bert-base-cased", "WordPiece", "BertNormalizer", "BertPreTokenizer", "TemplateProcessing", "WordPiece", 28996},
		{"all-minilm-l6-v2", "WordPiece", "BertNormalizer", "BertPreTokenizer", "TemplateProcessing", "WordPiece", 30522},
		{"scibert-uncased", "WordPiece", "BertNormalizer", "BertPreTokenizer", "TemplateProcessing", "WordPiece", 31090},
		{"pubmed-wordpiece-uncased", "WordPiece", "BertNormalizer", "BertPreTokenizer", "TemplateProcessing", "WordPiece", 30000},
		{"roberta", "BPE", "", "ByteLevel", "RobertaProcessing", "ByteLevel", 50265},
		{"t5", "Unigram", "Precompiled", "Sequence[WhitespaceSplit, Metaspace]", "TemplateProcessing", "Metaspace", 32100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := sharedTokenizer(t, tc.name).Describe()
			got := []string{d.Model, d.Normalizer, d.PreTokenizer, d.PostProcessor, d.Decoder}
			want := []string{tc.model, tc.normalizer, tc.pre, tc.post, tc.decoder}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Describe() parts = %q, want %q", got, want)
			}
			if d.VocabSize != tc.vocab {
				t.Errorf("VocabSize = %d, want %d (HF get_vocab_size(with_added_tokens=True))", d.VocabSize, tc.vocab)
			}
			if len(d.SpecialTokens) == 0 {
				t.Error("no special tokens")
			}
		})
	}
}

// TestEncodeBERT pins one encoding of bert-base-uncased (values from HF
// tokenizers 0.23.3), including a pair, byte offsets and word ids.
func TestEncodeBERT(t *testing.T) {
	tok := sharedTokenizer(t, "bert-base-uncased")
	e, err := tok.EncodePair("Héllo, wörld!", "Fine.", true)
	if err != nil {
		t.Fatal(err)
	}
	want := &Encoding{
		IDs:               []int32{101, 7592, 1010, 2088, 999, 102, 2986, 1012, 102},
		Tokens:            []string{"[CLS]", "hello", ",", "world", "!", "[SEP]", "fine", ".", "[SEP]"},
		Offsets:           [][2]int32{{0, 0}, {0, 5}, {5, 6}, {7, 12}, {12, 13}, {0, 0}, {0, 4}, {4, 5}, {0, 0}},
		ByteOffsets:       [][2]int32{{0, 0}, {0, 6}, {6, 7}, {8, 14}, {14, 15}, {0, 0}, {0, 4}, {4, 5}, {0, 0}},
		TypeIDs:           []int32{0, 0, 0, 0, 0, 0, 1, 1, 1},
		SpecialTokensMask: []int32{1, 0, 0, 0, 0, 1, 0, 0, 1},
		AttentionMask:     []int32{1, 1, 1, 1, 1, 1, 1, 1, 1},
		WordIDs:           []int32{-1, 0, 1, 2, 3, -1, 0, 1, -1},
		SequenceIDs:       []int32{-1, 0, 0, 0, 0, -1, 1, 1, -1},
	}
	e.ranges = seqRanges{}
	if !reflect.DeepEqual(e, want) {
		t.Errorf("got  %+v\nwant %+v", e, want)
	}
	dec, err := tok.Decode(e.IDs, true)
	if err != nil || dec != "hello, world! fine." {
		t.Errorf("Decode = %q, %v", dec, err)
	}
}

func TestLoadErrorsNameThePart(t *testing.T) {
	base := func(part, value string) string {
		parts := map[string]string{
			"normalizer": "null", "pre_tokenizer": "null", "post_processor": "null", "decoder": "null",
			"model": `{"type": "WordLevel", "vocab": {"[UNK]": 0, "a": 1}, "unk_token": "[UNK]"}`,
		}
		parts[part] = value
		return `{"version": "1.0", "truncation": null, "padding": null, "added_tokens": [],` +
			`"normalizer": ` + parts["normalizer"] + `, "pre_tokenizer": ` + parts["pre_tokenizer"] +
			`, "post_processor": ` + parts["post_processor"] + `, "decoder": ` + parts["decoder"] +
			`, "model": ` + parts["model"] + `}`
	}
	for _, tc := range []struct{ part, value, want string }{
		{"normalizer", `{"type": "Foo"}`, `tokenizer.json: normalizer: type "Foo" is not supported`},
		{"pre_tokenizer", `{"type": "Foo"}`, `tokenizer.json: pre_tokenizer: type "Foo" is not supported`},
		{"post_processor", `{"type": "Foo"}`, `tokenizer.json: post_processor: type "Foo" is not supported`},
		{"decoder", `{"type": "Foo"}`, `tokenizer.json: decoder: type "Foo" is not supported`},
		{"pre_tokenizer", `{"type": "Split", "pattern": {"Regex": "(a)\\1"}, "behavior": "Isolated", "invert": false}`,
			`tokenizer.json: pre_tokenizer: Split: regex "(a)\\1": back-references are not supported`},
		{"post_processor", `{"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "[X]", "type_id": 0}}], "pair": [], "special_tokens": {}}`,
			`special token "[X]" is not in special_tokens`},
	} {
		_, err := FromJSON([]byte(base(tc.part, tc.value)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: got %v, want an error containing %q", tc.part, tc.value, err, tc.want)
		}
	}
	if _, err := FromJSON([]byte(`{"version": "2.0", "model": {}}`)); err == nil || !strings.Contains(err.Error(), `unknown tokenizer version "2.0"`) {
		t.Errorf("version 2.0: %v", err)
	}
}

func TestTraceAndDescribe(t *testing.T) {
	tok := sharedTokenizer(t, "roberta")
	tr, err := tok.Trace("Héllo <mask> world")
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, p := range tr.PreTokens {
		texts = append(texts, p.Text)
	}
	// The added token <mask> (lstrip) is cut out before pre-tokenization
	// (word ids [0 0 0 1 2] in HF tokenizers 0.23.3).
	if want := []string{"HÃ©llo", " <mask>", "Ġworld"}; !reflect.DeepEqual(texts, want) {
		t.Errorf("pre-tokens %q", texts)
	}
	if tr.Normalized != "Héllo <mask> world" {
		t.Errorf("Normalized = %q", tr.Normalized)
	}
	enc, _ := tok.Encode("Héllo <mask> world", true)
	if !reflect.DeepEqual(tr.IDs, enc.IDs) {
		t.Errorf("Trace ids %v, Encode ids %v", tr.IDs, enc.IDs)
	}
	n := 0
	for _, p := range tr.PreTokens {
		n += len(p.Pieces)
	}
	if n != enc.Len()-2 {
		t.Errorf("pre-token pieces cover %d tokens, want %d", n, enc.Len()-2)
	}
}

// TestFromGPT2Files builds GPT-2 from encoder.json + merges.txt; the expected
// values come from HF tokenizers 0.23.3 with the same pipeline
// (tools/make_gpt2_tokenizer.py).
func TestFromGPT2Files(t *testing.T) {
	dir := filepath.Join(testenv.SharedDir(t), "tokenizers", "gpt2")
	if _, err := os.Stat(filepath.Join(dir, "encoder.json")); err != nil {
		t.Skip("gpt2 files not available")
	}
	tok, err := FromGPT2Files(filepath.Join(dir, "encoder.json"), filepath.Join(dir, "merges.txt"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := tok.Encode("Hello world, it's  GPT-2<|endoftext|> café", true)
	if err != nil {
		t.Fatal(err)
	}
	wantIDs := []int32{15496, 995, 11, 340, 338, 220, 402, 11571, 12, 17, 50256, 40304}
	wantOffsets := [][2]int32{{0, 5}, {5, 11}, {11, 12}, {12, 15}, {15, 17}, {17, 18}, {18, 20}, {20, 22}, {22, 23}, {23, 24}, {24, 37}, {37, 42}}
	if !reflect.DeepEqual(e.IDs, wantIDs) || !reflect.DeepEqual(e.Offsets, wantOffsets) {
		t.Errorf("got ids %v offsets %v\nwant     %v         %v", e.IDs, e.Offsets, wantIDs, wantOffsets)
	}
	if d := tok.Describe(); d.VocabSize != 50257 {
		t.Errorf("VocabSize = %d, want 50257", d.VocabSize)
	}
}

// TestConcurrentEncode encodes from several goroutines at once (run with
// -race): the pooled scratch memory must not leak between calls.
func TestConcurrentEncode(t *testing.T) {
	tok, err := FromFile(filepath.Join("testdata", "e2e", "template-metaspace.json"))
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"Hello world, this is a test.", "one two three four five six seven eight nine ten", "Ünïcödé café naïve", ""}
	want := make([]*Encoding, len(texts))
	for i, s := range texts {
		if want[i], err = tok.EncodePair(s, texts[(i+1)%len(texts)], true); err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan string, 64)
	done := make(chan struct{})
	for g := 0; g < 8; g++ {
		go func(g int) {
			defer func() { done <- struct{}{} }()
			for k := 0; k < 50; k++ {
				i := (g + k) % len(texts)
				e, err := tok.EncodePair(texts[i], texts[(i+1)%len(texts)], true)
				if err != nil || !reflect.DeepEqual(e, want[i]) {
					errs <- fmt.Sprintf("goroutine %d: text %d differs (%v)", g, i, err)
					return
				}
			}
		}(g)
	}
	for g := 0; g < 8; g++ {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// asciiPrefix reads eight bytes at a time; the non-ASCII byte may be
// anywhere in a word or in the tail, and invalid UTF-8 after a long ASCII
// start must still be refused.
func TestASCIIPrefix(t *testing.T) {
	tok, err := FromFile(filepath.Join(testenv.RepoRoot(t), "tokenizers", "files", "clinical-wordpiece.json"))
	if err != nil {
		t.Fatal(err)
	}
	for n := range 20 {
		ascii := strings.Repeat("a", n)
		if got := asciiPrefix(ascii); got != n {
			t.Errorf("asciiPrefix(%q) = %d", ascii, got)
		}
		for _, tail := range []string{"é", "\x80", "\xff\xfe", "\u00a0 more text after it"} {
			if got := asciiPrefix(ascii + tail); got != n {
				t.Errorf("asciiPrefix(%q) = %d, want %d", ascii+tail, got, n)
			}
			_, err := tok.Encode(ascii+tail, true)
			if valid := tail[0] != 0x80 && tail[0] != 0xff; (err == nil) != valid {
				t.Errorf("Encode(%q): error %v", ascii+tail, err)
			}
		}
	}
}

// Encode's result outlives the pooled state it was encoded in: truncation
// makes the sequence's encoding the result, and the next encode reuses the
// state.
func TestEncodeResultOutlivesItsState(t *testing.T) {
	for _, name := range []string{"plain-padleft", "template-metaspace"} {
		tok, err := FromFile(filepath.Join("testdata", "e2e", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		opts := EncodeOptions{MaxLength: 4}
		first, err := tok.EncodeWithOptions("one two three four five six", nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprint(first.IDs, first.Offsets, len(first.Overflowing))
		for range 3 {
			if _, err := tok.EncodeWithOptions("seven eight nine ten eleven twelve", nil, opts); err != nil {
				t.Fatal(err)
			}
		}
		if got := fmt.Sprint(first.IDs, first.Offsets, len(first.Overflowing)); got != want {
			t.Errorf("%s: the first result changed to %s, was %s", name, got, want)
		}
	}
}
