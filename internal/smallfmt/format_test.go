package smallfmt

import (
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"testing"
)

type named string
type namedInt int
type withString int

func (w withString) String() string { return fmt.Sprintf("ws(%d)", int(w)) }

// TestSprintfMatchesFmt checks the small formatter against fmt on the verbs
// and operand types the tokenizer's messages use, and a few around them.
func TestSprintfMatchesFmt(t *testing.T) {
	cases := []struct {
		format string
		args   []any
	}{
		{"plain", nil},
		{"100%% sure", nil},
		{"%s: %d", []any{"vocab", 42}},
		{"%q at %d", []any{"a\"b\n\u00e9\x01", -7}},
		{"%+q", []any{"é☃"}},
		{"%q", []any{'x'}},
		{"%q", []any{rune(0x1F600)}},
		{"%q", []any{int64(-1)}},
		{"%c|%c", []any{'é', 65}},
		{"<0x%02X>", []any{5}},
		{"<0x%02X>", []any{255}},
		{"%x %X %x", []any{255, uint8(171), "hi"}},
		{"%v %v %v %v", []any{true, 1.5, float32(0.1), 1e21}},
		{"%v %v %v", []any{math.Inf(1), math.NaN(), 1e6}},
		{"%v %v", []any{0.000001, 123456789.0}},
		{"%g", []any{2.5e-10}},
		{"%v", []any{nil}},
		{"%s", []any{nil}},
		{"%d", []any{"str"}},
		{"%d", []any{true}},
		{"%s %v %q", []any{named("n"), namedInt(3), named("q")}},
		{"%s %v %d", []any{withString(1), withString(2), withString(3)}},
		{"%v %s", []any{errors.New("boom"), io.EOF}},
		{"%q", []any{errors.New("quoted")}},
		{"%s", []any{[]byte("bytes")}},
		{"%v %v", []any{[]string{"a", "b"}, []int{1, 2}}},
		{"%v", []any{[]string(nil)}},
		{"%q %d %s", []any{[]string{"lowercase", "x\"y"}, []int{1, -2}, [2]string{"a", "b"}}},
		{"%s", []any{reflect.TypeOf(map[string]int{})}},
		{"%5d|%-5d|%05d|%05d", []any{42, 42, 42, -42}},
		{"%d %d %d", []any{uint64(math.MaxUint64), int8(-128), uintptr(9)}},
		{"%d", nil},
		{"%d %s", []any{1}},
		{"%d", []any{1, "extra"}},
		{"trailing %", nil},
	}
	for _, c := range cases {
		want := fmt.Sprintf(c.format, c.args...)
		if got := sprintf(c.format, c.args...); got != want {
			t.Errorf("sprintf(%q, %#v) = %q, fmt gives %q", c.format, c.args, got, want)
		}
		wantErr := fmt.Errorf(c.format, c.args...).Error()
		if got := errorf(c.format, c.args...).Error(); got != wantErr {
			t.Errorf("errorf(%q, %#v) = %q, fmt gives %q", c.format, c.args, got, wantErr)
		}
	}
}

func TestErrorfWraps(t *testing.T) {
	inner := errors.New("inner")
	err := errorf("load %q: %w", "x.json", inner)
	if err.Error() != `load "x.json": inner` || !errors.Is(err, inner) || errors.Unwrap(err) != inner {
		t.Fatalf("one %%w: %v, Is=%v", err, errors.Is(err, inner))
	}
	other := errors.New("other")
	two := errorf("%w and %w", inner, other)
	if two.Error() != "inner and other" || !errors.Is(two, inner) || !errors.Is(two, other) {
		t.Fatalf("two %%w: %v", two)
	}
	if plain := errorf("no wrap %d", 1); errors.Unwrap(plain) != nil || plain.Error() != "no wrap 1" {
		t.Fatalf("no %%w: %v", plain)
	}
	if got, want := errorf("%w", nil).Error(), fmt.Errorf("%w", nil).Error(); got != want {
		t.Fatalf("nil %%w: %q, fmt gives %q", got, want)
	}
}
