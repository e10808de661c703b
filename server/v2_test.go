package server

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/internal/kservev2"
)

// v2Binary lays out a request the way tritonclient does: the JSON header,
// then each binary input's bytes, with the header's length in a header.
func v2Binary(header string, blobs ...[]byte) ([]byte, int64) {
	body := []byte(header)
	for _, b := range blobs {
		body = append(body, b...)
	}
	return body, int64(len(header))
}

func le64(xs ...int64) []byte {
	var out []byte
	for _, x := range xs {
		out = binary.LittleEndian.AppendUint64(out, uint64(x))
	}
	return out
}

func leBytes(xs ...string) []byte {
	var out []byte
	for _, x := range xs {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(x)))
		out = append(out, x...)
	}
	return out
}

func TestDecodeV2Request(t *testing.T) {
	binInts, binIntsLen := v2Binary(`{"inputs":[{"name":"ids","shape":[1,2],"datatype":"INT64","parameters":{"binary_data_size":16}}]}`, le64(7, -3))
	binText, binTextLen := v2Binary(`{"inputs":[{"name":"a","shape":[2],"datatype":"BYTES","parameters":{"binary_data_size":15}},`+
		`{"name":"k","shape":[1],"datatype":"INT32","data":[5]}]}`, leBytes("x", "héllo"))
	fp32 := binary.LittleEndian.AppendUint32(nil, math.Float32bits(1.5))
	binFloat, binFloatLen := v2Binary(`{"inputs":[{"name":"f","shape":[1],"datatype":"FP32","parameters":{"binary_data_size":4}}]}`, fp32)
	for _, tc := range []struct {
		name      string
		body      []byte
		headerLen int64
		want      []v2Tensor
		wantErr   string
	}{
		{"JSON flat", []byte(`{"inputs":[{"name":"ids","shape":[2,2],"datatype":"INT64","data":[1,2,3,4]}]}`), -1,
			[]v2Tensor{{name: "ids", datatype: v2Int64, shape: []int64{2, 2}, ints: []int64{1, 2, 3, 4}}}, ""},
		{"JSON nested", []byte(`{"inputs":[{"name":"ids","shape":[2,2],"datatype":"INT64","data":[[1,2],[3,4]]}]}`), -1,
			[]v2Tensor{{name: "ids", datatype: v2Int64, shape: []int64{2, 2}, ints: []int64{1, 2, 3, 4}}}, ""},
		{"JSON BYTES", []byte(`{"id":"r1","inputs":[{"name":"text","shape":[1],"datatype":"BYTES","data":["note"]}]}`), -1,
			[]v2Tensor{{name: "text", datatype: v2Bytes, shape: []int64{1}, bytes: [][]byte{[]byte("note")}}}, ""},
		{"binary INT64", binInts, binIntsLen,
			[]v2Tensor{{name: "ids", datatype: v2Int64, shape: []int64{1, 2}, ints: []int64{7, -3}}}, ""},
		{"binary BYTES beside a JSON INT32", binText, binTextLen, []v2Tensor{
			{name: "a", datatype: v2Bytes, shape: []int64{2}, bytes: [][]byte{[]byte("x"), []byte("héllo")}},
			{name: "k", datatype: v2Int32, shape: []int64{1}, ints: []int64{5}}}, ""},
		{"binary FP32", binFloat, binFloatLen, []v2Tensor{{name: "f", datatype: v2FP32, shape: []int64{1}, floats: []float32{1.5}}}, ""},

		{"not JSON", []byte(`{"inputs":`), -1, nil, "ends early"},
		{"trailing data", []byte(`{"inputs":[{"name":"a","shape":[1],"datatype":"INT64","data":[1]}]} {}`), -1, nil, "after its JSON"},
		{"unknown field", []byte(`{"inputs":[],"extra":1}`), -1, nil, "not a v2 inference request"},
		{"no inputs", []byte(`{"inputs":[]}`), -1, nil, "no inputs"},
		{"no name", []byte(`{"inputs":[{"shape":[1],"datatype":"INT64","data":[1]}]}`), -1, nil, "needs a name"},
		{"no shape", []byte(`{"inputs":[{"name":"a","datatype":"INT64","data":[1]}]}`), -1, nil, "shape is required"},
		{"duplicate input", []byte(`{"inputs":[{"name":"a","shape":[1],"datatype":"INT64","data":[1]},{"name":"a","shape":[1],"datatype":"INT64","data":[1]}]}`), -1, nil, "twice"},
		{"negative dimension", []byte(`{"inputs":[{"name":"a","shape":[-1],"datatype":"INT64","data":[]}]}`), -1, nil, "negative"},
		{"shape beyond any body", []byte(`{"inputs":[{"name":"a","shape":[4194304,4194304],"datatype":"INT64","data":[]}]}`), -1, nil, "more than"},
		{"count differs from shape", []byte(`{"inputs":[{"name":"a","shape":[3],"datatype":"INT64","data":[1,2]}]}`), -1, nil, "needs 3"},
		{"string as INT64", []byte(`{"inputs":[{"name":"a","shape":[1],"datatype":"INT64","data":["1"]}]}`), -1, nil, "not a number"},
		{"fraction as INT64", []byte(`{"inputs":[{"name":"a","shape":[1],"datatype":"INT64","data":[1.5]}]}`), -1, nil, "not an INT64"},
		{"INT32 overflow", []byte(`{"inputs":[{"name":"a","shape":[1],"datatype":"INT32","data":[4294967296]}]}`), -1, nil, "not an INT32"},
		{"number as BYTES", []byte(`{"inputs":[{"name":"a","shape":[1],"datatype":"BYTES","data":[1]}]}`), -1, nil, "not a string"},
		{"unknown datatype", []byte(`{"inputs":[{"name":"a","shape":[1],"datatype":"FP64","data":[1]}]}`), -1, nil, "not one clinlm reads"},
		{"neither data nor binary", []byte(`{"inputs":[{"name":"a","shape":[1],"datatype":"INT64"}]}`), -1, nil, "neither"},
		{"header length beyond body", []byte(`{}`), 99, nil, "body has 2 bytes"},
		{"binary size beyond body", binInts[:binIntsLen+8], binIntsLen, nil, "exceeds"},
		{"binary bytes left over", append(slices.Clone(binInts), 0), binIntsLen, nil, "belong to no input"},
		{"binary INT64 count", func() []byte {
			b, _ := v2Binary(`{"inputs":[{"name":"a","shape":[3],"datatype":"INT64","parameters":{"binary_data_size":16}}]}`, le64(1, 2))
			return b
		}(),
			int64(len(`{"inputs":[{"name":"a","shape":[3],"datatype":"INT64","parameters":{"binary_data_size":16}}]}`)), nil, "16 bytes of binary data for 3"},
		{"BYTES length beyond data", func() []byte {
			b, _ := v2Binary(`{"inputs":[{"name":"a","shape":[1],"datatype":"BYTES","parameters":{"binary_data_size":5}}]}`, []byte{9, 0, 0, 0, 'x'})
			return b
		}(),
			int64(len(`{"inputs":[{"name":"a","shape":[1],"datatype":"BYTES","parameters":{"binary_data_size":5}}]}`)), nil, "longer than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got, err := decodeV2Request(tc.body, tc.headerLen)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d tensors, want %d", len(got), len(tc.want))
			}
			for i := range got {
				g, w := got[i], tc.want[i]
				if g.name != w.name || g.datatype != w.datatype || !slices.Equal(g.shape, w.shape) || !slices.Equal(g.ints, w.ints) ||
					!slices.Equal(g.floats, w.floats) || !slices.EqualFunc(g.bytes, w.bytes, bytes.Equal) {
					t.Errorf("tensor %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

// Binary outputs read back as the inputs decoder reads them: the layout is
// the same in both directions.
func TestV2BinaryRoundTrip(t *testing.T) {
	outs := []v2Tensor{
		{name: "ids", datatype: v2Int64, shape: []int64{1, 3}, ints: []int64{-1, 0, 1 << 40}},
		{name: "p", datatype: v2FP32, shape: []int64{2}, floats: []float32{0.25, float32(math.Inf(1))}},
		{name: "s", datatype: v2Bytes, shape: []int64{2}, bytes: [][]byte{[]byte(""), []byte("ünïcode")}},
	}
	var blob bytes.Buffer
	var req kservev2.InferRequest
	for _, o := range outs {
		w, err := o.encode(true, &blob)
		if err != nil {
			t.Fatal(err)
		}
		req.Inputs = append(req.Inputs, w)
	}
	header, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	_, back, err := decodeV2Request(append(header, blob.Bytes()...), int64(len(header)))
	if err != nil {
		t.Fatal(err)
	}
	for i := range outs {
		if !slices.Equal(back[i].ints, outs[i].ints) || !slices.Equal(back[i].floats, outs[i].floats) ||
			!slices.EqualFunc(back[i].bytes, outs[i].bytes, bytes.Equal) {
			t.Errorf("%s: %+v came back as %+v", outs[i].name, outs[i], back[i])
		}
	}
	if _, err := outs[1].encode(false, &blob); err == nil {
		t.Error("an infinite FP32 was written as JSON")
	}
}

type v2Case struct {
	name, method, path string
	header             map[string]string
	body               string
	status             int
}

func v2Post(path, body string, status int) v2Case {
	return v2Case{name: path + " " + body, method: http.MethodPost, path: path, body: body, status: status}
}

// TestV2Errors: every bad request is a 4xx with the protocol's error body,
// never a 5xx, on the engine-like fake and on the real engine.
func TestV2Errors(t *testing.T) {
	for _, impl := range []struct {
		name string
		open func(testing.TB) backend
	}{{"engine-like", fakeBackend}, {"engine", realBackend}} {
		t.Run(impl.name, func(t *testing.T) {
			b := impl.open(t) // the real engine skips here when ONNX Runtime or the test models are missing
			s := newSuiteServer(t, b, InferLimits{MaxFrameBytes: 64 << 10})
			nli := "/v2/models/" + b.nli + "/infer"
			text := func(name, v string) string {
				return `{"name":"` + name + `","shape":[1],"datatype":"BYTES","data":["` + v + `"]}`
			}
			cases := []v2Case{
				{"unknown route", http.MethodGet, "/v2/nothing", nil, "", http.StatusNotFound},
				{"wrong method", http.MethodDelete, "/v2/models/" + b.nli, nil, "", http.StatusMethodNotAllowed},
				{"unknown model", http.MethodGet, "/v2/models/nope", nil, "", http.StatusNotFound},
				{"long model name", http.MethodGet, "/v2/models/" + strings.Repeat("m", 500), nil, "", http.StatusNotFound},
				{"unknown version", http.MethodGet, "/v2/models/" + b.nli + "/versions/2/ready", nil, "", http.StatusNotFound},
				{"bad header length", http.MethodPost, nli, map[string]string{kservev2.BinaryHeader: "-4"}, "{}", http.StatusBadRequest},
				{"body over the limit", http.MethodPost, nli, nil, `{"inputs":[` + text("premise", strings.Repeat("a", 70<<10)) + `]}`, http.StatusRequestEntityTooLarge},
				v2Post(nli, ``, http.StatusBadRequest),
				v2Post(nli, `null`, http.StatusBadRequest),
				v2Post(nli, `[1]`, http.StatusBadRequest),
				v2Post(nli, strings.Repeat("[", 60000), http.StatusBadRequest),
				v2Post(nli, `{"inputs":[`+text("premise", "a")+`]}`, http.StatusBadRequest),
				v2Post(nli, `{"inputs":[`+text("premise", "")+`,`+text("hypothesis", "b")+`]}`, http.StatusBadRequest),
				v2Post(nli, `{"inputs":[`+text("premise", "a")+`,`+text("hypothesis", "b")+`,`+text("text", "c")+`]}`, http.StatusBadRequest),
				v2Post(nli, `{"inputs":[{"name":"premise","shape":[1],"datatype":"BYTES","data":["\ud800"]},`+text("hypothesis", "b")+`]}`, http.StatusOK),
				v2Post(nli, `{"inputs":[{"name":"premise","shape":[20],"datatype":"BYTES","data":[`+strings.Repeat(`"a",`, 19)+`"a"]},`+
					`{"name":"hypothesis","shape":[20],"datatype":"BYTES","data":[`+strings.Repeat(`"a",`, 19)+`"a"]}]}`, http.StatusBadRequest),
				v2Post(nli, `{"inputs":[`+text("premise", "a")+`,`+text("hypothesis", "b")+`],"outputs":[{"name":"nope"}]}`, http.StatusBadRequest),
				v2Post("/v2/models/"+b.qa+"/infer", `{"inputs":[`+text("question", "a")+`,`+text("context", "b")+`,`+
					`{"name":"top_k","shape":[1],"datatype":"INT64","data":[99]}]}`, http.StatusBadRequest),
				v2Post(nli, `{"inputs":[{"name":"input_ids","shape":[1,2],"datatype":"INT64","data":[1,2]}]}`, http.StatusBadRequest),
			}
			for _, tc := range cases {
				req, err := http.NewRequest(tc.method, s.URL+tc.path, strings.NewReader(tc.body))
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range tc.header {
					req.Header.Set(k, v)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				name := tc.name
				if len(name) > 120 {
					name = name[:120] + "…"
				}
				if resp.StatusCode != tc.status {
					t.Errorf("%s: status %d, want %d; body %.200s", name, resp.StatusCode, tc.status, raw)
					if resp.StatusCode >= 500 {
						t.Logf("server log:\n%s", s.logs.String())
					}
					continue
				}
				if tc.status == http.StatusOK {
					continue
				}
				var body map[string]any
				if err := json.Unmarshal(raw, &body); err != nil || len(body) != 1 || body["error"] == "" {
					t.Errorf("%s: body %.200s is not {\"error\": \"...\"}", name, raw)
				}
			}
			mustBeUp(t, s.URL)
		})
	}
}

// TestV2Busy: with every inference slot taken, infer answers 503 with
// Retry-After in the protocol's shape.
func TestV2Busy(t *testing.T) {
	s := newSuiteServer(t, fakeBackend(t), InferLimits{MaxHTTPInFlight: 1})
	s.srv.httpSlots <- struct{}{}
	defer func() { <-s.srv.httpSlots }()
	resp, err := http.Post(s.URL+"/v2/models/nli/infer", "application/json",
		strings.NewReader(`{"inputs":[{"name":"premise","shape":[1],"datatype":"BYTES","data":["a"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Error string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusServiceUnavailable ||
		resp.Header.Get("Retry-After") == "" || body.Error == "" {
		t.Fatalf("status %d, Retry-After %q, body %+v (%v); want 503 with Retry-After and an error", resp.StatusCode,
			resp.Header.Get("Retry-After"), body, err)
	}
}

// TestV2TensorsAndMetrics runs a tensor request on the real engine and finds
// it counted in clinlm_infer_requests_total.
func TestV2TensorsAndMetrics(t *testing.T) {
	b := realBackend(t)
	s := newSuiteServer(t, b, InferLimits{})
	ids := `{"name":"input_ids","shape":[1,4],"datatype":"INT64","data":[2,10,11,3]}`
	ones := `{"name":"attention_mask","shape":[1,4],"datatype":"INT64","data":[1,1,1,1]}`
	zeros := `{"name":"token_type_ids","shape":[1,4],"datatype":"INT64","data":[0,0,0,0]}`
	resp, err := http.Post(s.URL+"/v2/models/"+b.nli+"/infer", "application/json",
		strings.NewReader(`{"id":"t1","inputs":[`+ids+`,`+ones+`,`+zeros+`]}`))
	if err != nil {
		t.Fatal(err)
	}
	var out kservev2.InferResponse
	err = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || out.ID != "t1" || len(out.Outputs) != 1 ||
		out.Outputs[0].Name != "logits" || !slices.Equal(out.Outputs[0].Shape, []int64{1, 3}) {
		t.Fatalf("status %d, %+v (%v)", resp.StatusCode, out, err)
	}
	metrics, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(metrics.Body)
	metrics.Body.Close()
	want := `clinlm_infer_requests_total{code="ok",model=` + strconv.Quote(b.nli) + `} 1`
	if !strings.Contains(string(text), want) {
		t.Errorf("/metrics lacks %s", want)
	}
}
