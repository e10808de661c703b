package server

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/inference"
)

// Explainer explains answers by occlusion (docs/protocol.md, saliency);
// *inference.Engine has it, test doubles may not.
type Explainer interface {
	Saliency(ctx context.Context, model string, in inference.Input, opts inference.SaliencyOptions, progress inference.Progress) (inference.SaliencyResult, error)
}

// saliencyRequest is the body of POST /api/v1/saliency/{model}: the task
// input and, for NLI and CLIP, the label to explain ("" or absent: the top one).
type saliencyRequest struct {
	Input inference.Input `json:"input"`
	Label string          `json:"label,omitempty"`
}

// saliencyHTTP answers {"output": <saliency>, "timing": ...}.
func (s *Server) saliencyHTTP(c echo.Context) error {
	return s.modelRoute(c, func(ctx context.Context, model string, body []byte) (any, error) {
		var req saliencyRequest
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return nil, &inference.Error{Code: inference.CodeBadRequest,
				Message: `the body must be {"input": {...task input...}, "label": "..."} with no other fields`}
		}
		return s.explain(ctx, model, req.Input, inference.SaliencyOptions{Label: req.Label}, nil)
	})
}

// explain runs one saliency request as tracked work, like infer.
func (s *Server) explain(ctx context.Context, model string, in inference.Input, opts inference.SaliencyOptions, progress inference.Progress) (inference.SaliencyResult, error) {
	ex, ok := s.cfg.Inference.(Explainer)
	if !ok {
		return inference.SaliencyResult{}, &inference.Error{Code: inference.CodeUnavailable, Message: "saliency is not available in this server"}
	}
	if !s.life.enter() {
		return inference.SaliencyResult{}, &inference.Error{Code: inference.CodeUnavailable, Message: "the server is shutting down"}
	}
	defer s.life.leave()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.life.hard, cancel)
	defer stop()
	return ex.Saliency(ctx, model, in, opts, progress)
}
