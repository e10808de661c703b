package inference

import (
	"context"
	"errors"
	"fmt"

	"github.com/clinlm/clinlm/inference/batcher"
)

// Code is a machine-readable error code shared by HTTP and websocket answers.
type Code string

const (
	CodeBadRequest   Code = "bad_request"
	CodeTooLong      Code = "too_long"
	CodeUnknownModel Code = "unknown_model"
	// CodeUnavailable: the model is listed but cannot run (load error, no ONNX Runtime).
	CodeUnavailable Code = "unavailable"
	CodeBusy        Code = "busy"
	CodeTimeout     Code = "timeout"
	// CodeCanceled: the client went away; nothing is sent.
	CodeCanceled Code = "canceled"
	CodeInternal Code = "internal"
)

// Error is an inference failure safe to show to the client: the message
// never contains note text.
type Error struct {
	Code    Code
	Message string
	// Err is the cause, for logs (never sent).
	Err error
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }
func (e *Error) Unwrap() error { return e.Err }

func newError(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// AsError classifies any error from the engine.
func AsError(err error) *Error {
	var e *Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e):
		return e
	case errors.Is(err, batcher.ErrBusy):
		return &Error{Code: CodeBusy, Message: "the model is busy; retry shortly", Err: err}
	case errors.Is(err, batcher.ErrTooLarge):
		return &Error{Code: CodeTooLong, Message: "the input needs more model runs than the model's queue holds; shorten it", Err: err}
	case errors.Is(err, batcher.ErrClosed):
		return &Error{Code: CodeUnavailable, Message: "the model is shutting down", Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Code: CodeTimeout, Message: "the request took too long", Err: err}
	case errors.Is(err, context.Canceled):
		return &Error{Code: CodeCanceled, Message: "the request was cancelled", Err: err}
	}
	return &Error{Code: CodeInternal, Message: "internal error", Err: err}
}
