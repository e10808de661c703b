package pattern

import (
	"errors"
	"unicode/utf8"

	"github.com/clinlm/clinlm/inference/tokenizer/internal/runeclass"
)

// The regex runs on a small backtracking machine: instructions are tried in
// priority order and alternatives pushed on a stack, which gives Oniguruma's
// leftmost-first semantics. Atomic groups and look-around run their own
// sub-program at the current position.

type opcode uint8

const (
	opRune opcode = iota
	opClass
	opAny
	opSplit // try x first, then y
	opJmp
	opAssert
	opAtomic
	opLook
	opMatch
)

type inst struct {
	op     opcode
	fold   bool
	dotAll bool
	behind bool
	negate bool
	assert assertKind
	r      rune
	cls    *charClass
	x, y   int // jump targets, or the sub-program index
}

type prog struct {
	insts []inst
	subs  []*prog
}

// maxInsts bounds the size of a program (counted repetitions are unrolled).
const maxInsts = 50_000

// maxSteps bounds the work of one match attempt, so that a pathological
// pattern fails with an error instead of hanging the tokenizer.
const maxSteps = 10_000_000

var errTooComplex = errors.New("regex: pattern needs too much backtracking on this input")

type compiler struct {
	src string
}

func (c *compiler) errorf(msg string) error {
	return &SyntaxError{Pattern: c.src, Msg: msg}
}

func (c *compiler) compileProg(n *node) (*prog, error) {
	p := &prog{}
	if err := c.emit(p, n); err != nil {
		return nil, err
	}
	p.insts = append(p.insts, inst{op: opMatch})
	if len(p.insts) > maxInsts {
		return nil, c.errorf("pattern is too large once repetitions are expanded")
	}
	return p, nil
}

func (c *compiler) emit(p *prog, n *node) error {
	if len(p.insts) > maxInsts {
		return c.errorf("pattern is too large once repetitions are expanded")
	}
	switch n.kind {
	case nLit:
		p.insts = append(p.insts, inst{op: opRune, r: n.r, fold: n.fold})
	case nClass:
		n.class.prepare()
		p.insts = append(p.insts, inst{op: opClass, cls: n.class, fold: n.fold})
	case nAny:
		p.insts = append(p.insts, inst{op: opAny, dotAll: n.dotAll})
	case nConcat:
		for _, s := range n.subs {
			if err := c.emit(p, s); err != nil {
				return err
			}
		}
	case nGroup:
		return c.emit(p, n.subs[0])
	case nAlt:
		var jumps []int
		for i, s := range n.subs {
			if i < len(n.subs)-1 {
				split := len(p.insts)
				p.insts = append(p.insts, inst{op: opSplit, x: split + 1})
				if err := c.emit(p, s); err != nil {
					return err
				}
				jumps = append(jumps, len(p.insts))
				p.insts = append(p.insts, inst{op: opJmp})
				p.insts[split].y = len(p.insts)
				continue
			}
			if err := c.emit(p, s); err != nil {
				return err
			}
		}
		for _, j := range jumps {
			p.insts[j].x = len(p.insts)
		}
	case nRepeat:
		return c.emitRepeat(p, n)
	case nAtomic, nLook:
		sub, err := c.compileProg(n.subs[0])
		if err != nil {
			return err
		}
		p.subs = append(p.subs, sub)
		op := opAtomic
		if n.kind == nLook {
			op = opLook
		}
		p.insts = append(p.insts, inst{op: op, x: len(p.subs) - 1, behind: n.behind, negate: n.negate})
	case nAssert:
		p.insts = append(p.insts, inst{op: opAssert, assert: n.assert})
	default:
		return c.errorf("internal error: unknown node")
	}
	return nil
}

func (c *compiler) emitRepeat(p *prog, n *node) error {
	sub := n.subs[0]
	if n.max < 0 && nullable(sub) {
		return c.errorf("an unbounded repetition of something that can match the empty string is not supported")
	}
	for i := 0; i < n.min; i++ {
		if err := c.emit(p, sub); err != nil {
			return err
		}
	}
	split := func(first, second int) inst {
		if n.greedy {
			return inst{op: opSplit, x: first, y: second}
		}
		return inst{op: opSplit, x: second, y: first}
	}
	if n.max < 0 {
		loop := len(p.insts)
		p.insts = append(p.insts, inst{})
		if err := c.emit(p, sub); err != nil {
			return err
		}
		p.insts = append(p.insts, inst{op: opJmp, x: loop})
		p.insts[loop] = split(loop+1, len(p.insts))
		return nil
	}
	var holes []int
	for i := n.min; i < n.max; i++ {
		at := len(p.insts)
		holes = append(holes, at)
		p.insts = append(p.insts, inst{})
		if err := c.emit(p, sub); err != nil {
			return err
		}
		p.insts[at] = split(at+1, -1)
	}
	end := len(p.insts)
	for _, h := range holes {
		if n.greedy {
			p.insts[h].y = end
		} else {
			p.insts[h].x = end
		}
	}
	return nil
}

// nullable reports whether n can match the empty string.
func nullable(n *node) bool {
	switch n.kind {
	case nLit, nClass, nAny:
		return false
	case nConcat:
		for _, s := range n.subs {
			if !nullable(s) {
				return false
			}
		}
		return true
	case nAlt:
		for _, s := range n.subs {
			if nullable(s) {
				return true
			}
		}
		return false
	case nRepeat:
		return n.min == 0 || nullable(n.subs[0])
	case nGroup, nAtomic:
		return nullable(n.subs[0])
	}
	return true // assertions and look-around
}

type frame struct{ pc, pos int }

// machine runs programs over one text.
type machine struct {
	text  string
	stack []frame
	steps int
	err   error
}

func (m *machine) decode(pos int) (rune, int) {
	if c := m.text[pos]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(m.text[pos:])
}

// run matches p at start. With mustEnd >= 0 only a match ending there counts.
// It returns the end of the first match in priority order.
func (m *machine) run(p *prog, start, mustEnd int) (int, bool) {
	base := len(m.stack)
	defer func() { m.stack = m.stack[:base] }()
	pc, pos := 0, start
	text := m.text
	for {
		m.steps++
		if m.steps > maxSteps {
			m.err = errTooComplex
			return 0, false
		}
		in := &p.insts[pc]
		ok := true
		switch in.op {
		case opRune:
			if pos < len(text) {
				r, size := m.decode(pos)
				if r == in.r || (in.fold && equalFold(r, in.r)) {
					pos += size
					pc++
					continue
				}
			}
			ok = false
		case opClass:
			if pos < len(text) {
				r, size := m.decode(pos)
				var hit bool
				if in.fold {
					hit = in.cls.matchesFold(r)
				} else {
					hit = in.cls.matches(r)
				}
				if hit {
					pos += size
					pc++
					continue
				}
			}
			ok = false
		case opAny:
			if pos < len(text) && (in.dotAll || text[pos] != '\n') {
				_, size := m.decode(pos)
				pos += size
				pc++
				continue
			}
			ok = false
		case opSplit:
			m.stack = append(m.stack, frame{in.y, pos})
			pc = in.x
			continue
		case opJmp:
			pc = in.x
			continue
		case opAssert:
			if m.assert(in.assert, pos) {
				pc++
				continue
			}
			ok = false
		case opAtomic:
			end, found := m.run(p.subs[in.x], pos, -1)
			if m.err != nil {
				return 0, false
			}
			if found {
				pos = end
				pc++
				continue
			}
			ok = false
		case opLook:
			found := false
			if in.behind {
				for k := pos; k >= 0; k-- {
					if k < len(text) && !utf8.RuneStart(text[k]) {
						continue
					}
					if _, f := m.run(p.subs[in.x], k, pos); f {
						found = true
						break
					}
					if m.err != nil {
						return 0, false
					}
				}
			} else {
				_, found = m.run(p.subs[in.x], pos, -1)
			}
			if m.err != nil {
				return 0, false
			}
			if found != in.negate {
				pc++
				continue
			}
			ok = false
		case opMatch:
			if mustEnd < 0 || pos == mustEnd {
				return pos, true
			}
			ok = false
		}
		if !ok {
			if len(m.stack) == base {
				return 0, false
			}
			f := m.stack[len(m.stack)-1]
			m.stack = m.stack[:len(m.stack)-1]
			pc, pos = f.pc, f.pos
		}
	}
}

func (m *machine) assert(k assertKind, pos int) bool {
	text := m.text
	switch k {
	case aLineStart:
		return pos == 0 || text[pos-1] == '\n'
	case aLineEnd:
		return pos == len(text) || text[pos] == '\n'
	case aTextStart:
		return pos == 0
	case aTextEnd:
		return pos == len(text)
	case aTextEndNewline:
		return pos == len(text) || (pos == len(text)-1 && text[pos] == '\n')
	case aWordBoundary, aNotWordBoundary:
		before, after := false, false
		if pos > 0 {
			r, _ := utf8.DecodeLastRuneInString(text[:pos])
			before = runeclass.IsOnigWord(r)
		}
		if pos < len(text) {
			r, _ := m.decode(pos)
			after = runeclass.IsOnigWord(r)
		}
		return (before != after) == (k == aWordBoundary)
	}
	return false
}
