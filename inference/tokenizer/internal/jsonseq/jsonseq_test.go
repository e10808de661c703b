package jsonseq

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func buildInt(raw []byte) (int, error) {
	var v int
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, errors.New("not an int")
	}
	return v, nil
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    []int
		wantErr string
	}{
		{"items", `{"type":"Sequence","items":[1,2,3]}`, []int{1, 2, 3}, ""},
		{"empty list", `{"type":"Sequence","items":[]}`, []int{}, ""},
		{"missing field", `{"type":"Sequence"}`, nil, `Sequence: missing field "items"`},
		{"null field", `{"type":"Sequence","items":null}`, nil, `Sequence: missing field "items"`},
		{"bad item names its index", `{"items":[1,"x"]}`, nil, "Sequence[1]: not an int"},
		{"not an object", `[1]`, nil, "cannot unmarshal"},
		{"list of wrong type", `{"items":{}}`, nil, "cannot unmarshal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Load([]byte(tc.raw), "items", buildInt)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}
