package normalized

import (
	"github.com/clinlm/clinlm/internal/smallfmt"
	"github.com/clinlm/clinlm/internal/smalljson"
)

// Behavior says what Split does with the delimiters it finds. For the
// delimiter '-' in "the-final--countdown":
//
//	Removed            "the" "final" "countdown"
//	Isolated           "the" "-" "final" "-" "-" "countdown"
//	MergedWithPrevious "the-" "final-" "-" "countdown"
//	MergedWithNext     "the" "-final" "-" "-countdown"
//	Contiguous         "the" "-" "final" "--" "countdown"
type Behavior int

// The split behaviours of HF's SplitDelimiterBehavior.
const (
	Removed Behavior = iota
	Isolated
	MergedWithPrevious
	MergedWithNext
	Contiguous
)

var behaviorNames = []string{"Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"}

func (b Behavior) String() string {
	if int(b) < len(behaviorNames) {
		return behaviorNames[b]
	}
	return smallfmt.Sprintf("Behavior(%d)", int(b))
}

// ParseBehavior reads a behaviour as tokenizer.json spells it ("Isolated", ...).
func ParseBehavior(s string) (Behavior, error) {
	for i, name := range behaviorNames {
		if s == name {
			return Behavior(i), nil
		}
	}
	return 0, smallfmt.Errorf("unknown split behavior %q", s)
}

// UnmarshalJSON reads a behaviour from its JSON string.
func (b *Behavior) UnmarshalJSON(data []byte) error {
	var s string
	if err := smalljson.Unmarshal(data, &s); err != nil {
		return err
	}
	v, err := ParseBehavior(s)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// Split cuts the string around the matches of p, handling the delimiters as
// behavior says, and appends the pieces to dst. Empty pieces are kept (the
// pre-tokenized string drops them).
func (n *String) Split(p Pattern, behavior Behavior, dst []String) ([]String, error) {
	dst, _, err := n.SplitBuf(p, behavior, dst, nil)
	return dst, err
}

// SplitBuf is Split with a scratch buffer for the matches, returned for reuse.
func (n *String) SplitBuf(p Pattern, behavior Behavior, dst []String, buf []Match) ([]String, []Match, error) {
	matches, err := p.FindMatches(n.norm, buf[:0])
	if err != nil {
		return dst, matches, err
	}
	// The pieces are computed in place in matches: a piece is a Match whose
	// IsMatch says "remove".
	pieces := matches[:0]
	switch behavior {
	case Isolated:
		for i := range matches {
			matches[i].IsMatch = false
		}
		pieces = matches
	case Removed:
		pieces = matches
	case Contiguous:
		prev := false
		for _, m := range matches {
			if m.IsMatch == prev && len(pieces) > 0 {
				pieces[len(pieces)-1].End = m.End
			} else {
				pieces = append(pieces, Match{m.Start, m.End, false})
			}
			prev = m.IsMatch
		}
	case MergedWithPrevious:
		prev := false
		for _, m := range matches {
			if m.IsMatch && !prev && len(pieces) > 0 {
				pieces[len(pieces)-1].End = m.End
			} else {
				pieces = append(pieces, Match{m.Start, m.End, false})
			}
			prev = m.IsMatch
		}
	case MergedWithNext:
		// Fold from the end, writing pieces from the end of the slice.
		w := len(matches)
		prev := false
		for i := len(matches) - 1; i >= 0; i-- {
			m := matches[i]
			if m.IsMatch && !prev && w < len(matches) {
				matches[w].Start = m.Start
			} else {
				w--
				matches[w] = Match{m.Start, m.End, false}
			}
			prev = m.IsMatch
		}
		pieces = matches[w:]
	default:
		return dst, matches, smallfmt.Errorf("unknown split behavior %d", int(behavior))
	}
	for _, p := range pieces {
		if p.IsMatch {
			continue
		}
		s, ok := n.Slice(p.Start, p.End)
		if !ok {
			return dst, matches, smallfmt.Errorf("split at %d..%d is not on character boundaries", p.Start, p.End)
		}
		dst = append(dst, s)
	}
	return dst, matches, nil
}
