package normalized

import (
	"encoding/json"
	"fmt"
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
	return fmt.Sprintf("Behavior(%d)", int(b))
}

// ParseBehavior reads a behaviour as tokenizer.json spells it ("Isolated", ...).
func ParseBehavior(s string) (Behavior, error) {
	for i, name := range behaviorNames {
		if s == name {
			return Behavior(i), nil
		}
	}
	return 0, fmt.Errorf("unknown split behavior %q", s)
}

// UnmarshalJSON reads a behaviour from its JSON string.
func (b *Behavior) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
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
	var stack [32]Match
	matches, err := p.FindMatches(n.norm, stack[:0])
	if err != nil {
		return dst, err
	}
	type piece struct {
		start, end int
		remove     bool
	}
	var pstack [32]piece
	pieces := pstack[:0]
	switch behavior {
	case Isolated:
		for _, m := range matches {
			pieces = append(pieces, piece{m.Start, m.End, false})
		}
	case Removed:
		for _, m := range matches {
			pieces = append(pieces, piece{m.Start, m.End, m.IsMatch})
		}
	case Contiguous:
		prev := false
		for _, m := range matches {
			if m.IsMatch == prev && len(pieces) > 0 {
				pieces[len(pieces)-1].end = m.End
			} else {
				pieces = append(pieces, piece{m.Start, m.End, false})
			}
			prev = m.IsMatch
		}
	case MergedWithPrevious:
		prev := false
		for _, m := range matches {
			if m.IsMatch && !prev && len(pieces) > 0 {
				pieces[len(pieces)-1].end = m.End
			} else {
				pieces = append(pieces, piece{m.Start, m.End, false})
			}
			prev = m.IsMatch
		}
	case MergedWithNext:
		prev := false
		for i := len(matches) - 1; i >= 0; i-- {
			m := matches[i]
			if m.IsMatch && !prev && len(pieces) > 0 {
				pieces[len(pieces)-1].start = m.Start
			} else {
				pieces = append(pieces, piece{m.Start, m.End, false})
			}
			prev = m.IsMatch
		}
		for i, j := 0, len(pieces)-1; i < j; i, j = i+1, j-1 {
			pieces[i], pieces[j] = pieces[j], pieces[i]
		}
	default:
		return dst, fmt.Errorf("unknown split behavior %d", int(behavior))
	}
	for _, p := range pieces {
		if p.remove {
			continue
		}
		s, ok := n.Slice(p.start, p.end)
		if !ok {
			return dst, fmt.Errorf("split at %d..%d is not on character boundaries", p.start, p.end)
		}
		dst = append(dst, s)
	}
	return dst, nil
}
