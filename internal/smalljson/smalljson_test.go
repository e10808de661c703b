package smalljson

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/clinlm/clinlm/internal/testenv"
)

type inner struct {
	Type  string  `json:"type"`
	N     int     `json:"n"`
	U     uint32  `json:"u"`
	F     float64 `json:"f"`
	B     *bool   `json:"b"`
	Name  string  // no tag: matched case-insensitively
	Skip  string  `json:"-"`
	quiet int
}

type outer struct {
	Inner   inner                      `json:"inner"`
	Ptr     *inner                     `json:"ptr"`
	List    []inner                    `json:"list"`
	Pair    [2]int                     `json:"pair"`
	Raw     json.RawMessage            `json:"raw"`
	Fields  map[string]json.RawMessage `json:"fields"`
	Vocab   map[string]int             `json:"vocab"`
	Any     any                        `json:"any"`
	Strings []string                   `json:"strings"`
	Merges  [][2]string                `json:"merges"`
}

// TestDecodeLikeEncodingJSON decodes each input with the small decoder and
// with encoding/json into the same types and wants the same values, and an
// error from both or from neither.
func TestDecodeLikeEncodingJSON(t *testing.T) {
	inputs := []string{
		`{}`, `null`, ` {"inner": {"type": "BPE", "n": -3, "u": 7, "f": 1.5e-3, "b": true, "NAME": "x", "Skip": "y", "quiet": 1}} `,
		`{"ptr": null, "list": [], "pair": [1, 2, 3], "raw": null, "fields": {"a": [1, {"b": null}], "c": "\u00e9"}}`,
		`{"ptr": {"n": 1}, "list": [{"n": 2}, {"type": "x"}], "pair": [9], "raw": {"k": [true, false, null]}}`,
		`{"vocab": {"a": 1, "\u2581b": 2, "\ud83d\ude00": 3, "\ud800": 4, "tab\there": 5}, "any": {"x": [1, "2", 3.25, null, false]}}`,
		`{"strings": ["\"quoted\"", "back\\slash", "\/", "\b\f\n\r\t", "caf\u00e9", "ok"], "merges": [["a", "b"], ["c", "d"]]}`,
		"{\"strings\": [\"bad \xff utf8\"]}",
		`{"inner": {"n": 1.5}}`, `{"inner": {"n": "1"}}`, `{"inner": {"u": -1}}`, `{"inner": {"n": 1e2}}`,
		`{"inner": {"type": 3}}`, `{"inner": {"b": "yes"}}`, `{"vocab": {"a": 99999999999999999999}}`,
		`{"inner": {"type": "a",}}`, `{"inner" {}}`, `[1, 2`, `{"a": 01}`, `{"a": -}`, `{"a": 1.}`, `{"a": tru}`,
		`{} {}`, ``, `"\x"`, "\"ctrl \x01\"", `{"list": {"n": 1}}`, `{"pair": "x"}`, `{"any": 1e400}`,
	}
	for _, in := range inputs {
		t.Run(in, func(t *testing.T) {
			var got, want outer
			errGot := decode([]byte(in), &got)
			errWant := json.Unmarshal([]byte(in), &want)
			if (errGot != nil) != (errWant != nil) {
				t.Fatalf("small decoder error %v, encoding/json error %v", errGot, errWant)
			}
			if errWant == nil && !reflect.DeepEqual(got, want) {
				t.Fatalf("small decoder gave\n%#v\nencoding/json gave\n%#v", got, want)
			}
			if validate([]byte(in)) != json.Valid([]byte(in)) {
				t.Fatalf("validate = %v, json.Valid = %v", validate([]byte(in)), json.Valid([]byte(in)))
			}
		})
	}
}

// TestDecodeTokenizerFiles decodes every catalogue tokenizer (committed and
// built) and every shared reference tokenizer with both decoders, generically
// and into the top-level field map the loader starts from.
func TestDecodeTokenizerFiles(t *testing.T) {
	root := testenv.RepoRoot(t)
	var files []string
	for _, pattern := range []string{"tokenizers/files/*.json", "tokenizers/files/built/*.json"} {
		m, _ := filepath.Glob(filepath.Join(root, pattern))
		files = append(files, m...)
	}
	if shared, err := filepath.Glob(filepath.Join(testenv.SharedPath(t), "tokenizers", "*.json")); err == nil {
		files = append(files, shared...)
	}
	if len(files) < 4 {
		t.Fatalf("found only %d tokenizer files", len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(filepath.Dir(path))+"/"+filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var got, want any
			if err := decode(data, &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatal("generic values differ")
			}
			var gotFields, wantFields map[string]json.RawMessage
			if err := decode(data, &gotFields); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &wantFields); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gotFields, wantFields) {
				t.Fatal("field maps differ")
			}
		})
	}
}

// TestEncodeLikeEncodingJSON encodes the shapes the WebAssembly shim replies
// with and wants encoding/json's bytes.
func TestEncodeLikeEncodingJSON(t *testing.T) {
	type info struct {
		Model     string   `json:"model"`
		Decoder   string   `json:"decoder,omitempty"`
		VocabSize int      `json:"vocabSize"`
		Special   []string `json:"specialTokens"`
		Offsets   [][2]int `json:"offsets"`
		Score     float64  `json:"score"`
		Ptr       *int     `json:"ptr,omitempty"`
		Raw       json.RawMessage
		Added     bool `json:"added"`
	}
	// An embedded struct's fields are promoted (the corpus report with its CSV).
	type withCSV struct {
		info
		CSV   string `json:"csv"`
		Named info   `json:"named"`
	}
	seven := 7
	values := []any{
		withCSV{info: info{Model: "WordPiece", Special: []string{"[CLS]"}}, CSV: "a,b\n"},
		nil, "plain", "quote \" back \\ nl \n <b>&amp; \u2028 \x01 \xff é",
		map[string]string{"error": "bad <input>", "b": "2", "a": "1"},
		map[string]any{"info": info{Model: "BPE", VocabSize: 3, Offsets: [][2]int{{0, 1}}, Score: 1e-7, Ptr: &seven, Raw: json.RawMessage(`{"x":1}`)}, "handle": 2},
		info{Decoder: "ByteLevel", Special: []string{}, Score: 123456789012345678901234.0},
		[]float64{0, -1.5, 3.0e20, 1e21, 0.000001, 0.0000001}, []any{true, false, nil, uint8(3)},
	}
	for _, v := range values {
		got, err := encode(v)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%#v:\nsmall encoder %s\nencoding/json %s", v, got, want)
		}
	}
}
