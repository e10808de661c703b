package pattern

import (
	"errors"
	"github.com/clinlm/clinlm/internal/smallfmt"
	"github.com/clinlm/clinlm/internal/smalljson"
	"unicode/utf8"

	"github.com/clinlm/clinlm/inference/tokenizer/normalized"
)

// Regex is a compiled Oniguruma regex, matched with Oniguruma's (Perl-like,
// leftmost-first, backtracking) semantics.
type Regex struct {
	src  string
	prog *prog
}

// Compile compiles an Oniguruma regex as tokenizer.json writes it. The GPT-2
// split pattern gets a hand-written matcher.
func Compile(src string) (normalized.Pattern, error) {
	if src == GPT2Regex {
		return GPT2{}, nil
	}
	return CompileRegex(src)
}

// CompileRegex compiles src with the backtracking engine, whatever it is.
func CompileRegex(src string) (*Regex, error) {
	tree, err := parse(src)
	if err != nil {
		return nil, err
	}
	c := &compiler{src: src}
	p, err := c.compileProg(tree)
	if err != nil {
		return nil, err
	}
	return &Regex{src: src, prog: p}, nil
}

// String returns the source of the regex.
func (re *Regex) String() string { return re.src }

// FindMatches implements normalized.Pattern.
func (re *Regex) FindMatches(s string, dst []normalized.Match) ([]normalized.Match, error) {
	m := &machine{text: s}
	return findAll(s, dst, func(from int) (int, int, bool, error) {
		for start := from; start <= len(s); {
			m.steps = 0
			end, ok := m.run(re.prog, start, -1)
			if m.err != nil {
				return 0, 0, false, m.err
			}
			if ok {
				return start, end, true, nil
			}
			if start == len(s) {
				break
			}
			_, size := utf8.DecodeRuneInString(s[start:])
			start += size
		}
		return 0, 0, false, nil
	})
}

// Spec is a pattern as tokenizer.json writes it: {"String": "..."} for a
// literal or {"Regex": "..."} for an Oniguruma regex.
type Spec struct {
	String *string `json:"String,omitempty"`
	Regex  *string `json:"Regex,omitempty"`
}

// UnmarshalJSON reads the externally tagged pattern object.
func (s *Spec) UnmarshalJSON(data []byte) error {
	type plain Spec
	var p plain
	if err := smalljson.Unmarshal(data, &p); err != nil {
		return smallfmt.Errorf("pattern: %w", err)
	}
	if (p.String == nil) == (p.Regex == nil) {
		return errors.New(`pattern must be {"String": ...} or {"Regex": ...}`)
	}
	*s = Spec(p)
	return nil
}

// Compile returns the pattern the spec describes.
func (s Spec) Compile() (normalized.Pattern, error) {
	if s.String != nil {
		return Literal(*s.String), nil
	}
	if s.Regex == nil {
		return nil, errors.New("empty pattern")
	}
	return Compile(*s.Regex)
}

// Describe renders the spec for humans.
func (s Spec) Describe() string {
	if s.String != nil {
		return smallfmt.Sprintf("String(%q)", *s.String)
	}
	if s.Regex != nil {
		return smallfmt.Sprintf("Regex(%q)", *s.Regex)
	}
	return "?"
}

// Replacement is the body of a Replace normalizer or decoder: every match of
// a pattern is replaced with Content.
type Replacement struct {
	Spec    Spec
	Pattern normalized.Pattern
	Content string
}

// ParseReplacement reads {"pattern": {...}, "content": "..."} and compiles
// the pattern; errors are prefixed with "Replace: ".
func ParseReplacement(raw []byte) (Replacement, error) {
	var r struct {
		Pattern Spec    `json:"pattern"`
		Content *string `json:"content"`
	}
	if err := smalljson.Unmarshal(raw, &r); err != nil {
		return Replacement{}, smallfmt.Errorf("Replace: %w", err)
	}
	if r.Content == nil {
		return Replacement{}, errors.New(`Replace: missing field "content"`)
	}
	p, err := r.Pattern.Compile()
	if err != nil {
		return Replacement{}, smallfmt.Errorf("Replace: %w", err)
	}
	return Replacement{Spec: r.Pattern, Pattern: p, Content: *r.Content}, nil
}
