package inference

import (
	"errors"
	"fmt"

	"github.com/clinlm/clinlm/inference/ort"
)

// sessionPool opens one ONNX Runtime session per (file bytes, inputs,
// outputs) on the runtime's device and owns them: text-to-text models that
// share their files (tiny-t5-nli, -qa and -clip are symlinks to one export;
// a merged-decoder folder may share the encoder) share their sessions
// instead of holding a copy of the weights each.
type sessionPool struct {
	rt    *ort.Runtime
	byKey map[string]*ort.Session
	order []*ort.Session
}

func newSessionPool(rt *ort.Runtime) *sessionPool {
	return &sessionPool{rt: rt, byKey: map[string]*ort.Session{}}
}

// open returns the session of path's bytes bound to inputs and outputs,
// opening it the first time.
func (p *sessionPool) open(path string, inputs, outputs []string) (*ort.Session, error) {
	digest, err := fileDigest(path)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprint(digest, inputs, outputs)
	if s, ok := p.byKey[key]; ok {
		return s, nil
	}
	s, err := p.rt.NewSession(path, inputs, outputs)
	if err != nil {
		return nil, err
	}
	p.byKey[key] = s
	p.order = append(p.order, s)
	return s, nil
}

// Close frees every session the pool opened.
func (p *sessionPool) Close() error {
	errs := make([]error, 0, len(p.order))
	for _, s := range p.order {
		errs = append(errs, s.Close())
	}
	p.order, p.byKey = nil, map[string]*ort.Session{}
	return errors.Join(errs...)
}
