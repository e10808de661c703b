// Package kservev2 is the Open Inference Protocol's (KServe v2) JSON wire
// format, shared by both sides clinlm plays: the server that answers v2
// clients (server/v2*.go) and the remote backend that sends a model's
// forward pass to a v2 server (inference/backend_v2.go). Binary tensor data
// (Triton's extension) is read and written by the server alone.
package kservev2

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Datatypes of the protocol that clinlm reads or writes.
const (
	Bytes = "BYTES"
	Int64 = "INT64"
	Int32 = "INT32"
	FP32  = "FP32"
	Bool  = "BOOL"
)

// BinaryHeader names the JSON part's length when binary tensor data follows.
const BinaryHeader = "Inference-Header-Content-Length"

// TensorMeta is a tensor in model metadata.
type TensorMeta struct {
	Name     string  `json:"name"`
	Datatype string  `json:"datatype"`
	Shape    []int64 `json:"shape"`
}

// ModelMeta answers GET /v2/models/{name}.
type ModelMeta struct {
	Name     string       `json:"name"`
	Versions []string     `json:"versions"`
	Platform string       `json:"platform"`
	Inputs   []TensorMeta `json:"inputs"`
	Outputs  []TensorMeta `json:"outputs"`
}

// Tensor is a tensor of a request or response.
type Tensor struct {
	Name       string          `json:"name"`
	Shape      []int64         `json:"shape"`
	Datatype   string          `json:"datatype"`
	Parameters *Params         `json:"parameters,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
}

// Params are the tensor and request parameters clinlm reads; others a
// client sends (Triton's sequence_id, priority, ...) are accepted and ignored.
type Params struct {
	BinaryDataSize   *int64 `json:"binary_data_size,omitempty"`
	BinaryData       *bool  `json:"binary_data,omitempty"`
	BinaryDataOutput *bool  `json:"binary_data_output,omitempty"`
}

// RequestedOutput names an output a request asks for.
type RequestedOutput struct {
	Name       string  `json:"name"`
	Parameters *Params `json:"parameters,omitempty"`
}

// InferRequest is the body of POST /v2/models/{name}/infer.
type InferRequest struct {
	ID         string            `json:"id,omitempty"`
	Parameters *Params           `json:"parameters,omitempty"`
	Inputs     []Tensor          `json:"inputs"`
	Outputs    []RequestedOutput `json:"outputs,omitempty"`
}

// InferResponse answers an inference request.
type InferResponse struct {
	ModelName    string   `json:"model_name"`
	ModelVersion string   `json:"model_version"`
	ID           string   `json:"id,omitempty"`
	Outputs      []Tensor `json:"outputs"`
}

// Elements is the product of a shape, or an error when a dimension is
// negative or the product exceeds max: a shape alone must never make its
// reader allocate more than the body justifies.
func Elements(shape []int64, max int64) (int64, error) {
	n := int64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("shape %v has a negative dimension", shape)
		}
		if d > max || n*d > max {
			return 0, fmt.Errorf("shape %v has more than %d elements", shape, max)
		}
		n *= d
	}
	return n, nil
}

// Flatten reads a tensor's JSON data, flat or nested in row-major arrays
// (the protocol allows both; a bare value is not data), into its elements in order; numbers stay
// json.Number so that ParseValues can parse them at their datatype's width.
// An array that mixes elements and arrays is no row-major layout and is
// refused. The decoder's own depth limit bounds nesting.
func Flatten(raw json.RawMessage) ([]any, error) {
	var tree any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	if !isArray(tree) {
		return nil, errors.New("data is not an array")
	}
	var flat []any
	var walk func(v any) error
	walk = func(v any) error {
		list, ok := v.([]any)
		if !ok {
			flat = append(flat, v)
			return nil
		}
		for _, x := range list {
			if _, nested := x.([]any); nested != isArray(list[0]) {
				return errors.New("data mixes values of another type with arrays")
			}
			if err := walk(x); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(tree); err != nil {
		return nil, err
	}
	return flat, nil
}

func isArray(v any) bool { _, ok := v.([]any); return ok }

// Values holds a tensor's elements: exactly one slice is set, by datatype
// (INT32 arrives widened to Ints).
type Values struct {
	Ints   []int64
	Floats []float32
	Bytes  [][]byte
	Bools  []bool
}

// ParseValues converts flattened JSON elements (Flatten) to datatype.
func ParseValues(datatype string, flat []any) (Values, error) {
	var v Values
	number := func(i int) (string, error) {
		num, ok := flat[i].(json.Number)
		if !ok {
			return "", fmt.Errorf("data[%d] is not a number", i)
		}
		return num.String(), nil
	}
	switch datatype {
	case Bytes:
		v.Bytes = make([][]byte, len(flat))
		for i, x := range flat {
			s, ok := x.(string)
			if !ok {
				return v, fmt.Errorf("data[%d] is not a string", i)
			}
			v.Bytes[i] = []byte(s)
		}
	case Int64, Int32:
		bits := map[string]int{Int64: 64, Int32: 32}[datatype]
		v.Ints = make([]int64, len(flat))
		for i := range flat {
			s, err := number(i)
			if err != nil {
				return v, err
			}
			if v.Ints[i], err = strconv.ParseInt(s, 10, bits); err != nil {
				return v, fmt.Errorf("data[%d] is not an %s", i, datatype)
			}
		}
	case FP32:
		v.Floats = make([]float32, len(flat))
		for i := range flat {
			s, err := number(i)
			if err != nil {
				return v, err
			}
			x, err := strconv.ParseFloat(s, 32)
			if err != nil {
				return v, fmt.Errorf("data[%d] is not an FP32", i)
			}
			v.Floats[i] = float32(x)
		}
	case Bool:
		v.Bools = make([]bool, len(flat))
		for i, x := range flat {
			b, ok := x.(bool)
			if !ok {
				return v, fmt.Errorf("data[%d] is not a boolean", i)
			}
			v.Bools[i] = b
		}
	default:
		return v, fmt.Errorf("datatype %q has no JSON reading here", datatype)
	}
	return v, nil
}
