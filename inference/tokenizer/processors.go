package tokenizer

import (
	"github.com/clinlm/clinlm/inference/tokenizer/internal/jsonseq"
	"github.com/clinlm/clinlm/internal/smallfmt"
	"github.com/clinlm/clinlm/internal/smalljson"
	"strings"
	"unicode/utf8"

	"github.com/clinlm/clinlm/inference/tokenizer/internal/bytelevel"
	"github.com/clinlm/clinlm/inference/tokenizer/internal/runeclass"
)

// postProcessor adds the special tokens a model expects (HF's PostProcessor).
// The encodings it receives already carry their sequence ids and type ids.
type postProcessor interface {
	addedTokens(isPair bool) int
	processEncodings(encs []*Encoding, addSpecial bool) ([]*Encoding, error)
	String() string
}

func postProcessorFromJSON(raw smalljson.RawMessage) (postProcessor, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := smalljson.Unmarshal(raw, &head); err != nil {
		return nil, err
	}
	switch head.Type {
	case "BertProcessing":
		var b struct {
			Sep *tokenAndID `json:"sep"`
			Cls *tokenAndID `json:"cls"`
		}
		if err := smalljson.Unmarshal(raw, &b); err != nil {
			return nil, smallfmt.Errorf("BertProcessing: %w", err)
		}
		if b.Sep == nil || b.Cls == nil {
			return nil, smallfmt.Errorf("BertProcessing: \"sep\" and \"cls\" are required")
		}
		return &bertProcessing{sep: *b.Sep, cls: *b.Cls, sepPart: b.Sep.part(), clsPart: b.Cls.part()}, nil
	case "RobertaProcessing":
		var r struct {
			Sep            *tokenAndID `json:"sep"`
			Cls            *tokenAndID `json:"cls"`
			TrimOffsets    *bool       `json:"trim_offsets"`
			AddPrefixSpace *bool       `json:"add_prefix_space"`
		}
		if err := smalljson.Unmarshal(raw, &r); err != nil {
			return nil, smallfmt.Errorf("RobertaProcessing: %w", err)
		}
		if r.Sep == nil || r.Cls == nil || r.TrimOffsets == nil || r.AddPrefixSpace == nil {
			return nil, smallfmt.Errorf("RobertaProcessing: \"sep\", \"cls\", \"trim_offsets\" and \"add_prefix_space\" are required")
		}
		return &robertaProcessing{sep: *r.Sep, cls: *r.Cls, sepPart: r.Sep.part(), clsPart: r.Cls.part(),
			trimOffsets: *r.TrimOffsets, addPrefixSpace: *r.AddPrefixSpace}, nil
	case "ByteLevel":
		var b struct {
			AddPrefixSpace *bool `json:"add_prefix_space"`
			TrimOffsets    *bool `json:"trim_offsets"`
		}
		if err := smalljson.Unmarshal(raw, &b); err != nil {
			return nil, smallfmt.Errorf("ByteLevel: %w", err)
		}
		if b.AddPrefixSpace == nil || b.TrimOffsets == nil {
			return nil, smallfmt.Errorf("ByteLevel: \"add_prefix_space\" and \"trim_offsets\" are required")
		}
		return &byteLevelProcessing{addPrefixSpace: *b.AddPrefixSpace, trimOffsets: *b.TrimOffsets}, nil
	case "TemplateProcessing":
		return templateFromJSON(raw)
	case "Sequence":
		items, err := jsonseq.Load(raw, "processors", postProcessorFromJSON)
		if err != nil {
			return nil, err
		}
		return sequenceProcessing(items), nil
	case "":
		return nil, smallfmt.Errorf("post-processor without a \"type\" is not supported")
	}
	return nil, smallfmt.Errorf("type %q is not supported", head.Type)
}

// tokenAndID is the ["[SEP]", 102] pair of Bert/RobertaProcessing.
type tokenAndID struct {
	token string
	id    int
}

// part is the token alone as an encoding (type id 0, special), built at
// load time and only ever read: [CLS] A [SEP] is then three parts that
// merging copies once, and that EncodeParts passes on without a copy.
func (t *tokenAndID) part() *Encoding {
	e := sizedEncoding(1)
	e.setToken(0, t.id, t.token, [2]int{}, [2]int{}, -1, 0, 1)
	return e
}

func (t *tokenAndID) UnmarshalJSON(data []byte) error {
	var pair []smalljson.RawMessage
	if err := smalljson.Unmarshal(data, &pair); err != nil || len(pair) != 2 {
		return smallfmt.Errorf("expected [token, id], got %s", data)
	}
	if err := smalljson.Unmarshal(pair[0], &t.token); err != nil {
		return err
	}
	return smalljson.Unmarshal(pair[1], &t.id)
}

// process is HF's PostProcessor::process: number the sequences, let the
// processor add its tokens, merge.
func process(p postProcessor, enc, pair *Encoding, addSpecial bool) (*Encoding, error) {
	parts, err := processParts(p, enc, pair, addSpecial)
	if err != nil {
		return nil, err
	}
	return mergeEncodings(parts), nil
}

// processParts is process without the final merge: the encodings it would
// concatenate, in order.
func processParts(p postProcessor, enc, pair *Encoding, addSpecial bool) ([]*Encoding, error) {
	encs := []*Encoding{enc}
	if pair != nil {
		encs = append(encs, pair)
	}
	for i, e := range encs {
		e.setSequenceID(i)
		for _, o := range e.Overflowing {
			o.setSequenceID(i)
		}
		e.setTypeIDs(i)
	}
	return p.processEncodings(encs, addSpecial)
}

// wrap surrounds an encoding with special tokens: before (if any), the
// encoding, after; the sequence range excludes the special tokens. The type
// ids are the encoding's when keepTypes, else typeID.
func wrap(e *Encoding, before, after *tokenAndID, beforeType, afterType, seq int, keepTypes bool, typeID int) *Encoding {
	n := e.Len() + 1
	if before != nil {
		n++
	}
	out := sizedEncoding(n)
	i := 0
	if before != nil {
		out.setToken(0, before.id, before.token, [2]int{}, [2]int{}, -1, beforeType, 1)
		i = 1
	}
	start := i
	for k := range e.IDs {
		t := int32(typeID)
		if keepTypes {
			t = e.TypeIDs[k]
		}
		out.IDs[i], out.Tokens[i], out.Offsets[i], out.ByteOffsets[i] = e.IDs[k], e.Tokens[k], e.Offsets[k], e.ByteOffsets[k]
		out.WordIDs[i], out.TypeIDs[i], out.SpecialTokensMask[i], out.AttentionMask[i] = e.WordIDs[k], t, 0, 1
		i++
	}
	out.setToken(i, after.id, after.token, [2]int{}, [2]int{}, -1, afterType, 1)
	out.ranges.put(seq, [2]int{start, i})
	return out
}

// bertProcessing is [CLS] A [SEP] and [CLS] A [SEP] B [SEP] with type ids 0/1.
type bertProcessing struct {
	sep, cls         tokenAndID
	sepPart, clsPart *Encoding // the tokens alone (tokenAndID.part)
}

func (*bertProcessing) String() string { return "BertProcessing" }

func (b *bertProcessing) addedTokens(isPair bool) int {
	if isPair {
		return 3
	}
	return 2
}

func (b *bertProcessing) processEncodings(encs []*Encoding, addSpecial bool) ([]*Encoding, error) {
	if !addSpecial {
		return encs, nil
	}
	if len(encs) == 1 && len(encs[0].Overflowing) == 0 {
		// One text, type ids already 0: wrapping would copy it only to be
		// merged (copied) again.
		return []*Encoding{b.clsPart, encs[0], b.sepPart}, nil
	}
	out := make([]*Encoding, len(encs))
	for i, e := range encs {
		build := func(e *Encoding) *Encoding {
			if i == 0 {
				return wrap(e, &b.cls, &b.sep, 0, 0, 0, true, 0)
			}
			return wrap(e, nil, &b.sep, 0, 1, 1, true, 0)
		}
		n := build(e)
		for _, o := range e.Overflowing {
			n.Overflowing = append(n.Overflowing, build(o))
		}
		out[i] = n
	}
	return out, nil
}

// robertaProcessing is <s> A </s> and <s> A </s></s> B </s>, all type id 0,
// with byte-level offset trimming.
type robertaProcessing struct {
	sep, cls                    tokenAndID
	sepPart, clsPart            *Encoding // the tokens alone (tokenAndID.part)
	trimOffsets, addPrefixSpace bool
}

func (*robertaProcessing) String() string { return "RobertaProcessing" }

func (r *robertaProcessing) addedTokens(isPair bool) int {
	if isPair {
		return 4
	}
	return 2
}

func (r *robertaProcessing) processEncodings(encs []*Encoding, addSpecial bool) ([]*Encoding, error) {
	if r.trimOffsets {
		for _, e := range encs {
			trimByteLevelOffsets(e, r.addPrefixSpace)
			for _, o := range e.Overflowing {
				trimByteLevelOffsets(o, r.addPrefixSpace)
			}
		}
	}
	for _, e := range encs {
		e.setTypeIDs(0)
	}
	if !addSpecial {
		return encs, nil
	}
	if len(encs) == 1 && len(encs[0].Overflowing) == 0 {
		return []*Encoding{r.clsPart, encs[0], r.sepPart}, nil // as bertProcessing does
	}
	out := make([]*Encoding, len(encs))
	for i, e := range encs {
		build := func(e *Encoding, overflow bool) *Encoding {
			if i == 0 {
				// HF keeps the type ids of the main encoding (all 0 by now)
				// and writes 0 for overflowing windows: the same zeros.
				return wrap(e, &r.cls, &r.sep, 0, 0, 0, !overflow, 0)
			}
			return wrap(e, &r.sep, &r.sep, 0, 0, 1, false, 0)
		}
		n := build(e, false)
		for _, o := range e.Overflowing {
			n.Overflowing = append(n.Overflowing, build(o, true))
		}
		out[i] = n
	}
	return out, nil
}

// byteLevelProcessing trims the offsets of byte-level tokens.
type byteLevelProcessing struct{ trimOffsets, addPrefixSpace bool }

func (*byteLevelProcessing) String() string       { return "ByteLevel" }
func (*byteLevelProcessing) addedTokens(bool) int { return 0 }

func (b *byteLevelProcessing) processEncodings(encs []*Encoding, _ bool) ([]*Encoding, error) {
	if b.trimOffsets {
		for _, e := range encs {
			trimByteLevelOffsets(e, b.addPrefixSpace)
			for _, o := range e.Overflowing {
				trimByteLevelOffsets(o, b.addPrefixSpace)
			}
		}
	}
	for i, e := range encs {
		e.setSequenceID(i)
	}
	return encs, nil
}

// trimByteLevelOffsets is HF's process_offsets: offsets do not cover the
// leading and trailing spaces ('Ġ' or whitespace) of a token, except the one
// space add_prefix_space put before the first token.
func trimByteLevelOffsets(e *Encoding, addPrefixSpace bool) {
	for i, tok := range e.Tokens {
		lead, trail := 0, 0
		for _, r := range tok {
			if r != bytelevel.Space && !runeclass.IsWhitespace(r) {
				break
			}
			lead++
		}
		for j := len(tok); j > 0; {
			r, size := utf8.DecodeLastRuneInString(tok[:j])
			if r != bytelevel.Space && !runeclass.IsWhitespace(r) {
				break
			}
			trail++
			j -= size
		}
		if lead == 0 && trail == 0 {
			continue
		}
		for _, offs := range [][][2]int32{e.Offsets, e.ByteOffsets} {
			o := &offs[i]
			l := int32(lead)
			if l > 0 {
				isFirst := i == 0 || o[0] == 0
				if isFirst && addPrefixSpace && l == 1 {
					l = 0
				}
				o[0] = min(o[0]+l, o[1])
			}
			if t := int32(trail); t > 0 && o[1] >= t {
				o[1] = max(o[1]-t, o[0])
			}
		}
	}
}

// sequenceProcessing runs processors one after the other.
type sequenceProcessing []postProcessor

func (s sequenceProcessing) String() string {
	names := make([]string, len(s))
	for i, p := range s {
		names[i] = p.String()
	}
	return "Sequence[" + strings.Join(names, ", ") + "]"
}

func (s sequenceProcessing) addedTokens(isPair bool) int {
	n := 0
	for _, p := range s {
		n += p.addedTokens(isPair)
	}
	return n
}

func (s sequenceProcessing) processEncodings(encs []*Encoding, addSpecial bool) ([]*Encoding, error) {
	var err error
	for _, p := range s {
		if encs, err = p.processEncodings(encs, addSpecial); err != nil {
			return nil, err
		}
	}
	return encs, nil
}

// templatePiece is $A/$B (a sequence) or a special token, with a type id.
type templatePiece struct {
	sequence int    // 0 for A, 1 for B, -1 for a special token
	special  string // the special token's id in special_tokens
	typeID   int
	// tokens is the encoding of a special token, built at load time and
	// only ever read (merging copies it).
	tokens *Encoding
}

type templateSpecial struct {
	ID     string   `json:"id"`
	IDs    []int    `json:"ids"`
	Tokens []string `json:"tokens"`
}

// templateProcessing is HF's TemplateProcessing.
type templateProcessing struct {
	single, pair           []templatePiece
	special                map[string]templateSpecial
	addedSingle, addedPair int
}

// specialEncoding returns the (read-only, shared) encoding of a template's
// special-token piece.
func (p templatePiece) specialEncoding(st templateSpecial) *Encoding {
	e := sizedEncoding(len(st.IDs))
	for k, id := range st.IDs {
		e.setToken(k, id, st.Tokens[k], [2]int{}, [2]int{}, -1, p.typeID, 1)
	}
	return e
}

func (*templateProcessing) String() string { return "TemplateProcessing" }

func templateFromJSON(raw smalljson.RawMessage) (postProcessor, error) {
	var t struct {
		Single        smalljson.RawMessage       `json:"single"`
		Pair          smalljson.RawMessage       `json:"pair"`
		SpecialTokens map[string]templateSpecial `json:"special_tokens"`
	}
	if err := smalljson.Unmarshal(raw, &t); err != nil {
		return nil, smallfmt.Errorf("TemplateProcessing: %w", err)
	}
	if t.Single == nil || t.Pair == nil || t.SpecialTokens == nil {
		return nil, smallfmt.Errorf("TemplateProcessing: \"single\", \"pair\" and \"special_tokens\" are required")
	}
	tp := &templateProcessing{special: t.SpecialTokens}
	var err error
	if tp.single, err = parseTemplate(t.Single); err != nil {
		return nil, smallfmt.Errorf("TemplateProcessing: single: %w", err)
	}
	if tp.pair, err = parseTemplate(t.Pair); err != nil {
		return nil, smallfmt.Errorf("TemplateProcessing: pair: %w", err)
	}
	for name, st := range tp.special {
		if len(st.IDs) != len(st.Tokens) {
			return nil, smallfmt.Errorf("TemplateProcessing: special token %q has %d ids and %d tokens", name, len(st.IDs), len(st.Tokens))
		}
	}
	count := func(pieces []templatePiece) (int, error) {
		n := 0
		for _, p := range pieces {
			if p.sequence >= 0 {
				continue
			}
			st, ok := tp.special[p.special]
			if !ok {
				return 0, smallfmt.Errorf("TemplateProcessing: special token %q is not in special_tokens", p.special)
			}
			n += len(st.IDs)
		}
		return n, nil
	}
	if tp.addedSingle, err = count(tp.single); err != nil {
		return nil, err
	}
	if tp.addedPair, err = count(tp.pair); err != nil {
		return nil, err
	}
	for _, pieces := range [][]templatePiece{tp.single, tp.pair} {
		for i := range pieces {
			if pieces[i].sequence < 0 {
				pieces[i].tokens = pieces[i].specialEncoding(tp.special[pieces[i].special])
			}
		}
	}
	return tp, nil
}

// parseTemplate reads a template: a list of {"Sequence": {"id": "A",
// "type_id": 0}} and {"SpecialToken": {"id": "[CLS]", "type_id": 0}}
// objects. (HF's builder also takes "$A:0 [SEP]:0" strings, but its
// tokenizer.json reader does not.)
func parseTemplate(raw smalljson.RawMessage) ([]templatePiece, error) {
	var items []smalljson.RawMessage
	if err := smalljson.Unmarshal(raw, &items); err != nil {
		return nil, smallfmt.Errorf("a template must be a list of pieces: %w", err)
	}
	pieces := make([]templatePiece, 0, len(items))
	for _, item := range items {
		var obj map[string]struct {
			ID     *string `json:"id"`
			TypeID *uint32 `json:"type_id"`
		}
		if err := smalljson.Unmarshal(item, &obj); err != nil || len(obj) != 1 {
			return nil, smallfmt.Errorf("invalid template piece %s", item)
		}
		for kind, v := range obj {
			if v.ID == nil || v.TypeID == nil {
				return nil, smallfmt.Errorf("template piece %s needs id and type_id", item)
			}
			switch kind {
			case "Sequence":
				switch *v.ID {
				case "A":
					pieces = append(pieces, templatePiece{sequence: 0, typeID: int(*v.TypeID)})
				case "B":
					pieces = append(pieces, templatePiece{sequence: 1, typeID: int(*v.TypeID)})
				default:
					return nil, smallfmt.Errorf("unknown sequence %q in template", *v.ID)
				}
			case "SpecialToken":
				pieces = append(pieces, templatePiece{sequence: -1, special: *v.ID, typeID: int(*v.TypeID)})
			default:
				return nil, smallfmt.Errorf("unknown template piece %q", kind)
			}
		}
	}
	return pieces, nil
}

func (t *templateProcessing) addedTokens(isPair bool) int {
	if isPair {
		return t.addedPair
	}
	return t.addedSingle
}

func (t *templateProcessing) processEncodings(encs []*Encoding, addSpecial bool) ([]*Encoding, error) {
	template := t.single
	if len(encs) == 2 {
		template = t.pair
	}
	out := make([]*Encoding, 0, len(template))
	var used [2]bool
	for _, p := range template {
		if p.sequence >= 0 {
			if p.sequence >= len(encs) {
				return nil, smallfmt.Errorf("template uses sequence B but no pair was given")
			}
			e := encs[p.sequence]
			if used[p.sequence] {
				// HF adds a copy each time; copying only when the sequence
				// comes back is enough, since the type ids written next
				// would show through a shared encoding.
				e = e.clone()
				encs[p.sequence] = e
			}
			used[p.sequence] = true
			e.setTypeIDs(p.typeID)
			e.setSequenceID(p.sequence)
			out = append(out, e)
			continue
		}
		if addSpecial {
			out = append(out, p.tokens)
		}
	}
	return out, nil
}
