// Package smalljson is the JSON the tokenizer needs, in two builds: natively
// it is encoding/json; in the WebAssembly build (and with the build tag
// smalljson) it is this package's own small reflection-based decoder and
// encoder. encoding/json costs about 170 KB of the gzipped tokenizer.wasm,
// and the tokenizer only ever decodes tokenizer.json parts into plain structs,
// maps, slices and numbers, and encodes a few reply structs.
//
// The small decoder follows encoding/json where the tokenizer can tell:
// struct fields by tag name, then case-insensitively; unknown keys skipped;
// null leaves plain values alone and clears pointers, maps, slices and
// interfaces; UnmarshalJSON methods (json.RawMessage, RawMessage) receive
// the raw value; numbers into integer fields must be integers in range;
// invalid UTF-8 in strings becomes U+FFFD. Its errors are worded differently.
// Embedded structs, ",string" options and encoding.TextUnmarshaler are not
// supported.
package smalljson

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/clinlm/clinlm/internal/smallfmt"
)

// maxDepth bounds nesting like encoding/json does, so hostile input cannot
// exhaust the stack.
const maxDepth = 10000

type unmarshaler interface {
	UnmarshalJSON([]byte) error
}

var unmarshalerType = reflect.TypeFor[unmarshaler]()

type decoder struct {
	data  []byte
	pos   int
	depth int
}

func (d *decoder) errorf(format string, args ...any) error {
	return smallfmt.Errorf("json: "+format+" at offset %d", append(args, d.pos)...)
}

// decode is the small Unmarshal.
func decode(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errors.New("json: Unmarshal needs a non-nil pointer")
	}
	d := &decoder{data: data}
	// Like encoding/json, check the whole text first: a syntax error anywhere
	// leaves v untouched.
	if err := d.checkValid(); err != nil {
		return err
	}
	d.pos = 0
	d.ws()
	return d.value(rv.Elem())
}

// validate reports whether data is one JSON value.
func validate(data []byte) bool {
	d := &decoder{data: data}
	return d.checkValid() == nil
}

func (d *decoder) checkValid() error {
	d.ws()
	if _, err := d.skip(); err != nil {
		return err
	}
	d.ws()
	if d.pos != len(d.data) {
		return d.errorf("invalid character %q after top-level value", d.data[d.pos])
	}
	return nil
}

func (d *decoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) peek() byte {
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

// skip moves past one value (checking its syntax) and returns where it began.
func (d *decoder) skip() (int, error) {
	start := d.pos
	switch c := d.peek(); {
	case c == '{' || c == '[':
		if d.depth++; d.depth > maxDepth {
			return start, d.errorf("exceeded max depth")
		}
		defer func() { d.depth-- }()
		d.pos++
		d.ws()
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		if d.peek() == closing {
			d.pos++
			return start, nil
		}
		for {
			if c == '{' {
				if d.peek() != '"' {
					return start, d.errorf("expected object key")
				}
				if _, err := d.skip(); err != nil {
					return start, err
				}
				d.ws()
				if d.peek() != ':' {
					return start, d.errorf("expected ':' after object key")
				}
				d.pos++
				d.ws()
			}
			if _, err := d.skip(); err != nil {
				return start, err
			}
			d.ws()
			switch d.peek() {
			case ',':
				d.pos++
				d.ws()
			case closing:
				d.pos++
				return start, nil
			default:
				return start, d.errorf("expected ',' or '%c'", closing)
			}
		}
	case c == '"':
		_, err := d.str()
		return start, err
	case c == 't':
		return start, d.literal("true")
	case c == 'f':
		return start, d.literal("false")
	case c == 'n':
		return start, d.literal("null")
	case c == '-' || ('0' <= c && c <= '9'):
		_, err := d.number()
		return start, err
	case c == 0 && d.pos >= len(d.data):
		return start, d.errorf("unexpected end of JSON input")
	default:
		return start, d.errorf("invalid character %q looking for beginning of value", c)
	}
}

func (d *decoder) literal(lit string) error {
	if !strings.HasPrefix(string(d.data[d.pos:]), lit) {
		return d.errorf("invalid literal")
	}
	d.pos += len(lit)
	return nil
}

// number moves past a number and returns its text.
func (d *decoder) number() (string, error) {
	start := d.pos
	digits := func() int {
		n := 0
		for d.pos < len(d.data) && '0' <= d.data[d.pos] && d.data[d.pos] <= '9' {
			d.pos++
			n++
		}
		return n
	}
	if d.peek() == '-' {
		d.pos++
	}
	if d.peek() == '0' {
		d.pos++
	} else if digits() == 0 {
		return "", d.errorf("invalid number")
	}
	if d.peek() == '.' {
		d.pos++
		if digits() == 0 {
			return "", d.errorf("invalid number")
		}
	}
	if c := d.peek(); c == 'e' || c == 'E' {
		d.pos++
		if c := d.peek(); c == '+' || c == '-' {
			d.pos++
		}
		if digits() == 0 {
			return "", d.errorf("invalid number")
		}
	}
	return string(d.data[start:d.pos]), nil
}

// str moves past a string literal and returns its value.
func (d *decoder) str() (string, error) {
	d.pos++ // the opening quote
	start := d.pos
	// Fast path: no escapes, ASCII or valid UTF-8.
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if c == '"' {
			s := d.data[start:d.pos]
			d.pos++
			if utf8.Valid(s) {
				return string(s), nil
			}
			return strings.ToValidUTF8(string(s), "\uFFFD"), nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", d.errorf("invalid character in string literal")
		}
		d.pos++
	}
	buf := []byte(nil)
	buf = append(buf, d.data[start:d.pos]...)
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			if utf8.Valid(buf) {
				return string(buf), nil
			}
			return strings.ToValidUTF8(string(buf), "\uFFFD"), nil
		case c < 0x20:
			return "", d.errorf("invalid character in string literal")
		case c != '\\':
			buf = append(buf, c)
			d.pos++
			continue
		}
		d.pos++
		if d.pos >= len(d.data) {
			break
		}
		e := d.data[d.pos]
		d.pos++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return "", d.errorf("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				// A pair makes one character; a lone half is U+FFFD.
				save := d.pos
				if d.peek() == '\\' && d.pos+1 < len(d.data) && d.data[d.pos+1] == 'u' {
					d.pos += 2
					if r2, ok := d.hex4(); ok {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							buf = utf8.AppendRune(buf, dec)
							continue
						}
					}
				}
				d.pos = save
				r = utf8.RuneError
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", d.errorf("invalid escape")
		}
	}
	return "", d.errorf("unexpected end of JSON input")
}

func (d *decoder) hex4() (rune, bool) {
	if d.pos+4 > len(d.data) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(d.data[d.pos:d.pos+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	d.pos += 4
	return rune(v), true
}

// value decodes the value at d.pos into rv (the syntax is already checked).
func (d *decoder) value(rv reflect.Value) error {
	c := d.peek()
	if rv.Kind() == reflect.Pointer {
		if c == 'n' {
			d.pos += len("null")
			rv.SetZero()
			return nil
		}
		if rv.IsNil() {
			rv.Set(reflect.New(rv.Type().Elem()))
		}
		return d.value(rv.Elem())
	}
	if rv.CanAddr() && rv.Addr().Type().Implements(unmarshalerType) {
		start, err := d.skip()
		if err != nil {
			return err
		}
		return rv.Addr().Interface().(unmarshaler).UnmarshalJSON(d.data[start:d.pos])
	}
	if c == 'n' {
		d.pos += len("null")
		switch rv.Kind() {
		case reflect.Interface, reflect.Map, reflect.Slice:
			rv.SetZero()
		}
		return nil
	}
	switch rv.Kind() {
	case reflect.Interface:
		if rv.NumMethod() != 0 {
			return d.errorf("cannot unmarshal into Go value of type %s", rv.Type())
		}
		v, err := d.generic()
		if err != nil {
			return err
		}
		if v == nil {
			rv.SetZero()
		} else {
			rv.Set(reflect.ValueOf(v))
		}
		return nil
	case reflect.Struct:
		return d.object(rv)
	case reflect.Map:
		return d.object(rv)
	case reflect.Slice, reflect.Array:
		return d.array(rv)
	case reflect.String:
		if c != '"' {
			return d.mismatch(rv)
		}
		s, err := d.str()
		if err != nil {
			return err
		}
		rv.SetString(s)
		return nil
	case reflect.Bool:
		switch c {
		case 't':
			d.pos += 4
			rv.SetBool(true)
		case 'f':
			d.pos += 5
			rv.SetBool(false)
		default:
			return d.mismatch(rv)
		}
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		lit, err := d.numberFor(rv)
		if err != nil {
			return err
		}
		n, err := strconv.ParseInt(lit, 10, rv.Type().Bits())
		if err != nil {
			return d.errorf("cannot unmarshal number %s into Go value of type %s", lit, rv.Type())
		}
		rv.SetInt(n)
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		lit, err := d.numberFor(rv)
		if err != nil {
			return err
		}
		n, err := strconv.ParseUint(lit, 10, rv.Type().Bits())
		if err != nil {
			return d.errorf("cannot unmarshal number %s into Go value of type %s", lit, rv.Type())
		}
		rv.SetUint(n)
		return nil
	case reflect.Float32, reflect.Float64:
		lit, err := d.numberFor(rv)
		if err != nil {
			return err
		}
		f, err := strconv.ParseFloat(lit, rv.Type().Bits())
		if err != nil {
			return d.errorf("cannot unmarshal number %s into Go value of type %s", lit, rv.Type())
		}
		rv.SetFloat(f)
		return nil
	}
	return d.errorf("cannot unmarshal into Go value of type %s", rv.Type())
}

func (d *decoder) numberFor(rv reflect.Value) (string, error) {
	if c := d.peek(); c != '-' && (c < '0' || c > '9') {
		return "", d.mismatch(rv)
	}
	return d.number()
}

// mismatch is encoding/json's UnmarshalTypeError, in its words.
func (d *decoder) mismatch(rv reflect.Value) error {
	kind := "number"
	switch d.peek() {
	case '{':
		kind = "object"
	case '[':
		kind = "array"
	case '"':
		kind = "string"
	case 't', 'f':
		kind = "bool"
	}
	return d.errorf("cannot unmarshal %s into Go value of type %s", kind, rv.Type())
}

// object decodes an object into a struct or a map with string keys.
func (d *decoder) object(rv reflect.Value) error {
	if d.peek() != '{' {
		return d.mismatch(rv)
	}
	isMap := rv.Kind() == reflect.Map
	if isMap {
		if rv.Type().Key().Kind() != reflect.String {
			return d.errorf("cannot unmarshal into Go value of type %s", rv.Type())
		}
		if rv.IsNil() {
			rv.Set(reflect.MakeMap(rv.Type()))
		}
	}
	d.pos++
	d.ws()
	if d.peek() == '}' {
		d.pos++
		return nil
	}
	for {
		key, err := d.str()
		if err != nil {
			return err
		}
		d.ws()
		d.pos++ // ':'
		d.ws()
		if isMap {
			elem := reflect.New(rv.Type().Elem()).Elem()
			if err := d.value(elem); err != nil {
				return err
			}
			rv.SetMapIndex(reflect.ValueOf(key).Convert(rv.Type().Key()), elem)
		} else if f, ok := field(rv, key); ok {
			if err := d.value(f); err != nil {
				return err
			}
		} else if _, err := d.skip(); err != nil {
			return err
		}
		d.ws()
		if d.peek() == ',' {
			d.pos++
			d.ws()
			continue
		}
		d.pos++ // '}'
		return nil
	}
}

// field finds the struct field a key names: the exact tag (or field) name,
// else a case-insensitive match, as encoding/json does.
func field(rv reflect.Value, key string) (reflect.Value, bool) {
	t := rv.Type()
	fold := -1
	for i := range t.NumField() {
		sf := t.Field(i)
		name, ok := fieldName(sf)
		if !ok {
			continue
		}
		if name == key {
			return rv.Field(i), true
		}
		if fold < 0 && strings.EqualFold(name, key) {
			fold = i
		}
	}
	if fold >= 0 {
		return rv.Field(fold), true
	}
	return reflect.Value{}, false
}

// fieldName is the JSON name of an exported field, false for skipped ones.
func fieldName(sf reflect.StructField) (string, bool) {
	if !sf.IsExported() {
		return "", false
	}
	tag := sf.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	if name, _, _ := strings.Cut(tag, ","); name != "" {
		return name, true
	}
	return sf.Name, true
}

func (d *decoder) array(rv reflect.Value) error {
	if d.peek() != '[' {
		return d.mismatch(rv)
	}
	d.pos++
	d.ws()
	isSlice := rv.Kind() == reflect.Slice
	out := rv
	if isSlice {
		out = reflect.MakeSlice(rv.Type(), 0, 0)
	}
	n := 0
	if d.peek() == ']' {
		d.pos++
	} else {
		for {
			switch {
			case isSlice:
				out = reflect.Append(out, reflect.New(rv.Type().Elem()).Elem())
				if err := d.value(out.Index(n)); err != nil {
					return err
				}
			case n < rv.Len():
				if err := d.value(rv.Index(n)); err != nil {
					return err
				}
			default:
				if _, err := d.skip(); err != nil {
					return err
				}
			}
			n++
			d.ws()
			if d.peek() == ',' {
				d.pos++
				d.ws()
				continue
			}
			d.pos++ // ']'
			break
		}
	}
	if isSlice {
		rv.Set(out)
		return nil
	}
	for i := n; i < rv.Len(); i++ {
		rv.Index(i).SetZero()
	}
	return nil
}

// generic decodes into the types encoding/json gives an empty interface.
func (d *decoder) generic() (any, error) {
	switch c := d.peek(); {
	case c == '{':
		m := map[string]any{}
		d.pos++
		d.ws()
		if d.peek() == '}' {
			d.pos++
			return m, nil
		}
		for {
			key, err := d.str()
			if err != nil {
				return nil, err
			}
			d.ws()
			d.pos++
			d.ws()
			if m[key], err = d.generic(); err != nil {
				return nil, err
			}
			d.ws()
			if d.peek() == ',' {
				d.pos++
				d.ws()
				continue
			}
			d.pos++
			return m, nil
		}
	case c == '[':
		a := []any{}
		d.pos++
		d.ws()
		if d.peek() == ']' {
			d.pos++
			return a, nil
		}
		for {
			v, err := d.generic()
			if err != nil {
				return nil, err
			}
			a = append(a, v)
			d.ws()
			if d.peek() == ',' {
				d.pos++
				d.ws()
				continue
			}
			d.pos++
			return a, nil
		}
	case c == '"':
		return d.str()
	case c == 't':
		d.pos += 4
		return true, nil
	case c == 'f':
		d.pos += 5
		return false, nil
	case c == 'n':
		d.pos += 4
		return nil, nil
	default:
		lit, err := d.number()
		if err != nil {
			return nil, err
		}
		f, err := strconv.ParseFloat(lit, 64)
		if err != nil {
			return nil, d.errorf("cannot decode number %s", lit)
		}
		return f, nil
	}
}
