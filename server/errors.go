package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// apiError is the JSON error body of every /api endpoint.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// retryLater is a "busy" answer (429 or 503) that tells the client when to
// try again; handleError renders it like any other error.
func retryLater(c echo.Context, status int, msg string) error {
	c.Response().Header().Set("Retry-After", "1")
	return echo.NewHTTPError(status, msg)
}

// errorCode names an HTTP status for machine clients.
func errorCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusConflict:
		return "conflict"
	case http.StatusUnsupportedMediaType:
		return "unsupported_media_type"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusRequestEntityTooLarge:
		return "too_long"
	case http.StatusRequestTimeout:
		return "timeout"
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return "busy"
	default:
		if status >= 500 {
			return "internal"
		}
		return "error"
	}
}

// handleError is the one place errors become responses: JSON under /api,
// a small HTML page elsewhere. Internal details never reach the client.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status := http.StatusInternalServerError
	message := "internal error"
	var he *echo.HTTPError
	if errors.As(err, &he) {
		status = he.Code
		if m, ok := he.Message.(string); ok {
			message = m
		} else {
			message = http.StatusText(status)
		}
	} else {
		s.cfg.Logger.Error("unhandled error", "route", c.Path(), "err", err)
	}
	if status >= 500 && status != http.StatusServiceUnavailable {
		message = "internal error"
	}
	var werr error
	switch {
	case c.Request().Method == http.MethodHead:
		werr = c.NoContent(status)
	case c.Request().URL.Path == "/v2" || strings.HasPrefix(c.Request().URL.Path, "/v2/"):
		werr = c.JSON(status, map[string]string{"error": message}) // the v2 protocol's error shape
	case strings.HasPrefix(c.Request().URL.Path, "/api/"):
		var body apiError
		body.Error.Code = errorCode(status)
		body.Error.Message = message
		werr = c.JSON(status, body)
	default:
		werr = s.renderErrorPage(c, status, message)
	}
	if werr != nil {
		s.cfg.Logger.Error("writing error response", "err", werr)
	}
}
