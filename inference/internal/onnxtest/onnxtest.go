// Package onnxtest writes tiny ONNX models for tests, so runtime and
// repository tests need no Python or downloaded weights. It encodes the ONNX
// protobuf by hand with protowire; only the fields these tests use.
package onnxtest

import (
	"math"
	"os"

	"google.golang.org/protobuf/encoding/protowire"
)

// Element types of ONNX TensorProto.DataType.
const (
	Float = 1
	Int64 = 7
)

// Value is a graph input or output. A dimension of -1 is dynamic and named
// after its position ("d0", "d1", ...).
type Value struct {
	Name  string
	Type  int
	Shape []int64
}

// Node is one operator.
type Node struct {
	Op      string
	Inputs  []string
	Outputs []string
	// IntAttrs are INT attributes (Cast's "to", ReduceSum's "keepdims").
	IntAttrs map[string]int64
}

// Initializer is a constant tensor.
type Initializer struct {
	Name    string
	Dims    []int64
	Float32 []float32
	Int64   []int64
}

// Graph is a whole model.
type Graph struct {
	Inputs       []Value
	Outputs      []Value
	Nodes        []Node
	Initializers []Initializer
}

// Encode returns the serialized ModelProto (IR version 8, opset 17).
func (g Graph) Encode() []byte {
	var graph []byte
	for _, n := range g.Nodes {
		graph = appendMessage(graph, 1, encodeNode(n))
	}
	graph = appendString(graph, 2, "onnxtest")
	for _, in := range g.Initializers {
		graph = appendMessage(graph, 5, encodeInitializer(in))
	}
	for _, v := range g.Inputs {
		graph = appendMessage(graph, 11, encodeValue(v))
	}
	for _, v := range g.Outputs {
		graph = appendMessage(graph, 12, encodeValue(v))
	}
	var opset []byte
	opset = appendString(opset, 1, "")
	opset = appendVarint(opset, 2, 17)

	var model []byte
	model = appendVarint(model, 1, 8)
	model = appendString(model, 2, "clinlm-onnxtest")
	model = appendMessage(model, 7, graph)
	model = appendMessage(model, 8, opset)
	return model
}

// Write saves the model to path.
func (g Graph) Write(path string) error { return os.WriteFile(path, g.Encode(), 0o644) }

func encodeNode(n Node) []byte {
	var b []byte
	for _, in := range n.Inputs {
		b = appendString(b, 1, in)
	}
	for _, out := range n.Outputs {
		b = appendString(b, 2, out)
	}
	b = appendString(b, 4, n.Op)
	for name, v := range n.IntAttrs {
		var a []byte
		a = appendString(a, 1, name)
		a = appendVarint(a, 3, uint64(v))
		a = appendVarint(a, 20, 2) // AttributeProto.INT
		b = appendMessage(b, 5, a)
	}
	return b
}

func encodeInitializer(t Initializer) []byte {
	var b []byte
	for _, d := range t.Dims {
		b = appendVarint(b, 1, uint64(d))
	}
	if t.Float32 != nil {
		b = appendVarint(b, 2, Float)
		var packed []byte
		for _, f := range t.Float32 {
			packed = protowire.AppendFixed32(packed, math.Float32bits(f))
		}
		b = appendMessage(b, 4, packed)
	} else {
		b = appendVarint(b, 2, Int64)
		var packed []byte
		for _, v := range t.Int64 {
			packed = protowire.AppendVarint(packed, uint64(v))
		}
		b = appendMessage(b, 7, packed)
	}
	b = appendString(b, 8, t.Name)
	return b
}

func encodeValue(v Value) []byte {
	var shape []byte
	for i, d := range v.Shape {
		var dim []byte
		if d < 0 {
			dim = appendString(dim, 2, "d"+string(rune('0'+i)))
		} else {
			dim = appendVarint(dim, 1, uint64(d))
		}
		shape = appendMessage(shape, 1, dim)
	}
	var tensor []byte
	tensor = appendVarint(tensor, 1, uint64(v.Type))
	tensor = appendMessage(tensor, 2, shape)
	var typ []byte
	typ = appendMessage(typ, 1, tensor)
	var b []byte
	b = appendString(b, 1, v.Name)
	b = appendMessage(b, 2, typ)
	return b
}

func appendVarint(b []byte, field protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, field, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func appendString(b []byte, field protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, field, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendMessage(b []byte, field protowire.Number, m []byte) []byte {
	b = protowire.AppendTag(b, field, protowire.BytesType)
	return protowire.AppendBytes(b, m)
}

// Adder is the smallest useful model: c = a + b over float tensors of any
// matching shape [batch, n].
func Adder() Graph {
	dyn := []int64{-1, -1}
	return Graph{
		Inputs:  []Value{{"a", Float, dyn}, {"b", Float, dyn}},
		Outputs: []Value{{"c", Float, dyn}},
		Nodes:   []Node{{Op: "Add", Inputs: []string{"a", "b"}, Outputs: []string{"c"}}},
	}
}

var encoderInputs = []Value{
	{"input_ids", Int64, []int64{-1, -1}},
	{"attention_mask", Int64, []int64{-1, -1}},
	{"token_type_ids", Int64, []int64{-1, -1}},
}

// Classifier has the inputs and output of an HF optimum sequence-classification
// export: logits[b, k] = sum_s(input_ids[b, s] * attention_mask[b, s]) * weights[k],
// a deterministic stand-in whose answer depends on the ids and the padding.
func Classifier(weights []float32) Graph {
	return Graph{
		Inputs:  encoderInputs,
		Outputs: []Value{{"logits", Float, []int64{-1, int64(len(weights))}}},
		Initializers: []Initializer{
			{Name: "axis1", Dims: []int64{1}, Int64: []int64{1}},
			{Name: "weights", Dims: []int64{1, int64(len(weights))}, Float32: weights},
			{Name: "scale", Dims: []int64{1}, Float32: []float32{0.001}},
		},
		Nodes: []Node{
			{Op: "Mul", Inputs: []string{"input_ids", "attention_mask"}, Outputs: []string{"masked"}},
			{Op: "Cast", Inputs: []string{"masked"}, Outputs: []string{"maskedf"}, IntAttrs: map[string]int64{"to": Float}},
			{Op: "ReduceSum", Inputs: []string{"maskedf", "axis1"}, Outputs: []string{"total"}, IntAttrs: map[string]int64{"keepdims": 1}},
			{Op: "Mul", Inputs: []string{"total", "scale"}, Outputs: []string{"scaled"}},
			{Op: "Mul", Inputs: []string{"scaled", "weights"}, Outputs: []string{"logits"}},
		},
	}
}

// SpanExtractor has the inputs and outputs of an HF optimum question-answering
// export: start_logits = input_ids * 0.01 and end_logits = token_type_ids,
// both per token.
func SpanExtractor() Graph {
	dyn := []int64{-1, -1}
	return Graph{
		Inputs:       encoderInputs,
		Outputs:      []Value{{"start_logits", Float, dyn}, {"end_logits", Float, dyn}},
		Initializers: []Initializer{{Name: "scale", Dims: []int64{1}, Float32: []float32{0.01}}},
		Nodes: []Node{
			{Op: "Cast", Inputs: []string{"input_ids"}, Outputs: []string{"idsf"}, IntAttrs: map[string]int64{"to": Float}},
			{Op: "Mul", Inputs: []string{"idsf", "scale"}, Outputs: []string{"start_logits"}},
			{Op: "Cast", Inputs: []string{"token_type_ids"}, Outputs: []string{"end_logits"}, IntAttrs: map[string]int64{"to": Float}},
		},
	}
}
