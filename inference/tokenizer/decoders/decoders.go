// Package decoders implements the "decoder" section of tokenizer.json: the
// rules that turn a list of token strings back into text.
package decoders

import (
	"github.com/clinlm/clinlm/inference/tokenizer/internal/jsonseq"
	"github.com/clinlm/clinlm/internal/smallfmt"
	"github.com/clinlm/clinlm/internal/smalljson"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/clinlm/clinlm/inference/tokenizer/internal/bytelevel"
	"github.com/clinlm/clinlm/inference/tokenizer/normalized"
	"github.com/clinlm/clinlm/inference/tokenizer/pattern"
	"github.com/clinlm/clinlm/inference/tokenizer/pretokenizers"
)

// Decoder rewrites a list of tokens; the decoded text is the concatenation of
// the final list (HF's decode_chain, then join).
type Decoder interface {
	DecodeChain(tokens []string) ([]string, error)
	// String names the decoder the way tokenizer.json does.
	String() string
}

// Decode runs d and joins its output.
func Decode(d Decoder, tokens []string) (string, error) {
	out, err := d.DecodeChain(tokens)
	if err != nil {
		return "", err
	}
	return strings.Join(out, ""), nil
}

// FromJSON builds a decoder from its tokenizer.json object. A type the engine
// does not implement is an error naming it.
func FromJSON(raw smalljson.RawMessage) (Decoder, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := smalljson.Unmarshal(raw, &head); err != nil {
		return nil, err
	}
	switch head.Type {
	case "ByteLevel":
		return ByteLevel{}, nil
	case "ByteFallback":
		return ByteFallback{}, nil
	case "Fuse":
		return Fuse{}, nil
	case "WordPiece":
		var w struct {
			Prefix  *string `json:"prefix"`
			Cleanup *bool   `json:"cleanup"`
		}
		if err := smalljson.Unmarshal(raw, &w); err != nil {
			return nil, smallfmt.Errorf("WordPiece: %w", err)
		}
		if w.Prefix == nil || w.Cleanup == nil {
			return nil, smallfmt.Errorf("WordPiece: \"prefix\" and \"cleanup\" are required")
		}
		return WordPiece{Prefix: *w.Prefix, Cleanup: *w.Cleanup}, nil
	case "Metaspace":
		m, err := pretokenizers.MetaspaceFromJSON(raw)
		if err != nil {
			return nil, err
		}
		return Metaspace{Replacement: m.Replacement, PrependScheme: m.PrependScheme}, nil
	case "BPEDecoder":
		var b struct {
			Suffix *string `json:"suffix"`
		}
		if err := smalljson.Unmarshal(raw, &b); err != nil {
			return nil, smallfmt.Errorf("BPEDecoder: %w", err)
		}
		if b.Suffix == nil {
			return nil, smallfmt.Errorf("BPEDecoder: missing field \"suffix\"")
		}
		return BPE{Suffix: *b.Suffix}, nil
	case "CTC":
		var c struct {
			PadToken           *string `json:"pad_token"`
			WordDelimiterToken *string `json:"word_delimiter_token"`
			Cleanup            *bool   `json:"cleanup"`
		}
		if err := smalljson.Unmarshal(raw, &c); err != nil {
			return nil, smallfmt.Errorf("CTC: %w", err)
		}
		if c.PadToken == nil || c.WordDelimiterToken == nil || c.Cleanup == nil {
			return nil, smallfmt.Errorf("CTC: \"pad_token\", \"word_delimiter_token\" and \"cleanup\" are required")
		}
		return CTC{PadToken: *c.PadToken, WordDelimiterToken: *c.WordDelimiterToken, Cleanup: *c.Cleanup}, nil
	case "Replace":
		r, err := pattern.ParseReplacement(raw)
		if err != nil {
			return nil, err
		}
		return Replace{Pattern: r.Pattern, Content: r.Content}, nil
	case "Strip":
		var s struct {
			Content *string `json:"content"`
			Start   *int    `json:"start"`
			Stop    *int    `json:"stop"`
		}
		if err := smalljson.Unmarshal(raw, &s); err != nil {
			return nil, smallfmt.Errorf("Strip: %w", err)
		}
		if s.Content == nil || s.Start == nil || s.Stop == nil || utf8.RuneCountInString(*s.Content) != 1 {
			return nil, smallfmt.Errorf("Strip: \"content\" (one character), \"start\" and \"stop\" are required")
		}
		if *s.Start < 0 || *s.Stop < 0 {
			return nil, smallfmt.Errorf("Strip: start and stop must not be negative")
		}
		r, _ := utf8.DecodeRuneInString(*s.Content)
		return Strip{Content: r, Start: *s.Start, Stop: *s.Stop}, nil
	case "Sequence":
		items, err := jsonseq.Load(raw, "decoders", FromJSON)
		if err != nil {
			return nil, err
		}
		return Sequence(items), nil
	case "":
		return nil, smallfmt.Errorf("decoder without a \"type\" is not supported")
	}
	return nil, smallfmt.Errorf("type %q is not supported", head.Type)
}

// ByteLevel maps byte-level characters back to bytes and the bytes to text
// (invalid UTF-8 becomes U+FFFD, as Rust's from_utf8_lossy does).
type ByteLevel struct{}

func (ByteLevel) String() string { return "ByteLevel" }

// DecodeChain implements Decoder.
func (ByteLevel) DecodeChain(tokens []string) ([]string, error) {
	var buf []byte
	for _, t := range tokens {
		start := len(buf)
		ok := true
		for _, r := range t {
			b, isByte := bytelevel.Byte(r)
			if !isByte {
				ok = false
				break
			}
			buf = append(buf, b)
		}
		if !ok {
			// A token with a character outside the byte alphabet (an added
			// token, say) contributes its own UTF-8 bytes.
			buf = append(buf[:start], t...)
		}
	}
	return []string{FromUTF8Lossy(buf)}, nil
}

// FromUTF8Lossy decodes b like Rust's String::from_utf8_lossy: each maximal
// prefix of an invalid sequence (the bytes that could still have started a
// valid character) becomes one U+FFFD.
func FromUTF8Lossy(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			sb.WriteByte(b[i])
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || size > 1 {
			sb.Write(b[i : i+size])
			i += size
			continue
		}
		sb.WriteRune(utf8.RuneError)
		i += invalidPrefixLen(b[i:])
	}
	return sb.String()
}

// invalidPrefixLen is the length of the maximal prefix of b that could start
// a valid UTF-8 sequence (at least 1), following the Unicode recommendation
// that Rust implements.
func invalidPrefixLen(b []byte) int {
	first := b[0]
	var need int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case first >= 0xC2 && first <= 0xDF:
		need = 1
	case first == 0xE0:
		need, lo = 2, 0xA0
	case first >= 0xE1 && first <= 0xEC, first == 0xEE, first == 0xEF:
		need = 2
	case first == 0xED:
		need, hi = 2, 0x9F
	case first == 0xF0:
		need, lo = 3, 0x90
	case first >= 0xF1 && first <= 0xF3:
		need = 3
	case first == 0xF4:
		need, hi = 3, 0x8F
	default:
		return 1
	}
	n := 1
	for k := 0; k < need && n < len(b); k++ {
		c := b[n]
		if k == 0 {
			if c < lo || c > hi {
				return n
			}
		} else if c < 0x80 || c > 0xBF {
			return n
		}
		n++
	}
	return n
}

// ByteFallback turns runs of <0xHH> tokens into the text they spell, or one
// U+FFFD per byte when the run is not valid UTF-8.
type ByteFallback struct{}

func (ByteFallback) String() string { return "ByteFallback" }

func byteToken(t string) (byte, bool) {
	if len(t) != 6 || !strings.HasPrefix(t, "<0x") || t[5] != '>' {
		return 0, false
	}
	v, err := strconv.ParseUint(t[3:5], 16, 8)
	if err != nil {
		return 0, false
	}
	return byte(v), true
}

// DecodeChain implements Decoder.
func (ByteFallback) DecodeChain(tokens []string) ([]string, error) {
	out := make([]string, 0, len(tokens))
	var pending []byte
	flush := func() {
		if len(pending) == 0 {
			return
		}
		if utf8.Valid(pending) {
			out = append(out, string(pending))
		} else {
			for range pending {
				out = append(out, "\uFFFD")
			}
		}
		pending = pending[:0]
	}
	for _, t := range tokens {
		if b, ok := byteToken(t); ok {
			pending = append(pending, b)
			continue
		}
		flush()
		out = append(out, t)
	}
	flush()
	return out, nil
}

// Fuse joins all tokens into one.
type Fuse struct{}

func (Fuse) String() string { return "Fuse" }

// DecodeChain implements Decoder.
func (Fuse) DecodeChain(tokens []string) ([]string, error) {
	return []string{strings.Join(tokens, "")}, nil
}

// WordPiece joins continuation pieces (Prefix) to the previous token and puts
// a space before the others, optionally cleaning up tokenization artefacts.
type WordPiece struct {
	Prefix  string
	Cleanup bool
}

func (WordPiece) String() string { return "WordPiece" }

// DecodeChain implements Decoder.
func (w WordPiece) DecodeChain(tokens []string) ([]string, error) {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		if i != 0 {
			if rest, ok := strings.CutPrefix(t, w.Prefix); ok {
				t = rest
			} else {
				t = " " + t
			}
		}
		if w.Cleanup {
			t = Cleanup(t)
		}
		out[i] = t
	}
	return out, nil
}

var cleanupReplacer = []struct{ old, new string }{
	{" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"},
	{" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
}

// Cleanup removes the spaces that tokenization put before punctuation and
// English contractions (HF's wordpiece::cleanup; the replacements apply one
// after the other).
func Cleanup(s string) string {
	if !strings.Contains(s, " ") {
		return s
	}
	for _, r := range cleanupReplacer {
		s = strings.ReplaceAll(s, r.old, r.new)
	}
	return s
}

// Metaspace turns the replacement character back into spaces, dropping it
// from the first token unless the prepend scheme is "never".
type Metaspace struct {
	Replacement   rune
	PrependScheme pretokenizers.PrependScheme
}

func (Metaspace) String() string { return "Metaspace" }

// DecodeChain implements Decoder.
func (m Metaspace) DecodeChain(tokens []string) ([]string, error) {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		if !strings.ContainsRune(t, m.Replacement) {
			out[i] = t
			continue
		}
		var sb strings.Builder
		for _, r := range t {
			if r == m.Replacement {
				if i == 0 && m.PrependScheme != pretokenizers.PrependNever {
					continue
				}
				sb.WriteByte(' ')
				continue
			}
			sb.WriteRune(r)
		}
		out[i] = sb.String()
	}
	return out, nil
}

// BPE replaces the end-of-word suffix with a space (nothing on the last token).
type BPE struct{ Suffix string }

func (BPE) String() string { return "BPEDecoder" }

// DecodeChain implements Decoder.
func (b BPE) DecodeChain(tokens []string) ([]string, error) {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		rep := " "
		if i == len(tokens)-1 {
			rep = ""
		}
		// Rust's str::replace and strings.ReplaceAll agree, also for an empty
		// suffix (the replacement goes at every character boundary).
		out[i] = strings.ReplaceAll(t, b.Suffix, rep)
	}
	return out, nil
}

// CTC collapses repeated tokens, drops the pad token and turns the word
// delimiter into spaces.
type CTC struct {
	PadToken           string
	WordDelimiterToken string
	Cleanup            bool
}

func (CTC) String() string { return "CTC" }

// DecodeChain implements Decoder.
func (c CTC) DecodeChain(tokens []string) ([]string, error) {
	out := make([]string, 0, len(tokens))
	for i, t := range tokens {
		if i > 0 && t == tokens[i-1] {
			continue
		}
		t = strings.ReplaceAll(t, c.PadToken, "")
		if c.Cleanup {
			t = strings.ReplaceAll(Cleanup(t), c.WordDelimiterToken, " ")
		}
		if t != "" {
			out = append(out, t)
		}
	}
	return out, nil
}

// Replace replaces the matches of a pattern in every token.
type Replace struct {
	Pattern normalized.Pattern
	Content string
}

func (Replace) String() string { return "Replace" }

// DecodeChain implements Decoder.
func (r Replace) DecodeChain(tokens []string) ([]string, error) {
	out := make([]string, len(tokens))
	var matches []normalized.Match
	for i, t := range tokens {
		var err error
		matches, err = r.Pattern.FindMatches(t, matches[:0])
		if err != nil {
			return nil, err
		}
		var sb strings.Builder
		for _, m := range matches {
			if m.IsMatch {
				sb.WriteString(r.Content)
			} else {
				sb.WriteString(t[m.Start:m.End])
			}
		}
		out[i] = sb.String()
	}
	return out, nil
}

// Strip removes up to Start leading and Stop trailing Content characters
// from every token.
type Strip struct {
	Content     rune
	Start, Stop int
}

func (Strip) String() string { return "Strip" }

// DecodeChain implements Decoder.
func (s Strip) DecodeChain(tokens []string) ([]string, error) {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		chars := []rune(t)
		startCut := 0
		for k := 0; k < s.Start && k < len(chars); k++ {
			if chars[k] != s.Content {
				break
			}
			startCut = k + 1
		}
		stopCut := len(chars)
		for k := 0; k < s.Stop; k++ {
			idx := len(chars) - k - 1
			if idx < 0 {
				return nil, smallfmt.Errorf("Strip: token %q is shorter than stop=%d", t, s.Stop)
			}
			if chars[idx] != s.Content {
				break
			}
			stopCut = idx
		}
		if stopCut < startCut {
			// HF panics slicing the token here; report it instead.
			return nil, smallfmt.Errorf("Strip: token %q is too short to strip %d+%d characters", t, s.Start, s.Stop)
		}
		out[i] = string(chars[startCut:stopCut])
	}
	return out, nil
}

// Sequence applies decoders in order.
type Sequence []Decoder

func (s Sequence) String() string {
	names := make([]string, len(s))
	for i, d := range s {
		names[i] = d.String()
	}
	return "Sequence[" + strings.Join(names, ", ") + "]"
}

// DecodeChain implements Decoder.
func (s Sequence) DecodeChain(tokens []string) ([]string, error) {
	var err error
	for _, d := range s {
		if tokens, err = d.DecodeChain(tokens); err != nil {
			return nil, err
		}
	}
	return tokens, nil
}
