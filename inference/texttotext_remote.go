package inference

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/clinlm/clinlm/inference/models"
	"github.com/clinlm/clinlm/inference/ort"
	"github.com/clinlm/clinlm/internal/kservev2"
)

// maxGeneratedBytes bounds one generated text from a remote generator: a
// text-to-text answer is a label word, a label list or a short span, and a
// server that answers megabytes per prompt is broken.
const maxGeneratedBytes = 64 << 10

// v2Generator runs whole generations on a remote Open Inference Protocol
// server (remote.generates): the filled prompts go out as one BYTES tensor
// [n] and the generated texts come back as one BYTES tensor of n elements.
// The server tokenizes, decodes and detokenizes; clinlm keeps the prompt,
// batching and the reading of the text (labels, spans).
type v2Generator struct {
	*v2Backend
}

// openV2Generator reads the remote model's metadata and checks that it is a
// generator: exactly one BYTES input and one BYTES output.
func openV2Generator(ctx context.Context, entry models.Entry) (*v2Generator, error) {
	b, err := openV2Backend(ctx, entry)
	if err != nil {
		return nil, err
	}
	if len(b.inputs) != 1 || b.inputs[0].Type != "bytes" || len(b.outputs) != 1 || b.outputs[0].Type != "bytes" {
		_ = b.Close()
		return nil, fmt.Errorf("remote model %s is not a text generator: a generator has one BYTES input (the prompt) and one BYTES output (the generated text); it has inputs %s and outputs %s",
			b.remoteName(), ioSummary(b.inputs), ioSummary(b.outputs))
	}
	return &v2Generator{b}, nil
}

// run generates one text per job's prompt, the whole batch in one request
// under the manifest's timeout_ms.
func (g *v2Generator) run(ctx context.Context, jobs []genJob) ([]genResult, error) {
	prompts := make([]string, len(jobs))
	for i, j := range jobs {
		prompts[i] = j.prompt
	}
	data, err := json.Marshal(prompts)
	if err != nil {
		return nil, err
	}
	body := kservev2.InferRequest{
		Inputs:  []kservev2.Tensor{{Name: g.inputs[0].Name, Datatype: "BYTES", Shape: []int64{int64(len(jobs))}, Data: data}},
		Outputs: []kservev2.RequestedOutput{{Name: g.outputs[0].Name}},
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(runCtx, http.MethodPost, g.modelURL+"/infer", bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	var resp kservev2.InferResponse
	if err := g.do(req, &resp); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	texts, err := g.texts(resp.Outputs, len(jobs))
	if err != nil {
		return nil, err
	}
	out := make([]genResult, len(jobs))
	for i, t := range texts {
		out[i] = genResult{texts: []string{t}}
	}
	return out, nil
}

// texts reads the generated texts, one per prompt, from the answer.
func (g *v2Generator) texts(list []kservev2.Tensor, n int) ([]string, error) {
	name := g.outputs[0].Name
	i := 0
	for i < len(list) && list[i].Name != name {
		i++
	}
	if i == len(list) {
		return nil, g.malformed("output %q is missing", name)
	}
	t := list[i]
	if t.Datatype != "BYTES" {
		return nil, g.malformed("output %q is %s, want BYTES", name, t.Datatype)
	}
	if count, err := kservev2.Elements(t.Shape, maxV2Answer); err != nil || count != int64(n) {
		return nil, g.malformed("output %q has shape %v for %d prompts", name, t.Shape, n)
	}
	flat, err := kservev2.Flatten(t.Data)
	if err != nil {
		return nil, g.malformed("output %q: data is not JSON: %v", name, err)
	}
	if len(flat) != n {
		return nil, g.malformed("output %q has %d texts for %d prompts", name, len(flat), n)
	}
	out := make([]string, n)
	for k, v := range flat {
		s, ok := v.(string)
		switch {
		case !ok:
			return nil, g.malformed("output %q element %d is not a string", name, k)
		case len(s) > maxGeneratedBytes:
			return nil, g.malformed("output %q element %d is %d bytes long; a generated text is at most %d", name, k, len(s), maxGeneratedBytes)
		case !utf8.ValidString(s):
			return nil, g.malformed("output %q element %d is not UTF-8 text", name, k)
		}
		out[k] = s
	}
	return out, nil
}

// ioSummary lists tensors as name (type) for messages.
func ioSummary(list []ort.IOInfo) string {
	if len(list) == 0 {
		return "none"
	}
	var b bytes.Buffer
	for i, x := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (%s)", x.Name, x.Type)
	}
	return b.String()
}
