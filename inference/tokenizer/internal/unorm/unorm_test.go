package unorm

import (
	"reflect"
	"testing"
)

// The change lists are those of HF's unicode-normalization-alignments crate,
// as its alignments in HF tokenizers 0.23.3 reveal them.
func TestApply(t *testing.T) {
	for _, tc := range []struct {
		form Form
		in   string
		want []Change
	}{
		{NFC, "e\u0301", []Change{{'\u00e9', -1}}},
		{NFC, "\u00e9", []Change{{'\u00e9', 0}}},
		{NFC, "a\u0323\u0302", []Change{{'\u1ead', -2}}},
		{NFC, "a\u0316\u0301", []Change{{'\u00e1', -1}, {'\u0316', 0}}},
		{NFD, "\u00e0\u0323", []Change{{'a', 0}, {'\u0323', 0}, {'\u0300', 1}}},
		{NFD, "\uac01", []Change{{'\u1100', 0}, {'\u1161', 1}, {'\u11a8', 1}}},
		{NFKC, "\ufb01", []Change{{'f', 0}, {'i', 1}}},
		{NFKD, "\u32ff", []Change{{'\u32ff', 0}}}, // HF's tables predate this compatibility decomposition
		{NFC, "\u1100\u1161\u11a8", []Change{{'\uac01', -2}}},
	} {
		if got := Apply(tc.form, tc.in, nil); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v %q: got %v, want %v", tc.form, tc.in, got, tc.want)
		}
	}
}

func TestQuickSpan(t *testing.T) {
	if n := QuickSpan(NFC, "abc"); n != 3 {
		t.Errorf("ASCII: %d", n)
	}
	if n := QuickSpan(NFC, "cafe\u0301"); n > 3 {
		t.Errorf("e + combining acute must not be in the normal prefix: %d", n)
	}
}
