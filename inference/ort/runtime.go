//go:build cgo

package ort

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	onnx "github.com/yalue/onnxruntime_go"
)

// Runtime is the process's ONNX Runtime environment. Sessions it creates are
// safe for concurrent Run calls (ORT's Session::Run is thread-safe).
type Runtime struct {
	cfg    Config
	status Status

	mu     sync.Mutex
	closed bool
}

// Open loads the library, initialises the environment and picks the device.
// At most one Runtime may be open in a process.
func Open(cfg Config) (*Runtime, error) {
	log := cfg.logger()
	if cfg.Device == "" {
		cfg.Device = DeviceAuto
	}
	if cfg.LibraryPath == "" {
		cfg.LibraryPath = FindLibrary("")
	}
	if onnx.IsInitialized() {
		return nil, errors.New("ort: the ONNX Runtime environment is already open in this process")
	}
	// dlopen of a missing file yields a terse message; say which file and how to fix it.
	if _, err := os.Stat(cfg.LibraryPath); err != nil && cfg.LibraryPath != LibraryName {
		return nil, fmt.Errorf("%w: library %s not found; %s", ErrUnavailable, cfg.LibraryPath, FixHint())
	}
	onnx.SetSharedLibraryPath(cfg.LibraryPath)
	if err := onnx.InitializeEnvironment(onnx.WithLogLevelError()); err != nil {
		return nil, fmt.Errorf("%w: loading %s: %v; %s", ErrUnavailable, cfg.LibraryPath, err, FixHint())
	}
	r := &Runtime{cfg: cfg, status: Status{
		Library:   cfg.LibraryPath,
		Version:   onnx.GetVersion(),
		Requested: cfg.Device,
		Device:    DeviceCPU,
	}}
	switch cfg.Device {
	case DeviceCPU:
	case DeviceCUDA, DeviceAuto:
		if err := r.probeCUDA(); err != nil {
			if cfg.Device == DeviceCUDA {
				_ = onnx.DestroyEnvironment()
				return nil, fmt.Errorf("ort: --device cuda: %w", err)
			}
			r.status.Fallback = err.Error()
		} else {
			r.status.Device = DeviceCUDA
		}
	default:
		_ = onnx.DestroyEnvironment()
		return nil, fmt.Errorf("ort: unknown device %q", cfg.Device)
	}
	log.Info("onnx runtime ready", "library", r.status.Library, "version", r.status.Version,
		"device", r.status.Device, "requested", r.status.Requested, "fallback", r.status.Fallback,
		"cuda_libraries", r.status.CUDALibraries)
	return r, nil
}

// probeCUDA checks that the CUDA execution provider can be appended to a
// session's options, which loads the provider library and finds a device.
// Its error says what is missing and how to get it.
func (r *Runtime) probeCUDA() error {
	if r.cfg.LibraryPath != LibraryName {
		dir := filepath.Dir(r.cfg.LibraryPath)
		for _, name := range []string{CUDAProviderName, SharedProviderName} {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("the CUDA provider %s is not beside %s; run `go tool task ort-gpu`", name, r.cfg.LibraryPath)
			}
		}
	}
	libDir := r.cfg.cudaLibDir()
	n, err := preloadLibraries(libDir)
	if err != nil {
		return fmt.Errorf("CUDA libraries: %w", err)
	}
	if n > 0 {
		r.status.CUDALibraries = fmt.Sprintf("%d preloaded from %s", n, libDir)
	}
	opts, err := onnx.NewSessionOptions()
	if err != nil {
		return err
	}
	defer opts.Destroy()
	return r.appendCUDA(opts)
}

func (r *Runtime) appendCUDA(opts *onnx.SessionOptions) error {
	cuda, err := onnx.NewCUDAProviderOptions()
	if err != nil {
		return cudaError("cuda provider options", err)
	}
	defer cuda.Destroy()
	if err := cuda.Update(r.cfg.cudaOptions()); err != nil {
		return cudaError("cuda provider options", err)
	}
	if err := opts.AppendExecutionProviderCUDA(cuda); err != nil {
		return cudaError("cuda execution provider", err)
	}
	return nil
}

// cudaError names the usual cause of a provider that does not load: the
// machine has no NVIDIA driver, which no download can supply.
func cudaError(what string, err error) error {
	if strings.Contains(err.Error(), "libcuda.so.1") {
		return fmt.Errorf("no NVIDIA driver on this machine (libcuda.so.1 does not load): %s: %w", what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Status reports the library, version and device in use.
func (r *Runtime) Status() Status { return r.status }

// Close destroys the environment. Sessions must be closed first.
func (r *Runtime) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	return onnx.DestroyEnvironment()
}

func (r *Runtime) sessionOptions() (*onnx.SessionOptions, error) {
	opts, err := onnx.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*onnx.SessionOptions, error) {
		return nil, errors.Join(err, opts.Destroy())
	}
	if r.cfg.IntraOpThreads > 0 {
		if err := opts.SetIntraOpNumThreads(r.cfg.IntraOpThreads); err != nil {
			return fail(err)
		}
	}
	if r.cfg.InterOpThreads > 0 {
		if err := opts.SetInterOpNumThreads(r.cfg.InterOpThreads); err != nil {
			return fail(err)
		}
	}
	if !r.cfg.Spin {
		if err := opts.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"); err != nil {
			return fail(err)
		}
	}
	// Weights stored as int8 behind a DequantizeLinear (the demo models) are
	// meant to compute in fp32. Left to itself, ONNX Runtime fuses them into
	// int8 kernels that quantize activations and pick code by CPU (AVX2 and
	// AVX-512 machines gave different labels on the dev set, and the same
	// machine differed from the exact fp32 result by 0.02 in the logits).
	// Without the QDQ fusions an answer is the same on every machine, and on
	// this CPU the fp32 path was 2.4–3× faster too (BENCHMARKS.md, bench-ort).
	if err := opts.AddSessionConfigEntry("session.disable_quant_qdq", "1"); err != nil {
		return fail(err)
	}
	if r.status.Device == DeviceCUDA {
		if err := r.appendCUDA(opts); err != nil {
			return fail(err)
		}
	}
	return opts, nil
}

// Inspect lists a model's inputs and outputs without keeping a session.
// It also fails on a file that is not a valid ONNX model.
func (r *Runtime) Inspect(path string) (inputs, outputs []IOInfo, err error) {
	in, out, err := onnx.GetInputOutputInfo(path)
	if err != nil {
		return nil, nil, fmt.Errorf("ort: reading %s: %w", path, err)
	}
	conv := func(list []onnx.InputOutputInfo) []IOInfo {
		res := make([]IOInfo, len(list))
		for i, x := range list {
			res[i] = IOInfo{Name: x.Name, Type: typeName(x.DataType), Shape: append([]int64(nil), x.Dimensions...)}
		}
		return res
	}
	return conv(in), conv(out), nil
}

// Session runs one model with fixed input and output names and any shapes.
type Session struct {
	s       *onnx.DynamicAdvancedSession
	inputs  []string
	outputs []string
}

// NewSession loads a model for running with the named inputs and outputs.
func (r *Runtime) NewSession(path string, inputs, outputs []string) (*Session, error) {
	opts, err := r.sessionOptions()
	if err != nil {
		return nil, fmt.Errorf("ort: session options: %w", err)
	}
	defer opts.Destroy()
	s, err := onnx.NewDynamicAdvancedSession(path, inputs, outputs, opts)
	if err != nil {
		return nil, fmt.Errorf("ort: loading %s: %w", path, err)
	}
	return &Session{s: s, inputs: append([]string(nil), inputs...), outputs: append([]string(nil), outputs...)}, nil
}

// Run feeds inputs (in the session's input order) and returns the outputs in
// the session's output order. Cancelling ctx terminates a run in progress.
func (s *Session) Run(ctx context.Context, inputs []Tensor) ([]Tensor, error) {
	if len(inputs) != len(s.inputs) {
		return nil, fmt.Errorf("ort: %d inputs given, session has %d", len(inputs), len(s.inputs))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	values := make([]onnx.Value, 0, len(inputs))
	defer func() {
		for _, v := range values {
			v.Destroy()
		}
	}()
	for i, in := range inputs {
		v, err := toValue(in)
		if err != nil {
			return nil, fmt.Errorf("ort: input %s: %w", s.inputs[i], err)
		}
		values = append(values, v)
	}
	outs := make([]onnx.Value, len(s.outputs))
	defer func() {
		for _, v := range outs {
			if v != nil {
				v.Destroy()
			}
		}
	}()
	runOpts, err := onnx.NewRunOptions()
	if err != nil {
		return nil, fmt.Errorf("ort: run options: %w", err)
	}
	defer runOpts.Destroy()
	// Terminate aborts a run in progress when the caller gives up; wait for a
	// Terminate already started before the options are destroyed.
	terminated := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(terminated)
		_ = runOpts.Terminate()
	})
	defer func() {
		if !stop() {
			<-terminated
		}
	}()
	if err := s.s.RunWithOptions(values, outs, runOpts); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("ort: run: %w", err)
	}
	res := make([]Tensor, len(outs))
	for i, v := range outs {
		t, err := fromValue(v)
		if err != nil {
			return nil, fmt.Errorf("ort: output %s: %w", s.outputs[i], err)
		}
		res[i] = t
	}
	return res, nil
}

// Close frees the session.
func (s *Session) Close() error { return s.s.Destroy() }

// Inputs and Outputs are the session's tensor names, in Run's order.
func (s *Session) Inputs() []string  { return slices.Clone(s.inputs) }
func (s *Session) Outputs() []string { return slices.Clone(s.outputs) }

func toValue(t Tensor) (onnx.Value, error) {
	shape := onnx.NewShape(t.Shape...)
	switch {
	case t.Int64 != nil:
		return newTensor(shape, t.Int64)
	case t.Float32 != nil:
		return newTensor(shape, t.Float32)
	case t.Bool != nil:
		return newTensor(shape, t.Bool)
	}
	return nil, errors.New("tensor has no data")
}

// newTensor wraps data, which must fill the shape exactly.
func newTensor[T onnx.TensorData](shape onnx.Shape, data []T) (onnx.Value, error) {
	if int64(len(data)) != shape.FlattenedSize() {
		return nil, fmt.Errorf("shape %v needs %d values, have %d", []int64(shape), shape.FlattenedSize(), len(data))
	}
	return onnx.NewTensor(shape, data)
}

// fromValue copies an output out of ORT memory, so the Value can be freed.
func fromValue(v onnx.Value) (Tensor, error) {
	shape := append([]int64(nil), v.GetShape()...)
	switch x := v.(type) {
	case *onnx.Tensor[float32]:
		return Tensor{Shape: shape, Float32: append([]float32{}, x.GetData()...)}, nil
	case *onnx.Tensor[int64]:
		return Tensor{Shape: shape, Int64: append([]int64{}, x.GetData()...)}, nil
	case *onnx.Tensor[bool]:
		return Tensor{Shape: shape, Bool: append([]bool{}, x.GetData()...)}, nil
	}
	return Tensor{}, fmt.Errorf("unsupported output type %T", v)
}

// typeName gives ONNX element types the short names used in messages and checks.
func typeName(t onnx.TensorElementDataType) string {
	switch t {
	case onnx.TensorElementDataTypeFloat:
		return "float32"
	case onnx.TensorElementDataTypeFloat16:
		return "float16"
	case onnx.TensorElementDataTypeInt64:
		return "int64"
	case onnx.TensorElementDataTypeInt32:
		return "int32"
	case onnx.TensorElementDataTypeBool:
		return "bool"
	}
	return strings.ToLower(strings.TrimPrefix(t.String(), "ONNX_TENSOR_ELEMENT_DATA_TYPE_"))
}
