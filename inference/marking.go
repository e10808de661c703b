package inference

import "github.com/clinlm/clinlm/inference/refranges"

// markingTokenizer marks vital signs and lab values in both texts before
// tokenizing (a manifest's "preprocess": "reference-ranges") and maps the
// tokens back onto the texts as sent: a token of a mark gets the empty
// offset where the mark was inserted and no word, so answers, truncation
// reports and saliency speak of the user's words only.
type markingTokenizer struct {
	inner  Tokenizer
	marker *refranges.Marker
}

func (t markingTokenizer) Encode(req EncodeRequest) ([]Encoding, error) {
	var ins [2][]refranges.Insertion
	req.Text, ins[0] = t.marker.Mark(req.Text)
	if req.Pair != nil {
		p, in := t.marker.Mark(*req.Pair)
		req.Pair, ins[1] = &p, in
	}
	encs, err := t.inner.Encode(req)
	if err != nil || ins[0] == nil && ins[1] == nil {
		return encs, err
	}
	for _, e := range encs {
		for i, seq := range e.SequenceIDs {
			if seq < 0 || ins[seq] == nil {
				continue
			}
			start, inMark := unmark(ins[seq], e.Offsets[i][0])
			if inMark {
				e.Offsets[i] = [2]int{start, start}
				e.WordIDs[i] = -1
				continue
			}
			end, _ := unmark(ins[seq], e.Offsets[i][1])
			e.Offsets[i] = [2]int{start, end}
		}
	}
	return encs, nil
}

// TokenToID forwards to the tokenizer underneath (saliency's mask token).
func (t markingTokenizer) TokenToID(token string) (int, bool) {
	v, ok := t.inner.(interface{ TokenToID(string) (int, bool) })
	if !ok {
		return 0, false
	}
	return v.TokenToID(token)
}

// unmark turns a byte offset into the marked text into one into the text as
// sent, and says whether it falls inside a mark (then the answer is where
// the mark was inserted).
func unmark(ins []refranges.Insertion, pos int) (int, bool) {
	shift := 0
	for _, in := range ins {
		at := in.At + shift
		if pos <= at {
			break
		}
		if pos < at+len(in.Text) {
			return in.At, true
		}
		shift += len(in.Text)
	}
	return pos - shift, false
}
