package models

import (
	"bytes"
	"encoding/json"
	"maps"
	"testing"
)

func TestJSONReader(t *testing.T) {
	good := `{"vocab": {"a": 0, "b\u00e9": 1, "\ud83d\ude00": 2, "a": 3}, "merges": [["a", "b"]], "x": [1, -2.5e3, true, false, null, {"k": []}]}`
	fields, err := topFields([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	vocab, err := readVocabMap(fields["vocab"])
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]uint32{"a": 3, "bé": 1, "😀": 2} // a repeated key keeps its last value
	if !maps.Equal(vocab, want) {
		t.Errorf("vocab %v, want %v", vocab, want)
	}
	if string(fields["x"]) != `[1, -2.5e3, true, false, null, {"k": []}]` {
		t.Errorf("raw x = %s", fields["x"])
	}
	for _, bad := range []string{``, `{`, `{"a"}`, `{"a": 01}`, `{"a": 1,}`, `{"a": "\q"}`, `{"a": "x` + "\n" + `"}`,
		`{"a": 1} x`, `{"a": tru}`, `{"a": -}`, `{"a": 1.}`, `{"a": 1e}`, `[1]`} {
		if _, err := topFields([]byte(bad)); err == nil {
			t.Errorf("topFields(%q) succeeded", bad)
		}
	}
	for _, bad := range []string{`{"a": -1}`, `{"a": 1.5}`, `{"a": 1e2}`, `{"a": "1"}`, `{"a": null}`, `{"a": 4294967296}`, `[]`} {
		if _, err := readVocabMap([]byte(bad)); err == nil {
			t.Errorf("readVocabMap(%q) succeeded", bad)
		}
	}
}

// FuzzJSONReader checks the reader against encoding/json: the same inputs
// are accepted and give the same members and values.
func FuzzJSONReader(f *testing.F) {
	for _, s := range []string{`{"a": 1}`, `{"vocab": {"x": 0, "y\n": 4294967295}}`, `{"a": [1, {"b": null}], "a": "\u00e9"}`,
		`{"a":"\xff"}`, `null`, ` {"a" : 1e-5 } `, `{"a": "\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var ref map[string]json.RawMessage
		refErr := json.Unmarshal(data, &ref)
		got, err := topFields(data)
		if ref == nil && refErr == nil {
			return // JSON null: encoding/json leaves the map nil, we report an error
		}
		if (err == nil) != (refErr == nil) {
			t.Fatalf("%q: topFields error %v, encoding/json error %v", data, err, refErr)
		}
		if err != nil {
			return
		}
		if len(got) != len(ref) {
			t.Fatalf("%q: %d members, encoding/json %d", data, len(got), len(ref))
		}
		for k, v := range ref {
			if !bytes.Equal(got[k], v) {
				t.Fatalf("%q: member %q = %s, encoding/json %s", data, k, got[k], v)
			}
		}
		var refVocab map[string]uint32
		refVocabErr := json.Unmarshal(data, &refVocab)
		vocab, vocabErr := readVocabMap(data)
		if bytes.Contains(data, []byte("null")) {
			return // encoding/json stores a null id as 0; serde (and we) reject it
		}
		if (vocabErr == nil) != (refVocabErr == nil) {
			t.Fatalf("%q: readVocabMap error %v, encoding/json error %v", data, vocabErr, refVocabErr)
		}
		if vocabErr == nil && !maps.Equal(vocab, refVocab) {
			t.Fatalf("%q: vocab %v, encoding/json %v", data, vocab, refVocab)
		}
	})
}
