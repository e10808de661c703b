// Package server wires clinlm's HTTP routes: pages, JSON/CSV API, health
// probes and static assets. Configuration is parsed by the binary and passed in.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/results"
	"github.com/clinlm/clinlm/static"
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
	// Inference runs the demo models; nil answers "unavailable".
	Inference Inferer
	// InferLimits bound inference requests and websockets (zero: defaults).
	InferLimits InferLimits
	// Metrics serves /metrics (promhttp over the engine's own registry); nil: no route.
	Metrics http.Handler
}

// Server is the dashboard's HTTP handler with its dependencies.
type Server struct {
	cfg  Config
	echo *echo.Echo
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
	s := &Server{cfg: cfg, echo: e}
	e.HTTPErrorHandler = s.handleError
	e.Use(recoverMiddleware(cfg.Logger), requestLogger(cfg.Logger), securityHeaders)
	s.register()
	return s, nil
}

// ServeHTTP lets tests drive the server with httptest.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Serve answers on ln until ctx is cancelled, then drains in-flight requests
// for up to grace before returning.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.cfg.Logger.Info("shutting down", "grace", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
