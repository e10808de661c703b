//go:build cgo

package ort_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/inference/internal/onnxtest"
	"github.com/clinlm/clinlm/inference/ort"
	"github.com/clinlm/clinlm/internal/testenv"
)

// The ONNX Runtime environment is process-global: these tests open and close
// it one at a time and never run in parallel.

func TestOpenReportsAMissingOrBrokenLibrary(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "libonnxruntime.so.1")
	if err := os.WriteFile(corrupt, []byte("not an ELF file"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, wantInErr string
	}{
		{"missing", filepath.Join(dir, "nope", "libonnxruntime.so.1"), "not found"},
		{"corrupt", corrupt, "loading"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt, err := ort.Open(ort.Config{LibraryPath: tc.path, Device: ort.DeviceCPU})
			if err == nil {
				rt.Close()
				t.Fatal("Open succeeded with a bad library")
			}
			if !errors.Is(err, ort.ErrUnavailable) {
				t.Errorf("error %v does not wrap ErrUnavailable", err)
			}
			if !strings.Contains(err.Error(), tc.wantInErr) || !strings.Contains(err.Error(), "fetch.sh") {
				t.Errorf("error %q should say %q and how to fix it", err, tc.wantInErr)
			}
		})
	}
}

func TestAutoFallsBackToCPUWithoutCUDA(t *testing.T) {
	lib := testenv.ORTLibrary(t)
	// No CUDA libraries preloaded: TestCUDAFallbackSaysWhy needs a process without them.
	rt, err := ort.Open(ort.Config{LibraryPath: lib, Device: ort.DeviceAuto, IntraOpThreads: 1, CUDALibDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	st := rt.Status()
	if st.Requested != ort.DeviceAuto || st.Library != lib || st.Version == "" {
		t.Errorf("status %+v", st)
	}
	// The CPU-only core from onnxruntime-node has no CUDA provider beside it,
	// so auto must have fallen back and said why. (On a machine with the
	// CUDA provider installed next to the library, auto picks cuda.)
	if st.Device == ort.DeviceCPU && st.Fallback == "" {
		t.Error("fell back to cpu without a reason")
	}
	t.Logf("device %s (fallback: %s)", st.Device, st.Fallback)
}

func TestCUDARequiredFailsCleanlyWithoutIt(t *testing.T) {
	lib := testenv.ORTLibrary(t)
	probe, err := ort.Open(ort.Config{LibraryPath: lib, Device: ort.DeviceAuto, CUDALibDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	hasCUDA := probe.Status().Device == ort.DeviceCUDA
	probe.Close()
	if hasCUDA {
		t.Skip("this machine has CUDA")
	}
	rt, err := ort.Open(ort.Config{LibraryPath: lib, Device: ort.DeviceCUDA, CUDALibDir: t.TempDir()})
	if err == nil {
		rt.Close()
		t.Fatal("--device cuda succeeded without a CUDA provider")
	}
	// The environment must be usable again after the failed open.
	rt, err = ort.Open(ort.Config{LibraryPath: lib, Device: ort.DeviceCPU})
	if err != nil {
		t.Fatalf("reopen after failure: %v", err)
	}
	rt.Close()
}

func TestSessionRunsWithDynamicShapes(t *testing.T) {
	lib := testenv.ORTLibrary(t)
	path := filepath.Join(t.TempDir(), "adder.onnx")
	if err := onnxtest.Adder().Write(path); err != nil {
		t.Fatal(err)
	}
	rt, err := ort.Open(ort.Config{LibraryPath: lib, Device: ort.DeviceCPU, IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()

	ins, outs, err := rt.Inspect(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) != 2 || ins[0].Name != "a" || ins[1].Name != "b" || len(outs) != 1 || outs[0].Name != "c" {
		t.Fatalf("inspect: %+v %+v", ins, outs)
	}
	if outs[0].Shape[0] != -1 {
		t.Errorf("dynamic dimension reported as %d", outs[0].Shape[0])
	}

	s, err := rt.NewSession(path, []string{"a", "b"}, []string{"c"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, shape := range [][]int64{{1, 3}, {2, 5}} {
		n := int(shape[0] * shape[1])
		a, b := make([]float32, n), make([]float32, n)
		for i := range a {
			a[i], b[i] = float32(i), float32(10*i)
		}
		out, err := s.Run(context.Background(), []ort.Tensor{{Shape: shape, Float32: a}, {Shape: shape, Float32: b}})
		if err != nil {
			t.Fatal(err)
		}
		if got := out[0].Shape; len(got) != 2 || got[0] != shape[0] || got[1] != shape[1] {
			t.Errorf("output shape %v, want %v", got, shape)
		}
		for i, v := range out[0].Float32 {
			if v != float32(11*i) {
				t.Fatalf("c[%d] = %v, want %v", i, v, 11*i)
			}
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Run(ctx, []ort.Tensor{{Shape: []int64{1, 1}, Float32: []float32{1}}, {Shape: []int64{1, 1}, Float32: []float32{1}}}); !errors.Is(err, context.Canceled) {
		t.Errorf("run with a cancelled context: %v", err)
	}
	if _, err := s.Run(context.Background(), []ort.Tensor{{Shape: []int64{1, 2}, Float32: []float32{1}}, {Shape: []int64{1, 2}, Float32: []float32{1, 2}}}); err == nil {
		t.Error("run accepted a tensor whose data does not fill its shape")
	}
}

func TestInspectRejectsCorruptModels(t *testing.T) {
	lib := testenv.ORTLibrary(t)
	path := filepath.Join(t.TempDir(), "model.onnx")
	if err := os.WriteFile(path, []byte("garbage, not protobuf"), 0o644); err != nil {
		t.Fatal(err)
	}
	rt, err := ort.Open(ort.Config{LibraryPath: lib, Device: ort.DeviceCPU})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if _, _, err := rt.Inspect(path); err == nil {
		t.Error("inspect accepted a corrupt model")
	}
	if _, err := rt.NewSession(path, []string{"a"}, []string{"c"}); err == nil {
		t.Error("session created from a corrupt model")
	}
}

// TestSessionRunsBoolTensors feeds and reads bool tensors (the switch of
// optimum's merged decoder is one) and empty tensors (its unused cache
// inputs on the first step), beside float32 ones.
func TestSessionRunsBoolTensors(t *testing.T) {
	lib := testenv.ORTLibrary(t)
	const onnxBool = 9 // TensorProto.BOOL
	path := filepath.Join(t.TempDir(), "where.onnx")
	g := onnxtest.Graph{
		Inputs: []onnxtest.Value{{Name: "cond", Type: onnxBool, Shape: []int64{-1}},
			{Name: "a", Type: onnxtest.Float, Shape: []int64{-1}}, {Name: "b", Type: onnxtest.Float, Shape: []int64{-1}}},
		Outputs: []onnxtest.Value{{Name: "c", Type: onnxtest.Float, Shape: []int64{-1}}, {Name: "not", Type: onnxBool, Shape: []int64{-1}}},
		Nodes: []onnxtest.Node{{Op: "Where", Inputs: []string{"cond", "a", "b"}, Outputs: []string{"c"}},
			{Op: "Not", Inputs: []string{"cond"}, Outputs: []string{"not"}}},
	}
	if err := g.Write(path); err != nil {
		t.Fatal(err)
	}
	rt, err := ort.Open(ort.Config{LibraryPath: lib, Device: ort.DeviceCPU, IntraOpThreads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	ins, _, err := rt.Inspect(path)
	if err != nil {
		t.Fatal(err)
	}
	if ins[0].Type != "bool" {
		t.Errorf("input cond reported as %q, want bool", ins[0].Type)
	}
	s, err := rt.NewSession(path, []string{"cond", "a", "b"}, []string{"c", "not"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct {
		name    string
		cond    []bool
		a, b    []float32
		want    []float32
		wantNot []bool
	}{
		{"mixed", []bool{true, false, true}, []float32{1, 2, 3}, []float32{10, 20, 30}, []float32{1, 20, 3}, []bool{false, true, false}},
		{"one", []bool{false}, []float32{1}, []float32{7}, []float32{7}, []bool{true}},
		{"empty", []bool{}, []float32{}, []float32{}, []float32{}, []bool{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			shape := []int64{int64(len(tc.cond))}
			out, err := s.Run(context.Background(), []ort.Tensor{{Shape: shape, Bool: tc.cond}, {Shape: shape, Float32: tc.a}, {Shape: shape, Float32: tc.b}})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(out[0].Float32, tc.want) || out[0].Float32 == nil {
				t.Errorf("c = %v, want %v", out[0].Float32, tc.want)
			}
			if !slices.Equal(out[1].Bool, tc.wantNot) || out[1].Bool == nil {
				t.Errorf("not = %v, want %v", out[1].Bool, tc.wantNot)
			}
		})
	}
	if _, err := s.Run(context.Background(), []ort.Tensor{{Shape: []int64{2}, Bool: []bool{true}}, {Shape: []int64{2}, Float32: []float32{1, 2}}, {Shape: []int64{2}, Float32: []float32{1, 2}}}); err == nil {
		t.Error("run accepted a bool tensor whose data does not fill its shape")
	}
}

// On a machine without a GPU, auto falls back to the CPU and says what is
// missing at each step of `go tool task ort-gpu`; cuda fails with the same
// reason. The cases run in order: libraries preloaded stay in the process.
func TestCUDAFallbackSaysWhy(t *testing.T) {
	lib := testenv.ORTLibrary(t)
	real := filepath.Dir(lib)
	_, provErr := os.Stat(filepath.Join(real, ort.CUDAProviderName))
	_, libsErr := os.Stat(filepath.Join(real, "cuda", "libcublasLt.so.13"))
	tests := []struct {
		name      string
		providers bool
		// cudaLibs: the folder of preloaded CUDA libraries ("" an empty one).
		cudaLibs string
		need     error
		wantErr  string
	}{
		{"no provider", false, "", nil, "is not beside"},
		{"provider without CUDA libraries", true, "", provErr, "libcublasLt.so.13"},
		{"provider and CUDA libraries, no driver", true, filepath.Join(real, "cuda"), errors.Join(provErr, libsErr), "no NVIDIA driver on this machine"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.need != nil {
				t.Skipf("needs `go tool task ort-gpu` (%v)", tc.need)
			}
			dir := t.TempDir()
			files := []string{filepath.Base(lib)}
			if tc.providers {
				files = append(files, ort.CUDAProviderName, ort.SharedProviderName)
			}
			for _, f := range files {
				if err := os.Symlink(filepath.Join(real, f), filepath.Join(dir, f)); err != nil {
					t.Fatal(err)
				}
			}
			cudaLibs := tc.cudaLibs
			if cudaLibs == "" {
				cudaLibs = t.TempDir()
			}
			cfg := ort.Config{LibraryPath: filepath.Join(dir, filepath.Base(lib)), Device: ort.DeviceAuto, CUDALibDir: cudaLibs,
				CUDAMemLimit: 1 << 30, CUDAArenaSameAsRequested: true}
			rt, err := ort.Open(cfg)
			if err != nil {
				t.Fatal(err)
			}
			st := rt.Status()
			rt.Close()
			if st.Device == ort.DeviceCUDA {
				t.Skip("this machine has a GPU")
			}
			if !strings.Contains(st.Fallback, tc.wantErr) {
				t.Errorf("fallback %q, want it to say %q", st.Fallback, tc.wantErr)
			}
			cfg.Device = ort.DeviceCUDA
			rt, err = ort.Open(cfg)
			if err == nil {
				rt.Close()
				t.Fatal("--device cuda opened without CUDA")
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("--device cuda: %v, want it to say %q", err, tc.wantErr)
			}
		})
	}
}
