package inference

import (
	"context"
	"fmt"

	"github.com/clinlm/clinlm/inference/batcher"
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

// sessionRunner pads a batch, runs it and splits the outputs per row.
// Inputs go in session order: input_ids, attention_mask[, token_type_ids].
func sessionRunner(s *ort.Session, withTypeIDs bool, perToken []bool) batcher.RunFunc[row, rowOut] {
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
