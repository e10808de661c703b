package smalljson

import (
	"math"
	"reflect"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/clinlm/clinlm/internal/smallfmt"
)

type marshaler interface {
	MarshalJSON() ([]byte, error)
}

var marshalerType = reflect.TypeFor[marshaler]()

// encode is the small Marshal: structs (tag names, omitempty, "-"), maps
// with string keys (sorted), slices and arrays, strings, numbers, booleans,
// pointers, interfaces and MarshalJSON methods, written as encoding/json
// writes them. []byte is written as an array of numbers, not base64.
func encode(v any) ([]byte, error) {
	return appendValue(nil, reflect.ValueOf(v), 0)
}

func appendValue(b []byte, rv reflect.Value, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, smallfmt.Errorf("json: value nested too deeply")
	}
	if !rv.IsValid() {
		return append(b, "null"...), nil
	}
	if rv.Type().Implements(marshalerType) && !(rv.Kind() == reflect.Pointer && rv.IsNil()) {
		out, err := rv.Interface().(marshaler).MarshalJSON()
		if err != nil {
			return nil, err
		}
		if !validate(out) {
			return nil, smallfmt.Errorf("json: MarshalJSON of %s returned invalid JSON", rv.Type())
		}
		return append(b, out...), nil
	}
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return append(b, "null"...), nil
		}
		return appendValue(b, rv.Elem(), depth+1)
	case reflect.Struct:
		b, _, err := appendFields(append(b, '{'), rv, true, depth)
		if err != nil {
			return nil, err
		}
		return append(b, '}'), nil
	case reflect.Map:
		if rv.IsNil() {
			return append(b, "null"...), nil
		}
		if rv.Type().Key().Kind() != reflect.String {
			return nil, smallfmt.Errorf("json: unsupported map key type %s", rv.Type().Key())
		}
		keys := rv.MapKeys()
		// sort.Slice, not slices.SortFunc: a generic sort of reflect.Values
		// would add ~22 KB of code to tokenizer.wasm for a few reply maps.
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k.String())
			b = append(b, ':')
			var err error
			if b, err = appendValue(b, rv.MapIndex(k), depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i := range rv.Len() {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendValue(b, rv.Index(i), depth+1); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case reflect.String:
		return appendString(b, rv.String()), nil
	case reflect.Bool:
		return strconv.AppendBool(b, rv.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, rv.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(b, rv.Uint(), 10), nil
	case reflect.Float32, reflect.Float64:
		return appendFloat(b, rv.Float(), rv.Type().Bits())
	}
	return nil, smallfmt.Errorf("json: unsupported type %s", rv.Type())
}

// appendFields writes a struct's fields as members of the object being
// written. An embedded struct without a JSON name has its fields promoted, as
// encoding/json does (without its rules for names that collide).
func appendFields(b []byte, rv reflect.Value, first bool, depth int) ([]byte, bool, error) {
	t := rv.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		f := rv.Field(i)
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct && sf.Tag.Get("json") == "" {
			var err error
			if b, first, err = appendFields(b, f, first, depth+1); err != nil {
				return nil, false, err
			}
			continue
		}
		name, ok := fieldName(sf)
		if !ok || omitEmpty(sf) && isEmpty(f) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, name)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, f, depth+1); err != nil {
			return nil, false, err
		}
	}
	return b, first, nil
}

func omitEmpty(sf reflect.StructField) bool {
	tag := sf.Tag.Get("json")
	for i := 0; i < len(tag); i++ {
		if tag[i] == ',' {
			for _, opt := range splitComma(tag[i+1:]) {
				if opt == "omitempty" {
					return true
				}
			}
			return false
		}
	}
	return false
}

func splitComma(s string) []string {
	var out []string
	for {
		i := 0
		for i < len(s) && s[i] != ',' {
			i++
		}
		out = append(out, s[:i])
		if i == len(s) {
			return out
		}
		s = s[i+1:]
	}
}

func isEmpty(rv reflect.Value) bool {
	switch rv.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return rv.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return rv.IsZero()
	}
	return false
}

// appendFloat writes a float as encoding/json does: shortest form, plain
// notation unless the exponent is below -6 or at least 21.
func appendFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, smallfmt.Errorf("json: unsupported value %v", f)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string with encoding/json's escapes
// (HTML-safe, U+2028 and U+2029 escaped, invalid UTF-8 as U+FFFD).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
