package server

import (
	"context"
	"errors"
	"io"
	"mime"
	"net"
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
	// AllowedOrigins may open websockets and post besides the server's own
	// origin.
	AllowedOrigins []string
	// AllowedHosts are the host names the server answers to besides IP
	// addresses and localhost ("*": any); see siteGuard.
	AllowedHosts []string
	// BodyTimeout bounds the reading of a POST /api/v1/infer body or a demo
	// form, which happens before an inference slot is taken (default 10s):
	// a client that sends its body slowly holds no slot.
	BodyTimeout time.Duration
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
	if l.BodyTimeout <= 0 {
		l.BodyTimeout = 10 * time.Second
	}
	return l
}

// registerInference adds POST /api/v1/infer/:model and
// /api/v1/saliency/:model, the /ws/infer websocket
// and /metrics.
func (s *Server) registerInference() {
	e := s.echo
	e.POST("/api/v1/infer/:model", s.clients.limitRate(s.inferHTTP))
	e.POST("/api/v1/saliency/:model", s.clients.limitRate(s.saliencyHTTP))
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
	return s.modelRoute(c, func(ctx context.Context, model string, body []byte) (any, error) {
		in, err := inference.ParseInput(body)
		if err != nil {
			return nil, err
		}
		return s.infer(ctx, model, in, nil)
	})
}

// modelRoute runs what the JSON routes on one model share: the engine is
// configured, the body is JSON of bounded size that arrived in time and is
// valid UTF-8, an inference slot is free and the model name is not absurd;
// then run answers, and its outcome is logged (model, code and duration,
// never the text).
func (s *Server) modelRoute(c echo.Context, run func(ctx context.Context, model string, body []byte) (any, error)) error {
	if s.cfg.Inference == nil {
		return writeInferError(c, &inference.Error{Code: inference.CodeUnavailable, Message: "inference is not configured"})
	}
	limits := s.cfg.InferLimits.withDefaults()
	if mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); err != nil || mt != echo.MIMEApplicationJSON {
		// A web page can send text/plain or a form to any site without
		// asking; application/json needs a CORS preflight, which this
		// server never grants.
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "send the input as Content-Type: application/json")
	}
	body, ie := s.readBody(c, limits)
	if ie != nil && ie.Code == inference.CodeTimeout {
		return echo.NewHTTPError(http.StatusRequestTimeout, ie.Message) // the client's delay, not the server's
	}
	if ie != nil {
		return writeInferError(c, ie)
	}
	select {
	case s.httpSlots <- struct{}{}:
		defer func() { <-s.httpSlots }()
	default:
		return writeInferError(c, &inference.Error{Code: inference.CodeBusy, Message: "too many inference requests at once; retry shortly"})
	}
	if !utf8.Valid(body) {
		return writeInferError(c, &inference.Error{Code: inference.CodeBadRequest, Message: "the body is not valid UTF-8"})
	}
	model := c.Param("model")
	if len(model) > maxModelName {
		return writeInferError(c, &inference.Error{Code: inference.CodeUnknownModel, Message: "no model has a name that long"})
	}
	start := time.Now()
	res, err := run(c.Request().Context(), model, body)
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

// readBody reads a request body of at most MaxFrameBytes within
// BodyTimeout, holding one of the body-reading slots (so that many slow
// senders hold bounded memory, for a bounded time, and no inference slot).
func (s *Server) readBody(c echo.Context, limits InferLimits) ([]byte, *inference.Error) {
	select {
	case s.bodySlots <- struct{}{}:
		defer func() { <-s.bodySlots }()
	default:
		return nil, &inference.Error{Code: inference.CodeBusy, Message: "too many requests are sending their body; retry shortly"}
	}
	lift := bodyDeadline(c, limits.BodyTimeout)
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, limits.MaxFrameBytes+1))
	lift(err)
	switch {
	case isTimeout(err):
		return nil, &inference.Error{Code: inference.CodeTimeout, Message: "the body did not arrive within " + limits.BodyTimeout.String()}
	case err != nil:
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			break
		}
		return nil, &inference.Error{Code: inference.CodeBadRequest, Message: "could not read the body"}
	}
	if int64(len(body)) > limits.MaxFrameBytes || err != nil {
		return nil, &inference.Error{Code: inference.CodeTooLong,
			Message: "the body is larger than " + strconv.FormatInt(limits.MaxFrameBytes, 10) + " bytes"}
	}
	return body, nil
}

// bodyDeadline bounds the reading of the request body by d. The returned
// function takes the read's error: after a good read it lifts the deadline
// (the server's background read of the connection would otherwise cancel
// the request when it passes); after a timeout it keeps it and closes the
// connection after the answer, so that the server does not wait for the
// rest of the body before answering. Where the connection has no deadlines
// (httptest recorders) the read is still bounded by size.
func bodyDeadline(c echo.Context, d time.Duration) func(readErr error) {
	rc := http.NewResponseController(c.Response())
	if rc.SetReadDeadline(time.Now().Add(d)) != nil {
		return func(error) {}
	}
	return func(readErr error) {
		if isTimeout(readErr) {
			c.Response().Header().Set(echo.HeaderConnection, "close")
			return
		}
		_ = rc.SetReadDeadline(time.Time{})
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
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
