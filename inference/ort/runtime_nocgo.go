//go:build !cgo

package ort

import (
	"context"
	"fmt"
)

// Runtime is unavailable in a binary built without cgo: ONNX Runtime is a C
// library loaded through cgo.
type Runtime struct{}

// Open always fails without cgo.
func Open(Config) (*Runtime, error) {
	return nil, fmt.Errorf("%w: this binary was built with CGO_ENABLED=0; rebuild with cgo to run models", ErrUnavailable)
}

func (r *Runtime) Status() Status { return Status{} }
func (r *Runtime) Close() error   { return nil }

func (r *Runtime) Inspect(string) ([]IOInfo, []IOInfo, error) { return nil, nil, ErrUnavailable }

// Session is never created without cgo.
type Session struct{}

func (r *Runtime) NewSession(string, []string, []string) (*Session, error) {
	return nil, ErrUnavailable
}

func (s *Session) Run(context.Context, []Tensor) ([]Tensor, error) { return nil, ErrUnavailable }
func (s *Session) Close() error                                    { return nil }
func (s *Session) Inputs() []string                                { return nil }
func (s *Session) Outputs() []string                               { return nil }
