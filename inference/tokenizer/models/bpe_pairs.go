package models

import "math/bits"

// pairTable maps a pair of token ids (pairKey) to its merge, rank<<32 | new id.
// It is an open-addressing table with linear probing: a lookup usually
// touches one cache line, against two or more for a Go map, and merge
// lookups are most of BPE's work.
type pairTable struct {
	slots []pairSlot
	mask  uint64
	// emptyKey marks free slots; a real pair with that key is stored aside.
	hasEmptyKey bool
	emptyKeyVal uint64
	n           int
}

type pairSlot struct{ key, val uint64 }

const emptyKey = ^uint64(0)

func newPairTable(capacity int) pairTable {
	size := 8
	if capacity > 0 {
		size = max(size, 1<<bits.Len(uint(2*capacity-1))) // load factor ≤ 1/2
	}
	t := pairTable{slots: make([]pairSlot, size), mask: uint64(size - 1)}
	for i := range t.slots {
		t.slots[i].key = emptyKey
	}
	return t
}

// hashPair mixes the two ids (splitmix64's finaliser) so ids that differ
// only in high bits still spread over the table.
func hashPair(k uint64) uint64 {
	k ^= k >> 30
	k *= 0xbf58476d1ce4e5b9
	k ^= k >> 27
	k *= 0x94d049bb133111eb
	k ^= k >> 31
	return k
}

// put stores v for k, replacing an earlier value.
func (t *pairTable) put(k, v uint64) {
	if k == emptyKey {
		if !t.hasEmptyKey {
			t.n++
		}
		t.hasEmptyKey, t.emptyKeyVal = true, v
		return
	}
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	for i := hashPair(k) & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.key == k {
			s.val = v
			return
		}
		if s.key == emptyKey {
			s.key, s.val = k, v
			t.n++
			return
		}
	}
}

func (t *pairTable) grow() {
	old := t.slots
	size := 2 * len(old)
	t.slots = make([]pairSlot, size)
	t.mask = uint64(size - 1)
	for i := range t.slots {
		t.slots[i].key = emptyKey
	}
	for _, s := range old {
		if s.key == emptyKey {
			continue
		}
		for i := hashPair(s.key) & t.mask; ; i = (i + 1) & t.mask {
			if t.slots[i].key == emptyKey {
				t.slots[i] = s
				break
			}
		}
	}
}

func (t *pairTable) get(k uint64) (uint64, bool) {
	if k == emptyKey {
		return t.emptyKeyVal, t.hasEmptyKey
	}
	for i := hashPair(k) & t.mask; ; i = (i + 1) & t.mask {
		s := t.slots[i]
		if s.key == k {
			return s.val, true
		}
		if s.key == emptyKey {
			return 0, false
		}
	}
}

// each calls f for every entry, in no particular order.
func (t *pairTable) each(f func(k, v uint64)) {
	for _, s := range t.slots {
		if s.key != emptyKey {
			f(s.key, s.val)
		}
	}
	if t.hasEmptyKey {
		f(emptyKey, t.emptyKeyVal)
	}
}
