package tokenizer

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/clinlm/clinlm/internal/smallfmt"
)

// EncodeBatch encodes every text (Encode with addSpecialTokens) on up to
// GOMAXPROCS goroutines; result i is the encoding of texts[i]. Workers take
// texts in order from a shared counter, so one long text does not hold up a
// fixed share of the others. On failure it returns the error of the first
// failing text (lowest index) among those encoded, naming its index.
func (t *Tokenizer) EncodeBatch(texts []string, addSpecialTokens bool) ([]*Encoding, error) {
	out := make([]*Encoding, len(texts))
	workers := min(runtime.GOMAXPROCS(0), len(texts))
	if workers <= 1 {
		for i, s := range texts {
			enc, err := t.Encode(s, addSpecialTokens)
			if err != nil {
				return nil, smallfmt.Errorf("text %d: %w", i, err)
			}
			out[i] = enc
		}
		return out, nil
	}
	var (
		next     atomic.Int64
		failed   atomic.Bool
		mu       sync.Mutex
		firstErr error
		firstIdx = len(texts)
		wg       sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= len(texts) {
					return
				}
				enc, err := t.Encode(texts[i], addSpecialTokens)
				if err != nil {
					mu.Lock()
					if i < firstIdx {
						firstIdx, firstErr = i, err
					}
					mu.Unlock()
					failed.Store(true)
					return
				}
				out[i] = enc
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, smallfmt.Errorf("text %d: %w", firstIdx, firstErr)
	}
	return out, nil
}
