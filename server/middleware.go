package server

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// requestLogger logs method, route, status and duration. It never logs bodies
// or query strings: clinical note text may travel in either.
func requestLogger(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			route := c.Path()
			if route == "" {
				route = "(unmatched)"
			}
			level := slog.LevelInfo
			status := c.Response().Status
			if status >= 500 {
				level = slog.LevelError
			}
			log.LogAttrs(c.Request().Context(), level, "request",
				slog.String("method", c.Request().Method),
				slog.String("route", route),
				slog.Int("status", status),
				slog.Duration("duration", time.Since(start)),
			)
			return nil
		}
	}
}

// recoverMiddleware turns a handler panic into a 500 so one bad request never
// takes the server down.
func recoverMiddleware(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				if r := recover(); r != nil {
					log.Error("panic in handler", "route", c.Path(), "panic", fmt.Sprint(r))
					err = echo.NewHTTPError(http.StatusInternalServerError, "internal error")
				}
			}()
			return next(c)
		}
	}
}

// contentSecurityPolicy allows scripts only from our own origin (no inline
// script); 'wasm-unsafe-eval' lets the tokenizer's WebAssembly compile.
const contentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
	"style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; " +
	"worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// same-origin, not no-referrer: under no-referrer a browser sends
		// "Origin: null" with the page's own form posts, which siteGuard
		// cannot tell from a sandboxed page of another site.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		return next(c)
	}
}

// bodyLimit caps every request body: no handler can read more than max bytes
// (POST /api/v1/infer answers too_long itself; forms get 413).
func bodyLimit(max int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.ContentLength > max {
				return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "the body is larger than "+strconv.FormatInt(max, 10)+" bytes")
			}
			req.Body = http.MaxBytesReader(c.Response(), req.Body, max+1)
			return next(c)
		}
	}
}

// siteGuard keeps other web sites from using a clinlm that runs on the
// user's machine or network:
//   - the Host header must name this server: an IP address, localhost (or a
//     name under .localhost), or one of allowedHosts ("*" allows any). A page
//     of evil.example that rebinds its DNS name to 127.0.0.1 reaches the
//     server with Host evil.example and is refused (DNS rebinding).
//   - requests that act (any method but GET, HEAD and OPTIONS, and websocket
//     upgrades) must not come from another site: Sec-Fetch-Site, when the
//     browser sends it, must be same-origin or none, and Origin, when sent,
//     must be this server's own (or one of allowedOrigins). Clients that
//     are not browsers send neither and pass.
func siteGuard(allowedHosts, allowedOrigins []string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if !hostAllowed(r.Host, allowedHosts) {
				return echo.NewHTTPError(http.StatusForbidden, "this server does not answer to the host name in the request; "+
					"start it with --allowed-hosts NAME to serve it under that name")
			}
			acts := r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions
			if (acts || strings.EqualFold(r.Header.Get("Upgrade"), "websocket")) && crossSite(r, allowedOrigins) {
				return echo.NewHTTPError(http.StatusForbidden, "requests from other web sites are not allowed")
			}
			return next(c)
		}
	}
}

// hostAllowed checks a Host header against the allow-list.
func hostAllowed(hostport string, allowed []string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	switch {
	case host == "":
		return false
	case net.ParseIP(host) != nil, host == "localhost", strings.HasSuffix(host, ".localhost"):
		return true // an IP address cannot be rebound; .localhost is loopback by definition
	}
	return slices.ContainsFunc(allowed, func(a string) bool { return a == "*" || strings.EqualFold(a, host) })
}

// crossSite reports a request that a page of another site made the
// browser send.
func crossSite(r *http.Request, allowedOrigins []string) bool {
	origin := r.Header.Get("Origin")
	if origin != "" && slices.Contains(allowedOrigins, origin) {
		return false
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin":
		return false // the browser vouches for it, whatever Origin says
	case "", "none":
	default:
		return true // same-site (another port of localhost) or cross-site
	}
	if origin == "" {
		return false // not a browser
	}
	u, err := url.Parse(origin)
	return err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) // "null" has no host
}
