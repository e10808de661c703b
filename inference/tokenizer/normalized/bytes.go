package normalized

import "unicode/utf8"

// TransformBytes replaces every byte b of the text with the character
// table[b]; the characters made from the bytes of one original character all
// take its alignment. This is the transformation of HF's ByteLevel
// pre-tokenizer and normalizer, without building the change list.
func (n *String) TransformBytes(table *[256]rune) {
	if len(n.norm) == 0 {
		return
	}
	if start, _, _ := n.fullRange(); start != 0 {
		n.Transform(n.byteChanges(n.norm, table), 0)
		return
	}
	size := encodedSize(n.norm, table)
	buf := n.mem.takeBytes(size)
	align := n.mem.takeAlign(size)
	buf, align = n.appendBytes(buf, align, table)
	n.norm, n.align = bytesToString(buf), align
}

func encodedSize(s string, table *[256]rune) int {
	size := 0
	for i := 0; i < len(s); i++ {
		size += utf8.RuneLen(table[s[i]])
	}
	return size
}

func (n *String) appendBytes(buf []byte, align []alignment, table *[256]rune) ([]byte, []alignment) {
	s := n.norm
	for i := 0; i < len(s); {
		size := 1
		if s[i] >= utf8.RuneSelf {
			_, size = utf8.DecodeRuneInString(s[i:])
		}
		a := n.align[i]
		for k := 0; k < size; k++ {
			before := len(buf)
			buf = utf8.AppendRune(buf, table[s[i+k]])
			for j := before; j < len(buf); j++ {
				align = append(align, a)
			}
		}
		i += size
	}
	return buf, align
}

// byteChanges is TransformBytes as a change list, for the general path.
func (n *String) byteChanges(s string, table *[256]rune) []Change {
	changes := n.ChangeBuffer(len(s))
	for i := 0; i < len(s); {
		size := 1
		if s[i] >= utf8.RuneSelf {
			_, size = utf8.DecodeRuneInString(s[i:])
		}
		for k := 0; k < size; k++ {
			d := 0
			if k > 0 {
				d = 1
			}
			changes = append(changes, Change{R: table[s[i+k]], Delta: d})
		}
		i += size
	}
	return changes
}

// TransformBytes applies String.TransformBytes to every untokenized piece,
// with one allocation for all of them.
func (p *PreTokenized) TransformBytes(table *[256]rune) {
	total := 0
	for i := range p.Pieces {
		pc := &p.Pieces[i]
		if pc.Tokenized || len(pc.Norm.norm) == 0 {
			continue
		}
		if start, _, _ := pc.Norm.fullRange(); start != 0 {
			pc.Norm.TransformBytes(table)
			continue
		}
		total += encodedSize(pc.Norm.norm, table)
	}
	if total == 0 {
		return
	}
	buf := p.mem.takeBytes(total)
	align := p.mem.takeAlign(total)
	cuts := p.cuts[:0]
	for i := range p.Pieces {
		pc := &p.Pieces[i]
		if pc.Tokenized || len(pc.Norm.norm) == 0 {
			continue
		}
		if start, _, _ := pc.Norm.fullRange(); start != 0 {
			continue // done above
		}
		before := len(buf)
		buf, align = pc.Norm.appendBytes(buf, align, table)
		cuts = append(cuts, cut{i, before, len(buf)})
	}
	p.cuts = cuts
	text := bytesToString(buf)
	for _, c := range cuts {
		n := &p.Pieces[c.piece].Norm
		n.norm = text[c.start:c.end]
		n.align = align[c.start:c.end:c.end]
	}
}
