package inference

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/clinlm/clinlm/inference/batcher"
	"github.com/clinlm/clinlm/inference/models"
	"github.com/clinlm/clinlm/inference/ort"
	"github.com/clinlm/clinlm/inference/refranges"
)

// Backend runs a model's forward pass on tensors. The engine keeps
// tokenization, batching and post-processing; a backend only turns the
// batch's input tensors into output tensors — in process through ONNX
// Runtime (ortBackend) or on a remote Open Inference Protocol server
// (v2Backend).
type Backend interface {
	// Describe lists the model's inputs and outputs (names, element types as
	// ort.IOInfo names them, shapes with -1 for dynamic dimensions).
	Describe() (inputs, outputs []ort.IOInfo)
	// Run feeds one tensor per described input, in Describe's order, and
	// returns one tensor per described output, in Describe's order.
	Run(ctx context.Context, inputs []ort.Tensor) ([]ort.Tensor, error)
	// Provider names where the model runs, for /readyz, /metrics and the
	// model pages: "cpu", "cuda" or "remote".
	Provider() string
	// Endpoint is the remote's address ("" in process).
	Endpoint() string
	Close() error
}

// Providers a Backend reports.
const (
	ProviderCPU    = "cpu"
	ProviderCUDA   = "cuda"
	ProviderRemote = "remote"
)

// providerOf is where the runtime runs models.
func providerOf(rt *ort.Runtime) string {
	if rt != nil && rt.Status().Device == ort.DeviceCUDA {
		return ProviderCUDA
	}
	return ProviderCPU
}

// bindLocal runs the model's model.onnx in process, on the session already
// open for a file with the same bytes when there is one.
func (e *Engine) bindLocal(m *model, entry models.Entry) error {
	path := entry.Path(models.ModelFile)
	digest, err := fileDigest(path)
	if err != nil {
		return fmt.Errorf("model.onnx: %w", err)
	}
	key := "onnx:" + digest
	b, shared := e.backends[key]
	if !shared {
		ob, err := openORTBackend(e.cfg.Runtime, path)
		if err != nil {
			return err
		}
		b = ob
	}
	// Local backends are always ORT ones; the graph was read once, when the
	// backend was opened, for every model that shares it.
	err = e.bind(m, entry, key, b, models.ModelFile, b.(*ortBackend).rowsAlone)
	if err != nil {
		if !shared {
			_ = b.Close()
		}
		return err
	}
	return nil
}

// bindRemote runs the model's forward pass on its remote v2 server; the
// server's model metadata is checked against the manifest here.
func (e *Engine) bindRemote(m *model, entry models.Entry) error {
	b, err := openV2Backend(context.Background(), entry)
	if err != nil {
		return err
	}
	// Each remote model gets its own client and batcher: the server batches too.
	key := "remote:" + m.info.Name
	if err := e.bind(m, entry, key, b, "remote model "+b.remoteName(), false); err != nil {
		_ = b.Close()
		return err
	}
	return nil
}

// bind checks the backend against the manifest, loads the tokenizer and
// gives the model the batcher of (backend, binding), creating it when new;
// alone makes that batcher run every row in a batch of its own.
func (e *Engine) bind(m *model, entry models.Entry, key string, b Backend, what string, alone bool) error {
	ins, outs := b.Describe()
	bind, err := checkIO(what, ins, outs, entry.Manifest)
	if err != nil {
		return err
	}
	tok, err := e.cfg.LoadTokenizer(entry.Path(models.TokenizerFile))
	if err != nil {
		return fmt.Errorf("tokenizer.json: %w", err)
	}
	if _, ok := e.backends[key]; !ok {
		e.backends[key] = b
		e.backendOrder = append(e.backendOrder, b)
	}
	// One batcher per backend and set of inputs: models that share a file
	// (minilm-nli, -radqa, -clip and -clip-zeroshot) share its batches even
	// where they read different outputs of the run.
	batchKey := key + " " + bind.inputKey()
	shared, ok := e.batchers[batchKey]
	if ok {
		e.cfg.Logger.Info("model shares a session and batcher", "model", m.info.Name, "with", shared.owner)
		m.info.SharesWith = shared.owner
	} else {
		// A shared batcher's queue and batch metrics carry the name of the
		// first model that opened it.
		batchCfg := e.cfg.Batch
		if alone {
			batchCfg.MaxBatch = 1
		}
		if e.cfg.BucketBatches {
			batchCfg.Buckets = e.cfg.PadBuckets
		}
		shared = sharedBatcher{batch: batcher.New(batchCfg, batchRunner(b, e.cfg.PadBuckets, m.obs), rowLen, m.obs), owner: m.info.Name}
		e.batchers[batchKey] = shared
		e.batcherOrder = append(e.batcherOrder, shared.batch)
	}
	if entry.Manifest.Preprocess == models.PreprocessReferenceRanges {
		m.marker = refranges.New()
		tok = markingTokenizer{inner: tok, marker: m.marker}
	}
	m.tok, m.batch, m.bind, m.backend, m.alone = tok, shared.batch, &bind, b, alone
	m.info.Provider, m.info.Endpoint = b.Provider(), b.Endpoint()
	return nil
}

// RemoteStatus is whether a loaded remote model's server has it ready.
type RemoteStatus struct {
	Model, Endpoint string
	Ready           bool
	Error           string
}

// RemoteHealth asks the server of every loaded remote model whether the
// model is ready (GET /v2/models/{m}/ready), all at once, each within
// timeout: a server that went down after start shows here (and on /readyz).
func (e *Engine) RemoteHealth(ctx context.Context, timeout time.Duration) []RemoteStatus {
	var out []RemoteStatus
	var probes []*v2Backend
	for _, m := range e.models {
		b, ok := m.backend.(*v2Backend)
		if m.t2t != nil && m.t2t.remote != nil {
			b, ok = m.t2t.remote.v2Backend, true
		}
		if ok {
			out = append(out, RemoteStatus{Model: m.info.Name, Endpoint: b.endpoint})
			probes = append(probes, b)
		}
	}
	var wg sync.WaitGroup
	for i, b := range probes {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			if err := b.ready(ctx); err != nil {
				out[i].Error = AsError(err).Message
				return
			}
			out[i].Ready = true
		})
	}
	wg.Wait()
	return out
}

// fileDigest is the sha256 of a file's bytes.
func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
