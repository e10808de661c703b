package tokenizer

import (
	"unsafe"

	"github.com/clinlm/clinlm/inference/tokenizer/internal/bytelevel"
	"github.com/clinlm/clinlm/inference/tokenizer/pattern"
	"github.com/clinlm/clinlm/inference/tokenizer/pretokenizers"
	"github.com/clinlm/clinlm/internal/smallfmt"
)

// byteLevelDirect tells whether a tokenizer is GPT-2's byte-level BPE in its
// plain form (RoBERTa, GPT-2, our clinical BPE): no normalizer and the
// ByteLevel pre-tokenizer with its regex and no prefix space. Such a
// tokenizer's pieces are the GPT-2 regex matches of the text between added
// tokens, each byte mapped to its character, with every mapped character
// aligned to the whole original character its byte belongs to. That is
// cheap to compute straight from the text, so encodeByteLevel skips the
// normalized-string machinery (splitting into aligned strings, mapping
// every piece's bytes with its alignments, converting each token back),
// which took about half of a RoBERTa encode.
func byteLevelDirect(t *Tokenizer) bool {
	bl, ok := t.preTokenizer.(pretokenizers.ByteLevel)
	return ok && t.normalizer == nil && bl.UseRegex && !bl.AddPrefixSpace
}

// encodeDirect is the frame of the direct paths: added tokens are found in
// the text as written and added as they are; pieces(seg, base, word) adds
// the tokens of each stretch of original text between them (seg, at byte
// base of the text), numbering its words from word, and returns the next
// word number. Without a normalizer both of HF's added-token passes (tokens
// matched as written, then those matched after normalization) run on the
// original text, so the matches are found in it directly: splitting it into
// aligned normalized strings (extractInto) wrote an alignment for every byte
// of the text, about a tenth of a BERT encode in WebAssembly.
func (t *Tokenizer) encodeDirect(st *encodeState, text string, typeID int, pieces func(seg string, base, word int) (int, error)) (*Encoding, error) {
	if _, err := t.directSplit(st, text, 0, len(text), 0, true, pieces); err != nil {
		return nil, err
	}
	return st.encoding(typeID), nil
}

// directSplit adds the tokens of text[start:end] from word on and returns
// the next word number: the added tokens matched as written (raw) or after
// normalization (not raw), and each stretch between them through the
// second pass (raw) or pieces.
func (t *Tokenizer) directSplit(st *encodeState, text string, start, end, word int, raw bool, pieces func(seg string, base, word int) (int, error)) (int, error) {
	av, trie, splits := t.added, t.added.norm, &st.normSplits
	if raw {
		trie, splits = av.raw, &st.rawSplits
	}
	*splits = av.findMatches(text[start:end], trie, (*splits)[:0])
	for _, m := range *splits {
		a, b := start+m.start, start+m.end
		var err error
		switch {
		case m.id >= 0:
			st.push(m.id, av.tokenValue(m.id, text[a:b]), a, b, word)
			word++
		case raw:
			word, err = t.directSplit(st, text, a, b, word, false, pieces)
		default:
			word, err = pieces(text[a:b], a, word)
		}
		if err != nil {
			return word, err
		}
	}
	return word, nil
}

// appendModelTokens runs the model on word, which may share memory the
// caller reuses (the model copies what it keeps).
func (t *Tokenizer) appendModelTokens(st *encodeState, word []byte) error {
	var err error
	st.model, err = t.model.AppendTokens(st.model[:0], unsafe.String(unsafe.SliceData(word), len(word)))
	if err != nil {
		return smallfmt.Errorf("tokenizer: model: %w", err)
	}
	return nil
}

// encodeByteLevel is encodeSequence for a byteLevelDirect tokenizer, with
// the same result.
func (t *Tokenizer) encodeByteLevel(st *encodeState, text string, typeID int) (*Encoding, error) {
	return t.encodeDirect(st, text, typeID, func(seg string, base, word int) (int, error) {
		for a := 0; a < len(seg); word++ {
			b := pattern.GPT2{}.MatchEnd(seg, a)
			st.mapped = bytelevel.AppendString(st.mapped[:0], seg[a:b])
			if err := t.appendModelTokens(st, st.mapped); err != nil {
				return word, err
			}
			raw, pos := a, 0 // the original offset of mapped byte pos
			for _, tok := range st.model {
				start := raw + mappedBytes(st.mapped[pos:tok.Start])
				end := start + mappedBytes(st.mapped[tok.Start:tok.End])
				raw, pos = end, tok.End
				st.push(tok.ID, tok.Value, base+runeStart(seg, start), base+runeEnd(seg, end), word)
			}
			a = b
		}
		return word, nil
	})
}

// mappedBytes counts the original bytes behind mapped text: one per
// character, so the bytes that do not continue a UTF-8 sequence.
func mappedBytes(m []byte) int {
	n := 0
	for _, c := range m {
		if c&0xC0 != 0x80 {
			n++
		}
	}
	return n
}

// runeStart moves a byte offset of s back to the start of its character,
// runeEnd forward to the end of the character before it: a byte-level
// token that holds part of a character covers all of it in the original.
func runeStart(s string, i int) int {
	for i > 0 && i < len(s) && s[i]&0xC0 == 0x80 {
		i--
	}
	return i
}

func runeEnd(s string, i int) int {
	for i > 0 && i < len(s) && s[i]&0xC0 == 0x80 {
		i++
	}
	return i
}
