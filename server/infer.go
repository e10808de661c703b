package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/inference"
)

// Inferer is what the inference endpoints need from the engine.
type Inferer interface {
	Models() []inference.ModelInfo
	Infer(ctx context.Context, model string, in inference.Input, partial inference.Partial) (inference.Result, error)
}

// InferLimits bound the inference endpoints.
type InferLimits struct {
	// MaxFrameBytes bounds a request body or websocket frame (default 1 MiB).
	MaxFrameBytes int64
	// RatePerSecond and Burst bound the requests of one websocket connection
	// (defaults 20 and 40).
	RatePerSecond float64
	Burst         int
	// MaxInFlight bounds one connection's concurrent requests (default 8).
	MaxInFlight int
	// AllowedOrigins may open websockets besides the server's own origin.
	AllowedOrigins []string
	// MaxConnections bounds open websockets; MaxHTTPInFlight bounds POST
	// /api/v1/infer requests running at once. Beyond either the answer is
	// 503 busy with Retry-After (defaults 256 and 64).
	MaxConnections  int
	MaxHTTPInFlight int
	// WriteTimeout bounds one websocket write: a client that stops reading
	// is disconnected after it (default 10s).
	WriteTimeout time.Duration
	// PerClientRate and PerClientBurst bound the inference requests
	// (POST /api/v1/infer, no-JavaScript demo forms) and websocket opens of
	// one remote IP address per second (beyond: 429 with Retry-After);
	// PerClientWebsockets bounds its open websockets. 0 turns each off (the
	// default: behind a proxy or a shared NAT every user has one address).
	PerClientRate       float64
	PerClientBurst      int
	PerClientWebsockets int
}

func (l InferLimits) withDefaults() InferLimits {
	if l.MaxFrameBytes <= 0 {
		l.MaxFrameBytes = 1 << 20
	}
	if l.RatePerSecond <= 0 {
		l.RatePerSecond = 20
	}
	if l.Burst <= 0 {
		l.Burst = 40
	}
	if l.MaxInFlight <= 0 {
		l.MaxInFlight = 8
	}
	if l.MaxConnections <= 0 {
		l.MaxConnections = 256
	}
	if l.MaxHTTPInFlight <= 0 {
		l.MaxHTTPInFlight = 64
	}
	if l.WriteTimeout <= 0 {
		l.WriteTimeout = 10 * time.Second
	}
	return l
}

// registerInference adds POST /api/v1/infer/:model, the /ws/infer websocket
// and /metrics.
func (s *Server) registerInference() {
	e := s.echo
	e.POST("/api/v1/infer/:model", s.clients.limitRate(s.inferHTTP))
	e.GET("/ws/infer", s.clients.limitRate(s.inferWS))
	if s.cfg.Metrics != nil {
		e.GET("/metrics", echo.WrapHandler(s.cfg.Metrics))
	}
}

// httpStatus maps an inference error code to an HTTP status.
func httpStatus(code inference.Code) int {
	switch code {
	case inference.CodeBadRequest:
		return http.StatusBadRequest
	case inference.CodeTooLong:
		return http.StatusRequestEntityTooLarge
	case inference.CodeUnknownModel:
		return http.StatusNotFound
	case inference.CodeBusy, inference.CodeUnavailable:
		return http.StatusServiceUnavailable
	case inference.CodeTimeout:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

func writeInferError(c echo.Context, e *inference.Error) error {
	var body apiError
	body.Error.Code = string(e.Code)
	body.Error.Message = e.Message
	if e.Code == inference.CodeBusy {
		c.Response().Header().Set("Retry-After", "1")
	}
	return c.JSON(httpStatus(e.Code), body)
}

// inferHTTP answers {"output": ..., "timing": ...} for one task input.
func (s *Server) inferHTTP(c echo.Context) error {
	if s.cfg.Inference == nil {
		return writeInferError(c, &inference.Error{Code: inference.CodeUnavailable, Message: "inference is not configured"})
	}
	limits := s.cfg.InferLimits.withDefaults()
	select {
	case s.httpSlots <- struct{}{}:
		defer func() { <-s.httpSlots }()
	default:
		return writeInferError(c, &inference.Error{Code: inference.CodeBusy, Message: "too many inference requests at once; retry shortly"})
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, limits.MaxFrameBytes+1))
	if err != nil {
		return writeInferError(c, &inference.Error{Code: inference.CodeBadRequest, Message: "could not read the body"})
	}
	if int64(len(body)) > limits.MaxFrameBytes {
		return writeInferError(c, &inference.Error{Code: inference.CodeTooLong,
			Message: "the body is larger than " + strconv.FormatInt(limits.MaxFrameBytes, 10) + " bytes"})
	}
	if !utf8.Valid(body) {
		return writeInferError(c, &inference.Error{Code: inference.CodeBadRequest, Message: "the body is not valid UTF-8"})
	}
	model := c.Param("model")
	if len(model) > maxModelName {
		return writeInferError(c, &inference.Error{Code: inference.CodeUnknownModel, Message: "no model has a name that long"})
	}
	in, err := inference.ParseInput(body)
	if err != nil {
		return writeInferError(c, inference.AsError(err))
	}
	start := time.Now()
	res, err := s.infer(c.Request().Context(), model, in, nil)
	if err != nil {
		ie := inference.AsError(err)
		s.logInfer("http", model, ie, time.Since(start))
		if ie.Code == inference.CodeCanceled {
			return nil // the client left; nobody reads an answer
		}
		return writeInferError(c, ie)
	}
	s.logInfer("http", model, nil, time.Since(start))
	return c.JSON(http.StatusOK, res)
}

// logInfer records an inference outcome: model, code and duration only,
// never the text.
func (s *Server) logInfer(via, model string, e *inference.Error, d time.Duration) {
	if e == nil {
		s.cfg.Logger.Debug("infer", "via", via, "model", model, "code", "ok", "duration", d)
		return
	}
	level := s.cfg.Logger.Info
	if e.Code == inference.CodeInternal {
		level = s.cfg.Logger.Error
	}
	cause := ""
	if e.Err != nil && !errors.Is(e.Err, context.Canceled) {
		cause = e.Err.Error()
	}
	level("infer failed", "via", via, "model", model, "code", e.Code, "duration", d, "cause", cause)
}
