package inference

import (
	"context"
	"fmt"

	"github.com/clinlm/clinlm/inference/batcher"
	"github.com/clinlm/clinlm/inference/models"
	"github.com/clinlm/clinlm/inference/ort"
)

// row is one sequence for the model.
type row struct {
	ids, types []int64
}

func rowLen(r row) int { return len(r.ids) }

// rowOut holds one row's outputs, one slice per output role; per-token
// outputs are cut to the row's own length (padding removed).
type rowOut [][]float32

// outputWidths is the width each output must have per row, in the order of
// the manifest's output roles: the label count for logits (the NLI labels
// for zero-shot), 0 for per-token outputs (checked against the row length).
func outputWidths(mf models.Manifest) []int {
	var out []int
	for _, role := range mf.OutputRoles() {
		w := 0
		if role == "logits" {
			w = len(mf.Labels)
			if mf.Head == models.HeadZeroShotNLI {
				w = len(mf.NLILabels)
			}
		}
		out = append(out, w)
	}
	return out
}

// sessionRunner pads a batch, runs it and splits the outputs per row.
// Inputs go in session order: input_ids, attention_mask[, token_type_ids].
// Output widths are checked on every run (widths[k] > 0): a model whose
// class dimension is dynamic passes the load-time check, and a wrong width
// must become an error, not an index out of range in the pipelines.
func sessionRunner(s *ort.Session, withTypeIDs bool, perToken []bool, widths []int) batcher.RunFunc[row, rowOut] {
	return func(ctx context.Context, rows []row) ([]rowOut, error) {
		width := 0
		for _, r := range rows {
			width = max(width, len(r.ids))
		}
		n := len(rows) * width
		ids, mask, types := make([]int64, n), make([]int64, n), make([]int64, n)
		for i, r := range rows {
			copy(ids[i*width:], r.ids)
			copy(types[i*width:], r.types)
			for j := range r.ids {
				mask[i*width+j] = 1
			}
		}
		shape := []int64{int64(len(rows)), int64(width)}
		inputs := []ort.Tensor{{Shape: shape, Int64: ids}, {Shape: shape, Int64: mask}}
		if withTypeIDs {
			inputs = append(inputs, ort.Tensor{Shape: shape, Int64: types})
		}
		outs, err := s.Run(ctx, inputs)
		if err != nil {
			return nil, err
		}
		res := make([]rowOut, len(rows))
		for k, t := range outs {
			if len(t.Shape) != 2 || t.Shape[0] != int64(len(rows)) {
				return nil, fmt.Errorf("output %d has shape %v, want [%d, *]", k, t.Shape, len(rows))
			}
			stride := int(t.Shape[1])
			if perToken[k] && stride != width {
				return nil, fmt.Errorf("per-token output %d has %d positions for %d tokens", k, stride, width)
			}
			if k < len(widths) && widths[k] > 0 && stride != widths[k] {
				return nil, fmt.Errorf("output %d has %d classes; the manifest names %d labels", k, stride, widths[k])
			}
			for i := range rows {
				v := t.Float32[i*stride : (i+1)*stride]
				if perToken[k] {
					v = v[:len(rows[i].ids)]
				}
				res[i] = append(res[i], v)
			}
		}
		return res, nil
	}
}
