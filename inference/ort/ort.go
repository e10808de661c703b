// Package ort owns clinlm's ONNX Runtime: the process-wide environment (loaded
// from a shared library at run time, initialised once, destroyed on Close),
// the execution-provider choice (CUDA when asked and available, else CPU) and
// sessions with named inputs and outputs and dynamic shapes.
//
// ONNX Runtime's environment is global to the process, so a process opens at
// most one Runtime; everything that runs a model gets it passed in.
//
// A library that is missing or fails to load is not fatal: Open returns an
// error wrapping ErrUnavailable, which the binary reports on /readyz and the
// demo pages while the rest of the dashboard keeps working.
package ort

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// ErrUnavailable means ONNX Runtime cannot be used in this process: the
// library is missing, fails to load, or the binary was built without cgo.
var ErrUnavailable = errors.New("onnx runtime unavailable")

// Device is where models run.
type Device string

const (
	// DeviceAuto tries CUDA and falls back to the CPU.
	DeviceAuto Device = "auto"
	DeviceCPU  Device = "cpu"
	// DeviceCUDA requires the CUDA execution provider; Open fails without it.
	DeviceCUDA Device = "cuda"
)

// ParseDevice reads a --device value.
func ParseDevice(s string) (Device, error) {
	switch d := Device(strings.ToLower(strings.TrimSpace(s))); d {
	case DeviceAuto, DeviceCPU, DeviceCUDA:
		return d, nil
	}
	return "", fmt.Errorf("device %q: want auto, cpu or cuda", s)
}

// LibraryName is the file name of the ONNX Runtime core library that
// tools/ort/fetch.sh extracts from the onnxruntime-node npm package.
const LibraryName = "libonnxruntime.so.1"

// Config says how to open the runtime.
type Config struct {
	// LibraryPath is the ONNX Runtime shared library (see FindLibrary).
	LibraryPath string
	Device      Device
	// IntraOpThreads is the thread count inside one operator (0: ORT's default,
	// one per physical core). InterOpThreads is the count across operators.
	IntraOpThreads int
	InterOpThreads int
	// Spin lets ORT's idle intra-op threads busy-wait for the next parallel
	// section (ORT's own default). Off, they sleep: the right choice when the
	// CPU is shared — by several models, or by the Go side's tokenizing,
	// JSON and websockets, which a spinning pool starves.
	Spin bool
	// CUDADeviceID picks the GPU when CUDA is used.
	CUDADeviceID int
	// CUDALibDir holds CUDA libraries to preload before trying CUDA
	// (default: "cuda" beside the library, where tools/ort/fetch_gpu.sh
	// unpacks NVIDIA's wheels); a missing folder leaves the search to the
	// dynamic loader.
	CUDALibDir string
	// CUDAMemLimit caps the CUDA provider's memory arena in bytes (ORT's
	// gpu_mem_limit; 0: no cap).
	CUDAMemLimit int64
	// CUDAArenaSameAsRequested grows the arena by what each allocation asks
	// (ORT's kSameAsRequested) instead of doubling it (kNextPowerOfTwo): less
	// memory held, more allocations.
	CUDAArenaSameAsRequested bool
	Logger                   *slog.Logger
}

// Provider libraries that tools/ort/fetch_gpu.sh puts beside the core library.
const (
	CUDAProviderName   = "libonnxruntime_providers_cuda.so"
	SharedProviderName = "libonnxruntime_providers_shared.so"
)

// cudaOptions are the CUDA provider options the config sets.
func (c Config) cudaOptions() map[string]string {
	opts := map[string]string{"device_id": fmt.Sprint(c.CUDADeviceID)}
	if c.CUDAMemLimit > 0 {
		opts["gpu_mem_limit"] = fmt.Sprint(c.CUDAMemLimit)
	}
	if c.CUDAArenaSameAsRequested {
		opts["arena_extend_strategy"] = "kSameAsRequested"
	}
	return opts
}

// cudaLibDir is CUDALibDir or its default.
func (c Config) cudaLibDir() string {
	if c.CUDALibDir != "" {
		return c.CUDALibDir
	}
	return filepath.Join(filepath.Dir(c.LibraryPath), "cuda")
}

// Status is what the runtime reports about itself (readyz, pages).
type Status struct {
	Library string `json:"library"`
	Version string `json:"version,omitempty"`
	// Device is the device models actually run on: "cpu" or "cuda".
	Device Device `json:"device"`
	// Requested is the --device value.
	Requested Device `json:"requested"`
	// Fallback says why CUDA was not used when it was asked for with auto.
	Fallback string `json:"fallback,omitempty"`
	// CUDALibraries says which CUDA libraries were preloaded, and from where.
	CUDALibraries string `json:"cuda_libraries,omitempty"`
}

// FindLibrary returns the first candidate that exists, so that an explicit
// --ort-lib wins and the fetched copy in <repo>/.cache/ort is found from the
// repository root or beside the binary. With no candidate on disk it returns
// the bare library name, leaving the search to the dynamic loader
// (LD_LIBRARY_PATH, system directories).
func FindLibrary(explicit string) string {
	if explicit != "" {
		return explicit
	}
	candidates := []string{filepath.Join(".cache", "ort", LibraryName)}
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Dir(exe)
		candidates = append(candidates,
			filepath.Join(dir, LibraryName),
			filepath.Join(dir, "..", ".cache", "ort", LibraryName))
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			if abs, err := filepath.Abs(c); err == nil {
				return abs
			}
			return c
		}
	}
	return LibraryName
}

// FixHint tells a person how to get the library; shown with ErrUnavailable.
func FixHint() string {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		return "install ONNX Runtime 1.29 for " + runtime.GOOS + "/" + runtime.GOARCH + " and pass --ort-lib /path/to/libonnxruntime"
	}
	return "run `bash tools/ort/fetch.sh` (or `go tool task ort`) from the repository, or pass --ort-lib / CLINLM_ORT_LIB"
}

func (c Config) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}

// Tensor is a dense tensor crossing the runtime boundary. Exactly one of
// Int64, Float32 and Bool holds the data, in row-major order; a tensor with
// a zero dimension holds an empty, non-nil slice of its type.
type Tensor struct {
	Shape   []int64
	Int64   []int64
	Float32 []float32
	// Bool feeds switches such as the use_cache_branch input of optimum's
	// merged decoder.
	Bool []bool
}

// Elements is the product of the shape.
func (t Tensor) Elements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// IOInfo describes one model input or output. Dimensions of -1 are dynamic.
type IOInfo struct {
	Name  string  `json:"name"`
	Type  string  `json:"type"`
	Shape []int64 `json:"shape"`
}
