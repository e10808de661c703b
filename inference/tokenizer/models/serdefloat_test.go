package models

import (
	"encoding/json"
	"math"
	"os"
	"strconv"
	"testing"
)

// TestParseSerdeFloatGolden checks the port of serde_json's float parsing
// against the float64 values HF itself produced for ~3 000 literals; about
// one in six differs from the correctly rounded strconv result.
func TestParseSerdeFloatGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/serdefloat.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases [][2]string `json:"cases"` // literal, float64 bits in hex
	}
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	differ := 0
	for _, c := range g.Cases {
		want, err := strconv.ParseUint(c[1], 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseSerdeFloat(c[0])
		if err != nil {
			t.Errorf("%s: %v", c[0], err)
			continue
		}
		if math.Float64bits(got) != want {
			t.Errorf("%s: got %v (%016x), HF %v (%016x)", c[0], got, math.Float64bits(got), math.Float64frombits(want), want)
		}
		if exact, _ := strconv.ParseFloat(c[0], 64); math.Float64bits(exact) != want {
			differ++
		}
	}
	if differ == 0 {
		t.Errorf("no literal exercises serde_json's inexact parsing")
	}
}

func TestParseSerdeFloatErrors(t *testing.T) {
	for _, lit := range []string{"1e309", "-1e400000000000", "abc", "1.5x"} {
		if v, err := parseSerdeFloat(lit); err == nil && lit != "-1e400000000000" {
			t.Errorf("%s: got %v, want an error", lit, v)
		}
	}
	// A huge negative exponent underflows to a signed zero, as in serde_json.
	if v, err := parseSerdeFloat("-1e-99999999999"); err != nil || v != 0 || !math.Signbit(v) {
		t.Errorf("-1e-99999999999: got %v, %v; want -0", v, err)
	}
}
