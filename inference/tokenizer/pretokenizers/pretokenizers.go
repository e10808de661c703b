// Package pretokenizers implements the "pre_tokenizer" section of
// tokenizer.json: the rules that cut the normalized text into words before
// the model sees them, keeping every piece aligned to the original input.
package pretokenizers

import (
	"github.com/clinlm/clinlm/inference/tokenizer/internal/jsonseq"
	"github.com/clinlm/clinlm/internal/smallfmt"
	"github.com/clinlm/clinlm/internal/smalljson"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/clinlm/clinlm/inference/tokenizer/internal/bytelevel"
	"github.com/clinlm/clinlm/inference/tokenizer/internal/runeclass"
	"github.com/clinlm/clinlm/inference/tokenizer/normalized"
	"github.com/clinlm/clinlm/inference/tokenizer/pattern"
)

// PreTokenizer cuts the pieces of a pre-tokenized string.
type PreTokenizer interface {
	PreTokenize(p *normalized.PreTokenized) error
	// String names the pre-tokenizer the way tokenizer.json does.
	String() string
}

// FromJSON builds a pre-tokenizer from its tokenizer.json object. A type the
// engine does not implement is an error naming it.
func FromJSON(raw smalljson.RawMessage) (PreTokenizer, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := smalljson.Unmarshal(raw, &head); err != nil {
		return nil, err
	}
	switch head.Type {
	case "BertPreTokenizer":
		return Bert{}, nil
	case "Whitespace":
		return Whitespace{}, nil
	case "WhitespaceSplit":
		return WhitespaceSplit{}, nil
	case "UnicodeScripts":
		return UnicodeScripts{}, nil
	case "ByteLevel":
		b := struct {
			AddPrefixSpace *bool `json:"add_prefix_space"`
			TrimOffsets    *bool `json:"trim_offsets"`
			UseRegex       *bool `json:"use_regex"`
		}{}
		if err := smalljson.Unmarshal(raw, &b); err != nil {
			return nil, smallfmt.Errorf("ByteLevel: %w", err)
		}
		if b.AddPrefixSpace == nil || b.TrimOffsets == nil {
			return nil, smallfmt.Errorf("ByteLevel: missing field \"add_prefix_space\" or \"trim_offsets\"")
		}
		bl := ByteLevel{AddPrefixSpace: *b.AddPrefixSpace, TrimOffsets: *b.TrimOffsets, UseRegex: true}
		if b.UseRegex != nil {
			bl.UseRegex = *b.UseRegex
		}
		return bl, nil
	case "Metaspace":
		return metaspaceFromJSON(raw)
	case "CharDelimiterSplit":
		var d struct {
			Delimiter *string `json:"delimiter"`
		}
		if err := smalljson.Unmarshal(raw, &d); err != nil {
			return nil, smallfmt.Errorf("CharDelimiterSplit: %w", err)
		}
		if d.Delimiter == nil || utf8.RuneCountInString(*d.Delimiter) != 1 {
			return nil, smallfmt.Errorf("CharDelimiterSplit: \"delimiter\" must be one character")
		}
		r, _ := utf8.DecodeRuneInString(*d.Delimiter)
		return CharDelimiterSplit{Delimiter: r}, nil
	case "Punctuation":
		var p struct {
			Behavior *normalized.Behavior `json:"behavior"`
		}
		if err := smalljson.Unmarshal(raw, &p); err != nil {
			return nil, smallfmt.Errorf("Punctuation: %w", err)
		}
		pt := Punctuation{Behavior: normalized.Isolated}
		if p.Behavior != nil {
			pt.Behavior = *p.Behavior
		}
		return pt, nil
	case "Digits":
		var d struct {
			IndividualDigits *bool `json:"individual_digits"`
		}
		if err := smalljson.Unmarshal(raw, &d); err != nil {
			return nil, smallfmt.Errorf("Digits: %w", err)
		}
		if d.IndividualDigits == nil {
			return nil, smallfmt.Errorf("Digits: missing field \"individual_digits\"")
		}
		return Digits{IndividualDigits: *d.IndividualDigits}, nil
	case "Split":
		var s struct {
			Pattern  *pattern.Spec        `json:"pattern"`
			Behavior *normalized.Behavior `json:"behavior"`
			Invert   *bool                `json:"invert"`
		}
		if err := smalljson.Unmarshal(raw, &s); err != nil {
			return nil, smallfmt.Errorf("Split: %w", err)
		}
		if s.Pattern == nil || s.Behavior == nil || s.Invert == nil {
			return nil, smallfmt.Errorf("Split: \"pattern\", \"behavior\" and \"invert\" are required")
		}
		p, err := s.Pattern.Compile()
		if err != nil {
			return nil, smallfmt.Errorf("Split: %w", err)
		}
		return Split{Spec: *s.Pattern, Pattern: p, Behavior: *s.Behavior, Invert: *s.Invert}, nil
	case "FixedLength":
		var f struct {
			Length *int `json:"length"`
		}
		if err := smalljson.Unmarshal(raw, &f); err != nil {
			return nil, smallfmt.Errorf("FixedLength: %w", err)
		}
		fl := FixedLength{Length: 5}
		if f.Length != nil {
			fl.Length = *f.Length
		}
		if fl.Length <= 0 {
			return nil, smallfmt.Errorf("FixedLength: length must be positive")
		}
		return fl, nil
	case "Sequence":
		items, err := jsonseq.Load(raw, "pretokenizers", FromJSON)
		if err != nil {
			return nil, err
		}
		return Sequence(items), nil
	case "":
		return nil, smallfmt.Errorf("pre-tokenizer without a \"type\" is not supported")
	}
	return nil, smallfmt.Errorf("type %q is not supported", head.Type)
}

// splitAll cuts every untokenized piece at the matches of p.
func splitAll(pt *normalized.PreTokenized, p normalized.Pattern, b normalized.Behavior) error {
	return pt.SplitPattern(p, b)
}

var (
	isWhitespace = normalized.RunePredicate(runeclass.IsWhitespace)
	isBertPunct  = normalized.RunePredicate(runeclass.IsBertPunctuation)
	isNumeric    = normalized.RunePredicate(runeclass.IsNumeric)
)

// Bert splits on whitespace (dropped) and punctuation (kept as pieces).
type Bert struct{}

func (Bert) String() string { return "BertPreTokenizer" }

// PreTokenize implements PreTokenizer.
func (Bert) PreTokenize(pt *normalized.PreTokenized) error {
	// Both splits of HF's BertPreTokenizer in one pass: whitespace is
	// removed and punctuation isolated, which is what splitting on
	// whitespace and then on punctuation yields.
	return pt.SplitPattern(bertPattern{}, normalized.Removed)
}

// bertPattern marks whitespace as matches (removed) and cuts punctuation out
// as its own non-match pieces.
type bertPattern struct{}

func (bertPattern) FindMatches(text string, dst []normalized.Match) ([]normalized.Match, error) {
	if len(text) == 0 {
		return append(dst, normalized.Match{}), nil
	}
	last := 0
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		switch {
		case runeclass.IsWhitespace(r):
			if last < i {
				dst = append(dst, normalized.Match{Start: last, End: i})
			}
			dst = append(dst, normalized.Match{Start: i, End: i + size, IsMatch: true})
			last = i + size
		case runeclass.IsBertPunctuation(r):
			if last < i {
				dst = append(dst, normalized.Match{Start: last, End: i})
			}
			dst = append(dst, normalized.Match{Start: i, End: i + size})
			last = i + size
		}
		i += size
	}
	if last < len(text) {
		dst = append(dst, normalized.Match{Start: last, End: len(text)})
	}
	return dst, nil
}

// Whitespace keeps the runs of \w+ and of [^\w\s]+ (Rust regex classes).
type Whitespace struct{}

func (Whitespace) String() string { return "Whitespace" }

// PreTokenize implements PreTokenizer.
func (Whitespace) PreTokenize(pt *normalized.PreTokenized) error {
	return splitAll(pt, whitespacePattern{}, normalized.Removed)
}

// whitespacePattern reports the text outside \w+|[^\w\s]+ as matches, so that
// Removed keeps the words (HF splits on Invert(regex) with Removed).
type whitespacePattern struct{}

func (whitespacePattern) FindMatches(text string, dst []normalized.Match) ([]normalized.Match, error) {
	if len(text) == 0 {
		return append(dst, normalized.Match{}), nil
	}
	const (
		word = iota
		space
		other
	)
	kind := func(r rune) int {
		switch {
		case runeclass.IsRegexWord(r):
			return word
		case runeclass.IsWhitespace(r):
			return space
		}
		return other
	}
	prev := 0 // end of the last word run
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		k := kind(r)
		if k == space {
			i += size
			continue
		}
		j := i + size
		for j < len(text) {
			r2, s2 := utf8.DecodeRuneInString(text[j:])
			if kind(r2) != k {
				break
			}
			j += s2
		}
		if prev < i {
			dst = append(dst, normalized.Match{Start: prev, End: i, IsMatch: true})
		}
		dst = append(dst, normalized.Match{Start: i, End: j})
		prev = j
		i = j
	}
	if prev < len(text) {
		dst = append(dst, normalized.Match{Start: prev, End: len(text), IsMatch: true})
	}
	return dst, nil
}

// WhitespaceSplit splits on whitespace.
type WhitespaceSplit struct{}

func (WhitespaceSplit) String() string { return "WhitespaceSplit" }

// PreTokenize implements PreTokenizer.
func (WhitespaceSplit) PreTokenize(pt *normalized.PreTokenized) error {
	return splitAll(pt, isWhitespace, normalized.Removed)
}

// CharDelimiterSplit splits on one character, which is removed.
type CharDelimiterSplit struct{ Delimiter rune }

func (CharDelimiterSplit) String() string { return "CharDelimiterSplit" }

// PreTokenize implements PreTokenizer.
func (c CharDelimiterSplit) PreTokenize(pt *normalized.PreTokenized) error {
	return splitAll(pt, normalized.Rune(c.Delimiter), normalized.Removed)
}

// Punctuation splits on punctuation characters.
type Punctuation struct{ Behavior normalized.Behavior }

func (Punctuation) String() string { return "Punctuation" }

// PreTokenize implements PreTokenizer.
func (p Punctuation) PreTokenize(pt *normalized.PreTokenized) error {
	return splitAll(pt, isBertPunct, p.Behavior)
}

// Digits splits numbers from the rest, digit by digit when IndividualDigits.
type Digits struct{ IndividualDigits bool }

func (Digits) String() string { return "Digits" }

// PreTokenize implements PreTokenizer.
func (d Digits) PreTokenize(pt *normalized.PreTokenized) error {
	if d.IndividualDigits {
		return splitAll(pt, isNumeric, normalized.Isolated)
	}
	return splitAll(pt, isNumeric, normalized.Contiguous)
}

// Split splits on a pattern.
type Split struct {
	Spec     pattern.Spec
	Pattern  normalized.Pattern
	Behavior normalized.Behavior
	Invert   bool
}

func (Split) String() string { return "Split" }

// PreTokenize implements PreTokenizer.
func (s Split) PreTokenize(pt *normalized.PreTokenized) error {
	p := s.Pattern
	if s.Invert {
		p = normalized.Invert{Pattern: p}
	}
	return splitAll(pt, p, s.Behavior)
}

// FixedLength cuts pieces into chunks of Length characters.
type FixedLength struct{ Length int }

func (FixedLength) String() string { return "FixedLength" }

// PreTokenize implements PreTokenizer.
func (f FixedLength) PreTokenize(pt *normalized.PreTokenized) error {
	return pt.Split(func(_ int, s *normalized.String, dst []normalized.String) ([]normalized.String, error) {
		text := s.Get()
		start, n := 0, 0
		for i := range text {
			if n == f.Length {
				piece, _ := s.Slice(start, i)
				dst = append(dst, piece)
				start, n = i, 0
			}
			n++
		}
		if start < len(text) {
			piece, _ := s.Slice(start, len(text))
			dst = append(dst, piece)
		}
		return dst, nil
	})
}

// UnicodeScripts splits where the Unicode script changes (SentencePiece's
// rule: Hiragana, Katakana and U+30FC count as Han, a space belongs to no
// script and never starts a piece).
type UnicodeScripts struct{}

func (UnicodeScripts) String() string { return "UnicodeScripts" }

// script returns a script name, "" standing for HF's Script::Any.
func script(r rune) string {
	switch {
	case r == 0x30FC:
		return "Han"
	case r == ' ':
		return ""
	}
	for _, name := range scriptOrder {
		if unicode.Is(unicode.Scripts[name], r) {
			switch name {
			case "Hiragana", "Katakana":
				return "Han"
			}
			return name
		}
	}
	return ""
}

// scriptOrder lists the scripts with the most common first, so that lookups
// of ordinary text end early.
var scriptOrder = func() []string {
	first := []string{"Latin", "Common", "Inherited", "Han", "Hiragana", "Katakana", "Cyrillic", "Greek", "Arabic", "Hangul"}
	seen := map[string]bool{}
	for _, s := range first {
		seen[s] = true
	}
	out := append([]string(nil), first...)
	for name := range unicode.Scripts {
		if !seen[name] {
			out = append(out, name)
		}
	}
	return out
}()

// PreTokenize implements PreTokenizer.
func (UnicodeScripts) PreTokenize(pt *normalized.PreTokenized) error {
	return pt.Split(func(_ int, s *normalized.String, dst []normalized.String) ([]normalized.String, error) {
		text := s.Get()
		var cuts []int
		last, haveLast := "", false
		for i, r := range text {
			sc := script(r)
			if sc != "" && (!haveLast || (last != "" && last != sc)) {
				cuts = append(cuts, i)
			}
			if sc != "" {
				last, haveLast = sc, true
			}
		}
		cuts = append(cuts, len(text))
		for k := 0; k+1 < len(cuts); k++ {
			piece, _ := s.Slice(cuts[k], cuts[k+1])
			dst = append(dst, piece)
		}
		return dst, nil
	})
}

// Sequence applies pre-tokenizers in order.
type Sequence []PreTokenizer

func (s Sequence) String() string {
	names := make([]string, len(s))
	for i, p := range s {
		names[i] = p.String()
	}
	return "Sequence[" + strings.Join(names, ", ") + "]"
}

// PreTokenize implements PreTokenizer. WhitespaceSplit followed by
// Metaspace runs as one step (whitespaceMetaspace), with the same result.
func (s Sequence) PreTokenize(pt *normalized.PreTokenized) error {
	for i := 0; i < len(s); i++ {
		if _, ok := s[i].(WhitespaceSplit); ok && i+1 < len(s) {
			if m, ok := s[i+1].(Metaspace); ok {
				if err := whitespaceMetaspace(pt, m); err != nil {
					return err
				}
				i++
				continue
			}
		}
		if err := s[i].PreTokenize(pt); err != nil {
			return err
		}
	}
	return nil
}

// ByteLevel is GPT-2's pre-tokenizer: optionally a space before each piece,
// the GPT-2 split regex, then every byte mapped to a printable character.
type ByteLevel struct {
	AddPrefixSpace bool
	TrimOffsets    bool
	UseRegex       bool
}

func (ByteLevel) String() string { return "ByteLevel" }

// PreTokenize implements PreTokenizer.
func (b ByteLevel) PreTokenize(pt *normalized.PreTokenized) error {
	err := pt.Split(func(_ int, s *normalized.String, dst []normalized.String) ([]normalized.String, error) {
		if b.AddPrefixSpace && !strings.HasPrefix(s.Get(), " ") {
			s.Prepend(" ")
		}
		if b.UseRegex {
			return pt.SplitString(s, pattern.GPT2{}, normalized.Isolated, dst)
		}
		return append(dst, *s), nil
	})
	if err != nil {
		return err
	}
	pt.TransformBytes(bytelevel.Table())
	return nil
}
