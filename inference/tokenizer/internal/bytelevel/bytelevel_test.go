package bytelevel

import (
	"testing"
	"unicode/utf8"
)

// AppendString writes each byte's character, as the table says, in UTF-8.
func TestAppendString(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	var want []byte
	for _, b := range all {
		want = utf8.AppendRune(want, Char(b))
	}
	if got := AppendString([]byte("x"), string(all)); string(got) != "x"+string(want) {
		t.Errorf("AppendString differs from the table")
	}
}
