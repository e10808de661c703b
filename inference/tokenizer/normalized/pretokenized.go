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

// Piece is one split of a pre-tokenized string. Tokens is nil until the piece
// is tokenized; a tokenized piece is never split or normalized again.
type Piece struct {
	Norm      String
	Tokens    []Token
	Tokenized bool
}

// PreTokenized is a text cut into pieces, each a normalized string aligned
// to the original input (HF's PreTokenizedString).
type PreTokenized struct {
	Original string
	Pieces   []Piece
	scratch  []String
}

// NewPreTokenized returns the text as a single untokenized piece.
func NewPreTokenized(text string) *PreTokenized {
	return FromString(New(text))
}

// FromString wraps a normalized string as a single untokenized piece.
func FromString(s String) *PreTokenized {
	return &PreTokenized{Original: s.Original(), Pieces: []Piece{{Norm: s}}}
}

// Reset makes p hold the text as a single piece, reusing p's memory.
func (p *PreTokenized) Reset(s String) {
	p.Original = s.Original()
	p.Pieces = append(p.Pieces[:0], Piece{Norm: s})
}

// SplitFunc cuts one piece into sub-pieces, appending them to dst. It may
// modify the piece it is given. The sub-pieces must be slices of the piece,
// in order, so that offsets stay meaningful.
type SplitFunc func(i int, s *String, dst []String) ([]String, error)

// Split applies fn to every untokenized piece and replaces it with the
// non-empty sub-pieces fn returns (HF's PreTokenizedString::split).
func (p *PreTokenized) Split(fn SplitFunc) error {
	// Pieces are rewritten in place when the new list is not longer than the
	// old one at every step; otherwise a new slice is built.
	out := make([]Piece, 0, len(p.Pieces)+8)
	for i := range p.Pieces {
		piece := p.Pieces[i]
		if piece.Tokenized {
			out = append(out, piece)
			continue
		}
		var err error
		p.scratch, err = fn(i, &piece.Norm, p.scratch[:0])
		if err != nil {
			return err
		}
		for _, s := range p.scratch {
			if s.IsEmpty() {
				continue
			}
			out = append(out, Piece{Norm: s})
		}
	}
	clear(p.scratch)
	p.Pieces = out
	return nil
}

// SplitWithTokens is Split for functions that also attach tokens to some of
// the sub-pieces (the added vocabulary does). fn appends pieces, not strings.
func (p *PreTokenized) SplitWithTokens(fn func(i int, s *String, dst []Piece) ([]Piece, error)) error {
	out := make([]Piece, 0, len(p.Pieces)+4)
	var tmp []Piece
	for i := range p.Pieces {
		piece := p.Pieces[i]
		if piece.Tokenized {
			out = append(out, piece)
			continue
		}
		var err error
		tmp, err = fn(i, &piece.Norm, tmp[:0])
		if err != nil {
			return err
		}
		for _, s := range tmp {
			if s.Norm.IsEmpty() {
				continue
			}
			out = append(out, s)
		}
	}
	p.Pieces = out
	return nil
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
