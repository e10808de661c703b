package models

import (
	"slices"
	"strings"
)

// byteTrie is a double-array trie over the bytes of a set of keys. A
// transition from state s on byte c goes to t = base[s] + c when check[t] == s.
// Every lookup step is two array reads, which is what makes the prefix scans of
// WordPiece and Unigram fast (HF walks a hash map per byte).
type byteTrie struct {
	nodes []trieNode
}

// trieNode keeps a state's fields together so a step touches one cache line.
type trieNode struct {
	base  int32
	check int32
	value int32 // payload of the key ending at this state, or -1
}

// trieKey is one key with the payload reported when a scan reaches its end.
type trieKey struct {
	key   string
	value int32
}

// newByteTrie builds the trie. Keys may repeat; the last payload given for a
// key wins. The empty key is ignored: scans report matches of length ≥ 1.
func newByteTrie(keys []trieKey) *byteTrie {
	// Sort by key, then input position (a stable sort, but pdqsort is much
	// faster than the stable merge sort), and keep the last of equal keys.
	type ordered struct {
		trieKey
		ord int
	}
	sorted := make([]ordered, len(keys))
	for i, k := range keys {
		sorted[i] = ordered{k, i}
	}
	slices.SortFunc(sorted, func(a, b ordered) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return a.ord - b.ord
	})
	dedup := make([]trieKey, 0, len(sorted))
	for _, k := range sorted {
		if k.key == "" {
			continue
		}
		if n := len(dedup); n > 0 && dedup[n-1].key == k.key {
			dedup[n-1] = k.trieKey
			continue
		}
		dedup = append(dedup, k.trieKey)
	}
	b := &trieBuilder{keys: dedup, freeHead: -1, freeTail: -1}
	b.grow(256)
	b.take(0) // the root
	if len(dedup) > 0 {
		b.place(0, 0, 0, len(dedup))
	}
	size := len(b.base)
	for size > 1 && !b.used[size-1] {
		size--
	}
	t := &byteTrie{nodes: make([]trieNode, size)}
	for i := range t.nodes {
		t.nodes[i] = trieNode{base: b.base[i], check: b.check[i], value: b.value[i]}
	}
	t.nodes[0].check = -1 // no transition ever leads back to the root
	return t
}

// trieBuilder lays states out in the arrays. Free slots form a doubly linked
// list so that finding a base skips occupied slots at no cost.
type trieBuilder struct {
	keys               []trieKey
	base, check, value []int32
	used               []bool
	freeNext, freePrev []int32
	freeHead, freeTail int32
}

// grow extends the arrays to n slots, appending the new slots to the free list.
func (b *trieBuilder) grow(n int) {
	for i := len(b.base); i < n; i++ {
		b.base = append(b.base, 0)
		b.check = append(b.check, -1)
		b.value = append(b.value, -1)
		b.used = append(b.used, false)
		b.freeNext = append(b.freeNext, -1)
		b.freePrev = append(b.freePrev, b.freeTail)
		if b.freeTail >= 0 {
			b.freeNext[b.freeTail] = int32(i)
		} else {
			b.freeHead = int32(i)
		}
		b.freeTail = int32(i)
	}
}

// take marks slot i as used and unlinks it from the free list.
func (b *trieBuilder) take(i int) {
	b.grow(i + 1)
	b.used[i] = true
	p, n := b.freePrev[i], b.freeNext[i]
	if p >= 0 {
		b.freeNext[p] = n
	} else {
		b.freeHead = n
	}
	if n >= 0 {
		b.freePrev[n] = p
	} else {
		b.freeTail = p
	}
}

// place lays out the children of state s, which stands for the common prefix
// of length depth of keys[lo:hi].
func (b *trieBuilder) place(s int32, depth, lo, hi int) {
	// A key that ends here is the first of the sorted range.
	if len(b.keys[lo].key) == depth {
		b.value[s] = b.keys[lo].value
		lo++
	}
	if lo >= hi {
		return
	}
	type child struct {
		label  byte
		lo, hi int
	}
	var children []child
	for i := lo; i < hi; {
		c := b.keys[i].key[depth]
		j := i + 1
		for j < hi && b.keys[j].key[depth] == c {
			j++
		}
		children = append(children, child{c, i, j})
		i = j
	}
	base := b.findBase(children[0].label, func(base int) bool {
		for _, ch := range children[1:] {
			if t := base + int(ch.label); t < len(b.used) && b.used[t] {
				return false
			}
		}
		return true
	})
	b.base[s] = int32(base)
	for _, ch := range children {
		t := base + int(ch.label)
		b.take(t)
		b.check[t] = s
	}
	for _, ch := range children {
		b.place(int32(base+int(ch.label)), depth+1, ch.lo, ch.hi)
	}
}

// findBase returns a base ≥ 1 whose slot for the first label is free and for
// which fits (the other labels' slots are free) holds. Two states may share a
// base: their children sit in distinct slots and check tells them apart.
func (b *trieBuilder) findBase(first byte, fits func(int) bool) int {
	last := int32(-1)
	for {
		e := b.freeHead
		if last >= 0 {
			e = b.freeNext[last]
		}
		if e < 0 {
			b.grow(len(b.base) + 256)
			continue
		}
		last = e
		if base := int(e) - int(first); base >= 1 && fits(base) {
			return base
		}
	}
}

// next follows byte c from state s to the state it returns with the
// payload of the key ending there (-1 for none), or -1 when there is no
// transition. Both at once: the node is at hand and its index checked. The
// trie is a value receiver so that a walk can keep a copy in registers
// (WordPiece); n is an int so that the compiler sees the range check cover
// the index.
func (t byteTrie) next(s int32, c byte) (next, value int32) {
	n := int(t.nodes[s].base) + int(c)
	if uint(n) < uint(len(t.nodes)) && t.nodes[n].check == s {
		return int32(n), t.nodes[n].value
	}
	return -1, -1
}

// walk follows all of key from state s; -1 when it falls off the trie.
func (t *byteTrie) walk(s int32, key string) int32 {
	for i := 0; i < len(key) && s >= 0; i++ {
		s, _ = t.next(s, key[i])
	}
	return s
}

// get returns the payload of key, if key was added.
func (t *byteTrie) get(key string) (int32, bool) {
	s := t.walk(0, key)
	if s <= 0 || t.nodes[s].value < 0 {
		return 0, false
	}
	return t.nodes[s].value, true
}
