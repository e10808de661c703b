//go:build !(js && wasm)

package tokenizer

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestRunJSONLines(t *testing.T) {
	tok := sharedTokenizer(t, "bert-base-uncased")
	in := strings.Join([]string{
		`{"id": "a", "text": "Hello world"}`,
		``,
		`{"id": 7, "text": "Q?", "pair": "A."}`,
		`{"id": "bad-json", "text": `,
		`["not", "an", "object"]`,
		`{"id": "no-text"}`,
		`{"id": "num-text", "text": 5}`,
		`{"id": "surrogate", "text": "x\ud800y"}`,
		`{"id": "pair-null", "text": "Hi", "pair": null}`,
		"{\"id\": \"latin1\", \"text\": \"caf\xe9\"}",
		`{"text": "no id <b>&</b>"}`,
		`{"id": "case", "TEXT": "keys are case-sensitive"}`,
		`null`,
	}, "\n")
	var out bytes.Buffer
	if err := RunJSONLines(tok, strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		`{"id":"a","ids":[101,7592,2088,102],"tokens":["[CLS]","hello","world","[SEP]"],"offsets":[[0,0],[0,5],[6,11],[0,0]],"type_ids":[0,0,0,0],"special_tokens_mask":[1,0,0,1],"decoded":"hello world"}`,
		`{"id":7,"ids":[101,1053,1029,102,1037,1012,102],"tokens":["[CLS]","q","?","[SEP]","a",".","[SEP]"],"offsets":[[0,0],[0,1],[1,2],[0,0],[0,1],[1,2],[0,0]],"type_ids":[0,0,0,0,1,1,1],"special_tokens_mask":[1,0,0,1,0,0,1],"decoded":"q? a."}`,
		`{"id":null,"error":"invalid JSON: unexpected end of JSON input"}`,
		`{"id":null,"error":"input line is not a JSON object"}`,
		`{"id":"no-text","error":"field \"text\" must be a string"}`,
		`{"id":"num-text","error":"field \"text\" must be a string"}`,
		`{"id":"surrogate","error":"field \"text\": unpaired surrogate escape"}`,
		`{"id":"pair-null","ids":[101,7632,102],"tokens":["[CLS]","hi","[SEP]"],"offsets":[[0,0],[0,2],[0,0]],"type_ids":[0,0,0],"special_tokens_mask":[1,0,1],"decoded":"hi"}`,
		`{"id":"latin1","error":"input line is not valid UTF-8"}`,
		`{"id":null,"ids":[101,2053,8909,1026,1038,1028,1004,1026,1013,1038,1028,102],"tokens":["[CLS]","no","id","<","b",">","&","<","/","b",">","[SEP]"],"offsets":[[0,0],[0,2],[3,5],[6,7],[7,8],[8,9],[9,10],[10,11],[11,12],[12,13],[13,14],[0,0]],"type_ids":[0,0,0,0,0,0,0,0,0,0,0,0],"special_tokens_mask":[1,0,0,0,0,0,0,0,0,0,0,1],"decoded":"no id < b > & < / b >"}`,
		`{"id":"case","error":"field \"text\" must be a string"}`,
		`{"id":null,"error":"input line is not a JSON object"}`,
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), out.String())
	}
	for i := range want {
		var g, w any
		if err := json.Unmarshal([]byte(lines[i]), &g); err != nil {
			t.Fatalf("line %d is not JSON: %s", i, lines[i])
		}
		_ = json.Unmarshal([]byte(want[i]), &w)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("line %d:\n got  %s\n want %s", i, lines[i], want[i])
		}
	}
}
