package models

import (
	"hash/maphash"
	"strings"
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
// result for it. It is sharded so that goroutines tokenizing in parallel
// rarely contend on one lock; lookups take a read lock and allocate nothing.
type wordCache[V any] struct {
	seed     maphash.Seed
	capacity int64
	size     atomic.Int64
	shards   [cacheShards]struct {
		mu sync.RWMutex
		m  map[string]V
	}
}

func newWordCache[V any](capacity int) *wordCache[V] {
	if capacity <= 0 {
		return nil
	}
	c := &wordCache[V]{seed: maphash.MakeSeed(), capacity: int64(capacity)}
	for i := range c.shards {
		c.shards[i].m = make(map[string]V)
	}
	return c
}

func (c *wordCache[V]) shard(word string) int {
	return int(maphash.String(c.seed, word) % cacheShards)
}

func (c *wordCache[V]) get(word string) (V, bool) {
	var zero V
	if c == nil || len(word) >= maxCachedWordLen {
		return zero, false
	}
	sh := &c.shards[c.shard(word)]
	sh.mu.RLock()
	v, ok := sh.m[word]
	sh.mu.RUnlock()
	return v, ok
}

// put stores v for word unless the word is too long or the cache is full.
// The key is cloned so the cache never pins the caller's (possibly large) text.
func (c *wordCache[V]) put(word string, v V) {
	if c == nil || len(word) >= maxCachedWordLen || c.size.Load() >= c.capacity {
		return
	}
	sh := &c.shards[c.shard(word)]
	sh.mu.Lock()
	if _, ok := sh.m[word]; !ok {
		// Reserve the slot before inserting: two shards checking the size
		// and then adding could both take the last free slot.
		if c.size.Add(1) <= c.capacity {
			sh.m[strings.Clone(word)] = v
		} else {
			c.size.Add(-1)
		}
	}
	sh.mu.Unlock()
}
