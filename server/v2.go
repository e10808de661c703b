package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/ort"
	"github.com/clinlm/clinlm/internal/kservev2"
)

// The Open Inference Protocol (KServe v2) over HTTP, for every model of the
// repository; docs/kserve-v2.md describes the inputs and outputs. A model
// takes either its ONNX session's own tensors (tensor-level clients, Triton
// style) or BYTES text inputs that run clinlm's whole pipeline.

// TensorInferer is what tensor-level v2 requests need from the engine
// besides Inferer; an Inferer without it serves only the text pipeline.
type TensorInferer interface {
	TensorIO(model string) (inference.TensorIO, error)
	RunTensors(ctx context.Context, model string, inputs map[string]ort.Tensor) ([]ort.Tensor, error)
}

// v2Version is the only version of every model.
const v2Version = "1"

// v2State caches what the v2 endpoints read from model files.
type v2State struct {
	mu sync.Mutex
	io map[string]inference.TensorIO
}

// registerV2 adds the /v2 routes.
func (s *Server) registerV2() {
	s.v2 = &v2State{io: map[string]inference.TensorIO{}}
	e := s.echo
	e.GET("/v2", s.v2ServerMeta)
	e.GET("/v2/health/live", s.v2Live)
	e.GET("/v2/health/ready", s.v2Ready)
	for _, prefix := range []string{"/v2/models/:model", "/v2/models/:model/versions/:version"} {
		e.GET(prefix, s.v2ModelMeta)
		e.GET(prefix+"/ready", s.v2ModelReady)
		e.POST(prefix+"/infer", s.clients.limitRate(s.v2Infer))
	}
}

// v2Error answers an error in the protocol's shape: {"error": "..."}.
func v2Error(c echo.Context, status int, msg string) error {
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		c.Response().Header().Set("Retry-After", "1")
	}
	return c.JSON(status, map[string]string{"error": msg})
}

func v2InferError(c echo.Context, e *inference.Error) error {
	msg := e.Message
	if e.Code == inference.CodeInternal {
		msg = "internal error"
	}
	return v2Error(c, httpStatus(e.Code), msg)
}

func (s *Server) v2ServerMeta(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"name": "clinlm", "version": serverVersion(),
		"extensions": []string{"binary_tensor_data"}})
}

// serverVersion is the module version the binary was built at, "devel" for a
// build from a work tree.
func serverVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "devel"
}

func (s *Server) v2Live(c echo.Context) error { return c.NoContent(http.StatusOK) }

// v2Ready follows /readyz: 200 when every required part loaded; the
// protocol answers "not ready" with a 4xx status.
func (s *Server) v2Ready(c echo.Context) error {
	if !ready(s.cfg.Checks) {
		return c.NoContent(http.StatusBadRequest)
	}
	return c.NoContent(http.StatusOK)
}

// v2Model finds the model a /v2/models route names; on failure it has
// answered already and the error is the one to return.
func (s *Server) v2Model(c echo.Context) (inference.ModelInfo, bool, error) {
	m, ie := s.findV2Model(c.Param("model"), c.Param("version"))
	if ie != nil {
		return m, false, v2InferError(c, ie)
	}
	return m, true, nil
}

// findV2Model is the model a v2 request names (HTTP or gRPC): version "" or
// 1, a listed model; unknown ones are CodeUnknownModel.
func (s *Server) findV2Model(name, version string) (inference.ModelInfo, *inference.Error) {
	if s.cfg.Inference == nil {
		return inference.ModelInfo{}, &inference.Error{Code: inference.CodeUnavailable, Message: "inference is not configured"}
	}
	if version != "" && version != v2Version {
		return inference.ModelInfo{}, &inference.Error{Code: inference.CodeUnknownModel, Message: "every model has one version, " + v2Version}
	}
	if len(name) <= maxModelName {
		for _, m := range s.cfg.Inference.Models() {
			if m.Name == name {
				return m, nil
			}
		}
	}
	return inference.ModelInfo{}, &inference.Error{Code: inference.CodeUnknownModel, Message: "no model by that name; GET /api/v1/models lists them"}
}

// v2ModelReady: 200 when the model can run, 400 (the protocol's "false")
// when it is listed but failed to load.
func (s *Server) v2ModelReady(c echo.Context) error {
	m, ok, err := s.v2Model(c)
	if !ok {
		return err
	}
	if m.Status != inference.StatusReady {
		return c.NoContent(http.StatusBadRequest)
	}
	return c.NoContent(http.StatusOK)
}

func (s *Server) v2ModelMeta(c echo.Context) error {
	m, ok, err := s.v2Model(c)
	if !ok {
		return err
	}
	meta, ie := s.v2Metadata(m)
	if ie != nil {
		return v2InferError(c, ie)
	}
	return c.JSON(http.StatusOK, meta)
}

// v2Metadata is a loaded model's metadata: its tensor inputs and outputs
// (none for text-to-text models), then the text pipeline's.
func (s *Server) v2Metadata(m inference.ModelInfo) (kservev2.ModelMeta, *inference.Error) {
	if m.Status != inference.StatusReady {
		return kservev2.ModelMeta{}, &inference.Error{Code: inference.CodeUnavailable, Message: "model " + m.Name + " is not loaded: " + m.Error}
	}
	meta := kservev2.ModelMeta{Name: m.Name, Versions: []string{v2Version}, Platform: "onnxruntime_onnx"}
	io, hasTensors, ie := s.tensorIO(m.Name)
	if ie != nil {
		return meta, ie
	}
	if hasTensors {
		for _, x := range io.Inputs {
			meta.Inputs = append(meta.Inputs, kservev2.TensorMeta{Name: x.Name, Datatype: v2Datatype(x.Type), Shape: x.Shape})
		}
		for _, x := range io.Outputs {
			meta.Outputs = append(meta.Outputs, kservev2.TensorMeta{Name: x.Name, Datatype: v2Datatype(x.Type), Shape: x.Shape})
		}
	}
	pipe := pipelineFor(m)
	meta.Inputs = append(meta.Inputs, pipe.metaInputs()...)
	meta.Outputs = append(meta.Outputs, pipe.metaOutputs()...)
	return meta, nil
}

// tensorIO is a model's session inputs and outputs, read once; hasTensors
// is false for an engine or model without tensor-level access.
func (s *Server) tensorIO(model string) (inference.TensorIO, bool, *inference.Error) {
	ti, ok := s.cfg.Inference.(TensorInferer)
	if !ok {
		return inference.TensorIO{}, false, nil
	}
	s.v2.mu.Lock()
	defer s.v2.mu.Unlock()
	if io, ok := s.v2.io[model]; ok {
		return io, len(io.Inputs) > 0, nil
	}
	io, err := ti.TensorIO(model)
	if err != nil {
		ie := inference.AsError(err)
		if ie.Code != inference.CodeBadRequest { // text-to-text models have no tensors: cache that too
			return io, false, ie
		}
		io = inference.TensorIO{}
	}
	s.v2.io[model] = io
	return io, len(io.Inputs) > 0, nil
}

// v2Datatype names an ONNX element type in the protocol.
func v2Datatype(onnxType string) string {
	switch onnxType {
	case "int64":
		return v2Int64
	case "float32":
		return v2FP32
	case "int32":
		return v2Int32
	case "bool":
		return "BOOL"
	}
	return strings.ToUpper(onnxType)
}

// v2Infer answers POST .../infer: the request's inputs decide whether it runs
// the model's tensors or the text pipeline.
func (s *Server) v2Infer(c echo.Context) error {
	m, ok, err := s.v2Model(c)
	if !ok {
		return err
	}
	limits := s.cfg.InferLimits.withDefaults()
	select {
	case s.httpSlots <- struct{}{}:
		defer func() { <-s.httpSlots }()
	default:
		return v2Error(c, http.StatusServiceUnavailable, "too many inference requests at once; retry shortly")
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, limits.MaxFrameBytes+1))
	if err != nil {
		return v2Error(c, http.StatusBadRequest, "could not read the body")
	}
	if int64(len(body)) > limits.MaxFrameBytes {
		return v2Error(c, http.StatusRequestEntityTooLarge, "the body is larger than "+strconv.FormatInt(limits.MaxFrameBytes, 10)+" bytes")
	}
	headerLen := int64(-1)
	if h := c.Request().Header.Get(kservev2.BinaryHeader); h != "" {
		if headerLen, err = strconv.ParseInt(h, 10, 64); err != nil || headerLen < 0 {
			return v2Error(c, http.StatusBadRequest, kservev2.BinaryHeader+" must be a byte count")
		}
	}
	req, inputs, err := decodeV2Request(body, headerLen)
	if err != nil {
		return v2Error(c, http.StatusBadRequest, err.Error())
	}
	outs, ie := s.runV2("v2", c.Request().Context(), m, inputs)
	if ie != nil {
		if ie.Code == inference.CodeCanceled {
			return nil // the client left; nobody reads an answer
		}
		return v2InferError(c, ie)
	}
	return s.writeV2Response(c, m.Name, req, outs)
}

// runV2 runs a v2 request's decoded inputs (HTTP or gRPC, named by via in
// the log): the text pipeline when they name its inputs, else the model's
// tensors.
func (s *Server) runV2(via string, ctx context.Context, m inference.ModelInfo, inputs []v2Tensor) ([]v2Tensor, *inference.Error) {
	start := time.Now()
	var outs []v2Tensor
	var ie *inference.Error
	if pipe := pipelineFor(m); pipe.takes(inputs) {
		outs, ie = pipe.run(ctx, s.cfg.Inference, inputs)
	} else {
		outs, ie = s.v2RunTensors(ctx, m, inputs)
	}
	s.logInfer(via, m.Name, ie, time.Since(start))
	return outs, ie
}

// v2RunTensors runs a model's session on the request's tensors.
func (s *Server) v2RunTensors(ctx context.Context, m inference.ModelInfo, inputs []v2Tensor) ([]v2Tensor, *inference.Error) {
	ti, ok := s.cfg.Inference.(TensorInferer)
	if !ok {
		return nil, &inference.Error{Code: inference.CodeBadRequest, Message: "this server runs text inputs only"}
	}
	io, hasTensors, ie := s.tensorIO(m.Name)
	if ie != nil {
		return nil, ie
	}
	if !hasTensors {
		return nil, &inference.Error{Code: inference.CodeBadRequest, Message: "model " + m.Name + " takes the text inputs " +
			strings.Join(pipelineFor(m).inputNames(), ", ") + " (BYTES)"}
	}
	byName := make(map[string]ort.Tensor, len(inputs))
	for _, t := range inputs {
		if t.datatype != v2Int64 {
			return nil, &inference.Error{Code: inference.CodeBadRequest, Message: "input " + strconv.Quote(t.name) +
				" must be INT64, not " + t.datatype + "; text inputs are " + strings.Join(pipelineFor(m).inputNames(), ", ")}
		}
		byName[t.name] = ort.Tensor{Shape: t.shape, Int64: t.ints}
	}
	res, err := ti.RunTensors(ctx, m.Name, byName)
	if err != nil {
		return nil, inference.AsError(err)
	}
	if len(res) != len(io.Outputs) {
		return nil, &inference.Error{Code: inference.CodeInternal, Message: "internal error"}
	}
	outs := make([]v2Tensor, len(res))
	for i, r := range res {
		outs[i] = v2Tensor{name: io.Outputs[i].Name, shape: r.Shape}
		switch {
		case r.Float32 != nil:
			outs[i].datatype, outs[i].floats = v2FP32, r.Float32
		case r.Int64 != nil:
			outs[i].datatype, outs[i].ints = v2Int64, r.Int64
		default:
			return nil, &inference.Error{Code: inference.CodeInternal, Message: "internal error"}
		}
	}
	return outs, nil
}

// pickV2Outputs keeps the outputs named, in that order, or all of them when
// names is empty; an unknown name is a bad request.
func pickV2Outputs(outs []v2Tensor, names []string) ([]v2Tensor, *inference.Error) {
	if len(names) == 0 {
		return outs, nil
	}
	picked := make([]v2Tensor, 0, len(names))
	for _, name := range names {
		i := slices.IndexFunc(outs, func(t v2Tensor) bool { return t.name == name })
		if i < 0 {
			have := make([]string, len(outs))
			for j, t := range outs {
				have[j] = t.name
			}
			return nil, &inference.Error{Code: inference.CodeBadRequest, Message: "no output " + strconv.Quote(name) + " in this answer; there are " + strings.Join(have, ", ")}
		}
		picked = append(picked, outs[i])
	}
	return picked, nil
}

// writeV2Response keeps the outputs the request names (all when it names
// none) and writes them as JSON data or binary data as asked.
func (s *Server) writeV2Response(c echo.Context, model string, req kservev2.InferRequest, outs []v2Tensor) error {
	allBinary := req.Parameters != nil && req.Parameters.BinaryDataOutput != nil && *req.Parameters.BinaryDataOutput
	names := make([]string, len(req.Outputs))
	binaryAsked := make([]bool, len(req.Outputs))
	for i, want := range req.Outputs {
		names[i] = want.Name
		binaryAsked[i] = allBinary
		if want.Parameters != nil && want.Parameters.BinaryData != nil {
			binaryAsked[i] = *want.Parameters.BinaryData
		}
	}
	chosen, ie := pickV2Outputs(outs, names)
	if ie != nil {
		return v2InferError(c, ie)
	}
	type chosenOut struct {
		t        v2Tensor
		asBinary bool
	}
	var picked []chosenOut
	for i, t := range chosen {
		asBinary := allBinary
		if len(names) > 0 {
			asBinary = binaryAsked[i]
		}
		picked = append(picked, chosenOut{t, asBinary})
	}
	resp := kservev2.InferResponse{ModelName: model, ModelVersion: v2Version, ID: req.ID}
	var blob bytes.Buffer
	for _, p := range picked {
		w, err := p.t.encode(p.asBinary, &blob)
		if err != nil {
			s.cfg.Logger.Error("v2 output", "model", model, "err", err)
			return v2Error(c, http.StatusInternalServerError, "internal error")
		}
		resp.Outputs = append(resp.Outputs, w)
	}
	if blob.Len() == 0 {
		return c.JSON(http.StatusOK, resp)
	}
	header, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	c.Response().Header().Set(kservev2.BinaryHeader, strconv.Itoa(len(header)))
	return c.Blob(http.StatusOK, "application/octet-stream", append(header, blob.Bytes()...))
}
