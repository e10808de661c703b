package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/internal/kservev2"
	"github.com/clinlm/clinlm/internal/kservev2/v2pb"
)

// The Open Inference Protocol's gRPC form (internal/kservev2/v2pb), on a
// listener of its own: health, metadata and inference with the same model
// lookup, metadata, pipelines, tensor checks, in-flight slots, per-client
// rate and logging as the HTTP form (server/v2.go). Bodies are bounded by
// --max-frame-bytes like HTTP ones.

// v2GRPC serves GRPCInferenceService for a Server.
type v2GRPC struct {
	v2pb.UnimplementedGRPCInferenceServiceServer
	s *Server
}

// ServeGRPC answers the protocol's gRPC form on ln until ctx is cancelled,
// then lets the calls in progress finish for up to grace.
func (s *Server) ServeGRPC(ctx context.Context, ln net.Listener, grace time.Duration) error {
	limits := s.cfg.InferLimits.withDefaults()
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(int(limits.MaxFrameBytes)),
		grpc.ChainUnaryInterceptor(s.grpcRecover, s.grpcClientRate))
	v2pb.RegisterGRPCInferenceServiceServer(srv, &v2GRPC{s: s})
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	stopped := make(chan struct{})
	go func() { srv.GracefulStop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(grace):
		srv.Stop()
	}
	if err := <-errc; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return err
	}
	return nil
}

// grpcRecover turns a panic in a call into an internal error of that call,
// as the HTTP server's recover middleware does.
func (s *Server) grpcRecover(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.cfg.Logger.Error("panic in a gRPC call", "method", info.FullMethod, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			resp, err = nil, status.Error(codes.Internal, "internal error")
		}
	}()
	return next(ctx, req)
}

// grpcClientRate applies --client-rate to ModelInfer, sharing each client
// address's budget with its HTTP requests.
func (s *Server) grpcClientRate(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
	if info.FullMethod == v2pb.GRPCInferenceService_ModelInfer_FullMethodName {
		client := ""
		if p, ok := peer.FromContext(ctx); ok {
			client = p.Addr.String()
			if host, _, err := net.SplitHostPort(client); err == nil {
				client = host
			}
		}
		if !s.clients.allow(client) {
			return nil, status.Error(codes.ResourceExhausted, "too many requests from this address; slow down")
		}
	}
	return next(ctx, req)
}

// grpcError is an engine error as a gRPC status, with the HTTP form's message.
func grpcError(e *inference.Error) error {
	code := codes.Internal
	switch e.Code {
	case inference.CodeBadRequest, inference.CodeTooLong:
		code = codes.InvalidArgument
	case inference.CodeUnknownModel:
		code = codes.NotFound
	case inference.CodeBusy, inference.CodeUnavailable:
		code = codes.Unavailable
	case inference.CodeTimeout:
		code = codes.DeadlineExceeded
	case inference.CodeCanceled:
		code = codes.Canceled
	}
	if code == codes.Internal {
		return status.Error(code, "internal error")
	}
	return status.Error(code, e.Message)
}

func (g *v2GRPC) ServerLive(context.Context, *v2pb.ServerLiveRequest) (*v2pb.ServerLiveResponse, error) {
	return &v2pb.ServerLiveResponse{Live: true}, nil
}

func (g *v2GRPC) ServerReady(context.Context, *v2pb.ServerReadyRequest) (*v2pb.ServerReadyResponse, error) {
	return &v2pb.ServerReadyResponse{Ready: ready(g.s.cfg.Checks)}, nil
}

func (g *v2GRPC) ServerMetadata(context.Context, *v2pb.ServerMetadataRequest) (*v2pb.ServerMetadataResponse, error) {
	return &v2pb.ServerMetadataResponse{Name: "clinlm", Version: serverVersion()}, nil
}

func (g *v2GRPC) ModelReady(_ context.Context, req *v2pb.ModelReadyRequest) (*v2pb.ModelReadyResponse, error) {
	m, ie := g.s.findV2Model(req.GetName(), req.GetVersion())
	if ie != nil {
		return nil, grpcError(ie)
	}
	return &v2pb.ModelReadyResponse{Ready: m.Status == inference.StatusReady}, nil
}

func (g *v2GRPC) ModelMetadata(_ context.Context, req *v2pb.ModelMetadataRequest) (*v2pb.ModelMetadataResponse, error) {
	m, ie := g.s.findV2Model(req.GetName(), req.GetVersion())
	if ie != nil {
		return nil, grpcError(ie)
	}
	meta, ie := g.s.v2Metadata(m)
	if ie != nil {
		return nil, grpcError(ie)
	}
	conv := func(list []kservev2.TensorMeta) []*v2pb.ModelMetadataResponse_TensorMetadata {
		out := make([]*v2pb.ModelMetadataResponse_TensorMetadata, len(list))
		for i, t := range list {
			out[i] = &v2pb.ModelMetadataResponse_TensorMetadata{Name: t.Name, Datatype: t.Datatype, Shape: t.Shape}
		}
		return out
	}
	return &v2pb.ModelMetadataResponse{Name: meta.Name, Versions: meta.Versions, Platform: meta.Platform,
		Inputs: conv(meta.Inputs), Outputs: conv(meta.Outputs)}, nil
}

// ModelInfer runs a request like POST /v2/models/{m}/infer and answers every
// output as raw contents (little-endian elements; BYTES length-prefixed).
func (g *v2GRPC) ModelInfer(ctx context.Context, req *v2pb.ModelInferRequest) (*v2pb.ModelInferResponse, error) {
	s := g.s
	m, ie := s.findV2Model(req.GetModelName(), req.GetModelVersion())
	if ie != nil {
		return nil, grpcError(ie)
	}
	select {
	case s.httpSlots <- struct{}{}:
		defer func() { <-s.httpSlots }()
	default:
		return nil, status.Error(codes.Unavailable, "too many inference requests at once; retry shortly")
	}
	inputs, err := decodeGRPCInputs(req)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	outs, ie := s.runV2("v2-grpc", ctx, m, inputs)
	if ie != nil {
		return nil, grpcError(ie)
	}
	names := make([]string, len(req.GetOutputs()))
	for i, o := range req.GetOutputs() {
		names[i] = o.GetName()
	}
	picked, ie := pickV2Outputs(outs, names)
	if ie != nil {
		return nil, grpcError(ie)
	}
	resp := &v2pb.ModelInferResponse{ModelName: m.Name, ModelVersion: v2Version, Id: req.GetId()}
	for _, t := range picked {
		var raw bytes.Buffer
		if _, err := t.encode(true, &raw); err != nil {
			s.cfg.Logger.Error("v2 gRPC output", "model", m.Name, "err", err)
			return nil, status.Error(codes.Internal, "internal error")
		}
		resp.Outputs = append(resp.Outputs, &v2pb.ModelInferResponse_InferOutputTensor{Name: t.name, Datatype: t.datatype, Shape: t.shape})
		resp.RawOutputContents = append(resp.RawOutputContents, raw.Bytes())
	}
	return resp, nil
}

// decodeGRPCInputs reads a request's tensors from raw_input_contents (one
// entry per input, as Triton's clients send them) or from each input's
// typed contents; the checks are the HTTP form's.
func decodeGRPCInputs(req *v2pb.ModelInferRequest) ([]v2Tensor, error) {
	raw := req.GetRawInputContents()
	if len(req.GetInputs()) == 0 {
		return nil, errors.New("the request has no inputs")
	}
	if len(raw) > 0 && len(raw) != len(req.GetInputs()) {
		return nil, fmt.Errorf("%d raw_input_contents for %d inputs", len(raw), len(req.GetInputs()))
	}
	out := make([]v2Tensor, len(req.GetInputs()))
	seen := map[string]bool{}
	for i, in := range req.GetInputs() {
		t := v2Tensor{name: in.GetName(), datatype: in.GetDatatype(), shape: in.GetShape()}
		if t.name == "" {
			return nil, errors.New("every input needs a name")
		}
		if seen[t.name] {
			return nil, fmt.Errorf("input %q appears twice", t.name)
		}
		seen[t.name] = true
		if t.shape == nil {
			return nil, fmt.Errorf("input %q: shape is required", t.name)
		}
		count, err := kservev2.Elements(t.shape, maxV2Elements)
		if err != nil {
			return nil, fmt.Errorf("input %q: %v", t.name, err)
		}
		if len(raw) > 0 {
			if in.GetContents() != nil {
				return nil, fmt.Errorf("input %q has contents beside raw_input_contents", t.name)
			}
			if err := t.fromBinary(raw[i], count); err != nil {
				return nil, fmt.Errorf("input %q: %v", t.name, err)
			}
			out[i] = t
			continue
		}
		if err := t.fromContents(in.GetContents(), count); err != nil {
			return nil, fmt.Errorf("input %q: %v", t.name, err)
		}
		out[i] = t
	}
	return out, nil
}

// fromContents reads typed contents of the tensor's datatype.
func (t *v2Tensor) fromContents(c *v2pb.InferTensorContents, count int64) error {
	n := 0
	switch t.datatype {
	case v2Int64:
		t.ints, n = c.GetInt64Contents(), len(c.GetInt64Contents())
	case v2Int32:
		for _, x := range c.GetIntContents() {
			t.ints = append(t.ints, int64(x))
		}
		n = len(c.GetIntContents())
	case v2FP32:
		t.floats, n = c.GetFp32Contents(), len(c.GetFp32Contents())
	case v2Bytes:
		t.bytes, n = c.GetBytesContents(), len(c.GetBytesContents())
	default:
		return errUnreadDatatype(t.datatype)
	}
	if int64(n) != count {
		return fmt.Errorf("contents have %d elements, shape %v needs %d", n, t.shape, count)
	}
	return nil
}
