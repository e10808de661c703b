package inference

import "testing"

func TestPadWidth(t *testing.T) {
	buckets := []int{32, 64, 128, 256}
	tests := []struct {
		longest int
		buckets []int
		want    int
	}{
		{7, nil, 7},
		{7, buckets, 32},
		{32, buckets, 32},
		{33, buckets, 64},
		{256, buckets, 256},
		{300, buckets, 300}, // longer than every bucket: its own length
	}
	for _, tc := range tests {
		if got := padWidth(tc.longest, tc.buckets); got != tc.want {
			t.Errorf("padWidth(%d, %v) = %d, want %d", tc.longest, tc.buckets, got, tc.want)
		}
	}
}
