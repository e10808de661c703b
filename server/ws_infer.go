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
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/evaljobs"
)

// clientFrame is one request on /ws/infer (docs/protocol.md): Type is
// "infer" (or absent), "saliency" (Label optional), "cancel" (ID only:
// the request to stop) or "evaluation" (Evaluation only: a subscription to
// a live evaluation's progress).
type clientFrame struct {
	ID         string          `json:"id"`
	Type       string          `json:"type,omitempty"`
	Model      string          `json:"model"`
	Input      json.RawMessage `json:"input"`
	Label      string          `json:"label,omitempty"`
	Evaluation string          `json:"evaluation,omitempty"`
}

// Client frame types.
const (
	frameInfer      = "infer"
	frameSaliency   = "saliency"
	frameCancel     = "cancel"
	frameEvaluation = "evaluation"
)

// serverFrame is one answer: a result, a partial result, progress, an
// evaluation's state or an error.
type serverFrame struct {
	ID         string              `json:"id"`
	Type       string              `json:"type"`
	Output     any                 `json:"output,omitempty"`
	Timing     *inference.Timing   `json:"timing,omitempty"`
	Sentence   *inference.Sentence `json:"sentence,omitempty"`
	Progress   *frameProgress      `json:"progress,omitempty"`
	Evaluation *evaljobs.Job       `json:"evaluation,omitempty"`
	Error      *frameError         `json:"error,omitempty"`
}

// frameProgress is how many of a saliency request's model runs are done.
type frameProgress struct {
	Done  int `json:"done"`
	Total int `json:"total"`
}

// inFlight tracks a connection's running requests by id, so that a cancel
// frame can stop them; several may share an id (the client chooses ids).
type inFlight struct {
	mu   sync.Mutex
	byID map[string][]*runningRequest
}

type runningRequest struct {
	cancel context.CancelFunc
	// byClient is set when a cancel frame stopped the request: it is then
	// answered with a canceled error, where a request cancelled because the
	// connection closed gets no answer.
	byClient atomic.Bool
}

func (f *inFlight) add(id string, r *runningRequest) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.byID[id] = append(f.byID[id], r)
}

func (f *inFlight) remove(id string, r *runningRequest) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.byID[id] = slices.DeleteFunc(f.byID[id], func(x *runningRequest) bool { return x == r })
	if len(f.byID[id]) == 0 {
		delete(f.byID, id)
	}
}

// cancel stops every running request with this id; an id that is not
// running (finished, or never sent) is ignored.
func (f *inFlight) cancel(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.byID[id] {
		r.byClient.Store(true)
		r.cancel()
	}
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
	running := &inFlight{byID: map[string][]*runningRequest{}}
	// admit takes one of the connection's in-flight slots for a request and
	// tracks it under its id (so a cancel frame can stop it); release, deferred
	// by the request's goroutine, gives both back. Over the limit it answers
	// busy and admits nothing.
	admit := func(id string) (context.Context, *runningRequest, func(), bool) {
		select {
		case inflight <- struct{}{}:
		default:
			fail(id, inference.CodeBusy, "too many requests in flight on this connection")
			return nil, nil, nil, false
		}
		requests.Add(1)
		reqCtx, cancel := context.WithCancel(ctx)
		req := &runningRequest{cancel: cancel}
		running.add(id, req)
		release := func() {
			cancel()
			running.remove(id, req)
			<-inflight
			requests.Done()
		}
		return reqCtx, req, release, true
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
		if f.Type == frameCancel {
			running.cancel(f.ID) // not rate limited: it only ever removes work
			continue
		}
		switch {
		case !limiter.Allow():
			fail(f.ID, inference.CodeBusy, "rate limit exceeded on this connection; slow down")
			continue
		case f.Type == frameEvaluation:
			// A subscription holds one of the connection's in-flight slots
			// until its evaluation ends. A cancel frame with its id ends the
			// subscription (not the evaluation: that is DELETE
			// /api/v1/evaluations/{id}).
			subCtx, sub, release, ok := admit(f.ID)
			if !ok {
				continue
			}
			go func() {
				defer release()
				s.watchEvaluation(subCtx, f, send, fail)
				if sub.byClient.Load() {
					fail(f.ID, inference.CodeCanceled, "subscription cancelled")
				}
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
		reqCtx, req, release, ok := admit(f.ID)
		if !ok {
			continue
		}
		go func() {
			defer release()
			defer func() {
				// A panic in this goroutine would end the process, not just
				// the request: answer internal and keep serving.
				if r := recover(); r != nil {
					s.cfg.Logger.Error("panic in websocket request", "model", f.Model, "panic", fmt.Sprint(r))
					fail(f.ID, inference.CodeInternal, "internal error")
				}
			}()
			start := time.Now()
			var output any
			var timing inference.Timing
			var err error
			if f.Type == frameSaliency {
				progress := func(done, total int) {
					send(serverFrame{ID: f.ID, Type: "progress", Progress: &frameProgress{Done: done, Total: total}})
				}
				var res inference.SaliencyResult
				res, err = s.explain(reqCtx, f.Model, in, inference.SaliencyOptions{Label: f.Label}, progress)
				output, timing = res.Output, res.Timing
			} else {
				partial := func(sent inference.Sentence) {
					send(serverFrame{ID: f.ID, Type: "partial", Sentence: &sent})
				}
				var res inference.Result
				res, err = s.infer(reqCtx, f.Model, in, partial)
				output, timing = res.Output, res.Timing
			}
			if err != nil {
				ie := inference.AsError(err)
				s.logInfer("ws", f.Model, ie, time.Since(start))
				switch {
				case ie.Code != inference.CodeCanceled:
					fail(f.ID, ie.Code, ie.Message)
				case req.byClient.Load() && ctx.Err() == nil:
					fail(f.ID, inference.CodeCanceled, "cancelled by the client")
				}
				return
			}
			s.logInfer("ws", f.Model, nil, time.Since(start))
			send(serverFrame{ID: f.ID, Type: "result", Output: output, Timing: &timing})
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
