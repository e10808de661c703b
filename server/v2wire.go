package server

// The server's side of the Open Inference Protocol's (KServe v2) HTTP wire
// format: the JSON types and data reading are internal/kservev2's, shared with
// the remote backend's client; Triton's binary tensor data extension is read
// and written here.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/clinlm/clinlm/internal/kservev2"
)

// Datatypes of the protocol, by their short names here.
const (
	v2Bytes = kservev2.Bytes
	v2Int64 = kservev2.Int64
	v2Int32 = kservev2.Int32
	v2FP32  = kservev2.FP32
)

// v2Reads says whether the server reads a datatype from clients.
func v2Reads(datatype string) bool {
	switch datatype {
	case v2Bytes, v2Int64, v2Int32, v2FP32:
		return true
	}
	return false
}

func errUnreadDatatype(datatype string) error {
	return fmt.Errorf("datatype %q is not one clinlm reads (BYTES, INT64, INT32, FP32)", datatype)
}

// maxV2Elements bounds the elements of one tensor whatever its shape says,
// so a shape cannot make the server allocate more than the body justifies.
const maxV2Elements = 1 << 22

// v2Tensor is a decoded tensor: exactly one of ints, floats and bytes holds
// its elements in row-major order (INT32 arrives widened to ints).
type v2Tensor struct {
	name     string
	datatype string
	shape    []int64
	ints     []int64
	floats   []float32
	bytes    [][]byte
}

// decodeV2Request splits a body into the JSON request and its tensors. With
// headerLen >= 0 (the Inference-Header-Content-Length header) the JSON part is
// body[:headerLen] and binary tensor data follows, in input order.
func decodeV2Request(body []byte, headerLen int64) (kservev2.InferRequest, []v2Tensor, error) {
	var req kservev2.InferRequest
	jsonPart, rest := body, []byte(nil)
	if headerLen >= 0 {
		if headerLen > int64(len(body)) {
			return req, nil, fmt.Errorf("%s is %d but the body has %d bytes", kservev2.BinaryHeader, headerLen, len(body))
		}
		jsonPart, rest = body[:headerLen], body[headerLen:]
	}
	dec := json.NewDecoder(bytes.NewReader(jsonPart))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, nil, fmt.Errorf("the request is not a v2 inference request: %s", jsonError(err))
	}
	if dec.More() {
		return req, nil, errors.New("the request has data after its JSON object")
	}
	if len(req.Inputs) == 0 {
		return req, nil, errors.New("the request has no inputs")
	}
	tensors := make([]v2Tensor, 0, len(req.Inputs))
	seen := map[string]bool{}
	for _, in := range req.Inputs {
		if seen[in.Name] {
			return req, nil, fmt.Errorf("input %q appears twice", in.Name)
		}
		seen[in.Name] = true
		t, n, err := decodeV2Tensor(in, rest)
		if err != nil {
			return req, nil, fmt.Errorf("input %q: %w", in.Name, err)
		}
		rest = rest[n:]
		tensors = append(tensors, t)
	}
	if len(rest) != 0 {
		return req, nil, fmt.Errorf("%d bytes of binary data belong to no input", len(rest))
	}
	return req, tensors, nil
}

// jsonError says what is wrong with a JSON document without quoting it.
func jsonError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return "the JSON ends early"
	case errors.As(err, &syn):
		return "invalid JSON at byte " + strconv.FormatInt(syn.Offset, 10)
	case errors.As(err, &typ):
		return "field " + typ.Field + " has the wrong type (" + typ.Value + ")"
	}
	return "malformed JSON (" + err.Error() + ")"
}

// decodeV2Tensor reads one input's elements from its JSON data or, when it
// has binary_data_size, from the front of binary; n is the binary bytes used.
func decodeV2Tensor(in kservev2.Tensor, binaryData []byte) (t v2Tensor, n int, err error) {
	t = v2Tensor{name: in.Name, datatype: in.Datatype, shape: in.Shape}
	if in.Name == "" {
		return t, 0, errors.New("every input needs a name")
	}
	if in.Shape == nil {
		return t, 0, errors.New("shape is required")
	}
	count, err := kservev2.Elements(in.Shape, maxV2Elements)
	if err != nil {
		return t, 0, err
	}
	if in.Parameters != nil && in.Parameters.BinaryDataSize != nil {
		size := *in.Parameters.BinaryDataSize
		if in.Data != nil {
			return t, 0, errors.New("has both data and binary_data_size")
		}
		if size < 0 || size > int64(len(binaryData)) {
			return t, 0, fmt.Errorf("binary_data_size %d exceeds the %d bytes of binary data left", size, len(binaryData))
		}
		return t, int(size), t.fromBinary(binaryData[:size], count)
	}
	if in.Data == nil {
		return t, 0, errors.New("has neither data nor binary_data_size")
	}
	return t, 0, t.fromJSON(in.Data, count)
}

func (t *v2Tensor) fromBinary(raw []byte, count int64) error {
	width := map[string]int64{v2Int64: 8, v2Int32: 4, v2FP32: 4}[t.datatype]
	switch t.datatype {
	case v2Int64, v2Int32, v2FP32:
		if int64(len(raw)) != count*width {
			return fmt.Errorf("%d bytes of binary data for %d %s elements", len(raw), count, t.datatype)
		}
	case v2Bytes:
		t.bytes = make([][]byte, 0, count)
		for len(raw) > 0 {
			if len(raw) < 4 {
				return errors.New("BYTES binary data ends inside an element's length")
			}
			size := binary.LittleEndian.Uint32(raw)
			if uint64(size) > uint64(len(raw)-4) {
				return errors.New("a BYTES element is longer than the binary data left")
			}
			t.bytes = append(t.bytes, raw[4:4+size])
			raw = raw[4+size:]
		}
		if int64(len(t.bytes)) != count {
			return fmt.Errorf("%d BYTES elements for shape %v", len(t.bytes), t.shape)
		}
		return nil
	default:
		return errUnreadDatatype(t.datatype)
	}
	switch t.datatype {
	case v2Int64:
		t.ints = make([]int64, count)
		for i := range t.ints {
			t.ints[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
		}
	case v2Int32:
		t.ints = make([]int64, count)
		for i := range t.ints {
			t.ints[i] = int64(int32(binary.LittleEndian.Uint32(raw[4*i:])))
		}
	case v2FP32:
		t.floats = make([]float32, count)
		for i := range t.floats {
			t.floats[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	}
	return nil
}

// fromJSON reads data given flat or nested (the protocol allows both).
func (t *v2Tensor) fromJSON(raw json.RawMessage, count int64) error {
	flat, err := kservev2.Flatten(raw)
	if err != nil {
		return fmt.Errorf("data: %s", jsonError(err))
	}
	if int64(len(flat)) != count {
		return fmt.Errorf("data has %d elements, shape %v needs %d", len(flat), t.shape, count)
	}
	if !v2Reads(t.datatype) {
		return errUnreadDatatype(t.datatype)
	}
	v, err := kservev2.ParseValues(t.datatype, flat)
	t.ints, t.floats, t.bytes = v.Ints, v.Floats, v.Bytes
	return err
}

// texts returns a BYTES tensor's elements as strings, each valid UTF-8.
func (t v2Tensor) texts() ([]string, error) {
	if t.datatype != v2Bytes {
		return nil, fmt.Errorf("input %q must be BYTES, not %s", t.name, t.datatype)
	}
	out := make([]string, len(t.bytes))
	for i, b := range t.bytes {
		if !utf8.Valid(b) {
			return nil, fmt.Errorf("input %q element %d is not valid UTF-8", t.name, i)
		}
		out[i] = string(b)
	}
	return out, nil
}

// encode writes t's elements as JSON data, or as binary data appended to
// blob when asBinary.
func (t v2Tensor) encode(asBinary bool, blob *bytes.Buffer) (kservev2.Tensor, error) {
	w := kservev2.Tensor{Name: t.name, Shape: t.shape, Datatype: t.datatype}
	if asBinary {
		before := blob.Len()
		switch t.datatype {
		case v2Int64:
			for _, x := range t.ints {
				blob.Write(binary.LittleEndian.AppendUint64(nil, uint64(x)))
			}
		case v2FP32:
			for _, x := range t.floats {
				blob.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(x)))
			}
		case v2Bytes:
			for _, b := range t.bytes {
				blob.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(b))))
				blob.Write(b)
			}
		}
		size := int64(blob.Len() - before)
		w.Parameters = &kservev2.Params{BinaryDataSize: &size}
		return w, nil
	}
	var data any
	switch t.datatype {
	case v2Int64:
		data = t.ints
	case v2FP32:
		for _, x := range t.floats {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return w, fmt.Errorf("output %q holds %v, which JSON cannot carry; ask for binary data", t.name, x)
			}
		}
		data = t.floats
	case v2Bytes:
		strs := make([]string, len(t.bytes))
		for i, b := range t.bytes {
			strs[i] = string(b)
		}
		data = strs
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return w, err
	}
	w.Data = raw
	return w, nil
}
