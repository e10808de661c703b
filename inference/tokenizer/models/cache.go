package models

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

const (
	// defaultCacheCapacity and maxCachedWordLen mirror HF's utils/cache.rs:
	// at most 10 000 entries, only for words shorter than 256 bytes. Like HF,
	// a full cache stops taking new entries rather than evicting.
	defaultCacheCapacity = 10_000
	maxCachedWordLen     = 256
	cacheShards          = 16
)

// wordCache is a bounded, concurrency-safe map from a word to a model's
// result for it, a short list of E (which must hold no pointers). It is
// sharded so that goroutines tokenizing in parallel rarely contend on one
// lock; lookups take a read lock and allocate nothing.
//
// It is a hash table of its own rather than a map[string][]E: a lookup hashes
// the word once (the hash also picks the shard), and keys and results live
// back to back in pointer-free arrays. With a Go map, a lookup hashed twice
// and touched the map's group, the key's bytes and the result's array in
// three places; the lookups were ≈ 10 % of an encode, and the map's 20 000
// pointers were marked by every garbage collection.
type wordCache[E any] struct {
	seed     maphash.Seed
	capacity int64
	size     atomic.Int64
	shards   [cacheShards]cacheShard[E]
}

type cacheShard[E any] struct {
	mu      sync.RWMutex
	slots   []uint32 // 1 + index into entries, 0 when free; open addressing, power-of-two length
	entries []cacheEntry
	keys    []byte // the keys back to back
	vals    []E    // the results back to back
}

type cacheEntry struct {
	hash      uint64
	key, klen uint32 // keys[key : key+klen]
	val, vlen uint32 // vals[val : val+vlen]
}

func newWordCache[E any](capacity int) *wordCache[E] {
	if capacity <= 0 {
		return nil
	}
	return &wordCache[E]{seed: maphash.MakeSeed(), capacity: int64(capacity)}
}

// full reports whether the cache takes no more entries (or is off).
func (c *wordCache[E]) full() bool {
	return c == nil || c.size.Load() >= c.capacity
}

func (c *wordCache[E]) shardOf(h uint64) *cacheShard[E] {
	return &c.shards[h>>60%cacheShards]
}

// get returns the result stored for word. The slice is shared by all
// callers: it must not be modified (its capacity ends with it, so appending
// copies).
func (c *wordCache[E]) get(word string) ([]E, bool) {
	if c == nil || len(word) >= maxCachedWordLen {
		return nil, false
	}
	h := maphash.String(c.seed, word)
	sh := c.shardOf(h)
	sh.mu.RLock()
	v, ok := sh.find(h, word)
	sh.mu.RUnlock()
	return v, ok
}

func (sh *cacheShard[E]) find(h uint64, word string) ([]E, bool) {
	if len(sh.slots) == 0 {
		return nil, false
	}
	mask := uint64(len(sh.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := sh.slots[i]
		if s == 0 {
			return nil, false
		}
		e := &sh.entries[s-1]
		if e.hash == h && string(sh.keys[e.key:e.key+e.klen]) == word {
			end := e.val + e.vlen
			return sh.vals[e.val:end:end], true
		}
	}
}

// put stores a copy of v for word unless the word is too long or the cache
// is full. Results already handed out stay valid: the arrays only grow, and
// a grown array is a new one.
func (c *wordCache[E]) put(word string, v []E) {
	if c == nil || len(word) >= maxCachedWordLen || c.size.Load() >= c.capacity {
		return
	}
	h := maphash.String(c.seed, word)
	sh := c.shardOf(h)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.find(h, word); ok {
		return
	}
	// Reserve the slot before inserting: two shards checking the size and
	// then adding could both take the last free slot.
	if c.size.Add(1) > c.capacity {
		c.size.Add(-1)
		return
	}
	sh.entries = append(sh.entries, cacheEntry{
		hash: h,
		key:  uint32(len(sh.keys)), klen: uint32(len(word)),
		val: uint32(len(sh.vals)), vlen: uint32(len(v)),
	})
	sh.keys = append(sh.keys, word...)
	sh.vals = append(sh.vals, v...)
	if 2*len(sh.entries) > len(sh.slots) {
		sh.rehash(max(64, 4*len(sh.entries)))
		return
	}
	sh.insert(uint32(len(sh.entries)))
}

// insert puts entry number n (1-based) into its slot.
func (sh *cacheShard[E]) insert(n uint32) {
	mask := uint64(len(sh.slots) - 1)
	i := sh.entries[n-1].hash & mask
	for sh.slots[i] != 0 {
		i = (i + 1) & mask
	}
	sh.slots[i] = n
}

// rehash rebuilds the slots with size slots (a power of two) from the
// entries, whose hashes are stored.
func (sh *cacheShard[E]) rehash(size int) {
	n := 1
	for n < size {
		n <<= 1
	}
	sh.slots = make([]uint32, n)
	for k := range sh.entries {
		sh.insert(uint32(k + 1))
	}
}
