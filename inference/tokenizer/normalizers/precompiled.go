package normalizers

import (
	"encoding/base64"
	"github.com/clinlm/clinlm/internal/smallfmt"
	"github.com/clinlm/clinlm/internal/smalljson"
	"unicode/utf8"

	"github.com/clinlm/clinlm/inference/tokenizer/normalized"
	"github.com/clinlm/clinlm/inference/tokenizer/spm"
)

// Precompiled applies a SentencePiece precompiled normalization map (T5,
// ALBERT, XLM-R...).
type Precompiled struct {
	charsmap *spm.Charsmap
}

func (Precompiled) String() string { return "Precompiled" }

func precompiledFromJSON(raw smalljson.RawMessage) (Normalizer, error) {
	var p struct {
		Charsmap *string `json:"precompiled_charsmap"`
	}
	if err := smalljson.Unmarshal(raw, &p); err != nil {
		return nil, smallfmt.Errorf("Precompiled: %w", err)
	}
	if p.Charsmap == nil {
		return nil, smallfmt.Errorf("Precompiled: missing field \"precompiled_charsmap\"")
	}
	data, err := base64.StdEncoding.DecodeString(*p.Charsmap)
	if err != nil {
		return nil, smallfmt.Errorf("Precompiled: precompiled_charsmap is not base64: %w", err)
	}
	if len(data) == 0 {
		// HF accepts an empty map and leaves the text alone.
		return Precompiled{}, nil
	}
	cm, err := spm.ParseCharsmap(data)
	if err != nil {
		return nil, smallfmt.Errorf("Precompiled: %w", err)
	}
	return Precompiled{charsmap: cm}, nil
}

// Normalize implements Normalizer. Each replaced unit becomes HF's
// transformation for it: the new characters replace the old ones one for one,
// extra new characters are inserted, and missing ones are charged to the
// last character emitted so far.
func (p Precompiled) Normalize(n *normalized.String) error {
	if p.charsmap == nil || n.IsEmpty() {
		return nil
	}
	s := n.Get()
	segs := p.charsmap.Normalize(s)
	modified := false
	for _, sg := range segs {
		if sg.Out != s[sg.Start:sg.End] {
			modified = true
			break
		}
	}
	if !modified {
		return nil
	}
	changes := n.ChangeBuffer(len(s) + 8)
	for _, sg := range segs {
		old := s[sg.Start:sg.End]
		if sg.Out == old {
			for _, r := range old {
				changes = append(changes, normalized.Change{R: r})
			}
			continue
		}
		changes = replaceChanges(changes, old, sg.Out)
	}
	n.Transform(changes, 0)
	return nil
}

// replaceChanges is HF's precompiled.rs replace(): the new characters all
// replace (delta 0); when there are more new characters than old ones the
// last extra ones are inserts, when fewer the last change so far removes the
// difference.
func replaceChanges(changes []normalized.Change, old, new string) []normalized.Change {
	diff := utf8.RuneCountInString(new) - utf8.RuneCountInString(old)
	for _, r := range new {
		changes = append(changes, normalized.Change{R: r})
	}
	switch {
	case diff > 0:
		for i := len(changes) - 1; i >= 0 && i >= len(changes)-diff; i-- {
			changes[i].Delta = 1
		}
	case diff < 0:
		if len(changes) > 0 {
			changes[len(changes)-1].Delta += diff
		}
	}
	return changes
}
