package models

import (
	"github.com/clinlm/clinlm/internal/smallfmt"
	"github.com/clinlm/clinlm/internal/smalljson"
	"math"
	"strings"
)

// idTable maps ids back to token strings. Vocabularies are usually dense
// (ids 0..n-1), so a slice is used; a sparse vocabulary falls back to a map.
type idTable struct {
	dense  []string
	filled []bool
	sparse map[uint32]string
}

// newIDTable inverts vocab. When two tokens share an id (HF keeps whichever its
// hash map yields, which varies between runs) the lexicographically smaller
// token is kept so our answer is at least deterministic.
func newIDTable(vocab map[string]uint32) idTable {
	var maxID uint32
	for _, id := range vocab {
		maxID = max(maxID, id)
	}
	keep := func(old, tok string, present bool) bool { return !present || tok < old }
	if len(vocab) > 0 && uint64(maxID) < 2*uint64(len(vocab))+1024 {
		t := idTable{dense: make([]string, maxID+1), filled: make([]bool, maxID+1)}
		for tok, id := range vocab {
			if keep(t.dense[id], tok, t.filled[id]) {
				t.dense[id], t.filled[id] = tok, true
			}
		}
		return t
	}
	t := idTable{sparse: make(map[uint32]string, len(vocab))}
	for tok, id := range vocab {
		old, ok := t.sparse[id]
		if keep(old, tok, ok) {
			t.sparse[id] = tok
		}
	}
	return t
}

func (t *idTable) get(id int) (string, bool) {
	if id < 0 || id > math.MaxUint32 {
		return "", false
	}
	if t.sparse != nil {
		s, ok := t.sparse[uint32(id)]
		return s, ok
	}
	if id >= len(t.dense) || !t.filled[id] {
		return "", false
	}
	return t.dense[id], true
}

// numberLiteral returns raw when it is a JSON number (not a string or null).
func numberLiteral(raw smalljson.RawMessage) (string, bool) {
	s := strings.TrimSpace(string(raw))
	if s == "" || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) {
		return "", false
	}
	return s, true
}

// parseU32 reads an unsigned decimal integer literal that fits in a u32
// (serde rejects signs, fractions, exponents and larger values for u32).
func parseU32(s string) (uint32, error) {
	if s == "" {
		return 0, smallfmt.Errorf("empty number")
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, smallfmt.Errorf("%s is not an unsigned 32-bit integer", s)
		}
		v = v*10 + uint64(c-'0')
		if v > math.MaxUint32 {
			return 0, smallfmt.Errorf("%s is out of the u32 range", s)
		}
	}
	return uint32(v), nil
}
