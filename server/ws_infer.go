package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/evaljobs"
)

// clientFrame is one request on /ws/infer (docs/protocol.md): an inference
// (Type "" or "infer": Model and Input) or a subscription to a live
// evaluation's progress (Type "evaluation": Evaluation).
type clientFrame struct {
	ID         string          `json:"id"`
	Type       string          `json:"type,omitempty"`
	Model      string          `json:"model"`
	Input      json.RawMessage `json:"input"`
	Evaluation string          `json:"evaluation,omitempty"`
}

// serverFrame is one answer: a result, a partial result, an evaluation's
// state or an error.
type serverFrame struct {
	ID         string              `json:"id"`
	Type       string              `json:"type"`
	Output     any                 `json:"output,omitempty"`
	Timing     *inference.Timing   `json:"timing,omitempty"`
	Sentence   *inference.Sentence `json:"sentence,omitempty"`
	Evaluation *evaljobs.Job       `json:"evaluation,omitempty"`
	Error      *frameError         `json:"error,omitempty"`
}

type frameError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

const (
	wsPongWait   = 60 * time.Second
	wsPingPeriod = 50 * time.Second
)

// sameOrigin accepts clients without an Origin header (not browsers), the
// page's own origin and the configured extra origins.
func sameOrigin(allowed []string) func(r *http.Request) bool {
	return func(r *http.Request) bool {
		origin := r.Header.Get("Origin")
		if origin == "" {
			return true
		}
		if slices.Contains(allowed, origin) {
			return true
		}
		u, err := url.Parse(origin)
		return err == nil && strings.EqualFold(u.Host, r.Host)
	}
}

// inferWS serves the websocket: one reader, one writer, requests in
// goroutines bounded per connection; closing the connection cancels them.
// On shutdown the reader stops, the requests in flight are answered and the
// connection closes with 1001 (going away).
func (s *Server) inferWS(c echo.Context) error {
	limits := s.cfg.InferLimits.withDefaults()
	up := websocket.Upgrader{CheckOrigin: sameOrigin(limits.AllowedOrigins), ReadBufferSize: 4096, WriteBufferSize: 4096}
	if !up.CheckOrigin(c.Request()) {
		return echo.NewHTTPError(http.StatusForbidden, "origin not allowed")
	}
	select {
	case s.wsSlots <- struct{}{}:
		defer func() { <-s.wsSlots }()
	default:
		return retryLater(c, http.StatusServiceUnavailable, "too many open websockets; retry shortly")
	}
	client := c.RealIP()
	if !s.clients.enter(client) {
		return retryLater(c, http.StatusTooManyRequests, "too many open websockets from this address; close one first")
	}
	defer s.clients.leave(client)
	if !s.life.enter() {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "the server is shutting down")
	}
	defer s.life.leave()
	conn, err := up.Upgrade(c.Response(), c.Request(), nil)
	if err != nil {
		return nil // the upgrader has answered
	}
	// ctx ends when the client leaves (the reader fails) or at the hard stop.
	ctx, cancel := context.WithCancel(s.life.hard)
	defer cancel()
	defer conn.Close()

	out := make(chan serverFrame, 64)
	closeCode := make(chan int, 1)
	var writers sync.WaitGroup
	writers.Add(1)
	go func() {
		defer writers.Done()
		s.wsWriter(ctx, cancel, conn, out, closeCode, limits.WriteTimeout)
	}()
	conn.SetReadLimit(limits.MaxFrameBytes)
	_ = conn.SetReadDeadline(time.Now().Add(wsPongWait))
	conn.SetPongHandler(func(string) error {
		select {
		case <-s.life.draining():
			return nil // the drain's deadline stands
		default:
			return conn.SetReadDeadline(time.Now().Add(wsPongWait))
		}
	})
	// Draining unblocks the reader; the loop below then finishes what it
	// holds. At the hard stop the connection is closed outright.
	go func() {
		select {
		case <-s.life.draining():
			_ = conn.SetReadDeadline(time.Now())
		case <-ctx.Done():
			return
		}
		<-ctx.Done()
		if s.life.hard.Err() != nil {
			_ = conn.Close()
		}
	}()
	limiter := rate.NewLimiter(rate.Limit(limits.RatePerSecond), limits.Burst)
	inflight := make(chan struct{}, limits.MaxInFlight)
	var requests sync.WaitGroup
	send := func(f serverFrame) {
		select {
		case out <- f:
		case <-ctx.Done():
		}
	}
	fail := func(id string, code inference.Code, msg string) {
		send(serverFrame{ID: id, Type: "error", Error: &frameError{Code: string(code), Message: msg}})
	}
	var readErr error
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			readErr = err // closed, too large (gorilla answers 1009), timed out or draining
			break
		}
		f, problem := decodeFrame(data)
		if problem != nil {
			fail(problem.id, problem.code, problem.message)
			continue
		}
		switch {
		case !limiter.Allow():
			fail(f.ID, inference.CodeBusy, "rate limit exceeded on this connection; slow down")
			continue
		case f.Type == frameEvaluation:
			// A subscription holds one of the connection's in-flight slots
			// until its evaluation ends.
			select {
			case inflight <- struct{}{}:
			default:
				fail(f.ID, inference.CodeBusy, "too many requests in flight on this connection")
				continue
			}
			requests.Add(1)
			go func() {
				defer requests.Done()
				defer func() { <-inflight }()
				s.watchEvaluation(ctx, f, send, fail)
			}()
			continue
		case s.cfg.Inference == nil:
			fail(f.ID, inference.CodeUnavailable, "inference is not configured")
			continue
		}
		in, err := inference.ParseInput(f.Input)
		if err != nil {
			ie := inference.AsError(err)
			fail(f.ID, ie.Code, ie.Message)
			continue
		}
		select {
		case inflight <- struct{}{}:
		default:
			fail(f.ID, inference.CodeBusy, "too many requests in flight on this connection")
			continue
		}
		requests.Add(1)
		go func() {
			defer requests.Done()
			defer func() { <-inflight }()
			defer func() {
				// A panic in this goroutine would end the process, not just
				// the request: answer internal and keep serving.
				if r := recover(); r != nil {
					s.cfg.Logger.Error("panic in websocket request", "model", f.Model, "panic", fmt.Sprint(r))
					fail(f.ID, inference.CodeInternal, "internal error")
				}
			}()
			start := time.Now()
			partial := func(sent inference.Sentence) {
				send(serverFrame{ID: f.ID, Type: "partial", Sentence: &sent})
			}
			res, err := s.infer(ctx, f.Model, in, partial)
			if err != nil {
				ie := inference.AsError(err)
				s.logInfer("ws", f.Model, ie, time.Since(start))
				if ie.Code != inference.CodeCanceled {
					fail(f.ID, ie.Code, ie.Message)
				}
				return
			}
			s.logInfer("ws", f.Model, nil, time.Since(start))
			send(serverFrame{ID: f.ID, Type: "result", Output: res.Output, Timing: &res.Timing})
		}()
	}
	var timeout net.Error
	select {
	case <-s.life.draining():
		if !errors.As(readErr, &timeout) || !timeout.Timeout() {
			break // the client left during the drain: cancel as usual
		}
		// Shutting down: answer what was accepted, then say goodbye.
		requests.Wait()
		closeCode <- websocket.CloseGoingAway
		close(out)
		writers.Wait()
	default:
	}
	cancel()
	requests.Wait()
	writers.Wait()
	return nil
}

// wsWriter is the connection's only writer: frames and pings. It ends when
// ctx does (close 1000), when out is closed after a drain (close with the
// code sent on closeCode), or when a write fails (a client that stopped
// reading): then it cancels the connection, so that nothing waits to send.
func (s *Server) wsWriter(ctx context.Context, cancel context.CancelFunc, conn *websocket.Conn, out <-chan serverFrame, closeCode <-chan int, writeWait time.Duration) {
	ping := time.NewTicker(wsPingPeriod)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			return
		case f, ok := <-out:
			if !ok {
				code := websocket.CloseNormalClosure
				select {
				case code = <-closeCode:
				default:
				}
				_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, "server shutting down"), time.Now().Add(time.Second))
				return
			}
			_ = conn.SetWriteDeadline(time.Now().Add(writeWait))
			if err := conn.WriteJSON(f); err != nil {
				cancel()
				_ = conn.Close()
				return
			}
		case <-ping.C:
			if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				cancel()
				_ = conn.Close()
				return
			}
		}
	}
}
