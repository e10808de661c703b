package server

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"sync"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/internal/kservev2"
)

// maxPipelineBatch bounds the texts of one v2 pipeline request; each is one
// engine request, run concurrently so the model's batcher merges them.
const maxPipelineBatch = 16

// v2Pipeline is a task's text interface in the v2 protocol: BYTES inputs
// named after the fields of POST /api/v1/infer, one element per request, and
// outputs built from the engine's answer (docs/kserve-v2.md).
type v2Pipeline struct {
	model inference.ModelInfo
	// texts are the BYTES inputs, all required.
	texts []string
	// topK: the task reads an optional INT32/INT64 "top_k" of one element.
	topK bool
}

func pipelineFor(m inference.ModelInfo) v2Pipeline {
	p := v2Pipeline{model: m}
	switch m.Task {
	case "nli":
		p.texts = []string{"premise", "hypothesis"}
	case "qa":
		p.texts, p.topK = []string{"question", "context"}, true
	case "clip":
		p.texts = []string{"text"}
	}
	return p
}

func (p v2Pipeline) inputNames() []string {
	if p.topK {
		return append(slices.Clone(p.texts), "top_k")
	}
	return p.texts
}

// takes says whether a request is for the pipeline: it names a text input.
func (p v2Pipeline) takes(inputs []v2Tensor) bool {
	for _, t := range inputs {
		if slices.Contains(p.texts, t.name) {
			return true
		}
	}
	return false
}

// metaInputs and metaOutputs describe the pipeline in model metadata.
func (p v2Pipeline) metaInputs() []kservev2.TensorMeta {
	var out []kservev2.TensorMeta
	for _, n := range p.texts {
		out = append(out, kservev2.TensorMeta{Name: n, Datatype: v2Bytes, Shape: []int64{-1}})
	}
	if p.topK {
		out = append(out, kservev2.TensorMeta{Name: "top_k", Datatype: v2Int64, Shape: []int64{1}})
	}
	return out
}

func (p v2Pipeline) metaOutputs() []kservev2.TensorMeta {
	out := []kservev2.TensorMeta{{Name: "result", Datatype: v2Bytes, Shape: []int64{-1}}}
	switch p.model.Task {
	case "nli":
		out = append(out, kservev2.TensorMeta{Name: "label", Datatype: v2Bytes, Shape: []int64{-1}},
			kservev2.TensorMeta{Name: "scores", Datatype: v2FP32, Shape: []int64{-1, int64(len(p.model.Labels))}})
	case "qa":
		out = append(out, kservev2.TensorMeta{Name: "answer", Datatype: v2Bytes, Shape: []int64{-1, -1}},
			kservev2.TensorMeta{Name: "answer_start", Datatype: v2Int64, Shape: []int64{-1, -1}},
			kservev2.TensorMeta{Name: "answer_end", Datatype: v2Int64, Shape: []int64{-1, -1}},
			kservev2.TensorMeta{Name: "score", Datatype: v2FP32, Shape: []int64{-1, -1}})
	}
	return out
}

func badPipeline(msg string) *inference.Error {
	return &inference.Error{Code: inference.CodeBadRequest, Message: msg}
}

// inputs turns the request's tensors into one engine input per element.
func (p v2Pipeline) inputs(tensors []v2Tensor) ([]inference.Input, *inference.Error) {
	texts := map[string][]string{}
	topK := 0
	batch := -1
	for _, t := range tensors {
		switch {
		case p.topK && t.name == "top_k":
			if (t.datatype != v2Int64 && t.datatype != v2Int32) || len(t.ints) != 1 {
				return nil, badPipeline(`input "top_k" must be one INT64 or INT32`)
			}
			if k := t.ints[0]; k < 1 || k > 20 {
				return nil, badPipeline("top_k must be between 1 and 20")
			}
			topK = int(t.ints[0])
		case slices.Contains(p.texts, t.name):
			list, err := t.texts()
			if err != nil {
				return nil, badPipeline(err.Error())
			}
			if batch >= 0 && len(list) != batch {
				return nil, badPipeline("the text inputs must have the same number of elements")
			}
			batch = len(list)
			texts[t.name] = list
		default:
			return nil, badPipeline("input " + strconv.Quote(t.name) + " is not a text input of model " + p.model.Name +
				"; its text inputs are " + quoteAll(p.inputNames()) + ", or send only its tensor inputs")
		}
	}
	for _, n := range p.texts {
		if _, ok := texts[n]; !ok {
			return nil, badPipeline("input " + strconv.Quote(n) + " is required (BYTES)")
		}
	}
	if batch < 1 || batch > maxPipelineBatch {
		return nil, badPipeline("a request holds 1 to " + strconv.Itoa(maxPipelineBatch) + " texts per input")
	}
	ins := make([]inference.Input, batch)
	for i := range ins {
		ins[i] = inference.Input{TopK: topK}
		for name, list := range texts {
			switch name {
			case "premise":
				ins[i].Premise = list[i]
			case "hypothesis":
				ins[i].Hypothesis = list[i]
			case "question":
				ins[i].Question = list[i]
			case "context":
				ins[i].Context = list[i]
			case "text":
				ins[i].Text = list[i]
			}
		}
	}
	return ins, nil
}

func quoteAll(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += strconv.Quote(n)
	}
	return out
}

// run answers every element through the engine, concurrently; the first
// failing element (by position) decides the error.
func (p v2Pipeline) run(ctx context.Context, inf Inferer, tensors []v2Tensor) ([]v2Tensor, *inference.Error) {
	ins, bad := p.inputs(tensors)
	if bad != nil {
		return nil, bad
	}
	results := make([]inference.Result, len(ins))
	errs := make([]error, len(ins))
	var wg sync.WaitGroup
	for i, in := range ins {
		wg.Go(func() { results[i], errs[i] = inf.Infer(ctx, p.model.Name, in, nil) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, inference.AsError(err)
		}
	}
	return p.outputs(results, ins[0].TopK)
}

// outputs builds the pipeline's output tensors from the engine's answers.
func (p v2Pipeline) outputs(results []inference.Result, topK int) ([]v2Tensor, *inference.Error) {
	b := int64(len(results))
	result := v2Tensor{name: "result", datatype: v2Bytes, shape: []int64{b}}
	for _, r := range results {
		raw, err := json.Marshal(r.Output)
		if err != nil {
			return nil, &inference.Error{Code: inference.CodeInternal, Message: "internal error", Err: err}
		}
		result.bytes = append(result.bytes, raw)
	}
	outs := []v2Tensor{result}
	switch p.model.Task {
	case "nli":
		n := int64(len(p.model.Labels))
		label := v2Tensor{name: "label", datatype: v2Bytes, shape: []int64{b}}
		scores := v2Tensor{name: "scores", datatype: v2FP32, shape: []int64{b, n}, floats: make([]float32, b*n)}
		for i, r := range results {
			out, _ := r.Output.(inference.NLIOutput)
			best := ""
			if len(out.Labels) > 0 {
				best = out.Labels[0].Label // highest first
			}
			label.bytes = append(label.bytes, []byte(best))
			for _, ls := range out.Labels {
				if j := slices.Index(p.model.Labels, ls.Label); j >= 0 {
					scores.floats[int64(i)*n+int64(j)] = float32(ls.Score)
				}
			}
		}
		outs = append(outs, label, scores)
	case "qa":
		k := int64(topK)
		if k == 0 {
			k = 3 // the engine's default
		}
		shape := []int64{b, k}
		answer := v2Tensor{name: "answer", datatype: v2Bytes, shape: shape, bytes: make([][]byte, b*k)}
		start := v2Tensor{name: "answer_start", datatype: v2Int64, shape: shape, ints: make([]int64, b*k)}
		end := v2Tensor{name: "answer_end", datatype: v2Int64, shape: shape, ints: make([]int64, b*k)}
		score := v2Tensor{name: "score", datatype: v2FP32, shape: shape, floats: make([]float32, b*k)}
		for i, r := range results {
			out, _ := r.Output.(inference.QAOutput)
			for j := range k {
				at := int64(i)*k + j
				answer.bytes[at] = []byte{}
				start.ints[at], end.ints[at] = -1, -1 // fewer answers than top_k
				if j < int64(len(out.Answers)) {
					a := out.Answers[j]
					answer.bytes[at] = []byte(a.Text)
					start.ints[at], end.ints[at], score.floats[at] = int64(a.Start), int64(a.End), float32(a.Score)
				}
			}
		}
		outs = append(outs, answer, start, end, score)
	}
	return outs, nil
}
