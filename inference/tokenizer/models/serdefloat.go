package models

import (
	"math"
	"strconv"

	"github.com/clinlm/clinlm/internal/smallfmt"
)

// pow10 holds 1e0..1e308, each the correctly rounded float64 of its literal
// like serde_json's POW10 table (math.Pow10 multiplies two table entries for
// large exponents and can be one ulp off).
var pow10 = func() [309]float64 {
	var t [309]float64
	for i := range t {
		t[i], _ = strconv.ParseFloat("1e"+strconv.Itoa(i), 64)
	}
	return t
}()

// parseSerdeFloat converts a JSON number literal to float64 the way
// serde_json 1.x does when its "float_roundtrip" feature is off, which is how
// the Hugging Face tokenizers library reads Unigram scores. That parser keeps
// at most 19-20 significant digits in a u64 and then multiplies or divides by
// one power of ten, so for long literals it can land one ulp away from the
// correctly rounded value strconv.ParseFloat would give. Matching it bit for
// bit keeps Viterbi sums, and therefore tie-breaks, identical to HF.
//
// The literal must already be valid JSON number syntax (encoding/json checked it).
func parseSerdeFloat(lit string) (float64, error) {
	i := 0
	positive := true
	if i < len(lit) && lit[i] == '-' {
		positive = false
		i++
	}
	var sig uint64
	exp := 0
	overflowed := false
	// Integer part.
	for ; i < len(lit) && lit[i] >= '0' && lit[i] <= '9'; i++ {
		d := uint64(lit[i] - '0')
		if overflowed || mulAddOverflows(sig, d) {
			overflowed = true
			exp++ // digits past u64 range scale the kept significand
			continue
		}
		sig = sig*10 + d
	}
	isFloat := false
	if i < len(lit) && lit[i] == '.' {
		isFloat = true
		i++
		// serde_json retries each fraction digit against the kept significand
		// (even after the integer part overflowed) and drops every digit from
		// the first one that would overflow.
		fracOverflowed := false
		for ; i < len(lit) && lit[i] >= '0' && lit[i] <= '9'; i++ {
			d := uint64(lit[i] - '0')
			if fracOverflowed || mulAddOverflows(sig, d) {
				fracOverflowed = true
				continue
			}
			sig = sig*10 + d
			exp--
		}
	}
	if i < len(lit) && (lit[i] == 'e' || lit[i] == 'E') {
		isFloat = true
		i++
		expPositive := true
		if i < len(lit) && (lit[i] == '+' || lit[i] == '-') {
			expPositive = lit[i] == '+'
			i++
		}
		e := 0
		expOverflow := false
		for ; i < len(lit) && lit[i] >= '0' && lit[i] <= '9'; i++ {
			d := int(lit[i] - '0')
			if e >= math.MaxInt32/10 && (e > math.MaxInt32/10 || d > math.MaxInt32%10) {
				expOverflow = true
				continue
			}
			e = e*10 + d
		}
		if expOverflow {
			if sig != 0 && expPositive {
				return 0, smallfmt.Errorf("number out of range: %s", lit)
			}
			return math.Copysign(0, signOf(positive)), nil
		}
		if expPositive {
			exp = saturatingAdd32(exp, e)
		} else {
			exp = saturatingAdd32(exp, -e)
		}
	}
	if i != len(lit) {
		return 0, smallfmt.Errorf("invalid number %q", lit)
	}
	if !isFloat && !overflowed {
		// serde_json keeps integers as u64/i64 and converts with `as f64`.
		f := float64(sig)
		if !positive {
			f = -f
		}
		return f, nil
	}
	f := float64(sig)
	for {
		a := exp
		if a < 0 {
			a = -a
		}
		if a < len(pow10) {
			if exp >= 0 {
				f *= pow10[a]
				if math.IsInf(f, 0) {
					return 0, smallfmt.Errorf("number out of range: %s", lit)
				}
			} else {
				f /= pow10[a]
			}
			break
		}
		if f == 0 {
			break
		}
		if exp >= 0 {
			return 0, smallfmt.Errorf("number out of range: %s", lit)
		}
		f /= 1e308
		exp += 308
	}
	if !positive {
		f = -f
	}
	return f, nil
}

func mulAddOverflows(sig, d uint64) bool {
	const max = math.MaxUint64
	return sig >= max/10 && (sig > max/10 || d > max%10)
}

func saturatingAdd32(a, b int) int {
	s := int64(a) + int64(b)
	if s > math.MaxInt32 {
		return math.MaxInt32
	}
	if s < math.MinInt32 {
		return math.MinInt32
	}
	return int(s)
}

func signOf(positive bool) float64 {
	if positive {
		return 1
	}
	return -1
}
