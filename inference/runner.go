package inference

import (
	"context"
	"fmt"
	"slices"

	"github.com/clinlm/clinlm/inference/batcher"
	"github.com/clinlm/clinlm/inference/ort"
)

// row is one sequence for the model.
type row struct {
	ids, types []int64
	// bind is how the row's model reads the run: models that share a file
	// share its batches (one session run for all their rows), and each row
	// takes its own model's outputs (minilm-nli's nli_logits, minilm-radqa's
	// start and end logits) from that run.
	bind *binding
}

func rowLen(r row) int { return len(r.ids) }

// rowOut holds one row's outputs, one slice per output role; per-token
// outputs are cut to the row's own length (padding removed).
type rowOut [][]float32

// binding maps the manifest's roles onto a backend's described inputs and
// outputs (see checkIO).
type binding struct {
	// inputRoles is, per described input, its role: input_ids,
	// attention_mask or token_type_ids.
	inputRoles []string
	// outputIndex is, per output role of the head, the index among the
	// described outputs; perToken says which of them have one value per token.
	outputIndex []int
	perToken    []bool
	// widths is, per output role, the width each row's output must have:
	// the label count for logits (the NLI labels for zero-shot), 0 for
	// per-token outputs (checked against the row length instead).
	widths []int
}

// inputKey tells bindings apart by what they feed the backend: rows of one
// batch must agree on it (the outputs each row reads may differ).
func (b binding) inputKey() string { return fmt.Sprint(b.inputRoles) }

// padWidth is the batch's padded length: the longest row, rounded up to the
// first bucket that holds it when buckets are set (fewer distinct shapes,
// which GPU kernels and ORT's memory arena reuse), else the longest row.
func padWidth(longest int, buckets []int) int {
	for _, b := range buckets {
		if b >= longest {
			return b
		}
	}
	return longest
}

// batchRunner pads a batch, runs it on the backend and splits the outputs
// per row, each as its row's binding reads them. The batcher's rows all
// share one binding's inputs (the engine keys batchers by inputKey). obs
// counts the positions sent, tokens and padding.
func batchRunner(b Backend, buckets []int, obs modelObserver) batcher.RunFunc[row, rowOut] {
	return func(ctx context.Context, rows []row) ([]rowOut, error) {
		longest, tokens := 0, 0
		for _, r := range rows {
			longest = max(longest, len(r.ids))
			tokens += len(r.ids)
		}
		width := padWidth(longest, buckets)
		n := len(rows) * width
		obs.padded(tokens, n-tokens)
		ids, mask, types := make([]int64, n), make([]int64, n), make([]int64, n)
		for i, r := range rows {
			copy(ids[i*width:], r.ids)
			copy(types[i*width:], r.types)
			for j := range r.ids {
				mask[i*width+j] = 1
			}
		}
		shape := []int64{int64(len(rows)), int64(width)}
		byRole := map[string][]int64{"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
		roles := rows[0].bind.inputRoles
		inputs := make([]ort.Tensor, len(roles))
		for i, role := range roles {
			inputs[i] = ort.Tensor{Shape: shape, Int64: byRole[role]}
		}
		outs, err := b.Run(ctx, inputs)
		if err != nil {
			return nil, err
		}
		res := make([]rowOut, len(rows))
		for i, r := range rows {
			out, err := r.bind.read(outs, i, len(rows), width, len(r.ids))
			if err != nil {
				return nil, err
			}
			res[i] = out
		}
		return res, nil
	}
}

// read takes row i's outputs (of a batch of n rows padded to width, the
// row holding length tokens) from a run's output tensors.
func (bind *binding) read(outs []ort.Tensor, i, n, width, length int) (rowOut, error) {
	var res rowOut
	for k, idx := range bind.outputIndex {
		if idx >= len(outs) {
			return nil, fmt.Errorf("the backend returned %d outputs, want at least %d", len(outs), idx+1)
		}
		t := outs[idx]
		if len(t.Shape) != 2 || t.Shape[0] != int64(n) || t.Float32 == nil {
			return nil, fmt.Errorf("output %d has shape %v, want float32 [%d, *]", k, t.Shape, n)
		}
		stride := int(t.Shape[1])
		if bind.perToken[k] && stride != width {
			return nil, fmt.Errorf("per-token output %d has %d positions for %d tokens", k, stride, width)
		}
		// Checked on every run: a model whose class dimension is dynamic
		// passes the load-time check, and a wrong width must become an
		// error, not an index out of range in the pipelines.
		if w := bind.widths[k]; w > 0 && stride != w {
			return nil, fmt.Errorf("output %d has %d classes; the manifest names %d labels", k, stride, w)
		}
		if len(t.Float32) != n*stride {
			return nil, fmt.Errorf("output %d has %d values for shape %v", k, len(t.Float32), t.Shape)
		}
		v := t.Float32[i*stride : (i+1)*stride]
		if bind.perToken[k] {
			v = v[:length]
		}
		res = append(res, slices.Clip(v))
	}
	return res, nil
}
