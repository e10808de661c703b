// Package smallfmt is the string formatting the tokenizer's error messages
// need, in two builds, like internal/smalljson: natively Errorf and Sprintf
// are fmt's; in the WebAssembly build (and with the build tag smalljson) they
// are this file's small formatter, so that tokenizer.wasm links neither fmt
// nor, through it, os (whose initialisation alone costs ~78 KB of the gzipped
// module).
//
// The small formatter gives fmt's output for the verbs %v %s %q %d %x %X %c
// %t %g and %w, the flags '0' and '-' and a width, on strings, byte slices,
// booleans, integers, floats, errors and fmt.Stringer-style String methods
// (used, as fmt does, for %v %s %q %x %X), nil, and slices and arrays of those
// (element by element). Other types print as %!verb(unsupported) instead of fmt's reflection
// dump. Errorf wraps its %w operands as fmt.Errorf does (Unwrap() error for
// one, Unwrap() []error for several). format_test.go compares it with fmt.
package smallfmt

import (
	"reflect"
	"strconv"
	"unicode/utf8"
)

type stringer interface{ String() string }

type wrapError struct {
	msg string
	err error
}

func (e *wrapError) Error() string { return e.msg }
func (e *wrapError) Unwrap() error { return e.err }

type wrapErrors struct {
	msg  string
	errs []error
}

func (e *wrapErrors) Error() string   { return e.msg }
func (e *wrapErrors) Unwrap() []error { return e.errs }

type plainError struct{ msg string }

func (e *plainError) Error() string { return e.msg }

func errorf(format string, a ...any) error {
	msg, wrapped := format1(format, a, true)
	switch len(wrapped) {
	case 0:
		return &plainError{msg}
	case 1:
		return &wrapError{msg, wrapped[0]}
	}
	return &wrapErrors{msg, wrapped}
}

func sprintf(format string, a ...any) string {
	s, _ := format1(format, a, false)
	return s
}

// format1 formats; with errorf set, %w takes an error and the errors it
// took come back in order.
func format1(format string, a []any, errorf bool) (string, []error) {
	out := make([]byte, 0, len(format)+16*len(a))
	var wrapped []error
	argi := 0
	for i := 0; i < len(format); {
		c := format[i]
		if c != '%' {
			j := i + 1
			for j < len(format) && format[j] != '%' {
				j++
			}
			out = append(out, format[i:j]...)
			i = j
			continue
		}
		i++
		var zero, minus, plus bool
	flags:
		for ; i < len(format); i++ {
			switch format[i] {
			case '0':
				zero = true
			case '-':
				minus = true
			case '+':
				plus = true
			default:
				break flags
			}
		}
		width := -1
		for i < len(format) && format[i] >= '0' && format[i] <= '9' {
			if width < 0 {
				width = 0
			}
			width = width*10 + int(format[i]-'0')
			i++
		}
		if i >= len(format) {
			out = append(out, "%!(NOVERB)"...)
			break
		}
		verb, size := utf8.DecodeRuneInString(format[i:])
		i += size
		if verb == '%' {
			out = append(out, '%')
			continue
		}
		if argi >= len(a) {
			out = append(out, '%', '!')
			out = utf8.AppendRune(out, verb)
			out = append(out, "(MISSING)"...)
			continue
		}
		arg := a[argi]
		argi++
		if verb == 'w' {
			if err, ok := arg.(error); ok && errorf {
				wrapped = append(wrapped, err)
				verb = 'v'
			} else if arg == nil {
				out = append(out, "%!w(<nil>)"...)
				continue
			}
		}
		s, numeric := formatArg(arg, verb, plus)
		out = pad(out, s, width, minus, zero && numeric && !minus)
	}
	if argi < len(a) {
		out = append(out, "%!(EXTRA"...)
		for k, arg := range a[argi:] {
			if k > 0 {
				out = append(out, ',')
			}
			out = append(out, ' ')
			out = append(out, typeName(arg)...)
			out = append(out, '=')
			s, _ := formatArg(arg, 'v', false)
			out = append(out, s...)
		}
		out = append(out, ')')
	}
	return string(out), wrapped
}

func pad(out []byte, s string, width int, left, zero bool) []byte {
	n := width - utf8.RuneCountInString(s)
	if n <= 0 {
		return append(out, s...)
	}
	if left {
		out = append(out, s...)
		for ; n > 0; n-- {
			out = append(out, ' ')
		}
		return out
	}
	if zero {
		if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
			out = append(out, s[0])
			s = s[1:]
		}
		for ; n > 0; n-- {
			out = append(out, '0')
		}
		return append(out, s...)
	}
	for ; n > 0; n-- {
		out = append(out, ' ')
	}
	return append(out, s...)
}

// formatArg formats one operand; numeric reports whether '0' pads it.
func formatArg(arg any, verb rune, plus bool) (string, bool) {
	if arg == nil {
		switch verb {
		case 'v':
			return "<nil>", false
		}
		return "%!" + string(verb) + "(<nil>)", false
	}
	switch verb {
	case 'v', 's', 'q', 'x', 'X':
		switch v := arg.(type) {
		case error:
			return formatString(v.Error(), verb, plus)
		case stringer:
			return formatString(v.String(), verb, plus)
		}
	}
	switch v := arg.(type) {
	case string:
		return formatString(v, verb, plus)
	case []byte:
		return formatString(string(v), verb, plus)
	case bool:
		if verb == 'v' || verb == 't' {
			return strconv.FormatBool(v), false
		}
		return "%!" + string(verb) + "(bool=" + strconv.FormatBool(v) + ")", false
	case float64:
		return formatFloat(v, 64, verb, plus)
	case float32:
		return formatFloat(float64(v), 32, verb, plus)
	}
	rv := reflect.ValueOf(arg)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return formatInt(rv.Int(), false, 0, verb, plus)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return formatInt(0, true, rv.Uint(), verb, plus)
	case reflect.String:
		return formatString(rv.String(), verb, plus)
	case reflect.Bool:
		if verb == 'v' || verb == 't' {
			return strconv.FormatBool(rv.Bool()), false
		}
	case reflect.Float32, reflect.Float64:
		return formatFloat(rv.Float(), rv.Type().Bits(), verb, plus)
	case reflect.Slice, reflect.Array:
		// Element by element with the same verb, as fmt does.
		b := []byte{'['}
		for k := 0; k < rv.Len(); k++ {
			if k > 0 {
				b = append(b, ' ')
			}
			s, _ := formatArg(rv.Index(k).Interface(), verb, plus)
			b = append(b, s...)
		}
		return string(append(b, ']')), false
	}
	return "%!" + string(verb) + "(unsupported)", false
}

func formatString(s string, verb rune, plus bool) (string, bool) {
	switch verb {
	case 'v', 's':
		return s, false
	case 'q':
		if plus {
			return strconv.QuoteToASCII(s), false
		}
		return strconv.Quote(s), false
	case 'x', 'X':
		digits := "0123456789abcdef"
		if verb == 'X' {
			digits = "0123456789ABCDEF"
		}
		b := make([]byte, 0, 2*len(s))
		for i := 0; i < len(s); i++ {
			b = append(b, digits[s[i]>>4], digits[s[i]&15])
		}
		return string(b), false
	}
	return "%!" + string(verb) + "(string=" + s + ")", false
}

func formatInt(i int64, unsigned bool, u uint64, verb rune, plus bool) (string, bool) {
	neg := !unsigned && i < 0
	if !unsigned {
		u = uint64(i)
		if neg {
			u = -u
		}
	}
	var s string
	switch verb {
	case 'v', 'd':
		s = strconv.FormatUint(u, 10)
	case 'x':
		s = strconv.FormatUint(u, 16)
	case 'X':
		s = upper(strconv.FormatUint(u, 16))
	case 'c':
		return string(toRune(neg, u)), false
	case 'q':
		if plus {
			return strconv.QuoteRuneToASCII(toRune(neg, u)), false
		}
		return strconv.QuoteRune(toRune(neg, u)), false
	default:
		return "%!" + string(verb) + "(int=" + strconv.FormatUint(u, 10) + ")", false
	}
	if neg {
		s = "-" + s
	} else if plus {
		s = "+" + s
	}
	return s, true
}

func toRune(neg bool, u uint64) rune {
	if neg || u > utf8.MaxRune {
		return utf8.RuneError
	}
	return rune(u)
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func formatFloat(f float64, bits int, verb rune, plus bool) (string, bool) {
	switch verb {
	case 'v', 'g':
		s := strconv.FormatFloat(f, 'g', -1, bits)
		if plus && s[0] != '-' && s[0] != '+' {
			s = "+" + s
		}
		return s, true
	}
	return "%!" + string(verb) + "(float64=" + strconv.FormatFloat(f, 'g', -1, bits) + ")", false
}

func typeName(arg any) string {
	if arg == nil {
		return "<nil>"
	}
	return reflect.TypeOf(arg).String()
}
