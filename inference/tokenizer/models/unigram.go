package models

import (
	"errors"
	"math"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/clinlm/clinlm/internal/smallfmt"
)

// UnigramPiece is one vocabulary entry of a Unigram model; its id is its index.
type UnigramPiece struct {
	Piece string
	Score float64
}

// Unigram is HF's (SentencePiece) unigram language model, encoded with the
// Viterbi best path like HF's Unigram::encode_optimized.
type Unigram struct {
	pieces    []UnigramPiece
	scores    []float64         // pieces[i].Score, kept dense for the Viterbi loop
	tokenToID map[string]uint32 // a repeated piece maps to its last id, as in HF
	trie      *byteTrie         // payload: tokenToID of the key
	unkScore  float64           // lowest score − kUnkPenalty (10)
	unkID     int32             // -1 when the model has none
	byteFall  bool
	byteIDs   [256]int32 // id of "<0xNN>", or -1

	cache   *wordCache[uniTok]
	scratch sync.Pool // *uniScratch
}

// uniTok is one token of a cached result. Its value is the vocabulary's
// piece when vocabValue is set (byte-fallback tokens, and pieces equal to
// their span of the word: worked out once, before caching, instead of
// comparing strings on every hit), else a copy of the span.
type uniTok struct {
	id         uint32
	start, end int32
	isByte     bool
	vocabValue bool
}

type uniScratch struct {
	score []float64
	from  []int32 // start of the best piece ending here, -1 if none yet
	id    []int32
	toks  []uniTok
}

// unkPenalty is SentencePiece's kUnkPenalty.
const unkPenalty = 10.0

// ErrMissingUnkID is returned when a Unigram model without unk_id meets a
// character it cannot cover.
var ErrMissingUnkID = errors.New("models: Unigram met an unknown token but unk_id is missing")

// NewUnigram builds a Unigram model. unkID < 0 means the model has none.
func NewUnigram(pieces []UnigramPiece, unkID int, byteFallback bool) (*Unigram, error) {
	if unkID >= 0 {
		if len(pieces) == 0 {
			return nil, smallfmt.Errorf("models: Unigram vocabulary is empty but at least <unk> is needed")
		}
		if unkID >= len(pieces) {
			return nil, smallfmt.Errorf("models: Unigram unk_id %d is not below the vocabulary size %d", unkID, len(pieces))
		}
	}
	if len(pieces) > math.MaxInt32 {
		return nil, smallfmt.Errorf("models: Unigram vocabulary too large")
	}
	u := &Unigram{
		pieces:    pieces,
		tokenToID: make(map[string]uint32, len(pieces)),
		unkID:     -1,
		byteFall:  byteFallback,
	}
	if unkID >= 0 {
		u.unkID = int32(unkID)
	}
	minScore := math.Inf(1)
	keys := make([]trieKey, len(pieces))
	u.scores = make([]float64, len(pieces))
	for i, p := range pieces {
		u.scores[i] = p.Score
		u.tokenToID[p.Piece] = uint32(i)
		keys[i] = trieKey{key: p.Piece, value: int32(i)} // last duplicate wins in the trie too
		if p.Score < minScore {
			minScore = p.Score
		}
	}
	u.unkScore = minScore - unkPenalty
	u.trie = newByteTrie(keys)
	for i := range u.byteIDs {
		u.byteIDs[i] = -1
		if id, ok := u.tokenToID[smallfmt.Sprintf("<0x%02X>", i)]; ok {
			u.byteIDs[i] = int32(id)
		}
	}
	u.cache = newWordCache[uniTok](defaultCacheCapacity)
	u.scratch.New = func() any { return &uniScratch{} }
	return u, nil
}

// Type implements Model.
func (u *Unigram) Type() string { return "Unigram" }

// VocabSize implements Model.
func (u *Unigram) VocabSize() int { return len(u.pieces) }

// TokenToID implements Model.
func (u *Unigram) TokenToID(token string) (int, bool) {
	id, ok := u.tokenToID[token]
	return int(id), ok
}

// IDToToken implements Model.
func (u *Unigram) IDToToken(id int) (string, bool) {
	if id < 0 || id >= len(u.pieces) {
		return "", false
	}
	return u.pieces[id].Piece, true
}

// Tokenize implements Model.
func (u *Unigram) Tokenize(word string) ([]Token, error) { return u.AppendTokens(nil, word) }

// AppendTokens implements Model.
func (u *Unigram) AppendTokens(dst []Token, word string) ([]Token, error) {
	if word == "" {
		return dst, nil
	}
	if toks, ok := u.cache.get(word); ok {
		return u.emit(dst, word, toks), nil
	}
	sc := u.scratch.Get().(*uniScratch)
	defer u.scratch.Put(sc)
	toks, err := u.encode(sc, word)
	if err != nil {
		return dst, err
	}
	for i := range toks {
		t := &toks[i]
		t.vocabValue = t.isByte || u.pieces[t.id].Piece == word[t.start:t.end]
	}
	sc.toks = toks
	dst = u.emit(dst, word, toks)
	if len(word) < maxCachedWordLen && !u.cache.full() {
		u.cache.put(word, toks) // copies
	}
	return dst, nil
}

func (u *Unigram) emit(dst []Token, word string, toks []uniTok) []Token {
	for _, t := range toks {
		// The vocabulary's copy of the piece, or of the text for an unknown
		// span: word may live in memory the caller reuses for its next input.
		var v string
		if t.vocabValue {
			v = u.pieces[t.id].Piece
		} else {
			v = strings.Clone(word[t.start:t.end])
		}
		dst = append(dst, Token{ID: int(t.id), Value: v, Start: int(t.start), End: int(t.end)})
	}
	return dst
}

// encode runs the Viterbi search and maps the best path to tokens.
//
// Tie-breaking follows HF: a node keeps its first best candidate unless a
// later one scores strictly higher; candidates arrive by start position, and
// from one start by increasing length, with the unknown-character candidate
// last. Consecutive unknown pieces (any piece whose id is unk_id) are fused;
// a fused run is looked up in the vocabulary as a whole, then split into
// byte-fallback tokens (all sharing the run's span) when every byte has one,
// else it becomes unk_id.
func (u *Unigram) encode(sc *uniScratch, word string) ([]uniTok, error) {
	n := len(word)
	if cap(sc.score) < n+1 {
		sc.score = make([]float64, n+1)
		sc.from = make([]int32, n+1)
		sc.id = make([]int32, n+1)
	}
	score, from, ids := sc.score[:n+1], sc.from[:n+1], sc.id[:n+1]
	for i := range from {
		from[i], score[i] = -1, 0
	}
	for pos := 0; pos < n; {
		till := score[pos]
		_, mblen := utf8.DecodeRuneInString(word[pos:])
		hasSingle := false
		s := int32(0)
		for i := pos; i < n; i++ {
			var v int32
			if s, v = u.trie.next(s, word[i]); s < 0 {
				break
			}
			if v < 0 {
				continue
			}
			end := i + 1
			cand := u.scores[v] + till
			if from[end] < 0 || cand > score[end] {
				score[end], from[end], ids[end] = cand, int32(pos), v
			}
			if end-pos == mblen {
				hasSingle = true
			}
		}
		if !hasSingle {
			end := pos + mblen
			cand := u.unkScore + till
			if from[end] < 0 || cand > score[end] {
				if u.unkID < 0 {
					return nil, ErrMissingUnkID
				}
				score[end], from[end], ids[end] = cand, int32(pos), u.unkID
			}
		}
		pos += mblen
	}

	// Walk the best path backwards, then reverse.
	toks := sc.toks[:0]
	for end := n; end > 0; {
		start := from[end]
		id := ids[end]
		if id == u.unkID {
			// Extend to the whole run of unknown pieces.
			for start > 0 && ids[start] == u.unkID {
				start = from[start]
			}
			toks = u.appendUnknownRun(toks, word, int(start), end)
		} else {
			toks = append(toks, uniTok{id: uint32(id), start: start, end: int32(end)})
		}
		end = int(start)
	}
	// appendUnknownRun adds byte tokens in reverse too, so reversing restores order.
	for i, j := 0, len(toks)-1; i < j; i, j = i+1, j-1 {
		toks[i], toks[j] = toks[j], toks[i]
	}
	return toks, nil
}

// appendUnknownRun adds the tokens of a fused unknown run word[start:end], in
// reverse order (the caller reverses the whole list).
func (u *Unigram) appendUnknownRun(toks []uniTok, word string, start, end int) []uniTok {
	run := word[start:end]
	if id, ok := u.tokenToID[run]; ok {
		return append(toks, uniTok{id: id, start: int32(start), end: int32(end)})
	}
	if u.byteFall {
		all := true
		for i := 0; i < len(run); i++ {
			if u.byteIDs[run[i]] < 0 {
				all = false
				break
			}
		}
		if all {
			for i := len(run) - 1; i >= 0; i-- {
				toks = append(toks, uniTok{id: uint32(u.byteIDs[run[i]]), start: int32(start), end: int32(end), isByte: true})
			}
			return toks
		}
	}
	return append(toks, uniTok{id: uint32(u.unkID), start: int32(start), end: int32(end)})
}
