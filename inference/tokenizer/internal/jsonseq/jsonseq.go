// Package jsonseq loads the "Sequence" component that every stage of a
// tokenizer.json pipeline (normalizer, pre-tokenizer, post-processor, decoder)
// has: a list of components under one field, each built by the stage's own
// loader.
package jsonseq

import (
	"github.com/clinlm/clinlm/internal/smallfmt"
	"github.com/clinlm/clinlm/internal/smalljson"
)

// Load reads the list under field of a Sequence object and builds each item
// with build. A missing or null list is an error naming the field; an item's
// error names its index.
func Load[R ~[]byte, T any](raw []byte, field string, build func(R) (T, error)) ([]T, error) {
	var obj map[string]smalljson.RawMessage
	if err := smalljson.Unmarshal(raw, &obj); err != nil {
		return nil, err
	}
	var items []smalljson.RawMessage
	if list, ok := obj[field]; ok {
		if err := smalljson.Unmarshal(list, &items); err != nil {
			return nil, err
		}
	}
	if items == nil {
		return nil, smallfmt.Errorf("Sequence: missing field %q", field)
	}
	out := make([]T, 0, len(items))
	for i, item := range items {
		v, err := build(R(item))
		if err != nil {
			return nil, smallfmt.Errorf("Sequence[%d]: %w", i, err)
		}
		out = append(out, v)
	}
	return out, nil
}
