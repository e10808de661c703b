package pretokenizers

import (
	"github.com/clinlm/clinlm/internal/smallfmt"
	"github.com/clinlm/clinlm/internal/smalljson"
	"strings"
	"unicode/utf8"

	"github.com/clinlm/clinlm/inference/tokenizer/normalized"
)

// PrependScheme says when Metaspace puts a replacement character before a
// piece: always, only before the piece that starts the text, or never.
type PrependScheme string

// The prepend schemes.
const (
	PrependAlways PrependScheme = "always"
	PrependFirst  PrependScheme = "first"
	PrependNever  PrependScheme = "never"
)

// Metaspace replaces spaces with a visible character (▁) and splits before
// each one (SentencePiece's convention).
type Metaspace struct {
	Replacement   rune
	PrependScheme PrependScheme
	Split         bool
}

func (Metaspace) String() string { return "Metaspace" }

// MetaspaceFromJSON reads a Metaspace object; the decoder of the same name
// shares the format. Old files say add_prefix_space instead of
// prepend_scheme, and HF rejects a contradiction between the two.
func MetaspaceFromJSON(raw smalljson.RawMessage) (Metaspace, error) {
	var m struct {
		Replacement    *string        `json:"replacement"`
		AddPrefixSpace *bool          `json:"add_prefix_space"`
		PrependScheme  *PrependScheme `json:"prepend_scheme"`
		Split          *bool          `json:"split"`
	}
	if err := smalljson.Unmarshal(raw, &m); err != nil {
		return Metaspace{}, smallfmt.Errorf("Metaspace: %w", err)
	}
	if m.Replacement == nil || utf8.RuneCountInString(*m.Replacement) != 1 {
		return Metaspace{}, smallfmt.Errorf("Metaspace: \"replacement\" must be one character")
	}
	r, _ := utf8.DecodeRuneInString(*m.Replacement)
	ms := Metaspace{Replacement: r, PrependScheme: PrependAlways, Split: true}
	if m.PrependScheme != nil {
		switch *m.PrependScheme {
		case PrependAlways, PrependFirst, PrependNever:
			ms.PrependScheme = *m.PrependScheme
		default:
			return Metaspace{}, smallfmt.Errorf("Metaspace: unknown prepend_scheme %q", *m.PrependScheme)
		}
	}
	if m.AddPrefixSpace != nil && !*m.AddPrefixSpace {
		if ms.PrependScheme != PrependNever {
			return Metaspace{}, smallfmt.Errorf("Metaspace: add_prefix_space does not match declared prepend_scheme")
		}
	}
	if m.Split != nil {
		ms.Split = *m.Split
	}
	return ms, nil
}

func metaspaceFromJSON(raw smalljson.RawMessage) (PreTokenizer, error) {
	return MetaspaceFromJSON(raw)
}

// PreTokenize implements PreTokenizer. HF runs replace, prepend and split on
// each piece in turn; the pieces are independent, so running each step over
// all pieces gives the same result with less copying.
func (m Metaspace) PreTokenize(pt *normalized.PreTokenized) error {
	rep := string(m.Replacement)
	err := pt.Normalize(func(s *normalized.String) error {
		if strings.IndexByte(s.Get(), ' ') < 0 {
			return nil
		}
		return pt.ReplaceString(s, normalized.Rune(' '), rep)
	})
	if err != nil {
		return err
	}
	if m.PrependScheme != PrependNever {
		pt.PrependWhere(rep, func(s *normalized.String) bool { return m.wantsPrefix(s, rep) })
	}
	if m.Split {
		return pt.SplitPattern(normalized.Rune(m.Replacement), normalized.MergedWithNext)
	}
	// HF still passes the piece through split, which drops it if empty.
	return pt.Split(func(_ int, s *normalized.String, dst []normalized.String) ([]normalized.String, error) {
		return append(dst, *s), nil
	})
}

// wantsPrefix says whether the prepend scheme puts rep (the replacement as
// a string) before the piece s.
func (m Metaspace) wantsPrefix(s *normalized.String, rep string) bool {
	switch m.PrependScheme {
	case PrependAlways:
		return !strings.HasPrefix(s.Get(), rep)
	case PrependFirst:
		return !strings.HasPrefix(s.Get(), rep) && s.OffsetsOriginal().Start == 0
	}
	return false
}
