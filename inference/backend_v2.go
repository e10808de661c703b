package inference

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/clinlm/clinlm/inference/batcher"
	"github.com/clinlm/clinlm/inference/models"
	"github.com/clinlm/clinlm/inference/ort"
	"github.com/clinlm/clinlm/internal/kservev2"
)

// maxV2Answer bounds a remote answer's body: a batch of 64 rows × 512
// tokens × 2 per-token outputs in JSON is a few MiB.
const maxV2Answer = 64 << 20

// v2Backend runs a model's forward pass on a remote Open Inference Protocol
// (KServe v2) server over HTTP with JSON tensors.
type v2Backend struct {
	client    *http.Client
	transport *http.Transport
	// endpoint is the server's base URL; modelURL its /v2/models/{name}[/versions/{v}].
	endpoint, modelURL string
	name               string
	timeout            time.Duration
	inputs, outputs    []ort.IOInfo
}

// v2Types maps the protocol's datatypes to the element type names of
// ort.IOInfo, so checkIO reads remote and local models alike.
var v2Types = map[string]string{"FP32": "float32", "FP16": "float16", "INT64": "int64", "INT32": "int32", "BOOL": "bool"}

// openV2Backend reads the remote model's metadata, which stands in for the
// local file's checks.
func openV2Backend(ctx context.Context, entry models.Entry) (*v2Backend, error) {
	r := entry.Manifest.Remote
	tr, err := v2Transport(r.TLS, entry.Dir)
	if err != nil {
		return nil, err
	}
	timeout := time.Duration(r.TimeoutMS) * time.Millisecond
	if timeout == 0 {
		timeout = models.RemoteTimeoutDefault * time.Millisecond
	}
	name := entry.Manifest.RemoteModel(entry.Name)
	modelURL := strings.TrimRight(r.URL, "/") + "/v2/models/" + url.PathEscape(name)
	if r.Version != "" {
		modelURL += "/versions/" + url.PathEscape(r.Version)
		name += " version " + r.Version
	}
	b := &v2Backend{client: &http.Client{Transport: tr}, transport: tr, endpoint: r.URL, modelURL: modelURL,
		name: name, timeout: timeout}
	if err := b.readMetadata(ctx); err != nil {
		tr.CloseIdleConnections()
		return nil, err
	}
	return b, nil
}

// v2Transport is an HTTP transport with the remote's TLS settings.
func v2Transport(t *models.RemoteTLS, dir string) (*http.Transport, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// The batcher runs a few batches at once; keep their connections.
	tr.MaxIdleConnsPerHost = 16
	if t == nil {
		return tr, nil
	}
	rel := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName}
	if t.CAFile != "" {
		pem, err := os.ReadFile(rel(t.CAFile))
		if err != nil {
			return nil, fmt.Errorf("remote tls ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("remote tls ca_file %s holds no PEM certificate", t.CAFile)
		}
		cfg.RootCAs = pool
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(rel(t.CertFile), rel(t.KeyFile))
		if err != nil {
			return nil, fmt.Errorf("remote tls client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	tr.TLSClientConfig = cfg
	return tr, nil
}

func (b *v2Backend) remoteName() string { return fmt.Sprintf("%q at %s", b.name, b.endpoint) }

func (b *v2Backend) readMetadata(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.modelURL, nil)
	if err != nil {
		return err
	}
	var md kservev2.ModelMeta
	if err := b.do(req, &md); err != nil {
		return fmt.Errorf("remote model metadata: %w", err)
	}
	conv := func(list []kservev2.TensorMeta) ([]ort.IOInfo, error) {
		out := make([]ort.IOInfo, len(list))
		for i, t := range list {
			typ, ok := v2Types[t.Datatype]
			if !ok {
				typ = strings.ToLower(t.Datatype)
			}
			if t.Name == "" {
				return nil, fmt.Errorf("remote model %s: metadata lists a tensor without a name", b.remoteName())
			}
			out[i] = ort.IOInfo{Name: t.Name, Type: typ, Shape: t.Shape}
		}
		return out, nil
	}
	if b.inputs, err = conv(md.Inputs); err != nil {
		return err
	}
	b.outputs, err = conv(md.Outputs)
	return err
}

// ready asks the server whether the model is ready to infer.
func (b *v2Backend) ready(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.modelURL+"/ready", nil)
	if err != nil {
		return err
	}
	return b.do(req, nil)
}

func (b *v2Backend) Describe() (inputs, outputs []ort.IOInfo) { return b.inputs, b.outputs }
func (b *v2Backend) Provider() string                         { return ProviderRemote }
func (b *v2Backend) Endpoint() string                         { return b.endpoint }

func (b *v2Backend) Close() error {
	b.transport.CloseIdleConnections()
	return nil
}

// Run sends one batch with a deadline of its own (the manifest's
// timeout_ms), so a slow server fails the batch clearly instead of holding
// the batcher until every caller's own deadline.
func (b *v2Backend) Run(ctx context.Context, inputs []ort.Tensor) ([]ort.Tensor, error) {
	if len(inputs) != len(b.inputs) {
		return nil, fmt.Errorf("remote: %d inputs given, the model has %d", len(inputs), len(b.inputs))
	}
	body := kservev2.InferRequest{Inputs: make([]kservev2.Tensor, len(inputs)), Outputs: make([]kservev2.RequestedOutput, len(b.outputs))}
	for i, t := range inputs {
		if t.Int64 == nil {
			return nil, fmt.Errorf("remote: input %s: only int64 inputs are sent", b.inputs[i].Name)
		}
		data, err := json.Marshal(t.Int64)
		if err != nil {
			return nil, err
		}
		body.Inputs[i] = kservev2.Tensor{Name: b.inputs[i].Name, Datatype: kservev2.Int64, Shape: t.Shape, Data: data}
	}
	for i, o := range b.outputs {
		body.Outputs[i] = kservev2.RequestedOutput{Name: o.Name}
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(runCtx, http.MethodPost, b.modelURL+"/infer", bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	var resp kservev2.InferResponse
	if err := b.do(req, &resp); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err() // the callers left or ran out of time themselves
		}
		return nil, err
	}
	return b.decodeOutputs(resp.Outputs)
}

// do runs a request and decodes a 200 answer into out, classifying failures
// as the engine's errors: busy for 429/503, timeout for the batch deadline,
// unavailable for an unreachable server or any other answer.
func (b *v2Backend) do(req *http.Request, out any) error {
	res, err := b.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return &Error{Code: CodeTimeout, Err: err,
				Message: fmt.Sprintf("remote model %s did not answer within %s", b.remoteName(), b.timeout)}
		}
		if req.Context().Err() != nil {
			return req.Context().Err()
		}
		return &Error{Code: CodeUnavailable, Err: err,
			Message: fmt.Sprintf("remote model server %s is unreachable", b.endpoint)}
	}
	defer res.Body.Close()
	switch {
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusServiceUnavailable:
		return fmt.Errorf("remote model %s answered %s: %w", b.remoteName(), res.Status, batcher.ErrBusy)
	case res.StatusCode != http.StatusOK:
		// The server's error body is neither shown nor logged: servers quote
		// the request in it (MLServer does), and the request is a note's tokens.
		return &Error{Code: CodeUnavailable,
			Message: fmt.Sprintf("remote model %s answered %s", b.remoteName(), res.Status)}
	}
	if out == nil {
		return nil
	}
	dec := json.NewDecoder(io.LimitReader(res.Body, maxV2Answer))
	if err := dec.Decode(out); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return &Error{Code: CodeTimeout, Err: err,
				Message: fmt.Sprintf("remote model %s did not answer within %s", b.remoteName(), b.timeout)}
		}
		return b.malformed("the answer is not protocol JSON: %v", err)
	}
	return nil
}

func (b *v2Backend) malformed(format string, args ...any) *Error {
	return &Error{Code: CodeUnavailable,
		Message: fmt.Sprintf("remote model %s answered a malformed tensor: %s", b.remoteName(), fmt.Sprintf(format, args...))}
}

// decodeOutputs returns the described outputs in order, checking each
// tensor's datatype, shape and element count.
func (b *v2Backend) decodeOutputs(list []kservev2.Tensor) ([]ort.Tensor, error) {
	byName := make(map[string]kservev2.Tensor, len(list))
	for _, t := range list {
		byName[t.Name] = t
	}
	out := make([]ort.Tensor, len(b.outputs))
	for i, want := range b.outputs {
		t, ok := byName[want.Name]
		if !ok {
			return nil, b.malformed("output %q is missing", want.Name)
		}
		n, err := kservev2.Elements(t.Shape, maxV2Answer)
		if err != nil {
			return nil, b.malformed("output %q has shape %v", want.Name, t.Shape)
		}
		typ := v2Types[t.Datatype]
		if typ != want.Type {
			return nil, b.malformed("output %q is %s, its metadata says %s", want.Name, t.Datatype, want.Type)
		}
		switch typ {
		case "float32", "int64", "bool":
		default:
			return nil, b.malformed("output %q has datatype %s, which clinlm does not read", want.Name, t.Datatype)
		}
		if len(t.Data) == 0 {
			return nil, b.malformed("output %q: no data", want.Name)
		}
		flat, err := kservev2.Flatten(t.Data)
		if err != nil {
			return nil, b.malformed("output %q: data is not JSON: %v", want.Name, err)
		}
		v, err := kservev2.ParseValues(t.Datatype, flat)
		if err != nil {
			return nil, b.malformed("output %q: %v", want.Name, err)
		}
		if int64(len(flat)) != n {
			return nil, b.malformed("output %q has %d values for shape %v", want.Name, len(flat), t.Shape)
		}
		res := ort.Tensor{Shape: t.Shape, Float32: v.Floats, Int64: v.Ints, Bool: v.Bools}
		out[i] = res
	}
	return out, nil
}
