package server

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/clinlm/clinlm/inference"
)

func TestDecodeFrame(t *testing.T) {
	tests := []struct {
		name, frame string
		id          string
		code        inference.Code // "" accepts
		model       string
	}{
		{"valid", `{"id":"1","model":"m","input":{"text":"a"}}`, "1", "", "m"},
		{"input may be absent here", `{"id":"1","model":"m"}`, "1", "", "m"},
		{"empty", ``, "", inference.CodeBadRequest, ""},
		{"not an object", `[1]`, "", inference.CodeBadRequest, ""},
		{"invalid UTF-8", "{\"id\":\"1\",\"model\":\"\xff\"}", "", inference.CodeBadRequest, ""},
		{"unknown field keeps the id", `{"id":"k","model":"m","extra":1}`, "k", inference.CodeBadRequest, ""},
		{"trailing value keeps the id", `{"id":"k","model":"m"}{}`, "k", inference.CodeBadRequest, ""},
		{"wrong type keeps the id", `{"id":"k","model":3}`, "k", inference.CodeBadRequest, ""},
		{"no id", `{"model":"m"}`, "", inference.CodeBadRequest, ""},
		{"long id", `{"id":"` + strings.Repeat("i", 129) + `","model":"m"}`, "", inference.CodeBadRequest, ""},
		{"no model", `{"id":"1"}`, "1", inference.CodeBadRequest, ""},
		{"long model", `{"id":"1","model":"` + strings.Repeat("m", 129) + `"}`, "1", inference.CodeUnknownModel, ""},
		{"saliency", `{"id":"s","type":"saliency","model":"m","input":{"text":"a"},"label":"lab"}`, "s", "", "m"},
		{"explicit infer", `{"id":"i","type":"infer","model":"m","input":{"text":"a"}}`, "i", "", "m"},
		{"cancel needs no model", `{"id":"s","type":"cancel"}`, "s", "", ""},
		{"cancel with an input", `{"id":"s","type":"cancel","input":{"text":"a"}}`, "s", inference.CodeBadRequest, ""},
		{"unknown type", `{"id":"s","type":"stop","model":"m"}`, "s", inference.CodeBadRequest, ""},
		{"label outside saliency", `{"id":"s","model":"m","label":"lab"}`, "s", inference.CodeBadRequest, ""},
		{"an evaluation subscription", `{"id":"p","type":"evaluation","evaluation":"12"}`, "p", "", ""},
		{"a subscription without its evaluation", `{"id":"p","type":"evaluation"}`, "p", inference.CodeBadRequest, ""},
		{"a subscription with a long id", `{"id":"p","type":"evaluation","evaluation":"` + strings.Repeat("9", 33) + `"}`, "p", inference.CodeBadRequest, ""},
		{"a subscription with a model", `{"id":"p","type":"evaluation","evaluation":"1","model":"m"}`, "p", inference.CodeBadRequest, ""},
		{"a subscription with an input", `{"id":"p","type":"evaluation","evaluation":"1","input":{}}`, "p", inference.CodeBadRequest, ""},
		{"an evaluation in an inference", `{"id":"1","model":"m","evaluation":"1"}`, "1", inference.CodeBadRequest, ""},
		{"a subscription with a label", `{"id":"p","type":"evaluation","evaluation":"1","label":"lab"}`, "p", inference.CodeBadRequest, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, p := decodeFrame([]byte(tc.frame))
			switch {
			case tc.code == "" && p != nil:
				t.Fatalf("refused: %+v", p)
			case tc.code == "":
				if f.ID != tc.id || f.Model != tc.model {
					t.Errorf("frame %+v", f)
				}
			case p == nil:
				t.Fatalf("accepted %+v, want %s", f, tc.code)
			case p.code != tc.code || p.id != tc.id || p.message == "":
				t.Errorf("problem %+v, want code %s id %q", p, tc.code, tc.id)
			}
		})
	}
}

// FuzzDecodeFrame: no frame panics the decoder; an accepted frame has a
// usable id and model, valid UTF-8, and survives re-encoding; a refusal
// never echoes more than the id.
func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","model":"tiny-nli","input":{"premise":"a","hypothesis":"b"}}`,
		`{"id":"c","model":"tiny-clip","input":{"text":"One. Two."}}`,
		`{"id":"q","model":"tiny-qa","input":{"context":"c","question":"q","top_k":3}}`,
		`{"id":"s","type":"saliency","model":"tiny-nli","input":{"premise":"a","hypothesis":"b"},"label":"neutral"}`,
		`{"id":"s","type":"cancel"}`,
		`{"id":"x","model":"m","input":{"text":"a"},"more":1}`,
		`{"id":"x"} {}`, `[]`, `null`, `""`, `{"id":7}`, "{\"id\":\"\xff\"}", `{"id":"\u0000","model":"\u001b"}`,
		`{"id":"1","model":"m","input":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`,
		`{"id":"p","type":"evaluation","evaluation":"3"}`, `{"id":"p","type":"evaluation","evaluation":"3","input":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, p := decodeFrame(data)
		if p != nil {
			if p.message == "" || p.code == "" {
				t.Fatalf("refusal without code or message: %+v", p)
			}
			if len(p.id) > maxFrameID {
				t.Fatalf("salvaged id of %d bytes", len(p.id))
			}
			return
		}
		if !utf8.Valid(data) {
			t.Fatal("accepted invalid UTF-8")
		}
		// A cancel frame names only the request to stop, a subscription only
		// its evaluation; every other frame a model.
		subscription := fr.Type == frameEvaluation && fr.Evaluation != "" && len(fr.Evaluation) <= maxEvaluationID && fr.Model == ""
		cancel := fr.Type == frameCancel && fr.Model == "" && fr.Evaluation == ""
		inferring := fr.Type != frameCancel && fr.Type != frameEvaluation && fr.Evaluation == "" && fr.Model != "" && len(fr.Model) <= maxModelName
		if fr.ID == "" || len(fr.ID) > maxFrameID || !(subscription || cancel || inferring) {
			t.Fatalf("accepted frame %+v", fr)
		}
		again, err := json.Marshal(fr)
		if err != nil {
			t.Fatal(err)
		}
		fr2, p2 := decodeFrame(again)
		if p2 != nil || fr2.ID != fr.ID || fr2.Model != fr.Model || fr2.Type != fr.Type || fr2.Evaluation != fr.Evaluation {
			t.Fatalf("re-encoded frame %s decodes to %+v, %+v", again, fr2, p2)
		}
		_, _ = inference.ParseInput(fr.Input) // must not panic either
	})
}
