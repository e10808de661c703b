package normalized

// Token is a token attached to a piece of a pre-tokenized string: by the
// added vocabulary (which extracts added tokens before pre-tokenization) or
// by the model. Start and End are byte offsets into the piece's normalized
// text.
type Token struct {
	ID         int
	Value      string
	Start, End int
}

// Piece is one split of a pre-tokenized string. A tokenized piece (an added
// token) is never split or normalized again.
type Piece struct {
	Norm      String
	Token     Token
	Tokenized bool
}

// PreTokenized is a text cut into pieces, each a normalized string aligned
// to the original input (HF's PreTokenizedString). Its buffers are reused
// by Reset, so one PreTokenized can serve many texts in turn.
type PreTokenized struct {
	Original string
	Pieces   []Piece

	spare   []Piece // the other half of the double buffer behind Pieces
	strs    []String
	matches []Match
	align   []alignment // the alignments of the text ResetText set
	cuts    []cut
	mem     scratch // what the pieces' transformations write to
}

// cut is where one piece's text lies in a buffer shared by several pieces.
type cut struct{ piece, start, end int }

// NewPreTokenized returns the text as a single untokenized piece.
func NewPreTokenized(text string) *PreTokenized {
	p := &PreTokenized{}
	p.Reset(New(text))
	return p
}

// Reset makes p hold s as a single piece, reusing p's memory.
func (p *PreTokenized) Reset(s String) {
	p.Original = s.input
	clear(p.Pieces)
	p.Pieces = append(p.Pieces[:0], Piece{Norm: s})
}

// ResetText makes p hold text as a single piece, reusing p's memory for the
// alignments too: pieces of an earlier text must not be used after it.
func (p *PreTokenized) ResetText(text string) {
	var s String
	s, p.align = newWithBuffer(text, p.align)
	p.mem.rewind()
	s.mem = &p.mem
	p.Reset(s)
}

// SplitFunc cuts one piece into sub-pieces, appending them to dst. It may
// modify the piece it is given. The sub-pieces must be slices of the piece,
// in order, so that offsets stay meaningful.
type SplitFunc func(i int, s *String, dst []String) ([]String, error)

// Split applies fn to every untokenized piece and replaces it with the
// non-empty sub-pieces fn returns (HF's PreTokenizedString::split).
func (p *PreTokenized) Split(fn SplitFunc) error {
	out := p.spare[:0]
	for i := range p.Pieces {
		piece := &p.Pieces[i]
		if piece.Tokenized {
			out = append(out, *piece)
			continue
		}
		var err error
		p.strs, err = fn(i, &piece.Norm, p.strs[:0])
		if err != nil {
			return err
		}
		for _, s := range p.strs {
			if !s.IsEmpty() {
				out = append(out, Piece{Norm: s})
			}
		}
	}
	clear(p.strs)
	p.swap(out)
	return nil
}

// SplitPattern cuts every untokenized piece around the matches of pat.
func (p *PreTokenized) SplitPattern(pat Pattern, b Behavior) error {
	return p.Split(func(_ int, s *String, dst []String) ([]String, error) {
		var err error
		dst, p.matches, err = s.SplitBuf(pat, b, dst, p.matches)
		return dst, err
	})
}

// SplitString is s.Split using p's scratch memory, for SplitFuncs.
func (p *PreTokenized) SplitString(s *String, pat Pattern, b Behavior, dst []String) ([]String, error) {
	var err error
	dst, p.matches, err = s.SplitBuf(pat, b, dst, p.matches)
	return dst, err
}

// ReplaceString is s.Replace using p's scratch memory.
func (p *PreTokenized) ReplaceString(s *String, pat Pattern, content string) error {
	var err error
	p.matches, err = s.replaceBuf(pat, content, p.matches)
	return err
}

// PrependWhere prepends prefix to every untokenized piece for which want
// returns true (String.Prepend), with one allocation for all of them.
func (p *PreTokenized) PrependWhere(prefix string, want func(s *String) bool) {
	if prefix == "" {
		return
	}
	total, count := 0, 0
	for i := range p.Pieces {
		pc := &p.Pieces[i]
		if pc.Tokenized || pc.Norm.IsEmpty() || !want(&pc.Norm) {
			continue
		}
		total += len(prefix) + pc.Norm.Len()
		count++
	}
	if count == 0 {
		return
	}
	buf := p.mem.takeBytes(total)
	align := p.mem.takeAlign(total)
	cuts := p.cuts[:0]
	for i := range p.Pieces {
		pc := &p.Pieces[i]
		if pc.Tokenized || pc.Norm.IsEmpty() || !want(&pc.Norm) {
			continue
		}
		start := len(buf)
		buf = append(buf, prefix...)
		a := pc.Norm.align[0]
		for range len(prefix) {
			align = append(align, a)
		}
		buf = append(buf, pc.Norm.norm...)
		align = append(align, pc.Norm.align...)
		cuts = append(cuts, cut{i, start, len(buf)})
	}
	p.cuts = cuts
	text := bytesToString(buf)
	for _, c := range cuts {
		n := &p.Pieces[c.piece].Norm
		n.norm = text[c.start:c.end]
		n.align = align[c.start:c.end:c.end]
	}
}

// SplitPieces is Split for functions that also attach tokens to some of the
// sub-pieces (the added vocabulary does); fn appends pieces, not strings.
func (p *PreTokenized) SplitPieces(fn func(s *String, dst []Piece) ([]Piece, error)) error {
	out := p.spare[:0]
	for i := range p.Pieces {
		piece := &p.Pieces[i]
		if piece.Tokenized {
			out = append(out, *piece)
			continue
		}
		start := len(out)
		var err error
		out, err = fn(&piece.Norm, out)
		if err != nil {
			return err
		}
		kept := out[:start]
		for _, s := range out[start:] {
			if !s.Norm.IsEmpty() {
				kept = append(kept, s)
			}
		}
		out = kept
	}
	p.swap(out)
	return nil
}

func (p *PreTokenized) swap(out []Piece) {
	clear(p.Pieces)
	p.spare = p.Pieces[:0]
	p.Pieces = out
}

// Normalize applies fn to every untokenized piece.
func (p *PreTokenized) Normalize(fn func(s *String) error) error {
	for i := range p.Pieces {
		if p.Pieces[i].Tokenized {
			continue
		}
		if err := fn(&p.Pieces[i].Norm); err != nil {
			return err
		}
	}
	return nil
}
