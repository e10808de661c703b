package models

// symbol is one piece of a word while BPE merges run: a doubly linked list
// laid over a slice, as in HF's bpe/word.rs. A merged-away symbol keeps its
// slot with len 0.
type symbol struct {
	id   uint32
	prev int32
	next int32
	len  int32 // bytes of the word this symbol covers (see mergeWord for byte fallback)
}

// mergeCand is a queued merge of the symbol at pos with its right neighbour.
type mergeCand struct {
	rank  uint32
	pos   int32
	newID uint32
}

// candLess orders the queue: lowest rank first, then leftmost position.
func candLess(a, b mergeCand) bool {
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	return a.pos < b.pos
}

// mergeQueue is a binary min-heap of merge candidates. Candidates with equal
// (rank, pos) always carry the same new id, so the heap's internal order can
// never change the result.
type mergeQueue []mergeCand

func (q *mergeQueue) push(c mergeCand) {
	h := append(*q, c)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !candLess(h[i], h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
	*q = h
}

func (q *mergeQueue) pop() mergeCand {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		m := l
		if r := l + 1; r < len(h) && candLess(h[r], h[l]) {
			m = r
		}
		if !candLess(h[m], h[i]) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return top
}

func (q *mergeQueue) heapify() {
	h := *q
	for start := len(h)/2 - 1; start >= 0; start-- {
		i := start
		for {
			l := 2*i + 1
			if l >= len(h) {
				break
			}
			m := l
			if r := l + 1; r < len(h) && candLess(h[r], h[l]) {
				m = r
			}
			if !candLess(h[m], h[i]) {
				break
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
}

func pairKey(a, b uint32) uint64 { return uint64(a)<<32 | uint64(b) }

// mergeAll applies merges to syms exactly as HF's Word::merge_all does with
// dropout off: pop the best candidate, skip it when stale (its left symbol was
// absorbed, has no right neighbour, or the current pair no longer merges into
// the candidate's id), otherwise merge and queue the pairs the merge created.
// It returns the surviving symbols (compacted in place) and the queue's
// storage for reuse.
func mergeAll(syms []symbol, merges *pairTable, q mergeQueue) ([]symbol, mergeQueue) {
	q = q[:0]
	for i := 0; i+1 < len(syms); i++ {
		if m, ok := merges.get(pairKey(syms[i].id, syms[i+1].id)); ok {
			q = append(q, mergeCand{rank: uint32(m >> 32), pos: int32(i), newID: uint32(m)})
		}
	}
	q.heapify()
	for len(q) > 0 {
		top := q.pop()
		cur := &syms[top.pos]
		if cur.len == 0 || cur.next == -1 {
			continue
		}
		nextPos := cur.next
		right := syms[nextPos]
		m, ok := merges.get(pairKey(cur.id, right.id))
		if !ok || uint32(m) != top.newID {
			continue
		}
		cur.id = top.newID
		cur.len += right.len
		cur.next = right.next
		syms[nextPos].len = 0
		if right.next >= 0 && int(right.next) < len(syms) {
			syms[right.next].prev = top.pos
		}
		if cur.prev >= 0 {
			if m, ok := merges.get(pairKey(syms[cur.prev].id, cur.id)); ok {
				q.push(mergeCand{rank: uint32(m >> 32), pos: cur.prev, newID: uint32(m)})
			}
		}
		if cur.next >= 0 && int(cur.next) < len(syms) {
			if m, ok := merges.get(pairKey(cur.id, syms[cur.next].id)); ok {
				q.push(mergeCand{rank: uint32(m >> 32), pos: top.pos, newID: uint32(m)})
			}
		}
	}
	out := syms[:0]
	for _, s := range syms {
		if s.len != 0 {
			out = append(out, s)
		}
	}
	return out, q
}
