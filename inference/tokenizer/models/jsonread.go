package models

import (
	"errors"
	"github.com/clinlm/clinlm/internal/smallfmt"
	"github.com/clinlm/clinlm/internal/smalljson"
	"unicode/utf8"
)

// jsonReader is a small single-pass JSON reader for the large parts of a
// model object (vocabularies and merges, often hundreds of thousands of
// entries). encoding/json validates its input before decoding and FromJSON
// would otherwise decode the same bytes two or three times; this reader
// checks the syntax as it goes. Strings with escapes or invalid UTF-8 are
// handed to encoding/json so both decode them identically.
type jsonReader struct {
	data []byte
	pos  int
	err  error
}

var errJSONSyntax = errors.New("invalid JSON")

func (r *jsonReader) fail(what string) bool {
	if r.err == nil {
		r.err = smallfmt.Errorf("%w: %s at byte %d", errJSONSyntax, what, r.pos)
	}
	return false
}

func (r *jsonReader) ws() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (r *jsonReader) peek() byte {
	r.ws()
	if r.pos < len(r.data) {
		return r.data[r.pos]
	}
	return 0
}

func (r *jsonReader) consume(c byte) bool {
	if r.peek() == c {
		r.pos++
		return true
	}
	return false
}

func (r *jsonReader) literal(word string) bool {
	if len(r.data)-r.pos >= len(word) && string(r.data[r.pos:r.pos+len(word)]) == word {
		r.pos += len(word)
		return true
	}
	return r.fail("bad literal")
}

// isNull consumes a null if one comes next.
func (r *jsonReader) isNull() bool {
	if r.peek() == 'n' {
		return r.literal("null")
	}
	return false
}

// str reads a string value.
func (r *jsonReader) str() (string, bool) {
	if r.peek() != '"' {
		return "", r.fail("expected a string")
	}
	start := r.pos
	r.pos++
	simple := true
	for r.pos < len(r.data) {
		c := r.data[r.pos]
		switch {
		case c == '"':
			r.pos++
			raw := r.data[start:r.pos]
			if simple {
				body := raw[1 : len(raw)-1]
				if utf8.Valid(body) {
					return string(body), true
				}
			}
			var s string
			if err := smalljson.Unmarshal(raw, &s); err != nil {
				return "", r.fail("bad string")
			}
			return s, true
		case c == '\\':
			simple = false
			r.pos += 2
		case c < 0x20:
			return "", r.fail("control character in string")
		default:
			r.pos++
		}
	}
	return "", r.fail("unterminated string")
}

// number reads a number and returns its literal text.
func (r *jsonReader) number() (string, bool) {
	r.ws()
	start := r.pos
	d := r.data
	digits := func() int {
		n := 0
		for r.pos < len(d) && d[r.pos] >= '0' && d[r.pos] <= '9' {
			r.pos++
			n++
		}
		return n
	}
	if r.pos < len(d) && d[r.pos] == '-' {
		r.pos++
	}
	switch {
	case r.pos < len(d) && d[r.pos] == '0':
		r.pos++
	case digits() == 0:
		return "", r.fail("expected a number")
	}
	if r.pos < len(d) && d[r.pos] == '.' {
		r.pos++
		if digits() == 0 {
			return "", r.fail("bad number")
		}
	}
	if r.pos < len(d) && (d[r.pos] == 'e' || d[r.pos] == 'E') {
		r.pos++
		if r.pos < len(d) && (d[r.pos] == '+' || d[r.pos] == '-') {
			r.pos++
		}
		if digits() == 0 {
			return "", r.fail("bad number")
		}
	}
	return string(d[start:r.pos]), true
}

// skip reads over any value and returns its raw bytes.
func (r *jsonReader) skip() ([]byte, bool) {
	c := r.peek()
	start := r.pos
	ok := false
	switch {
	case c == '{':
		ok = r.object(func(string) bool { _, ok := r.skip(); return ok })
	case c == '[':
		ok = r.array(func() bool { _, ok := r.skip(); return ok })
	case c == '"':
		_, ok = r.str()
	case c == 't':
		ok = r.literal("true")
	case c == 'f':
		ok = r.literal("false")
	case c == 'n':
		ok = r.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		_, ok = r.number()
	default:
		return nil, r.fail("expected a value")
	}
	return r.data[start:r.pos], ok
}

// object reads an object, calling member for each key with the reader
// positioned on its value; member must consume the value.
func (r *jsonReader) object(member func(key string) bool) bool {
	if !r.consume('{') {
		return r.fail("expected an object")
	}
	if r.consume('}') {
		return true
	}
	for {
		key, ok := r.str()
		if !ok {
			return false
		}
		if !r.consume(':') {
			return r.fail("expected ':'")
		}
		if !member(key) {
			return false
		}
		if r.consume(',') {
			continue
		}
		if r.consume('}') {
			return true
		}
		return r.fail("expected ',' or '}'")
	}
}

// array reads an array, calling elem with the reader positioned on each element.
func (r *jsonReader) array(elem func() bool) bool {
	if !r.consume('[') {
		return r.fail("expected an array")
	}
	if r.consume(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if r.consume(',') {
			continue
		}
		if r.consume(']') {
			return true
		}
		return r.fail("expected ',' or ']'")
	}
}

// end checks that only white space remains.
func (r *jsonReader) end() bool {
	if r.peek() != 0 || r.pos < len(r.data) {
		return r.fail("unexpected data after the value")
	}
	return true
}

// topFields splits a JSON object into its members' raw values; a repeated
// key keeps its last value, as serde does.
func topFields(raw []byte) (map[string]smalljson.RawMessage, error) {
	r := &jsonReader{data: raw}
	if r.peek() != '{' {
		if r.isNull() && r.end() {
			return nil, errors.New("got null")
		}
		return nil, errors.New("not an object")
	}
	fields := map[string]smalljson.RawMessage{}
	if !r.object(func(key string) bool {
		v, ok := r.skip()
		fields[key] = v
		return ok
	}) || !r.end() {
		return nil, r.err
	}
	return fields, nil
}

// readVocabMap reads an object of token → u32 id.
func readVocabMap(raw []byte) (map[string]uint32, error) {
	r := &jsonReader{data: raw}
	if r.peek() != '{' {
		return nil, errors.New("vocab must be an object of token to id")
	}
	m := make(map[string]uint32, len(raw)/16)
	var bad error
	ok := r.object(func(key string) bool {
		lit, ok := r.number()
		if !ok {
			return false
		}
		id, err := parseU32(lit)
		if err != nil {
			bad = smallfmt.Errorf("vocab id of %q: %w", key, err)
			return false
		}
		m[key] = id
		return true
	}) && r.end()
	if bad != nil {
		return nil, bad
	}
	if !ok {
		return nil, smallfmt.Errorf("vocab: %w", r.err)
	}
	return m, nil
}

// readMerges reads the merges as a list of [left, right] pairs or a list of
// "left right" strings (the legacy form, which ParseMerges then splits).
func readMerges(raw []byte) ([][2]string, error) {
	r := &jsonReader{data: raw}
	var pairs [][2]string
	var lines []string
	form := 0 // 1: pairs, 2: strings
	ok := r.array(func() bool {
		switch c := r.peek(); {
		case c == '[' && form != 2:
			form = 1
			var p [2]string
			n := 0
			ok := r.array(func() bool {
				s, ok := r.str()
				if ok && n < 2 {
					p[n] = s
				}
				n++
				return ok
			})
			if ok && n != 2 {
				return r.fail("a merge pair must have two strings")
			}
			pairs = append(pairs, p)
			return ok
		case c == '"' && form != 1:
			form = 2
			s, ok := r.str()
			lines = append(lines, s)
			return ok
		}
		return r.fail("merges must all be [left, right] pairs or all \"left right\" strings")
	}) && r.end()
	if !ok {
		return nil, smallfmt.Errorf(`field "merges" must be a list of [left, right] pairs or of "left right" strings: %w`, r.err)
	}
	if form == 2 {
		return ParseMerges(lines)
	}
	if pairs == nil {
		pairs = [][2]string{}
	}
	return pairs, nil
}

// readUnigramVocab reads a list of [piece, score] with serde_json's float
// parsing.
func readUnigramVocab(raw []byte) ([]UnigramPiece, error) {
	r := &jsonReader{data: raw}
	var pieces []UnigramPiece
	var bad error
	ok := r.array(func() bool {
		i := len(pieces)
		var p UnigramPiece
		n := 0
		ok := r.array(func() bool {
			defer func() { n++ }()
			switch n {
			case 0:
				s, ok := r.str()
				p.Piece = s
				return ok
			case 1:
				lit, ok := r.number()
				if !ok {
					return false
				}
				f, err := parseSerdeFloat(lit)
				if err != nil {
					bad = smallfmt.Errorf("vocab entry %d: %w", i, err)
					return false
				}
				p.Score = f
				return true
			}
			return r.fail("extra element")
		})
		if ok && n != 2 {
			return r.fail("entry must be [piece, score]")
		}
		pieces = append(pieces, p)
		return ok
	}) && r.end()
	if bad != nil {
		return nil, bad
	}
	if !ok {
		return nil, smallfmt.Errorf(`field "vocab" must be a list of [piece, score]: %w`, r.err)
	}
	return pieces, nil
}
