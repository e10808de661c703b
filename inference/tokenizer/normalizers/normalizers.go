// Package normalizers implements the "normalizer" section of tokenizer.json:
// the text transformations applied before pre-tokenization, each keeping the
// alignment of every normalized byte to the original input.
package normalizers

import (
	"github.com/clinlm/clinlm/inference/tokenizer/internal/jsonseq"
	"github.com/clinlm/clinlm/internal/smallfmt"
	"github.com/clinlm/clinlm/internal/smalljson"
	"strings"

	"github.com/clinlm/clinlm/inference/tokenizer/internal/bytelevel"
	"github.com/clinlm/clinlm/inference/tokenizer/internal/runeclass"
	"github.com/clinlm/clinlm/inference/tokenizer/internal/unorm"
	"github.com/clinlm/clinlm/inference/tokenizer/normalized"
	"github.com/clinlm/clinlm/inference/tokenizer/pattern"
)

// Normalizer transforms a normalized string in place.
type Normalizer interface {
	Normalize(n *normalized.String) error
	// String names the normalizer the way tokenizer.json does ("NFKC",
	// "Sequence[NFD, Lowercase]").
	String() string
}

// FromJSON builds a normalizer from its tokenizer.json object. A type the
// engine does not implement is an error naming it.
func FromJSON(raw smalljson.RawMessage) (Normalizer, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := smalljson.Unmarshal(raw, &head); err != nil {
		return nil, err
	}
	switch head.Type {
	case "BertNormalizer":
		var b struct {
			CleanText          *bool `json:"clean_text"`
			HandleChineseChars *bool `json:"handle_chinese_chars"`
			StripAccents       *bool `json:"strip_accents"`
			Lowercase          *bool `json:"lowercase"`
		}
		if err := smalljson.Unmarshal(raw, &b); err != nil {
			return nil, err
		}
		n := Bert{CleanText: true, HandleChineseChars: true, Lowercase: true}
		if b.CleanText != nil {
			n.CleanText = *b.CleanText
		}
		if b.HandleChineseChars != nil {
			n.HandleChineseChars = *b.HandleChineseChars
		}
		if b.Lowercase != nil {
			n.Lowercase = *b.Lowercase
		}
		n.StripAccents = b.StripAccents
		return n, nil
	case "Strip":
		var s struct {
			Left  bool `json:"strip_left"`
			Right bool `json:"strip_right"`
		}
		if err := smalljson.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return Strip{Left: s.Left, Right: s.Right}, nil
	case "StripAccents":
		return StripAccents{}, nil
	case "NFC":
		return Unicode{unorm.NFC}, nil
	case "NFD":
		return Unicode{unorm.NFD}, nil
	case "NFKC":
		return Unicode{unorm.NFKC}, nil
	case "NFKD":
		return Unicode{unorm.NFKD}, nil
	case "Lowercase":
		return Lowercase{}, nil
	case "Nmt":
		return Nmt{}, nil
	case "ByteLevel":
		return ByteLevel{}, nil
	case "Prepend":
		var p struct {
			Prepend *string `json:"prepend"`
		}
		if err := smalljson.Unmarshal(raw, &p); err != nil {
			return nil, err
		}
		if p.Prepend == nil {
			return nil, smallfmt.Errorf("Prepend: missing field \"prepend\"")
		}
		return Prepend{Prepend: *p.Prepend}, nil
	case "Replace":
		r, err := pattern.ParseReplacement(raw)
		if err != nil {
			return nil, err
		}
		return Replace{Spec: r.Spec, Pattern: r.Pattern, Content: r.Content}, nil
	case "Precompiled":
		return precompiledFromJSON(raw)
	case "Sequence":
		items, err := jsonseq.Load(raw, "normalizers", FromJSON)
		if err != nil {
			return nil, err
		}
		return Sequence(items), nil
	case "":
		return nil, smallfmt.Errorf("normalizer without a \"type\" is not supported")
	}
	return nil, smallfmt.Errorf("type %q is not supported", head.Type)
}

// Bert is BERT's normalizer: clean_text drops control characters and maps
// whitespace to ' ', handle_chinese_chars puts spaces around CJK ideographs,
// strip_accents (by default: as lowercase) drops non-spacing marks after NFD,
// lowercase lowercases.
type Bert struct {
	CleanText          bool
	HandleChineseChars bool
	StripAccents       *bool // nil: follow Lowercase
	Lowercase          bool
}

func (Bert) String() string { return "BertNormalizer" }

// Normalize implements Normalizer.
func (b Bert) Normalize(n *normalized.String) error {
	// ASCII text (most clinical notes) goes through one table instead of a
	// pass per step: on ASCII every step is a 1:1 byte map, NFD and accent
	// stripping change nothing and no character is Chinese.
	if n.MapASCII(b.asciiTable()) {
		return nil
	}
	if b.CleanText {
		n.Filter(func(r rune) bool {
			if r == 0 || r == 0xFFFD {
				return false
			}
			if r == '\t' || r == '\n' || r == '\r' {
				return true
			}
			return !runeclass.IsOther(r)
		})
		n.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' || runeclass.IsWhitespace(r) {
				return ' '
			}
			return r
		})
	}
	if b.HandleChineseChars {
		padChinese(n)
	}
	strip := b.Lowercase
	if b.StripAccents != nil {
		strip = *b.StripAccents
	}
	if strip {
		n.Normalize(unorm.NFD)
		n.Filter(func(r rune) bool { return !runeclass.IsNonspacingMark(r) })
	}
	if b.Lowercase {
		n.Lowercase()
	}
	return nil
}

// bertASCII holds asciiTable's four possible tables (clean-up on or off ×
// lowercase on or off), computed once; they are never written after.
var bertASCII = func() (t [4][128]byte) {
	for i := range t {
		t[i] = Bert{CleanText: i&1 != 0, Lowercase: i&2 != 0}.computeASCIITable()
	}
	return t
}()

// asciiTable is the combined effect of the normalizer's steps on each ASCII
// byte, 0 for the bytes clean-up removes (control characters other than
// tab, newline and carriage return).
// ASCIITable is the normalizer's action on ASCII text, one byte for each:
// the byte it becomes, 0 for one it removes. The tokenizer's direct path
// for BERT pipelines maps ASCII text with it.
func (b Bert) ASCIITable() *[128]byte { return b.asciiTable() }

func (b Bert) asciiTable() *[128]byte {
	i := 0
	if b.CleanText {
		i |= 1
	}
	if b.Lowercase {
		i |= 2
	}
	return &bertASCII[i]
}

func (b Bert) computeASCIITable() [128]byte {
	var t [128]byte
	for c := range byte(128) {
		r := c
		if b.CleanText {
			switch {
			case c == '\t' || c == '\n' || c == '\r':
				r = ' '
			case c == 0 || runeclass.IsOther(rune(c)):
				t[c] = 0
				continue
			case runeclass.IsWhitespace(rune(c)):
				r = ' '
			}
		}
		if b.Lowercase && 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		t[c] = r
	}
	return t
}

func padChinese(n *normalized.String) {
	s := n.Get()
	found := false
	for i := 0; i < len(s); i++ {
		if s[i] >= 0xE3 { // CJK ideographs are 3- and 4-byte sequences from U+3400
			found = true
			break
		}
	}
	if !found {
		return
	}
	found = false
	for _, r := range s {
		if runeclass.IsChineseChar(r) {
			found = true
			break
		}
	}
	if !found {
		return
	}
	changes := n.ChangeBuffer(len(s) + 8)
	for _, r := range s {
		if runeclass.IsChineseChar(r) {
			changes = append(changes, normalized.Change{R: ' ', Delta: 0}, normalized.Change{R: r, Delta: 1}, normalized.Change{R: ' ', Delta: 1})
		} else {
			changes = append(changes, normalized.Change{R: r})
		}
	}
	n.Transform(changes, 0)
}

// Strip removes leading and/or trailing whitespace.
type Strip struct{ Left, Right bool }

func (Strip) String() string { return "Strip" }

// Normalize implements Normalizer.
func (s Strip) Normalize(n *normalized.String) error {
	switch {
	case s.Left && s.Right:
		n.Strip()
	case s.Left:
		n.LStrip()
	case s.Right:
		n.RStrip()
	}
	return nil
}

// StripAccents removes combining marks.
type StripAccents struct{}

func (StripAccents) String() string { return "StripAccents" }

// Normalize implements Normalizer.
func (StripAccents) Normalize(n *normalized.String) error {
	n.Filter(func(r rune) bool { return !runeclass.IsCombiningMark(r) })
	return nil
}

// Unicode applies a Unicode normalization form.
type Unicode struct{ Form unorm.Form }

func (u Unicode) String() string {
	return [...]string{"NFD", "NFKD", "NFC", "NFKC"}[u.Form]
}

// Normalize implements Normalizer.
func (u Unicode) Normalize(n *normalized.String) error {
	n.Normalize(u.Form)
	return nil
}

// Lowercase lowercases the text.
type Lowercase struct{}

func (Lowercase) String() string { return "Lowercase" }

// Normalize implements Normalizer.
func (Lowercase) Normalize(n *normalized.String) error {
	n.Lowercase()
	return nil
}

// Nmt is the NMT normalizer of SentencePiece: it drops ASCII control
// characters and maps other whitespace-like characters to ' '.
type Nmt struct{}

func (Nmt) String() string { return "Nmt" }

// Normalize implements Normalizer.
func (Nmt) Normalize(n *normalized.String) error {
	n.Filter(func(r rune) bool {
		switch {
		case r >= 0x01 && r <= 0x08, r == 0x0B, r >= 0x0E && r <= 0x1F, r == 0x7F, r == 0x8F, r == 0x9F:
			return false
		}
		return true
	})
	n.Map(func(r rune) rune {
		switch {
		case r == 0x09, r == 0x0A, r == 0x0C, r == 0x0D, r == 0x1680, r >= 0x200B && r <= 0x200F,
			r == 0x2028, r == 0x2029, r == 0x2581, r == 0xFEFF, r == 0xFFFD:
			return ' '
		}
		return r
	})
	return nil
}

// ByteLevel maps every byte of the text to the printable character GPT-2's
// byte-level BPE uses for it.
type ByteLevel struct{}

func (ByteLevel) String() string { return "ByteLevel" }

// Normalize implements Normalizer.
func (ByteLevel) Normalize(n *normalized.String) error {
	ByteLevelTransform(n)
	return nil
}

// ByteLevelTransform replaces each byte of n with its byte-level character;
// the characters made from one multi-byte character share its alignment.
func ByteLevelTransform(n *normalized.String) {
	n.TransformBytes(bytelevel.Table())
}

// Prepend puts a string before non-empty texts.
type Prepend struct{ Prepend string }

func (Prepend) String() string { return "Prepend" }

// Normalize implements Normalizer.
func (p Prepend) Normalize(n *normalized.String) error {
	if !n.IsEmpty() {
		n.Prepend(p.Prepend)
	}
	return nil
}

// Replace replaces every match of a pattern with a string.
type Replace struct {
	Spec    pattern.Spec
	Pattern normalized.Pattern
	Content string
}

func (Replace) String() string { return "Replace" }

// Normalize implements Normalizer.
func (r Replace) Normalize(n *normalized.String) error {
	return n.Replace(r.Pattern, r.Content)
}

// Sequence applies normalizers in order.
type Sequence []Normalizer

func (s Sequence) String() string {
	names := make([]string, len(s))
	for i, n := range s {
		names[i] = n.String()
	}
	return "Sequence[" + strings.Join(names, ", ") + "]"
}

// Normalize implements Normalizer.
func (s Sequence) Normalize(n *normalized.String) error {
	for _, x := range s {
		if err := x.Normalize(n); err != nil {
			return err
		}
	}
	return nil
}
