package models

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestPairTable(t *testing.T) {
	tab := newPairTable(0)
	want := map[uint64]uint64{}
	rng := rand.New(rand.NewPCG(1, 2))
	keys := []uint64{0, 1, emptyKey, pairKey(5, 7), pairKey(7, 5), pairKey(0xFFFFFFFF, 0)}
	for i := 0; i < 5000; i++ {
		keys = append(keys, pairKey(uint32(rng.IntN(300)), uint32(rng.IntN(300))))
	}
	for i, k := range keys {
		v := uint64(i)<<32 | uint64(i*7)
		tab.put(k, v) // repeated keys keep the last value, like HF's HashMap collect
		want[k] = v
	}
	if tab.n != len(want) {
		t.Errorf("table holds %d entries, want %d", tab.n, len(want))
	}
	for k, v := range want {
		if got, ok := tab.get(k); !ok || got != v {
			t.Errorf("get(%#x) = %#x, %v; want %#x", k, got, ok, v)
		}
	}
	for _, k := range []uint64{pairKey(301, 0), pairKey(1, 1000), emptyKey - 1} {
		if _, ok := tab.get(k); ok {
			t.Errorf("get(%#x) found a key never stored", k)
		}
	}
	seen := 0
	tab.each(func(k, v uint64) {
		seen++
		if want[k] != v {
			t.Errorf("each: %#x → %#x, want %#x", k, v, want[k])
		}
	})
	if seen != len(want) {
		t.Errorf("each visited %d entries, want %d", seen, len(want))
	}
}

func TestByteTrie(t *testing.T) {
	keys := []trieKey{{"a", 0}, {"ab", 1}, {"abc", 2}, {"b", 3}, {"", 4}, {"ab", 5}, {"日本", 6}, {"\x00x", 7}}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 3000; i++ {
		var sb strings.Builder
		sb.WriteByte(0xFE) // keeps random keys apart from the fixed ones
		for n := rng.IntN(8); n > 0; n-- {
			sb.WriteByte(byte(rng.IntN(256)))
		}
		keys = append(keys, trieKey{sb.String(), int32(100 + i)})
	}
	tr := newByteTrie(keys)
	want := map[string]int32{}
	for _, k := range keys {
		if k.key != "" {
			want[k.key] = k.value // last payload wins
		}
	}
	for k, v := range want {
		if got, ok := tr.get(k); !ok || got != v {
			t.Errorf("get(%q) = %d, %v; want %d", k, got, ok, v)
		}
	}
	for _, k := range []string{"", "abcd", "c", "日", "\x00"} {
		if _, ok := tr.get(k); ok {
			t.Errorf("get(%q) found a key never added", k)
		}
	}
	// A prefix scan reports every key that is a prefix, shortest first.
	s, prefixes := int32(0), []int32{}
	for i := 0; i < len("abcd"); i++ {
		var v int32
		if s, v = tr.next(s, "abcd"[i]); s < 0 {
			break
		}
		if v >= 0 {
			prefixes = append(prefixes, v)
		}
	}
	if fmt.Sprint(prefixes) != "[0 5 2]" {
		t.Errorf("prefixes of abcd: payloads %v, want [0 5 2]", prefixes)
	}
	if empty := newByteTrie(nil); empty.walk(0, "a") >= 0 {
		t.Error("empty trie has a transition")
	}
}

func TestWordCache(t *testing.T) {
	c := newWordCache[int](100)
	long := strings.Repeat("x", maxCachedWordLen)
	c.put(long, []int{1})
	if _, ok := c.get(long); ok {
		t.Error("a word of maxCachedWordLen bytes was cached")
	}
	text := "prefix-word-suffix"
	in := []int{4, 5}
	c.put(text[7:11], in)
	in[0] = 9 // the cache keeps its own copy
	if v, ok := c.get("word"); !ok || fmt.Sprint(v) != "[4 5]" || cap(v) != 2 {
		t.Errorf("get(word) = %v (cap %d), %v", v, cap(v), ok)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				w := fmt.Sprintf("w%d", (i*7+g)%400)
				if v, ok := c.get(w); ok && (len(v) != len(w) || v[len(v)-1] != len(w)) {
					t.Errorf("get(%s) = %v, want %d times %d", w, v, len(w), len(w))
				}
				c.put(w, slices.Repeat([]int{len(w)}, len(w)))
			}
		}(g)
	}
	wg.Wait()
	if n := c.size.Load(); n > 100 {
		t.Errorf("cache grew to %d entries, capacity 100", n)
	}
	// Many entries in one cache: every one is found after the rehashes.
	big := newWordCache[int](5000)
	for i := range 5000 {
		big.put(fmt.Sprint(i), []int{i})
	}
	for i := range 5000 {
		if v, ok := big.get(fmt.Sprint(i)); !ok || v[0] != i {
			t.Fatalf("get(%d) = %v, %v", i, v, ok)
		}
	}
	if _, ok := big.get("5000"); ok || !big.full() {
		t.Error("a full cache took an entry past its capacity")
	}
	var nilCache *wordCache[int]
	nilCache.put("a", []int{1})
	if _, ok := nilCache.get("a"); ok {
		t.Error("a nil (disabled) cache returned a value")
	}
}
