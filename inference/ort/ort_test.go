package ort

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParseDevice(t *testing.T) {
	tests := []struct {
		in      string
		want    Device
		wantErr bool
	}{
		{"auto", DeviceAuto, false},
		{"CPU", DeviceCPU, false},
		{" cuda ", DeviceCUDA, false},
		{"gpu", "", true},
		{"", "", true},
	}
	for _, tc := range tests {
		got, err := ParseDevice(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseDevice(%q) = %q, %v", tc.in, got, err)
		}
	}
}

func TestFindLibrary(t *testing.T) {
	if got := FindLibrary("/opt/ort/lib.so"); got != "/opt/ort/lib.so" {
		t.Errorf("explicit path not kept: %q", got)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	if got := FindLibrary(""); got != LibraryName {
		t.Errorf("with nothing on disk: %q, want the bare name for the loader", got)
	}
	if err := os.MkdirAll(filepath.Join(dir, ".cache", "ort"), 0o755); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, ".cache", "ort", LibraryName)
	if err := os.WriteFile(want, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := FindLibrary(""); got != want {
		t.Errorf("FindLibrary = %q, want %q", got, want)
	}
}
