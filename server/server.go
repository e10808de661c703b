// Package server wires clinlm's HTTP routes: pages, JSON/CSV API, health
// probes and static assets. Configuration is parsed by the binary and passed in.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/inference/evaljobs"
	"github.com/clinlm/clinlm/results"
	"github.com/clinlm/clinlm/static"
	"github.com/clinlm/clinlm/store"
	"github.com/clinlm/clinlm/tokenizers"
)

// Config is everything the server needs; the binary builds it from flags and
// CLINLM_* environment variables.
type Config struct {
	Logger  *slog.Logger
	Results *results.Set
	Assets  *static.Assets
	// Tokenizers is the catalogue of tokenizer.json files for the /tokenize
	// inspector; nil serves an empty catalogue.
	Tokenizers *tokenizers.Catalogue
	// Checks are start-up findings (loaded parts, failures and why) shown by /readyz.
	Checks []Check
	// LiveChecks, when set, are probed on every /readyz (parts that can fail
	// after start, such as a remote model server); they are appended to Checks.
	LiveChecks func(ctx context.Context) []Check
	// Inference runs the demo models; nil answers "unavailable".
	Inference Inferer
	// InferLimits bound inference requests and websockets (zero: defaults).
	InferLimits InferLimits
	// Metrics serves /metrics (promhttp over the engine's own registry); nil: no route.
	Metrics http.Handler
	// Submissions keeps submitted results (server/submissions.go); nil:
	// the submission routes answer 503.
	Submissions store.Store
	// ModeratorToken lets its bearer approve submissions; empty: nobody can.
	ModeratorToken string
	// Evaluations runs live evaluations (server/evaluations.go); nil: the
	// routes answer 404.
	Evaluations *evaljobs.Manager
}

// Server is the dashboard's HTTP handler with its dependencies.
type Server struct {
	cfg  Config
	echo *echo.Echo
	life *lifecycle
	// wsSlots and httpSlots hold one token per open websocket and per
	// running HTTP inference request (InferLimits).
	wsSlots, httpSlots chan struct{}
	// bodySlots hold one token per request body being read (four per
	// HTTP inference slot).
	bodySlots chan struct{}
	// clients holds the per-client (remote address) limits.
	clients *clientLimits
	// v2 caches what the KServe v2 endpoints read from model files.
	v2 *v2State
	// subs is the state of the submission routes (server/submissions.go).
	subs *submissions
	// openapi is the API's OpenAPI document (server/openapi.go).
	openapi *openapi3.T
}

// New builds the server and registers every route.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		return nil, errors.New("server: a logger is required")
	}
	if cfg.Results == nil {
		return nil, errors.New("server: paper results are required")
	}
	if cfg.Assets == nil {
		return nil, errors.New("server: static assets are required")
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	limits := cfg.InferLimits.withDefaults()
	s := &Server{cfg: cfg, echo: e, life: newLifecycle(),
		wsSlots: make(chan struct{}, limits.MaxConnections), httpSlots: make(chan struct{}, limits.MaxHTTPInFlight),
		bodySlots: make(chan struct{}, 4*limits.MaxHTTPInFlight),
		clients:   newClientLimits(limits)}
	// A client is its TCP peer address: X-Forwarded-For and X-Real-IP are
	// set by the client itself unless a trusted proxy rewrites them.
	e.IPExtractor = echo.ExtractIPDirect()
	e.HTTPErrorHandler = s.handleError
	e.Use(recoverMiddleware(cfg.Logger), requestLogger(cfg.Logger), securityHeaders,
		siteGuard(limits.AllowedHosts, limits.AllowedOrigins), bodyLimit(limits.MaxFrameBytes))
	s.register()
	if err := s.registerOpenAPI(e); err != nil {
		return nil, fmt.Errorf("server: the OpenAPI document: %w", err)
	}
	return s, nil
}

// ServeHTTP lets tests drive the server with httptest.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Serve answers on ln until ctx is cancelled, then drains for up to grace:
// the listener closes, HTTP requests in progress finish, websockets stop
// reading new frames, answer the requests they hold and close with 1001
// (going away). Work still running when grace is over is cancelled.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return s.life.hard },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		s.life.stop()
		return err
	case <-ctx.Done():
	}
	s.cfg.Logger.Info("shutting down", "grace", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	s.life.drain()
	shutdownErr := make(chan error, 1)
	go func() { shutdownErr <- srv.Shutdown(sctx) }()
	drained := s.life.wait(sctx)
	err := <-shutdownErr
	if !drained || err != nil {
		s.cfg.Logger.Warn("grace period over; cancelling what is still running", "grace", grace)
		s.life.stop()
		_ = srv.Close()
		wctx, wcancel := context.WithTimeout(context.Background(), hardStopWait)
		defer wcancel()
		if !s.life.wait(wctx) {
			s.cfg.Logger.Error("work still running after the hard stop")
		}
	}
	s.life.stop()
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return nil // reported above; the process exits normally
	}
	return err
}
