package server

import (
	"context"
	"sync"
	"time"

	"github.com/clinlm/clinlm/inference"
)

// lifecycle tracks the work that http.Server.Shutdown cannot see: hijacked
// websocket connections and inference calls still running in handlers. On
// shutdown the server first drains (websockets stop reading new frames and
// finish the requests they hold), then, when the grace period is over, stops
// hard (every inference context is cancelled).
type lifecycle struct {
	mu      sync.Mutex
	closing bool
	active  sync.WaitGroup
	drainCh chan struct{}
	hard    context.Context
	stop    context.CancelFunc
}

func newLifecycle() *lifecycle {
	hard, stop := context.WithCancel(context.Background())
	return &lifecycle{drainCh: make(chan struct{}), hard: hard, stop: stop}
}

// enter registers one unit of work; false once the server is draining.
func (l *lifecycle) enter() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closing {
		return false
	}
	l.active.Add(1)
	return true
}

func (l *lifecycle) leave() { l.active.Done() }

// draining is closed when shutdown begins.
func (l *lifecycle) draining() <-chan struct{} { return l.drainCh }

// drain starts the shutdown: no new work is accepted.
func (l *lifecycle) drain() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closing {
		l.closing = true
		close(l.drainCh)
	}
}

// wait blocks until all work has left or ctx ends; it reports whether all left.
func (l *lifecycle) wait(ctx context.Context) bool {
	done := make(chan struct{})
	go func() { l.active.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// infer runs one inference call as tracked work. Its context ends with the
// caller's or at the hard stop, whichever is first.
func (s *Server) infer(ctx context.Context, model string, in inference.Input, partial inference.Partial) (inference.Result, error) {
	if !s.life.enter() {
		return inference.Result{}, &inference.Error{Code: inference.CodeUnavailable, Message: "the server is shutting down"}
	}
	defer s.life.leave()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.life.hard, cancel)
	defer stop()
	return s.cfg.Inference.Infer(ctx, model, in, partial)
}

// hardStopWait is how long the server waits, after cancelling what was
// still running at the end of the grace period, for it to return.
const hardStopWait = 2 * time.Second
