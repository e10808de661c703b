package pattern

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/clinlm/clinlm/internal/smallfmt"
)

// The parser reads the Oniguruma (Ruby syntax) regexes of tokenizer.json into
// a small syntax tree. It accepts the constructs tokenizers use — classes with
// Unicode properties, intersections and POSIX brackets, greedy, lazy and
// possessive quantifiers, groups, atomic groups, look-ahead and look-behind,
// anchors, inline options i, m (Ruby's "dot matches newline") and x — and
// rejects with an error what it cannot reproduce exactly (back-references,
// subroutine calls, \K, \X, \G, absent operators, multi-character case
// folding is not applied).

type nodeKind uint8

const (
	nLit    nodeKind = iota // one character
	nClass                  // character class
	nAny                    // '.'
	nConcat                 // sequence
	nAlt                    // alternation
	nRepeat                 // quantifier
	nGroup                  // (...) or (?:...)
	nAtomic                 // (?>...), possessive quantifiers
	nLook                   // look-ahead / look-behind
	nAssert                 // ^ $ \A \z \Z \b \B
)

type assertKind uint8

const (
	aLineStart assertKind = iota
	aLineEnd
	aTextStart
	aTextEnd
	aTextEndNewline
	aWordBoundary
	aNotWordBoundary
)

type node struct {
	kind     nodeKind
	r        rune
	fold     bool // case-insensitive (nLit, nClass)
	dotAll   bool // nAny: matches '\n' too
	class    *charClass
	subs     []*node
	min, max int // nRepeat; max < 0: unbounded
	greedy   bool
	behind   bool // nLook
	negate   bool // nLook
	assert   assertKind
}

type flags struct {
	fold, dotAll, extended bool
}

type parser struct {
	src string
	pos int
}

// SyntaxError is a regex that the engine cannot compile.
type SyntaxError struct {
	Pattern string
	Pos     int
	Msg     string
}

func (e *SyntaxError) Error() string {
	return smallfmt.Sprintf("regex %q: %s (at offset %d)", e.Pattern, e.Msg, e.Pos)
}

func (p *parser) errorf(format string, args ...any) error {
	return &SyntaxError{Pattern: p.src, Pos: p.pos, Msg: smallfmt.Sprintf(format, args...)}
}

func parse(src string) (*node, error) {
	if !utf8.ValidString(src) {
		return nil, &SyntaxError{Pattern: src, Msg: "pattern is not valid UTF-8"}
	}
	p := &parser{src: src}
	n, err := p.parseAlt(flags{})
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.src) {
		return nil, p.errorf("unmatched ')'")
	}
	return n, nil
}

func (p *parser) eof() bool { return p.pos >= len(p.src) }

func (p *parser) peek() rune {
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	return r
}

func (p *parser) next() rune {
	r, size := utf8.DecodeRuneInString(p.src[p.pos:])
	p.pos += size
	return r
}

func (p *parser) skipExtended(f flags) {
	if !f.extended {
		return
	}
	for !p.eof() {
		c := p.src[p.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			p.pos++
		case c == '#':
			for !p.eof() && p.src[p.pos] != '\n' {
				p.pos++
			}
		default:
			return
		}
	}
}

// parseAlt parses alternatives up to ')' or the end.
func (p *parser) parseAlt(f flags) (*node, error) {
	var alts []*node
	for {
		seq, err := p.parseSeq(f)
		if err != nil {
			return nil, err
		}
		alts = append(alts, seq)
		if p.eof() || p.peek() != '|' {
			break
		}
		p.pos++
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return &node{kind: nAlt, subs: alts}, nil
}

func (p *parser) parseSeq(f flags) (*node, error) {
	var items []*node
	for {
		p.skipExtended(f)
		if p.eof() {
			break
		}
		c := p.peek()
		if c == '|' || c == ')' {
			break
		}
		atom, nf, isOption, err := p.parseAtom(f)
		if err != nil {
			return nil, err
		}
		if isOption {
			// An isolated option (?imx) makes a group of the rest of the
			// enclosing group, alternatives included: ab(?i)c|d is ab(?i:c|d).
			rest, err := p.parseAlt(nf)
			if err != nil {
				return nil, err
			}
			items = append(items, rest)
			break
		}
		if atom == nil {
			continue
		}
		atom, err = p.parseQuantifiers(atom, f)
		if err != nil {
			return nil, err
		}
		items = append(items, atom)
	}
	if len(items) == 1 {
		return items[0], nil
	}
	return &node{kind: nConcat, subs: items}, nil
}

func (p *parser) parseQuantifiers(atom *node, f flags) (*node, error) {
	quantified := false
	for {
		p.skipExtended(f)
		if p.eof() {
			return atom, nil
		}
		start := p.pos
		var min, max int
		switch p.peek() {
		case '*':
			p.pos++
			min, max = 0, -1
		case '+':
			p.pos++
			min, max = 1, -1
		case '?':
			p.pos++
			min, max = 0, 1
		case '{':
			lo, hi, ok := p.parseInterval()
			if !ok {
				return atom, nil // a literal '{'
			}
			if quantified {
				return nil, p.errorf("nested quantifier")
			}
			min, max = lo, hi
			rep := &node{kind: nRepeat, min: min, max: max, greedy: true, subs: []*node{atom}}
			if !p.eof() && p.peek() == '?' {
				p.pos++
				rep.greedy = false
			} else if !p.eof() && p.peek() == '+' {
				return nil, p.errorf("possessive interval quantifier is not supported")
			}
			atom = rep
			quantified = true
			continue
		default:
			return atom, nil
		}
		if quantified {
			p.pos = start
			return nil, p.errorf("nested quantifier")
		}
		rep := &node{kind: nRepeat, min: min, max: max, greedy: true, subs: []*node{atom}}
		if !p.eof() {
			switch p.peek() {
			case '?':
				p.pos++
				rep.greedy = false
			case '+':
				p.pos++
				rep = &node{kind: nAtomic, subs: []*node{rep}}
			}
		}
		atom = rep
		quantified = true
	}
}

// parseInterval reads {n}, {n,}, {,m} or {n,m}. Anything else leaves the
// position unchanged and reports false ('{' is then a literal).
func (p *parser) parseInterval() (int, int, bool) {
	start := p.pos
	end := strings.IndexByte(p.src[p.pos:], '}')
	if end < 0 {
		return 0, 0, false
	}
	body := p.src[p.pos+1 : p.pos+end]
	lo, hi := 0, 0
	if i := strings.IndexByte(body, ','); i >= 0 {
		a, b := body[:i], body[i+1:]
		if a == "" && b == "" {
			return 0, 0, false
		}
		var err error
		if a != "" {
			if lo, err = strconv.Atoi(a); err != nil || !isDigits(a) {
				return 0, 0, false
			}
		}
		if b == "" {
			hi = -1
		} else if hi, err = strconv.Atoi(b); err != nil || !isDigits(b) {
			return 0, 0, false
		}
	} else {
		v, err := strconv.Atoi(body)
		if err != nil || !isDigits(body) {
			return 0, 0, false
		}
		lo, hi = v, v
	}
	if hi >= 0 && lo > hi {
		return 0, 0, false
	}
	p.pos = start + end + 1
	return lo, hi, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// parseAtom parses one atom. isOption reports an inline option group (?imx)
// whose new flags are returned.
func (p *parser) parseAtom(f flags) (n *node, nf flags, isOption bool, err error) {
	start := p.pos
	c := p.next()
	switch c {
	case '(':
		return p.parseGroup(f)
	case '[':
		cls, err := p.parseClass(f)
		if err != nil {
			return nil, f, false, err
		}
		return &node{kind: nClass, class: cls, fold: f.fold}, f, false, nil
	case '.':
		return &node{kind: nAny, dotAll: f.dotAll}, f, false, nil
	case '^':
		return &node{kind: nAssert, assert: aLineStart}, f, false, nil
	case '$':
		return &node{kind: nAssert, assert: aLineEnd}, f, false, nil
	case '\\':
		n, err := p.parseEscape(f)
		return n, f, false, err
	case '*', '+', '?':
		p.pos = start
		return nil, f, false, p.errorf("quantifier without a target")
	case '{':
		p.pos = start
		if _, _, ok := p.parseInterval(); ok {
			p.pos = start
			return nil, f, false, p.errorf("quantifier without a target")
		}
		p.pos = start + 1
		return &node{kind: nLit, r: '{', fold: f.fold}, f, false, nil
	}
	return &node{kind: nLit, r: c, fold: f.fold}, f, false, nil
}

func (p *parser) parseGroup(f flags) (*node, flags, bool, error) {
	kind := nGroup
	var behind, negate bool
	if !p.eof() && p.peek() == '?' {
		p.pos++
		if p.eof() {
			return nil, f, false, p.errorf("unterminated group")
		}
		switch c := p.next(); c {
		case ':':
		case '=':
			kind = nLook
		case '!':
			kind, negate = nLook, true
		case '>':
			kind = nAtomic
		case '#':
			end := strings.IndexByte(p.src[p.pos:], ')')
			if end < 0 {
				return nil, f, false, p.errorf("unterminated comment")
			}
			p.pos += end + 1
			return nil, f, false, nil
		case '<':
			if p.eof() {
				return nil, f, false, p.errorf("unterminated group")
			}
			switch p.peek() {
			case '=':
				p.pos++
				kind, behind = nLook, true
			case '!':
				p.pos++
				kind, behind, negate = nLook, true, true
			default:
				if err := p.skipGroupName('>'); err != nil {
					return nil, f, false, err
				}
			}
		case '\'':
			if err := p.skipGroupName('\''); err != nil {
				return nil, f, false, err
			}
		default:
			p.pos -= utf8.RuneLen(c)
			nf, colon, err := p.parseOptions(f)
			if err != nil {
				return nil, f, false, err
			}
			if !colon {
				return nil, nf, true, nil
			}
			sub, err := p.parseAlt(nf)
			if err != nil {
				return nil, f, false, err
			}
			if p.eof() || p.next() != ')' {
				return nil, f, false, p.errorf("missing ')'")
			}
			return &node{kind: nGroup, subs: []*node{sub}}, f, false, nil
		}
	}
	sub, err := p.parseAlt(f)
	if err != nil {
		return nil, f, false, err
	}
	if p.eof() || p.next() != ')' {
		return nil, f, false, p.errorf("missing ')'")
	}
	return &node{kind: kind, subs: []*node{sub}, behind: behind, negate: negate}, f, false, nil
}

func (p *parser) skipGroupName(end byte) error {
	i := strings.IndexByte(p.src[p.pos:], end)
	if i <= 0 {
		return p.errorf("invalid group name")
	}
	p.pos += i + 1
	return nil
}

// parseOptions reads "imx-imx" followed by ')' or ':'.
func (p *parser) parseOptions(f flags) (flags, bool, error) {
	on := true
	for !p.eof() {
		c := p.next()
		switch c {
		case 'i':
			f.fold = on
		case 'm':
			f.dotAll = on
		case 'x':
			f.extended = on
		case '-':
			on = false
		case ')':
			return f, false, nil
		case ':':
			return f, true, nil
		default:
			return f, false, p.errorf("undefined group option %q", c)
		}
	}
	return f, false, p.errorf("unterminated group options")
}

// parseEscape parses what follows a backslash outside a class.
func (p *parser) parseEscape(f flags) (*node, error) {
	if p.eof() {
		return nil, p.errorf("trailing backslash")
	}
	c := p.peek()
	switch c {
	case 'A':
		p.pos++
		return &node{kind: nAssert, assert: aTextStart}, nil
	case 'z':
		p.pos++
		return &node{kind: nAssert, assert: aTextEnd}, nil
	case 'Z':
		p.pos++
		return &node{kind: nAssert, assert: aTextEndNewline}, nil
	case 'b':
		p.pos++
		return &node{kind: nAssert, assert: aWordBoundary}, nil
	case 'B':
		p.pos++
		return &node{kind: nAssert, assert: aNotWordBoundary}, nil
	case 'R':
		p.pos++
		// \R: (?>\r\n|[\n\v\f\r\x85\u2028\u2029])
		crlf := &node{kind: nConcat, subs: []*node{{kind: nLit, r: '\r'}, {kind: nLit, r: '\n'}}}
		nl := &charClass{}
		nl.addRange('\n', '\r')
		nl.addRange(0x85, 0x85)
		nl.addRange(0x2028, 0x2029)
		return &node{kind: nAtomic, subs: []*node{{kind: nAlt, subs: []*node{crlf, {kind: nClass, class: nl}}}}}, nil
	case 'N':
		p.pos++
		return &node{kind: nAny}, nil
	case 'O':
		p.pos++
		return &node{kind: nAny, dotAll: true}, nil
	case 'G', 'K', 'X', 'k', 'g', 'y', 'Y':
		return nil, p.errorf(`\%c is not supported`, c)
	}
	if c >= '1' && c <= '9' {
		// Oniguruma reads \1..\9 (and multi-digit numbers of existing groups)
		// as back-references.
		return nil, p.errorf("back-references are not supported")
	}
	cls, r, err := p.parseEscapeCommon(f, false)
	if err != nil {
		return nil, err
	}
	if cls != nil {
		return &node{kind: nClass, class: cls, fold: f.fold}, nil
	}
	return &node{kind: nLit, r: r, fold: f.fold}, nil
}

// parseEscapeCommon parses the escapes that mean the same inside and outside
// classes: a class (\w, \p{..}...) or a single character.
func (p *parser) parseEscapeCommon(f flags, inClass bool) (*charClass, rune, error) {
	start := p.pos
	c := p.next()
	switch c {
	case 'w', 'W', 's', 'S', 'd', 'D', 'h', 'H':
		cls := &charClass{}
		switch c {
		case 'w', 'W':
			if inClass {
				cls.preds = append(cls.preds, predOnigWordInClass)
			} else {
				cls.preds = append(cls.preds, predOnigWord)
			}
		case 's', 'S':
			cls.preds = append(cls.preds, predOnigSpace)
		case 'd', 'D':
			cls.preds = append(cls.preds, predOnigDigit)
		case 'h', 'H':
			cls.addRange('0', '9')
			cls.addRange('a', 'f')
			cls.addRange('A', 'F')
		}
		cls.negated = unicode.IsUpper(c)
		return cls, 0, nil
	case 'p', 'P':
		cls, err := p.parseProperty(c == 'P')
		return cls, 0, err
	case 't':
		return nil, '\t', nil
	case 'n':
		return nil, '\n', nil
	case 'r':
		return nil, '\r', nil
	case 'f':
		return nil, '\f', nil
	case 'v':
		return nil, '\v', nil
	case 'a':
		return nil, '\a', nil
	case 'e':
		return nil, 0x1B, nil
	case 'b':
		if inClass {
			return nil, '\b', nil
		}
	case 'x':
		if !p.eof() && p.peek() == '{' {
			end := strings.IndexByte(p.src[p.pos:], '}')
			if end < 0 {
				return nil, 0, p.errorf(`invalid \x{...}`)
			}
			v, err := strconv.ParseUint(strings.TrimSpace(p.src[p.pos+1:p.pos+end]), 16, 32)
			if err != nil || v > unicode.MaxRune {
				return nil, 0, p.errorf(`invalid \x{...}`)
			}
			p.pos += end + 1
			return nil, rune(v), nil
		}
		return nil, p.hexDigits(2), nil
	case 'u':
		n := 0
		for n < 4 && p.pos+n < len(p.src) && isHex(p.src[p.pos+n]) {
			n++
		}
		if n != 4 {
			return nil, 0, p.errorf(`invalid \u escape`)
		}
		return nil, p.hexDigits(4), nil
	case 'c':
		if p.eof() {
			return nil, 0, p.errorf(`invalid \c escape`)
		}
		return nil, p.next() & 0x1F, nil
	case '0':
		v := 0
		for k := 0; k < 2 && !p.eof() && p.peek() >= '0' && p.peek() <= '7'; k++ {
			v = v*8 + int(p.next()-'0')
		}
		return nil, rune(v), nil
	}
	if inClass && c >= '1' && c <= '7' {
		v := int(c - '0')
		for k := 0; k < 2 && !p.eof() && p.peek() >= '0' && p.peek() <= '7'; k++ {
			v = v*8 + int(p.next()-'0')
		}
		return nil, rune(v), nil
	}
	if c < utf8.RuneSelf && (unicode.IsLetter(c) || unicode.IsDigit(c)) {
		p.pos = start
		return nil, 0, p.errorf(`escape \%c is not supported`, c)
	}
	return nil, c, nil
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// hexDigits reads up to n hex digits (Oniguruma's \xHH takes one or two).
func (p *parser) hexDigits(n int) rune {
	v := rune(0)
	for k := 0; k < n && !p.eof() && isHex(p.src[p.pos]); k++ {
		d, _ := strconv.ParseUint(p.src[p.pos:p.pos+1], 16, 8)
		v = v*16 + rune(d)
		p.pos++
	}
	return v
}

func (p *parser) parseProperty(negated bool) (*charClass, error) {
	if p.eof() || p.peek() != '{' {
		return nil, p.errorf(`\p must be followed by {name}`)
	}
	end := strings.IndexByte(p.src[p.pos:], '}')
	if end < 0 {
		return nil, p.errorf(`unterminated \p{`)
	}
	name := p.src[p.pos+1 : p.pos+end]
	if strings.HasPrefix(name, "^") {
		negated = !negated
		name = name[1:]
	}
	pred, ok := lookupProperty(name)
	if !ok {
		return nil, p.errorf("character property %q is not supported", name)
	}
	p.pos += end + 1
	return &charClass{preds: []runePred{pred}, negated: negated}, nil
}

// parseClass parses a bracket expression after its '['.
func (p *parser) parseClass(f flags) (*charClass, error) {
	cls := &charClass{}
	if !p.eof() && p.peek() == '^' {
		p.pos++
		cls.negated = true
	}
	// The operands of && are collected in inter; cur is the one being built.
	cur := &charClass{}
	var inter []*charClass
	first := true
	for {
		if p.eof() {
			return nil, p.errorf("missing ']'")
		}
		c := p.peek()
		if c == ']' && !first {
			p.pos++
			break
		}
		first = false
		if c == '[' {
			if strings.HasPrefix(p.src[p.pos:], "[:") {
				if posix, ok, err := p.parsePosix(); err != nil {
					return nil, err
				} else if ok {
					cur.subs = append(cur.subs, posix)
					continue
				}
			}
			p.pos++
			sub, err := p.parseClass(f)
			if err != nil {
				return nil, err
			}
			cur.subs = append(cur.subs, sub)
			continue
		}
		if c == '&' && strings.HasPrefix(p.src[p.pos:], "&&") {
			p.pos += 2
			inter = append(inter, cur)
			cur = &charClass{}
			continue
		}
		lo, loCls, err := p.classAtom(f)
		if err != nil {
			return nil, err
		}
		if loCls != nil {
			cur.subs = append(cur.subs, loCls)
			continue
		}
		// A range lo-hi, unless '-' is the last character before ']'.
		if !p.eof() && p.peek() == '-' && p.pos+1 < len(p.src) && p.src[p.pos+1] != ']' {
			save := p.pos
			p.pos++
			if p.peek() == '[' {
				p.pos = save
				cur.addRange(lo, lo)
				continue
			}
			hi, hiCls, err := p.classAtom(f)
			if err != nil {
				return nil, err
			}
			if hiCls != nil {
				return nil, p.errorf("invalid range in character class")
			}
			if hi < lo {
				return nil, p.errorf("empty range in character class")
			}
			cur.addRange(lo, hi)
			continue
		}
		cur.addRange(lo, lo)
	}
	if len(inter) == 0 {
		cur.negated = cls.negated
		return cur, nil
	}
	inter = append(inter, cur)
	cls.inter = inter
	return cls, nil
}

// classAtom reads one character or escape inside a class.
func (p *parser) classAtom(f flags) (rune, *charClass, error) {
	c := p.next()
	if c != '\\' {
		return c, nil, nil
	}
	if p.eof() {
		return 0, nil, p.errorf("trailing backslash")
	}
	cls, r, err := p.parseEscapeCommon(f, true)
	return r, cls, err
}

// parsePosix reads [:name:] or [:^name:].
func (p *parser) parsePosix() (*charClass, bool, error) {
	end := strings.Index(p.src[p.pos+2:], ":]")
	if end < 0 {
		return nil, false, nil
	}
	name := p.src[p.pos+2 : p.pos+2+end]
	negated := strings.HasPrefix(name, "^")
	name = strings.TrimPrefix(name, "^")
	pred, ok := posixClasses[name]
	if !ok {
		return nil, false, p.errorf("POSIX class [:%s:] is not supported", name)
	}
	p.pos += 2 + end + 2
	return &charClass{preds: []runePred{pred}, negated: negated}, true, nil
}
