package server

import (
	"slices"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/internal/kservev2/v2pb"
)

// A gRPC request's tensors are read from raw contents (tritonclient.grpc)
// or typed contents, with the HTTP form's checks; tritonclient covers the
// raw path end to end (web TestV2ConformanceWithTritonClient).
func TestDecodeGRPCInputs(t *testing.T) {
	in := func(name, datatype string, shape []int64, c *v2pb.InferTensorContents) *v2pb.ModelInferRequest_InferInputTensor {
		return &v2pb.ModelInferRequest_InferInputTensor{Name: name, Datatype: datatype, Shape: shape, Contents: c}
	}
	ids := &v2pb.InferTensorContents{Int64Contents: []int64{2, 7, 3}}
	tests := []struct {
		name    string
		req     *v2pb.ModelInferRequest
		want    []v2Tensor
		wantErr string
	}{
		{"typed INT64", &v2pb.ModelInferRequest{Inputs: []*v2pb.ModelInferRequest_InferInputTensor{in("ids", "INT64", []int64{1, 3}, ids)}},
			[]v2Tensor{{name: "ids", datatype: v2Int64, shape: []int64{1, 3}, ints: []int64{2, 7, 3}}}, ""},
		{"typed INT32 widened", &v2pb.ModelInferRequest{Inputs: []*v2pb.ModelInferRequest_InferInputTensor{
			in("k", "INT32", []int64{1}, &v2pb.InferTensorContents{IntContents: []int32{-5}})}},
			[]v2Tensor{{name: "k", datatype: v2Int32, shape: []int64{1}, ints: []int64{-5}}}, ""},
		{"typed BYTES", &v2pb.ModelInferRequest{Inputs: []*v2pb.ModelInferRequest_InferInputTensor{
			in("text", "BYTES", []int64{1}, &v2pb.InferTensorContents{BytesContents: [][]byte{[]byte("note")}})}},
			[]v2Tensor{{name: "text", datatype: v2Bytes, shape: []int64{1}, bytes: [][]byte{[]byte("note")}}}, ""},
		{"raw INT64 and BYTES", &v2pb.ModelInferRequest{Inputs: []*v2pb.ModelInferRequest_InferInputTensor{
			in("ids", "INT64", []int64{2}, nil), in("text", "BYTES", []int64{2}, nil)},
			RawInputContents: [][]byte{le64(7, -3), leBytes("x", "héllo")}},
			[]v2Tensor{{name: "ids", datatype: v2Int64, shape: []int64{2}, ints: []int64{7, -3}},
				{name: "text", datatype: v2Bytes, shape: []int64{2}, bytes: [][]byte{[]byte("x"), []byte("héllo")}}}, ""},

		{"no inputs", &v2pb.ModelInferRequest{}, nil, "no inputs"},
		{"no name", &v2pb.ModelInferRequest{Inputs: []*v2pb.ModelInferRequest_InferInputTensor{in("", "INT64", []int64{3}, ids)}}, nil, "needs a name"},
		{"no shape", &v2pb.ModelInferRequest{Inputs: []*v2pb.ModelInferRequest_InferInputTensor{in("ids", "INT64", nil, ids)}}, nil, "shape is required"},
		{"twice", &v2pb.ModelInferRequest{Inputs: []*v2pb.ModelInferRequest_InferInputTensor{in("ids", "INT64", []int64{3}, ids), in("ids", "INT64", []int64{3}, ids)}}, nil, "twice"},
		{"count differs from shape", &v2pb.ModelInferRequest{Inputs: []*v2pb.ModelInferRequest_InferInputTensor{in("ids", "INT64", []int64{4}, ids)}}, nil, "needs 4"},
		{"contents of another type", &v2pb.ModelInferRequest{Inputs: []*v2pb.ModelInferRequest_InferInputTensor{in("ids", "FP32", []int64{3}, ids)}}, nil, "needs 3"},
		{"unread datatype", &v2pb.ModelInferRequest{Inputs: []*v2pb.ModelInferRequest_InferInputTensor{in("ids", "FP64", []int64{3}, ids)}}, nil, "not one clinlm reads"},
		{"shape beyond any body", &v2pb.ModelInferRequest{Inputs: []*v2pb.ModelInferRequest_InferInputTensor{in("ids", "INT64", []int64{1 << 22, 1 << 22}, ids)}}, nil, "more than"},
		{"raw count differs from inputs", &v2pb.ModelInferRequest{Inputs: []*v2pb.ModelInferRequest_InferInputTensor{in("ids", "INT64", []int64{2}, nil)},
			RawInputContents: [][]byte{le64(1, 2), le64(3)}}, nil, "2 raw_input_contents for 1 inputs"},
		{"raw beside contents", &v2pb.ModelInferRequest{Inputs: []*v2pb.ModelInferRequest_InferInputTensor{in("ids", "INT64", []int64{3}, ids)},
			RawInputContents: [][]byte{le64(1, 2, 3)}}, nil, "beside raw_input_contents"},
		{"raw bytes for another shape", &v2pb.ModelInferRequest{Inputs: []*v2pb.ModelInferRequest_InferInputTensor{in("ids", "INT64", []int64{3}, nil)},
			RawInputContents: [][]byte{le64(1, 2)}}, nil, "16 bytes of binary data for 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeGRPCInputs(tc.req)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			for i := range got {
				g, w := got[i], tc.want[i]
				if g.name != w.name || g.datatype != w.datatype || !slices.Equal(g.shape, w.shape) || !slices.Equal(g.ints, w.ints) || len(g.bytes) != len(w.bytes) {
					t.Errorf("input %d: got %+v, want %+v", i, g, w)
				}
				for j := range g.bytes {
					if string(g.bytes[j]) != string(w.bytes[j]) {
						t.Errorf("input %d element %d: %q, want %q", i, j, g.bytes[j], w.bytes[j])
					}
				}
			}
		})
	}
}
