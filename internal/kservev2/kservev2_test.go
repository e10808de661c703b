package kservev2

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestElements(t *testing.T) {
	cases := []struct {
		shape   []int64
		want    int64
		errPart string
	}{
		{[]int64{2, 3}, 6, ""},
		{[]int64{}, 1, ""},
		{[]int64{4, 0}, 0, ""},
		{[]int64{-1}, 0, "negative"},
		{[]int64{1 << 20, 1 << 20}, 0, "more than"},
		{[]int64{1 << 40}, 0, "more than"},
	}
	for _, c := range cases {
		n, err := Elements(c.shape, 1<<22)
		if c.errPart == "" && (err != nil || n != c.want) {
			t.Errorf("%v: %d, %v; want %d", c.shape, n, err, c.want)
		}
		if c.errPart != "" && (err == nil || !strings.Contains(err.Error(), c.errPart)) {
			t.Errorf("%v: error %v, want %q", c.shape, err, c.errPart)
		}
	}
}

func TestFlattenAndParseValues(t *testing.T) {
	cases := []struct {
		datatype, data string
		want           string // fmt of the set slice, or the error part
		fails          bool
	}{
		{Int64, `[1, 2, 3]`, "[1 2 3]", false},
		{Int64, `[[1, 2], [3, 4]]`, "[1 2 3 4]", false},
		{Int32, `[2147483648]`, "is not an INT32", true},
		{Int64, `[1.5]`, "is not an INT64", true},
		{FP32, `[0.5, -2]`, "[0.5 -2]", false},
		{FP32, `["x"]`, "is not a number", true},
		{Bytes, `["a", "bé"]`, "[[97] [98 195 169]]", false},
		{Bytes, `[1]`, "is not a string", true},
		{Bool, `[true, false]`, "[true false]", false},
		{Bool, `[1]`, "is not a boolean", true},
		{Int64, `[1, [2, 3]]`, "mixes values", true},
		{Int64, `[[1], 2]`, "mixes values", true},
		{Int64, `5`, "not an array", true},
		{"FP64", `[1]`, "no JSON reading", true},
	}
	for _, c := range cases {
		flat, err := Flatten(json.RawMessage(c.data))
		var v Values
		if err == nil {
			v, err = ParseValues(c.datatype, flat)
		}
		if c.fails {
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s %s: error %v, want %q", c.datatype, c.data, err, c.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %s: %v", c.datatype, c.data, err)
			continue
		}
		var got any
		switch c.datatype {
		case Int64, Int32:
			got = v.Ints
		case FP32:
			got = v.Floats
		case Bytes:
			got = v.Bytes
		case Bool:
			got = v.Bools
		}
		if s := fmt.Sprint(got); s != c.want {
			t.Errorf("%s %s: %s, want %s", c.datatype, c.data, s, c.want)
		}
	}
}
