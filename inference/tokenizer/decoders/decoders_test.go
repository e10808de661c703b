package decoders

import (
	"github.com/clinlm/clinlm/internal/smalljson"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/inference/tokenizer/internal/testutil"
)

// decoderCase is written by testdata/hfgen/component_cases.py from HF
// tokenizers 0.23.3 (Decoder.decode).
type decoderCase struct {
	Decoder smalljson.RawMessage `json:"decoder"`
	Tokens  []string             `json:"tokens"`
	Decoded *string              `json:"decoded"`
	Error   string               `json:"error"`
}

func TestDecodersMatchHF(t *testing.T) {
	var cases []decoderCase
	testutil.LoadCases(t, "cases.json", &cases)
	for _, c := range cases {
		d, err := FromJSON(c.Decoder)
		if err != nil {
			t.Errorf("%s: %v", c.Decoder, err)
			continue
		}
		got, err := Decode(d, c.Tokens)
		switch {
		case c.Error != "":
			if err == nil {
				t.Errorf("%s on %q: got %q, HF fails with %q", c.Decoder, c.Tokens, got, c.Error)
			}
		case err != nil:
			t.Errorf("%s on %q: %v", c.Decoder, c.Tokens, err)
		case got != *c.Decoded:
			t.Errorf("%s on %q:\n got  %q\n want %q", c.Decoder, c.Tokens, got, *c.Decoded)
		}
	}
}

func TestFromUTF8Lossy(t *testing.T) {
	// Expected values from Python's bytes.decode("utf-8", "replace"), which
	// follows the same maximal-subpart rule as Rust's from_utf8_lossy.
	for _, tc := range []struct {
		in   []byte
		want string
	}{
		{[]byte("plain"), "plain"},
		{[]byte{0xE2, 0x82}, "\uFFFD"},
		{[]byte{0xE2, 0x82, 'A'}, "\uFFFDA"},
		{[]byte{0xF0, 0x9F, 0x98}, "\uFFFD"},
		{[]byte{0xFF, 0xFE}, "\uFFFD\uFFFD"},
		{[]byte{0xED, 0xA0, 0x80}, "\uFFFD\uFFFD\uFFFD"},
		{[]byte{0xC3}, "\uFFFD"},
		{[]byte{0xE0, 0x80, 0x80}, "\uFFFD\uFFFD\uFFFD"},
		{[]byte{'a', 0xF4, 0x90, 0x80, 0x80, 'b'}, "a\uFFFD\uFFFD\uFFFD\uFFFDb"},
		{[]byte{0xF1, 0x80, 0x80, 0xC3, 0xA9}, "\uFFFDé"},
	} {
		if got := FromUTF8Lossy(tc.in); got != tc.want {
			t.Errorf("%x: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFromJSONErrors(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{`{"type": "Foo"}`, `type "Foo" is not supported`},
		{`{"type": "WordPiece", "prefix": "##"}`, `"prefix" and "cleanup" are required`},
		{`{"type": "Strip", "content": "ab", "start": 1, "stop": 0}`, `one character`},
		{`{"type": "Sequence", "decoders": [{"type": "X"}]}`, `Sequence[0]: type "X" is not supported`},
	} {
		_, err := FromJSON(smalljson.RawMessage(tc.json))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("FromJSON(%s) = %v, want an error containing %q", tc.json, err, tc.want)
		}
	}
}
