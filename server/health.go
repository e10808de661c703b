package server

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
)

// Check is one start-up finding: a part that loaded, or failed and why.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
	Error  string `json:"error,omitempty"`
	// Optional parts (a missing demo model, say) are reported but do not make
	// the server unready.
	Optional bool `json:"optional,omitempty"`
}

type readiness struct {
	Ready  bool    `json:"ready"`
	Checks []Check `json:"checks"`
}

// healthz is liveness: the process answers.
func (s *Server) healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok\n")
}

// readyz reports what is loaded and what failed; 503 while a required part failed.
func (s *Server) readyz(c echo.Context) error {
	r := readiness{Checks: slices.Clone(s.cfg.Checks)}
	if s.cfg.LiveChecks != nil {
		r.Checks = append(r.Checks, s.cfg.LiveChecks(c.Request().Context())...)
	}
	r.Ready = ready(r.Checks)
	if r.Checks == nil {
		r.Checks = []Check{}
	}
	status := http.StatusOK
	if !r.Ready {
		status = http.StatusServiceUnavailable
	}
	return c.JSON(status, r)
}

// ready is false while a required part failed (/readyz, /v2/health/ready).
func ready(checks []Check) bool {
	for _, ch := range checks {
		if !ch.OK && !ch.Optional {
			return false
		}
	}
	return true
}
