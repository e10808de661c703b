package server

import (
	"context"
	"time"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/evaljobs"
)

// evaluationFrameEvery is the shortest gap between two progress frames of
// one subscription: a fast evaluation changes thousands of times a second.
const evaluationFrameEvery = 250 * time.Millisecond

// codeUnknownEvaluation answers a subscription to an evaluation the server
// does not have (never had, or forgot).
const codeUnknownEvaluation inference.Code = "unknown_evaluation"

// watchEvaluation streams an evaluation's state on the websocket: a frame
// at once, then one after each change (at most four a second), the last one
// with the evaluation finished (done, failed or canceled). It stops early
// when the connection closes or the server starts shutting down, so that a
// long evaluation never holds up a drain.
func (s *Server) watchEvaluation(ctx context.Context, f clientFrame, send func(serverFrame), fail func(string, inference.Code, string)) {
	if s.cfg.Evaluations == nil {
		fail(f.ID, inference.CodeUnavailable, "live evaluation is not available on this server")
		return
	}
	for {
		j, changed, ok := s.cfg.Evaluations.Watch(f.Evaluation)
		if !ok {
			fail(f.ID, codeUnknownEvaluation, "no such evaluation (finished ones are forgotten after a while)")
			return
		}
		send(serverFrame{ID: f.ID, Type: frameEvaluation, Evaluation: &j})
		if j.Status != evaljobs.StatusQueued && j.Status != evaljobs.StatusRunning {
			return
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		case <-s.life.draining():
			return
		}
		select {
		case <-time.After(evaluationFrameEvery):
		case <-ctx.Done():
			return
		case <-s.life.draining():
			return
		}
	}
}
