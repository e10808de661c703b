package server

import (
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"
)

// clientLimits bound what one client, known by its remote IP address, may
// start: inference requests and websocket opens per second (a token bucket
// per address, echo's rate limiter), and websockets open at once. The global
// caps (MaxConnections, MaxHTTPInFlight) keep the server alive; these keep
// one client from taking all of it. Both are off when their limit is 0.
type clientLimits struct {
	rate    echo.MiddlewareFunc // nil when off
	store   *middleware.RateLimiterMemoryStore
	maxOpen int
	mu      sync.Mutex
	open    map[string]int
}

func newClientLimits(l InferLimits) *clientLimits {
	c := &clientLimits{maxOpen: l.PerClientWebsockets, open: map[string]int{}}
	if l.PerClientRate > 0 {
		burst := l.PerClientBurst
		if burst <= 0 {
			burst = max(1, int(2*l.PerClientRate))
		}
		store := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(l.PerClientRate), Burst: burst, ExpiresIn: 3 * time.Minute})
		c.store = store
		c.rate = middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
			Store:               store,
			IdentifierExtractor: func(ctx echo.Context) (string, error) { return ctx.RealIP(), nil },
			DenyHandler: func(ctx echo.Context, _ string, _ error) error {
				return retryLater(ctx, http.StatusTooManyRequests, "too many requests from this address; slow down")
			},
		})
	}
	return c
}

// limitRate wraps a handler with the per-client request rate.
func (c *clientLimits) limitRate(h echo.HandlerFunc) echo.HandlerFunc {
	if c.rate == nil {
		return h
	}
	return c.rate(h)
}

// allow spends one request of client's rate (shared by HTTP and gRPC);
// always true when the rate is off.
func (c *clientLimits) allow(client string) bool {
	if c.store == nil {
		return true
	}
	ok, err := c.store.Allow(client)
	return ok && err == nil
}

// enter counts a websocket of the client; false when it has its maximum
// open. A true answer must be paired with leave.
func (c *clientLimits) enter(client string) bool {
	if c.maxOpen <= 0 {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open[client] >= c.maxOpen {
		return false
	}
	c.open[client]++
	return true
}

func (c *clientLimits) leave(client string) {
	if c.maxOpen <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open[client]--; c.open[client] <= 0 {
		delete(c.open, client) // the map holds only clients with a websocket open
	}
}
