package models

import (
	"bufio"
	"bytes"
	"errors"
	"math"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/clinlm/clinlm/internal/smallfmt"
)

// BPEConfig describes a byte-pair-encoding model, field for field as HF's
// BpeBuilder takes it. Nil pointers mean "not set" (HF's None).
type BPEConfig struct {
	Vocab map[string]int
	// Merges in rank order (rank = index).
	Merges [][2]string
	// Dropout must be nil, 0 or 1: HF samples random merges for values in
	// between, which no deterministic engine can reproduce.
	Dropout                 *float32
	UnkToken                *string
	ContinuingSubwordPrefix *string
	EndOfWordSuffix         *string
	FuseUnk                 bool
	ByteFallback            bool
	IgnoreMerges            bool
	// CacheCapacity bounds the word cache; 0 means HF's default of 10 000,
	// a negative value disables the cache.
	CacheCapacity int
}

// BPE is HF's byte-pair-encoding model.
type BPE struct {
	vocab  map[string]uint32
	ids    idTable
	merges pairTable // pairKey(left, right) → rank<<32 | new id

	noMerges     bool // dropout == 1: every merge is dropped
	unkToken     *string
	prefix       *string
	suffix       *string
	fuseUnk      bool
	byteFallback bool
	ignoreMerges bool

	byteIDs [256]int32 // id of "<0xNN>", or -1
	// charIDs caches the vocabulary id of every rune below len(charIDs[v]) in
	// each of the four affix variants (bit 0: continuing prefix added,
	// bit 1: end-of-word suffix added); -1 when absent.
	charIDs [4][]int32

	cache   *wordCache[bpePiece]
	scratch sync.Pool // *bpeScratch
}

// bpePiece is one merged token of a cached word.
type bpePiece struct {
	id  uint32
	len int32
}

type bpeScratch struct {
	syms   []symbol
	pieces []bpePiece
	queue  mergeQueue
	buf    []byte
}

const charIDTableSize = 0x400 // covers ASCII, Latin and GPT-2's byte-to-unicode range

// ErrUnsupportedDropout is returned for a BPE dropout strictly between 0 and 1.
var ErrUnsupportedDropout = errors.New("models: BPE dropout between 0 and 1 samples merges at random and is not supported; use null, 0 or 1")

// NewBPE builds a BPE model, failing like HF's BpeBuilder::build on merges
// whose parts or result are not in the vocabulary.
func NewBPE(cfg BPEConfig) (*BPE, error) {
	vocab, err := checkVocab(cfg.Vocab)
	if err != nil {
		return nil, err
	}
	return newBPE(vocab, cfg)
}

func newBPE(vocab map[string]uint32, cfg BPEConfig) (*BPE, error) {
	b := &BPE{
		vocab:        vocab,
		ids:          newIDTable(vocab),
		unkToken:     cfg.UnkToken,
		prefix:       cfg.ContinuingSubwordPrefix,
		suffix:       cfg.EndOfWordSuffix,
		fuseUnk:      cfg.FuseUnk,
		byteFallback: cfg.ByteFallback,
		ignoreMerges: cfg.IgnoreMerges,
	}
	if d := cfg.Dropout; d != nil {
		switch {
		case math.IsNaN(float64(*d)) || *d < 0 || *d > 1:
			return nil, smallfmt.Errorf("models: BPE dropout must be between 0 and 1, got %v", *d)
		case *d == 1:
			b.noMerges = true
		case *d != 0:
			return nil, ErrUnsupportedDropout
		}
	}
	prefixLen := 0
	if b.prefix != nil {
		prefixLen = len(*b.prefix)
	}
	b.merges = newPairTable(len(cfg.Merges))
	var buf []byte
	for rank, m := range cfg.Merges {
		left, right := m[0], m[1]
		leftID, ok := vocab[left]
		if !ok {
			return nil, smallfmt.Errorf("models: BPE merge %d: token %q out of vocabulary", rank, left)
		}
		rightID, ok := vocab[right]
		if !ok {
			return nil, smallfmt.Errorf("models: BPE merge %d: token %q out of vocabulary", rank, right)
		}
		if len(right) < prefixLen {
			return nil, smallfmt.Errorf("models: BPE merge %d: token %q is shorter than the continuing subword prefix", rank, right)
		}
		// HF strips prefix-length bytes from the right part unconditionally.
		buf = append(append(buf[:0], left...), right[prefixLen:]...)
		newID, ok := vocab[string(buf)]
		if !ok {
			return nil, smallfmt.Errorf("models: BPE merge %d: merged token %q out of vocabulary", rank, buf)
		}
		if uint64(rank) > math.MaxUint32 {
			return nil, smallfmt.Errorf("models: BPE has more than 2^32 merges")
		}
		// A repeated pair takes its last rank, as HF's HashMap collect does.
		b.merges.put(pairKey(leftID, rightID), uint64(rank)<<32|uint64(newID))
	}
	for i := range b.byteIDs {
		b.byteIDs[i] = -1
		if id, ok := vocab[smallfmt.Sprintf("<0x%02X>", i)]; ok {
			b.byteIDs[i] = int32(id)
		}
	}
	b.fillCharIDs()
	switch {
	case cfg.CacheCapacity == 0:
		b.cache = newWordCache[bpePiece](defaultCacheCapacity)
	case cfg.CacheCapacity > 0:
		b.cache = newWordCache[bpePiece](cfg.CacheCapacity)
	}
	b.scratch.New = func() any { return &bpeScratch{} }
	return b, nil
}

func (b *BPE) fillCharIDs() {
	for v := range b.charIDs {
		if (v&1 != 0 && b.prefix == nil) || (v&2 != 0 && b.suffix == nil) {
			continue // variant identical to one without the missing affix
		}
		t := make([]int32, charIDTableSize)
		var buf []byte
		for r := range t {
			buf = b.affixed(buf[:0], string(rune(r)), v&1 != 0, v&2 != 0)
			t[r] = -1
			if id, ok := b.vocab[string(buf)]; ok {
				t[r] = int32(id)
			}
		}
		b.charIDs[v] = t
	}
	for v := range b.charIDs {
		if b.charIDs[v] == nil {
			b.charIDs[v] = b.charIDs[b.variant(v&1 != 0, v&2 != 0)]
		}
	}
}

// variant picks the charIDs table for a character that is not the first of
// its word (notFirst) and/or is the last (last).
func (b *BPE) variant(notFirst, last bool) int {
	v := 0
	if notFirst && b.prefix != nil {
		v |= 1
	}
	if last && b.suffix != nil {
		v |= 2
	}
	return v
}

// affixed appends ch with the continuing prefix and/or end-of-word suffix.
func (b *BPE) affixed(dst []byte, ch string, withPrefix, withSuffix bool) []byte {
	if withPrefix && b.prefix != nil {
		dst = append(dst, *b.prefix...)
	}
	dst = append(dst, ch...)
	if withSuffix && b.suffix != nil {
		dst = append(dst, *b.suffix...)
	}
	return dst
}

// Type implements Model.
func (b *BPE) Type() string { return "BPE" }

// VocabSize implements Model: the number of distinct tokens, like HF.
func (b *BPE) VocabSize() int { return len(b.vocab) }

// TokenToID implements Model.
func (b *BPE) TokenToID(token string) (int, bool) {
	id, ok := b.vocab[token]
	return int(id), ok
}

// IDToToken implements Model.
func (b *BPE) IDToToken(id int) (string, bool) { return b.ids.get(id) }

// Tokenize implements Model.
func (b *BPE) Tokenize(word string) ([]Token, error) { return b.AppendTokens(nil, word) }

// AppendTokens implements Model.
func (b *BPE) AppendTokens(dst []Token, word string) ([]Token, error) {
	if word == "" {
		return dst, nil
	}
	if b.noMerges {
		// HF's dropout path: no cache and no ignore_merges shortcut.
		return b.tokenizeUncached(dst, word, false)
	}
	if b.ignoreMerges {
		if id, ok := b.vocab[word]; ok {
			// The vocabulary's copy of the word: word may live in memory
			// the caller reuses for its next input.
			v, _ := b.ids.get(int(id))
			return append(dst, Token{ID: int(id), Value: v, Start: 0, End: len(word)}), nil
		}
	}
	if pieces, ok := b.cache.get(word); ok {
		pos := 0
		for _, p := range pieces {
			v, _ := b.ids.get(int(p.id))
			dst = append(dst, Token{ID: int(p.id), Value: v, Start: pos, End: pos + int(p.len)})
			pos += int(p.len)
		}
		return dst, nil
	}
	return b.tokenizeUncached(dst, word, true)
}

func (b *BPE) tokenizeUncached(dst []Token, word string, store bool) ([]Token, error) {
	sc := b.scratch.Get().(*bpeScratch)
	defer b.scratch.Put(sc)
	syms, err := b.initialSymbols(sc, word)
	if err != nil {
		return dst, err
	}
	if !b.noMerges {
		syms, sc.queue = mergeAll(syms, &b.merges, sc.queue)
	}
	sc.syms = syms
	pos := 0
	for _, s := range syms {
		v, _ := b.ids.get(int(s.id))
		dst = append(dst, Token{ID: int(s.id), Value: v, Start: pos, End: pos + int(s.len)})
		pos += int(s.len)
	}
	if store && len(word) < maxCachedWordLen && !b.cache.full() {
		pieces := sc.pieces[:0]
		for _, s := range syms {
			pieces = append(pieces, bpePiece{id: s.id, len: s.len})
		}
		sc.pieces = pieces
		b.cache.put(word, pieces) // copies
	}
	return dst, nil
}

// initialSymbols splits word into one symbol per character, as HF's
// BPE::merge_word does before merging, including its quirks:
//   - a character missing from the vocabulary becomes byte-fallback tokens
//     when every byte of the (prefixed/suffixed) string has a "<0xNN>" token,
//     each counted as 1 byte long (so affix bytes count too), and such tokens
//     do not flush a pending unknown token, which is then emitted after them;
//   - otherwise it becomes the unknown token (fused with a preceding one when
//     fuse_unk), or is dropped without a trace when there is no unk_token.
//
// Offsets are later rebuilt by summing lengths, exactly like HF.
func (b *BPE) initialSymbols(sc *bpeScratch, word string) ([]symbol, error) {
	syms := sc.syms[:0]
	add := func(id uint32, n int) {
		prev := int32(len(syms)) - 1
		if prev >= 0 {
			syms[prev].next = int32(len(syms))
		}
		syms = append(syms, symbol{id: id, prev: prev, next: -1, len: int32(n)})
	}
	var unkID uint32
	unkLen := 0
	pendingUnk := false
	for i := 0; i < len(word); {
		r, size := utf8.DecodeRuneInString(word[i:])
		ch := word[i : i+size]
		notFirst, last := i > 0, i+size == len(word)
		id, found := int32(-1), false
		if r < charIDTableSize && !(r == utf8.RuneError && size == 1) {
			id = b.charIDs[b.variant(notFirst, last)][r]
			found = id >= 0
		} else {
			sc.buf = b.affixed(sc.buf[:0], ch, notFirst, last)
			var v uint32
			v, found = b.vocab[string(sc.buf)]
			id = int32(v)
		}
		if found {
			if pendingUnk {
				add(unkID, unkLen)
				pendingUnk = false
			}
			add(uint32(id), size)
			i += size
			continue
		}
		if b.byteFallback {
			sc.buf = b.affixed(sc.buf[:0], ch, notFirst, last)
			all := true
			for _, c := range sc.buf {
				if b.byteIDs[c] < 0 {
					all = false
					break
				}
			}
			if all {
				for _, c := range sc.buf {
					add(uint32(b.byteIDs[c]), 1)
				}
				i += size
				continue
			}
		}
		if b.unkToken != nil {
			if pendingUnk && b.fuseUnk {
				unkLen += size
			} else {
				if pendingUnk {
					add(unkID, unkLen)
				}
				u, ok := b.vocab[*b.unkToken]
				if !ok {
					sc.syms = syms
					return nil, smallfmt.Errorf("models: BPE unk token %q out of vocabulary", *b.unkToken)
				}
				unkID, unkLen, pendingUnk = u, size, true
			}
		}
		i += size
	}
	if pendingUnk {
		add(unkID, unkLen)
	}
	return syms, nil
}

// ParseMerges reads merges in HF's legacy text form ("left right" per line,
// as in merges.txt). Lines starting with "#version" are skipped; any other
// line must split on single spaces into exactly two parts.
func ParseMerges(lines []string) ([][2]string, error) {
	out := make([][2]string, 0, len(lines))
	for _, line := range lines {
		if strings.HasPrefix(line, "#version") {
			continue
		}
		left, right, ok := strings.Cut(line, " ")
		if !ok || strings.Contains(right, " ") {
			return nil, smallfmt.Errorf("models: merges invalid at line %d", len(out)+1)
		}
		out = append(out, [2]string{left, right})
	}
	return out, nil
}

// ParseMergesFile reads a merges.txt file the way HF's BPE::read_file does:
// lines split on "\n" with a trailing "\r" removed, then ParseMerges.
func ParseMergesFile(data []byte) ([][2]string, error) {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), len(data)+1)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return ParseMerges(lines)
}

// checkVocab converts an exported vocabulary to the internal u32 form.
func checkVocab(v map[string]int) (map[string]uint32, error) {
	out := make(map[string]uint32, len(v))
	for tok, id := range v {
		if id < 0 || id > math.MaxUint32 {
			return nil, smallfmt.Errorf("models: vocab id %d of %q is outside the u32 range", id, tok)
		}
		out[tok] = uint32(id)
	}
	return out, nil
}
