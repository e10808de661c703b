package tokenizer

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/clinlm/clinlm/inference/tokenizer/decoders"
	"github.com/clinlm/clinlm/inference/tokenizer/models"
	"github.com/clinlm/clinlm/inference/tokenizer/normalized"
	"github.com/clinlm/clinlm/internal/smallfmt"
)

// EncodeOptions are the per-call options of EncodeWithOptions.
type EncodeOptions struct {
	AddSpecialTokens bool
	// MaxLength > 0 truncates to that many tokens (special tokens included),
	// replacing the truncation configured in tokenizer.json; 0 keeps the
	// file's configuration.
	MaxLength int
	// Stride is the number of tokens consecutive overflowing windows share.
	Stride int
	// Strategy is "longest_first" (default), "only_first" or "only_second".
	Strategy string
}

// Encode encodes one text.
func (t *Tokenizer) Encode(text string, addSpecialTokens bool) (*Encoding, error) {
	return t.EncodeWithOptions(text, nil, EncodeOptions{AddSpecialTokens: addSpecialTokens})
}

// EncodePair encodes a pair of texts (question and context, premise and
// hypothesis...).
func (t *Tokenizer) EncodePair(text, pair string, addSpecialTokens bool) (*Encoding, error) {
	return t.EncodeWithOptions(text, &pair, EncodeOptions{AddSpecialTokens: addSpecialTokens})
}

// EncodeWithOptions encodes a text, or a pair when pair is not nil, with
// explicit truncation options. Padding configured in tokenizer.json applies.
func (t *Tokenizer) EncodeWithOptions(text string, pair *string, opts EncodeOptions) (*Encoding, error) {
	trunc := t.truncation
	if opts.MaxLength > 0 {
		trunc = &Truncation{MaxLength: opts.MaxLength, Stride: opts.Stride, Strategy: opts.Strategy}
		if trunc.Strategy == "" {
			trunc.Strategy = "longest_first"
		}
		switch trunc.Strategy {
		case "longest_first", "only_first", "only_second":
		default:
			return nil, smallfmt.Errorf("tokenizer: unknown truncation strategy %q", opts.Strategy)
		}
		if opts.Stride < 0 {
			return nil, errors.New("tokenizer: negative stride")
		}
		if err := t.checkStride(trunc); err != nil {
			return nil, smallfmt.Errorf("tokenizer: %w", err)
		}
	} else if opts.MaxLength < 0 {
		return nil, errors.New("tokenizer: negative max length")
	}
	// The per-sequence encodings live in pooled scratch memory; the
	// post-processing below copies them into the result. Post-processing
	// works on copies of their Encoding structs, which are the states' own:
	// truncation replaces a sequence's tokens with copies it no longer marks
	// scratch, and that Encoding can then be the result.
	st := t.getState()
	defer t.putState(st)
	seq, err := t.encodeSequence(st, text, 0, nil)
	if err != nil {
		return nil, err
	}
	enc := new(Encoding)
	*enc = *seq
	var pairEnc *Encoding
	if pair != nil {
		pst := t.getState()
		defer t.putState(pst)
		if seq, err = t.encodeSequence(pst, *pair, 1, nil); err != nil {
			return nil, err
		}
		pairEnc = new(Encoding)
		*pairEnc = *seq
	}
	out, err := t.postProcess(enc, pairEnc, opts.AddSpecialTokens, trunc)
	if err != nil {
		return nil, err
	}
	if out.scratch {
		out = out.clone()
	}
	out.finish()
	return out, nil
}

// EncodeParts encodes one text as Encode does and passes the result to use
// as the consecutive parts that Encode merges into one Encoding (for a
// BERT post-processor: [CLS], the text's tokens, [SEP]). Their arrays,
// concatenated, are Encode's (SequenceIDs and Overflowing aside), but
// nothing is allocated or copied for them: the parts are pooled scratch
// memory or the post-processor's own special-token encodings. The parts are
// valid only while use runs and must not be modified. It is for
// callers that copy every token somewhere else anyway: the WebAssembly shim
// packs them for JavaScript, and in Chromium the merged copy and the garbage
// it left were about a fifth of an encode. A tokenizer configured to truncate
// or pad (tokenizer.json's "truncation", "padding") passes Encode's result
// as its one part.
func (t *Tokenizer) EncodeParts(text string, addSpecialTokens bool, use func(parts []*Encoding) error) error {
	if t.truncation != nil || t.padding != nil {
		enc, err := t.Encode(text, addSpecialTokens)
		if err != nil {
			return err
		}
		return use([]*Encoding{enc})
	}
	st := t.getState()
	defer t.putState(st)
	enc, err := t.encodeSequence(st, text, 0, nil)
	if err != nil {
		return err
	}
	parts := append(st.parts[:0], enc)
	if t.postProcessor != nil {
		if parts, err = processParts(t.postProcessor, enc, nil, addSpecialTokens); err != nil {
			return smallfmt.Errorf("tokenizer: post_processor: %w", err)
		}
	}
	return use(parts)
}

// encodeState is the scratch memory of one encodeSequence call, pooled by
// the Tokenizer so that encoding allocates little beyond its result.
type encodeState struct {
	pt    normalized.PreTokenized
	chunk normalized.PreTokenized // a piece's chunk on the general path (encodeBert)
	model []models.Token
	conv  charConverter
	// The arrays of the sequence's encoding, filled token by token (push;
	// offs, the character offsets, all at once by encoding) and kept until
	// post-processing has copied them.
	ids          []int32
	words        []int32
	tokens       []string
	offs, bytes  [][2]int32
	typeSpecMask []int32 // type ids, special tokens mask and attention mask
	mapped       []byte  // a piece's mapped text (encodeByteLevel, encodeBert)
	// The added-token matches of encodeDirect: in the text, and in a
	// stretch of it between those.
	rawSplits, normSplits []addedSplit
	// The sequence's encoding (encoding) and EncodeParts' parts, here
	// rather than allocated for each text.
	enc   Encoding
	parts [1]*Encoding
}

func (t *Tokenizer) getState() *encodeState {
	if s, ok := t.states.Get().(*encodeState); ok {
		return s
	}
	return &encodeState{}
}

// putState returns a state to the pool. Its buffers keep their contents,
// which only reference vocabulary strings and the last text, until reused.
func (t *Tokenizer) putState(s *encodeState) {
	s.model = s.model[:0]
	t.states.Put(s)
}

// encodeSequence runs added-token extraction, normalization,
// pre-tokenization and the model over one text. When trace is not nil it
// receives the pre-tokenized string before the model runs.
func (t *Tokenizer) encodeSequence(st *encodeState, text string, typeID int, trace func(*normalized.PreTokenized)) (*Encoding, error) {
	// One pass learns whether the text is ASCII, as nearly every note is:
	// then it is valid UTF-8 and its character offsets are its byte offsets
	// (the converter needs no table). Checking, then scanning for the
	// converter were two passes over each note.
	ascii := asciiPrefix(text)
	if ascii < len(text) && !utf8.ValidString(text[ascii:]) {
		return nil, errors.New("tokenizer: text is not valid UTF-8")
	}
	if len(text) > normalized.MaxLen {
		return nil, smallfmt.Errorf("tokenizer: text of %d bytes is longer than the %d supported", len(text), normalized.MaxLen)
	}
	st.conv.reset(text, ascii == len(text))
	st.ids, st.words, st.tokens, st.bytes = st.ids[:0], st.words[:0], st.tokens[:0], st.bytes[:0]
	switch {
	case trace != nil: // the trace shows the general pipeline's pieces
	case t.byteLevel:
		return t.encodeByteLevel(st, text, typeID)
	case t.bertASCII != nil:
		return t.encodeBert(st, text, typeID)
	}
	pt := &st.pt
	if err := t.added.extractInto(pt, t.normalizer, text); err != nil {
		return nil, smallfmt.Errorf("tokenizer: normalizer: %w", err)
	}
	if t.preTokenizer != nil {
		if err := t.preTokenizer.PreTokenize(pt); err != nil {
			return nil, smallfmt.Errorf("tokenizer: pre_tokenizer: %w", err)
		}
	}
	if trace != nil {
		trace(pt)
	}
	if _, err := t.tokenizePieces(st, pt, 0, 0); err != nil {
		return nil, err
	}
	return st.encoding(typeID), nil
}

// tokenizePieces runs the model over each piece of pt (an added token is
// already its token) and appends the tokens, each piece one word numbered
// from word on. pt's original text starts at byte base of the text being
// encoded. It returns the next word number.
func (t *Tokenizer) tokenizePieces(st *encodeState, pt *normalized.PreTokenized, base, word int) (int, error) {
	for i := range pt.Pieces {
		piece := &pt.Pieces[i]
		if piece.Tokenized {
			tok := piece.Token
			st.add(&piece.Norm, tok.ID, tok.Value, tok.Start, tok.End, base, word)
			word++
			continue
		}
		var err error
		st.model, err = t.model.AppendTokens(st.model[:0], piece.Norm.Get())
		if err != nil {
			return word, smallfmt.Errorf("tokenizer: model: %w", err)
		}
		for _, tok := range st.model {
			st.add(&piece.Norm, tok.ID, tok.Value, tok.Start, tok.End, base, word)
		}
		word++
	}
	return word, nil
}

// add appends a token, converting its offsets in its piece's normalized
// text n to the original text (HF's PreTokenizedString::into_encoding),
// which starts at byte base. The encoding's arrays are filled here
// directly: a list of per-token records copied into them afterwards cost
// ≈ 8 % of a T5 encode more.
func (st *encodeState) add(n *normalized.String, id int, value string, start, end, base, word int) {
	if span, ok := n.ToOriginal(start, end); ok {
		start, end = span.Start, span.End
	}
	st.push(id, value, base+start, base+end, word)
}

// push appends a token whose offsets are [start, end) bytes of the
// original text. Its character offsets are left to encoding, which
// converts all of them at once. Not inlined: at its five call sites that
// cost tokenizer.wasm 3 KB (gzip) for no measurable speed.
//
//go:noinline
func (st *encodeState) push(id int, value string, start, end, word int) {
	st.ids = append(st.ids, int32(id))
	st.tokens = append(st.tokens, value)
	st.bytes = append(st.bytes, [2]int32{int32(start), int32(end)})
	st.words = append(st.words, int32(word))
}

// truncate drops the tokens pushed after the first n.
func (st *encodeState) truncate(n int) {
	st.ids, st.tokens, st.bytes, st.words = st.ids[:n], st.tokens[:n], st.bytes[:n], st.words[:n]
}

// encoding returns the encoding of the tokens added, in the state's
// arrays and the state itself. It is marked scratch: whatever keeps it
// must copy it.
func (st *encodeState) encoding(typeID int) *Encoding {
	n := len(st.ids)
	if cap(st.typeSpecMask) < 3*n {
		st.typeSpecMask = make([]int32, 3*n)
	}
	// The character offsets of ASCII text are its byte offsets: one copy,
	// not a conversion per token (in WebAssembly, where calls are dear,
	// push's conversion showed in the profile). Not the same array: the
	// byte-level post-processors trim both in place.
	if cap(st.offs) < n {
		st.offs = make([][2]int32, n)
	}
	st.offs = st.offs[:n]
	if st.conv.ascii {
		copy(st.offs, st.bytes)
	} else {
		for i, b := range st.bytes {
			co := st.conv.convert([2]int{int(b[0]), int(b[1])})
			st.offs[i] = [2]int32{int32(co[0]), int32(co[1])}
		}
	}
	tsm := st.typeSpecMask[:3*n]
	for i := range n {
		tsm[i], tsm[n+i], tsm[2*n+i] = int32(typeID), 0, 1
	}
	st.enc = Encoding{
		IDs:               st.ids[:n:n],
		TypeIDs:           tsm[0*n : 1*n : 1*n],
		SpecialTokensMask: tsm[1*n : 2*n : 2*n],
		AttentionMask:     tsm[2*n : 3*n : 3*n],
		WordIDs:           st.words[:n:n],
		Offsets:           st.offs[:n:n],
		ByteOffsets:       st.bytes[:n:n],
		Tokens:            st.tokens[:n:n],
		scratch:           true,
	}
	return &st.enc
}

// charConverter turns byte offsets of a text into code point offsets the way
// HF's BytesToCharOffsetConverter does (an offset inside a character counts
// as that character; an end past the text stays a byte offset when its start
// does).
type charConverter struct {
	n     int
	ascii bool
	index []int32 // code point index of the character each byte belongs to
}

func newCharConverter(text string) *charConverter {
	c := &charConverter{}
	c.reset(text, asciiPrefix(text) == len(text))
	return c
}

// reset prepares c for text, which is all ASCII when ascii is set.
func (c *charConverter) reset(text string, ascii bool) {
	c.n, c.ascii = len(text), ascii
	if ascii {
		return
	}
	if cap(c.index) < len(text) {
		c.index = make([]int32, len(text))
	}
	c.index = c.index[:len(text)]
	ci := int32(0)
	for i := 0; i < len(text); {
		_, size := utf8.DecodeRuneInString(text[i:])
		for k := 0; k < size; k++ {
			c.index[i+k] = ci
		}
		ci++
		i += size
	}
}

// asciiPrefix returns the length of the ASCII text that s starts with,
// reading eight bytes at a time (the compiler makes one load of them, in
// WebAssembly too): it runs over every note.
func asciiPrefix(s string) int {
	rest := s
	for len(rest) >= 8 {
		w := uint64(rest[0]) | uint64(rest[1])<<8 | uint64(rest[2])<<16 | uint64(rest[3])<<24 |
			uint64(rest[4])<<32 | uint64(rest[5])<<40 | uint64(rest[6])<<48 | uint64(rest[7])<<56
		if w&0x8080808080808080 != 0 {
			break
		}
		rest = rest[8:]
	}
	for len(rest) > 0 && rest[0] < utf8.RuneSelf {
		rest = rest[1:]
	}
	return len(s) - len(rest)
}

func (c *charConverter) lookup(b int) (int, bool) {
	if b < 0 || b >= c.n {
		return 0, false
	}
	if c.ascii {
		return b, true
	}
	return int(c.index[b]), true
}

func (c *charConverter) convert(o [2]int) [2]int {
	start, ok := c.lookup(o[0])
	if !ok {
		return o
	}
	if end, ok := c.lookup(o[1]); ok {
		return [2]int{start, end}
	}
	last, ok := c.lookup(o[1] - 1)
	if !ok {
		last = start + 1
	}
	return [2]int{start, last + 1}
}

// postProcess is HF's post_process: truncation, special tokens, padding.
func (t *Tokenizer) postProcess(enc, pair *Encoding, addSpecial bool, trunc *Truncation) (*Encoding, error) {
	if trunc != nil {
		params := *trunc
		n := t.addedSpecialTokens(pair != nil)
		if addSpecial && n > 0 {
			if params.MaxLength < n {
				// HF subtracts unsigned integers here; the release build
				// wraps around to a huge limit, which disables truncation.
				params.MaxLength = int(^uint(0) >> 1)
			} else {
				params.MaxLength -= n
			}
		}
		if err := truncateEncodings(enc, pair, params); err != nil {
			return nil, smallfmt.Errorf("tokenizer: %w", err)
		}
	}
	var out *Encoding
	if t.postProcessor != nil {
		var err error
		if out, err = process(t.postProcessor, enc, pair, addSpecial); err != nil {
			return nil, smallfmt.Errorf("tokenizer: post_processor: %w", err)
		}
	} else if pair == nil {
		out = enc
	} else {
		out = &Encoding{}
		for i, e := range []*Encoding{enc, pair} {
			e.setSequenceID(i)
			out.mergeWith(e)
		}
	}
	if p := t.padding; p != nil {
		length := p.Fixed
		if length == 0 {
			length = out.Len()
		}
		if m := p.PadToMultipleOf; m > 0 && length%m > 0 {
			length += m - length%m
		}
		out.pad(length, p.PadID, p.PadTypeID, p.PadToken, p.Left)
	}
	return out, nil
}

// truncateEncodings is HF's truncate_encodings.
func truncateEncodings(enc, pair *Encoding, p Truncation) error {
	if p.MaxLength == 0 {
		if err := enc.truncate(0, p.Stride, p.Left); err != nil {
			return err
		}
		if pair != nil {
			return pair.truncate(0, p.Stride, p.Left)
		}
		return nil
	}
	total := enc.Len()
	if pair != nil {
		total += pair.Len()
	}
	if total <= p.MaxLength {
		return nil
	}
	toRemove := total - p.MaxLength
	switch p.Strategy {
	case "longest_first":
		if pair == nil {
			return enc.truncate(p.MaxLength, p.Stride, p.Left)
		}
		n1, n2 := enc.Len(), pair.Len()
		swap := n1 > n2
		if swap {
			n1, n2 = n2, n1
		}
		if n1 > p.MaxLength {
			n2 = n1
		} else {
			n2 = max(n1, p.MaxLength-n1)
		}
		if n1+n2 > p.MaxLength {
			n1 = p.MaxLength / 2
			n2 = n1 + p.MaxLength%2
		}
		if swap {
			n1, n2 = n2, n1
		}
		if err := enc.truncate(n1, p.Stride, p.Left); err != nil {
			return err
		}
		return pair.truncate(n2, p.Stride, p.Left)
	case "only_first", "only_second":
		target := enc
		if p.Strategy == "only_second" {
			if pair == nil {
				return errors.New("truncation error: second sequence not provided")
			}
			target = pair
		}
		if target.Len() <= toRemove {
			return errors.New("truncation error: sequence to truncate too short to respect the provided max_length")
		}
		return target.truncate(target.Len()-toRemove, p.Stride, p.Left)
	}
	return smallfmt.Errorf("unknown truncation strategy %q", p.Strategy)
}

// Decode turns ids back into text. Unknown ids are skipped, as HF does;
// skipSpecialTokens drops the added tokens marked special.
func (t *Tokenizer) Decode(ids []int32, skipSpecialTokens bool) (string, error) {
	tokens := make([]string, 0, len(ids))
	for _, id32 := range ids {
		id := int(id32)
		if id < 0 {
			return "", smallfmt.Errorf("tokenizer: negative token id %d", id)
		}
		tok, ok := t.added.decodeToken(id)
		if !ok {
			if tok, ok = t.model.IDToToken(id); !ok {
				continue
			}
		}
		if skipSpecialTokens && t.added.special[tok] {
			continue
		}
		tokens = append(tokens, tok)
	}
	if t.decoder == nil {
		return strings.Join(tokens, " "), nil
	}
	s, err := decoders.Decode(t.decoder, tokens)
	if err != nil {
		return "", smallfmt.Errorf("tokenizer: decoder: %w", err)
	}
	return s, nil
}

// TokenToID returns the id of a token, added tokens first.
func (t *Tokenizer) TokenToID(token string) (int, bool) {
	if id, ok := t.added.byContent[token]; ok {
		return id, true
	}
	return t.model.TokenToID(token)
}

// IDToToken returns the token of an id, added tokens first.
func (t *Tokenizer) IDToToken(id int) (string, bool) {
	if tok, ok := t.added.decodeToken(id); ok {
		return tok, true
	}
	return t.model.IDToToken(id)
}
