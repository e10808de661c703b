package inference

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/clinlm/clinlm/inference/ort"
)

// MaxTensorBatch bounds the rows of one tensor-level request (RunTensors).
const MaxTensorBatch = 64

// TensorIO is what a tensor-level client (the KServe v2 protocol) sees of a
// model: its backend's inputs and outputs (the ONNX file's, or the remote
// server's metadata), in the backend's order.
type TensorIO struct {
	Inputs, Outputs []ort.IOInfo
	// MaxLength bounds the sequence dimension (the model's position table).
	MaxLength int
}

// TensorIO is a loaded model's tensor inputs and outputs, as its backend
// described them at load. Text-to-text models run several sessions per
// request and have none to offer: CodeBadRequest.
func (e *Engine) TensorIO(name string) (TensorIO, error) {
	m, err := e.tensorModel(name)
	if err != nil {
		return TensorIO{}, err
	}
	ins, outs := m.backend.Describe()
	return TensorIO{Inputs: slices.Clone(ins), Outputs: slices.Clone(outs), MaxLength: m.manifest.MaxLength}, nil
}

// RunTensors runs a model's session once on the client's own tensors, named
// as the session names them: int64 [batch, length] input_ids,
// attention_mask (0 or 1) and, where the model has it, token_type_ids (0 or
// 1); batch at most MaxTensorBatch, length at most the model's max_length.
// The answer is every session output, in session order. These requests do
// not join the model's batches: the client has batched them already.
// Token ids are not checked against the vocabulary here (the engine does not
// know its size); ONNX Runtime rejects one beyond it, and that rejection is
// answered as a bad request.
func (e *Engine) RunTensors(ctx context.Context, name string, inputs map[string]ort.Tensor) ([]ort.Tensor, error) {
	m, err := e.tensorModel(name)
	if err != nil {
		return nil, err
	}
	outs, err := e.runTensors(ctx, m, inputs)
	code := Code("ok")
	if err != nil {
		ae := AsError(err)
		code, err = ae.Code, ae
	}
	m.obs.request(code)
	return outs, err
}

func (e *Engine) tensorModel(name string) (*model, error) {
	m, ok := e.byName[name]
	switch {
	case !ok:
		return nil, newError(CodeUnknownModel, "no model named %q", name)
	case m.info.Status != StatusReady:
		return nil, newError(CodeUnavailable, "model %s is not loaded: %s", m.info.Name, m.info.Error)
	case m.backend == nil:
		return nil, newError(CodeBadRequest, "model %s is text-to-text: it takes text inputs, not tensors", name)
	}
	return m, nil
}

func (e *Engine) runTensors(ctx context.Context, m *model, inputs map[string]ort.Tensor) ([]ort.Tensor, error) {
	described, _ := m.backend.Describe()
	names := ioNames(described)
	for got := range inputs {
		if !slices.Contains(names, got) {
			return nil, newError(CodeBadRequest, "model %s has no input %q; its inputs are %v", m.info.Name, got, names)
		}
	}
	var shape []int64
	ordered := make([]ort.Tensor, len(names))
	for i, name := range names {
		t, ok := inputs[name]
		if !ok {
			return nil, newError(CodeBadRequest, "input %q is required", name)
		}
		if t.Int64 == nil || len(t.Shape) != 2 {
			return nil, newError(CodeBadRequest, "input %q must be INT64 [batch, length]", name)
		}
		if int64(len(t.Int64)) != t.Elements() {
			return nil, newError(CodeBadRequest, "input %q has %d values for shape %v", name, len(t.Int64), t.Shape)
		}
		if shape == nil {
			shape = t.Shape
		} else if !slices.Equal(shape, t.Shape) {
			return nil, newError(CodeBadRequest, "input %q has shape %v, %q has %v; they must agree", name, t.Shape, names[0], shape)
		}
		ordered[i] = t
	}
	if b := shape[0]; b < 1 || b > MaxTensorBatch {
		return nil, newError(CodeBadRequest, "the batch dimension is %d; it must be 1 to %d", b, MaxTensorBatch)
	}
	if l := shape[1]; l < 1 || l > int64(m.manifest.MaxLength) {
		return nil, newError(CodeTooLong, "the sequence dimension is %d; it must be 1 to %d (max_length)", l, m.manifest.MaxLength)
	}
	for i, name := range names {
		if name == m.manifest.InputName("input_ids") {
			if slices.Min(ordered[i].Int64) < 0 {
				return nil, newError(CodeBadRequest, "input %q holds a negative token id", name)
			}
		} else if lo, hi := slices.Min(ordered[i].Int64), slices.Max(ordered[i].Int64); lo < 0 || hi > 1 {
			return nil, newError(CodeBadRequest, "input %q holds values other than 0 and 1", name)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	outs, err := m.backend.Run(ctx, ordered)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var remote *Error // a remote backend's busy, timeout or unavailable
		if errors.As(err, &remote) {
			return nil, remote
		}
		return nil, &Error{Code: CodeBadRequest, Err: err,
			Message: fmt.Sprintf("model %s could not run these tensors (a token id beyond its vocabulary?)", m.info.Name)}
	}
	return outs, nil
}
