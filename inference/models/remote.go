package models

import (
	"fmt"
	"net/url"
	"strings"
)

// Remote says that a model's forward pass runs on a remote server that
// speaks the Open Inference Protocol (KServe v2) over HTTP: Triton, KServe,
// MLServer. clinlm keeps tokenization, batching and post-processing; the
// folder then needs no model.onnx, and the server's model metadata takes the
// place of the file's input and output checks at load.
type Remote struct {
	// URL is the server's base address, e.g. http://triton:8000 (the /v2/...
	// paths are added). Credentials do not belong here: a URL with a user or
	// password is refused, so a manifest never carries a secret.
	URL string `json:"url"`
	// Model is the server's model name (default: the manifest's name).
	Model string `json:"model,omitempty"`
	// Version is the model version ("" lets the server choose).
	Version string `json:"version,omitempty"`
	// TimeoutMS bounds one batch's round trip (default 10,000).
	TimeoutMS int `json:"timeout_ms,omitempty"`
	// TLS configures https:// URLs.
	TLS *RemoteTLS `json:"tls,omitempty"`
	// Generates says the server's model is a whole text generator (a
	// Triton ensemble or Python backend, an MLServer runtime that runs
	// generate): one BYTES input, the filled prompts, and one BYTES output,
	// the generated texts. It is how a text-to-text model runs remotely —
	// the decoding loop stays on the server, one round trip per prompt, not
	// per token.
	Generates bool `json:"generates,omitempty"`
}

// RemoteTLS are the TLS settings of a remote; file paths are relative to
// the model folder unless absolute.
type RemoteTLS struct {
	// CAFile is a PEM bundle of the CAs to trust instead of the system's.
	CAFile string `json:"ca_file,omitempty"`
	// CertFile and KeyFile are a client certificate (mutual TLS).
	CertFile string `json:"cert_file,omitempty"`
	KeyFile  string `json:"key_file,omitempty"`
	// ServerName overrides the name checked in the server's certificate.
	ServerName string `json:"server_name,omitempty"`
}

// RemoteTimeoutDefault is the batch deadline when timeout_ms is not set.
const RemoteTimeoutDefault = 10000

func (m Manifest) validateRemote() []error {
	r := m.Remote
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("remote: "+format, args...)) }
	switch {
	case m.Head == HeadTextToText && !r.Generates:
		// Generation is a loop of decoder steps; one remote call per token
		// would put the network inside the loop. Remotely the whole loop runs
		// on the server, which must say so.
		bad("a text-to-text model runs remotely only as a whole generator: set generates (the server's model takes the prompt text and returns the generated text, one BYTES tensor each); clinlm does not make one round trip per token")
	case m.Head != HeadTextToText && r.Generates:
		bad("generates is for the text-to-text head only")
	}
	u, err := url.Parse(r.URL)
	switch {
	case err != nil:
		bad("url %q: %v", r.URL, err)
	case u.Scheme != "http" && u.Scheme != "https":
		bad("url %q: want http:// or https://", r.URL)
	case u.Host == "":
		bad("url %q has no host", r.URL)
	case u.User != nil:
		bad("url must not hold a user or password (a manifest carries no secrets)")
	case u.RawQuery != "" || u.Fragment != "":
		bad("url %q: no query or fragment; give the server's base address", r.URL)
	}
	if strings.ContainsAny(r.Model, "/?#") || strings.ContainsAny(r.Version, "/?#") {
		bad("model and version must not contain '/', '?' or '#'")
	}
	if r.TimeoutMS < 0 {
		bad("timeout_ms %d is negative", r.TimeoutMS)
	}
	if t := r.TLS; t != nil {
		if err == nil && u.Scheme != "https" {
			bad("tls is set but the url is not https://")
		}
		if (t.CertFile == "") != (t.KeyFile == "") {
			bad("tls: cert_file and key_file go together")
		}
	}
	return errs
}

// RemoteModel is the server's model name.
func (m Manifest) RemoteModel(name string) string {
	if m.Remote != nil && m.Remote.Model != "" {
		return m.Remote.Model
	}
	return name
}
