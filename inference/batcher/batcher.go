// Package batcher groups concurrent requests into batches for one model:
// at most MaxBatch items per run, waiting at most MaxWait for a batch to
// fill, preferring items of similar length (less padding) or, with length
// buckets, never mixing buckets in one batch, with a bounded
// queue that refuses work with ErrBusy instead of growing without limit.
// Callers share batches fairly: a caller with many items cannot hold the
// worker while others wait. Items whose caller has gone away are dropped
// before they run, and a running batch is cancelled once all of its callers
// have gone.
package batcher

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// ErrBusy means the queue is full; the caller should retry later.
var ErrBusy = errors.New("batcher: queue full")

// ErrClosed means the batcher has been closed.
var ErrClosed = errors.New("batcher: closed")

// ErrPanic wraps a panic of the run function; the batch's callers get it.
var ErrPanic = errors.New("batcher: run panicked")

// ErrTooLarge means one Submit has more items than the queue can ever hold:
// retrying cannot help.
var ErrTooLarge = errors.New("batcher: more items than the queue holds")

// Config bounds batching.
type Config struct {
	// MaxBatch is the most items per run (default 8).
	MaxBatch int
	// MaxWait is how long the oldest item may wait for company while the
	// worker is free. 0 (the default) runs at once: a lone request pays no
	// wait, and requests arriving while a batch runs form the next batch, so
	// batches still grow with load. A positive wait trades latency for fuller
	// batches (worth it where a run costs little more for more items, as on
	// a GPU).
	MaxWait time.Duration
	// QueueSize is the most items waiting (default 256).
	QueueSize int
	// Workers is how many batches of one model may run at once (default 1).
	// A second worker lets one batch's Go-side work (padding, softmax,
	// answers) overlap the next batch's run instead of leaving the model idle.
	Workers int
	// Buckets, when set, are increasing lengths that group items: a batch
	// holds items of one bucket only (those up to the first length, those
	// up to the second, ..., those beyond the last), so a run pads to its
	// bucket and never a short item to a long neighbour. Batches lead by
	// caller in turn, so a lone item in a rare bucket runs after at most one
	// batch per caller queued ahead of it, however busy other buckets are.
	Buckets []int
}

func (c Config) withDefaults() Config {
	if c.MaxBatch <= 0 {
		c.MaxBatch = 8
	}
	c.MaxWait = max(c.MaxWait, 0)
	if c.QueueSize <= 0 {
		c.QueueSize = 256
	}
	c.Workers = max(c.Workers, 1)
	return c
}

// RunFunc runs one batch and returns one result per item, in order.
type RunFunc[T, R any] func(ctx context.Context, items []T) ([]R, error)

// Observer receives measurements (Prometheus in the server, nothing in tests).
type Observer interface {
	QueueDepth(n int)
	Batch(size int, run time.Duration)
}

// Timing is what one Submit spent waiting and running.
type Timing struct {
	// Queue is the longest wait of the submitted items before their batch ran.
	Queue time.Duration
	// Run is the summed duration of the distinct batches the items ran in.
	Run time.Duration
	// Batches is how many runs the items were spread over.
	Batches int
}

type item[T, R any] struct {
	ctx      context.Context
	value    T
	length   int
	enqueued time.Time
	call     *call[R]
	index    int
}

// call collects the results of one Submit.
type call[R any] struct {
	mu      sync.Mutex
	results []R
	pending int
	err     error
	timing  Timing
	seen    map[int]bool
	done    chan struct{}
	// seq numbers calls in the order they were queued (leads take turns by it).
	seq uint64
}

func (c *call[R]) finish(index int, r R, err error, queued time.Duration, batchID int, run time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == 0 {
		return
	}
	if err != nil && c.err == nil {
		c.err = err
	}
	c.results[index] = r
	if queued > c.timing.Queue {
		c.timing.Queue = queued
	}
	if !c.seen[batchID] {
		c.seen[batchID] = true
		c.timing.Run += run
		c.timing.Batches++
	}
	c.pending--
	if c.pending == 0 {
		close(c.done)
	}
}

// Batcher batches items of type T into runs returning R per item.
type Batcher[T, R any] struct {
	cfg    Config
	run    RunFunc[T, R]
	length func(T) int
	obs    Observer

	mu      sync.Mutex
	queue   []*item[T, R]
	closed  bool
	wake    chan struct{} // one token per worker that may be asleep
	quit    chan struct{} // closed by Close
	workers sync.WaitGroup
	batchID int
	// calls numbers submits; lastLead is the seq of the call whose item led
	// the last bucketed batch.
	calls    uint64
	lastLead uint64
}

// New starts a batcher with cfg.Workers workers. length gives an item's size
// for grouping (tokens); obs may be nil.
func New[T, R any](cfg Config, run RunFunc[T, R], length func(T) int, obs Observer) *Batcher[T, R] {
	cfg = cfg.withDefaults()
	b := &Batcher[T, R]{cfg: cfg, run: run, length: length, obs: obs,
		wake: make(chan struct{}, cfg.Workers), quit: make(chan struct{})}
	for range cfg.Workers {
		b.workers.Add(1)
		go b.loop()
	}
	return b
}

// Submit queues items and waits for all their results. It fails with
// ErrTooLarge when they could never fit in the queue, with ErrBusy when they
// do not fit now, and with ctx's error when ctx ends first (the items not yet
// run are then skipped).
func (b *Batcher[T, R]) Submit(ctx context.Context, items []T) ([]R, Timing, error) {
	if len(items) == 0 {
		return nil, Timing{}, nil
	}
	c := &call[R]{results: make([]R, len(items)), pending: len(items), seen: map[int]bool{}, done: make(chan struct{})}
	now := time.Now()
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, Timing{}, ErrClosed
	}
	if len(items) > b.cfg.QueueSize {
		b.mu.Unlock()
		return nil, Timing{}, ErrTooLarge
	}
	if len(b.queue)+len(items) > b.cfg.QueueSize {
		b.mu.Unlock()
		return nil, Timing{}, ErrBusy
	}
	b.calls++
	c.seq = b.calls
	for i, v := range items {
		b.queue = append(b.queue, &item[T, R]{ctx: ctx, value: v, length: b.length(v), enqueued: now, call: c, index: i})
	}
	// Observed under the lock so that concurrent submits report depths in order.
	b.observeDepth(len(b.queue))
	b.mu.Unlock()
	b.signal()
	select {
	case <-c.done:
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.results, c.timing, c.err
	case <-ctx.Done():
		return nil, Timing{}, ctx.Err()
	}
}

// Close stops the workers after the batches in progress; queued items fail with ErrClosed.
func (b *Batcher[T, R]) Close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	q := b.queue
	b.queue = nil
	b.mu.Unlock()
	var zero R
	for _, it := range q {
		it.call.finish(it.index, zero, ErrClosed, 0, -1, 0)
	}
	close(b.quit)
	b.workers.Wait()
}

func (b *Batcher[T, R]) signal() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

func (b *Batcher[T, R]) observeDepth(n int) {
	if b.obs != nil {
		b.obs.QueueDepth(n)
	}
}

func (b *Batcher[T, R]) loop() {
	defer b.workers.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		b.mu.Lock()
		closed, n := b.closed, len(b.queue)
		var oldest time.Time
		if n > 0 {
			oldest = b.queue[0].enqueued
		}
		b.mu.Unlock()
		if closed {
			return
		}
		if n == 0 {
			select {
			case <-b.wake:
			case <-b.quit:
			}
			continue
		}
		if wait := time.Until(oldest.Add(b.cfg.MaxWait)); n < b.cfg.MaxBatch && wait > 0 {
			timer.Reset(wait)
			select {
			case <-b.wake:
				// Since Go 1.23 a stopped timer never delivers a stale tick.
				timer.Stop()
			case <-b.quit:
				timer.Stop()
			case <-timer.C:
				b.runBatch()
			}
			continue
		}
		b.runBatch()
	}
}

// take removes the next batch from the queue. Callers take turns: the
// candidates are the queue interleaved round-robin by caller (oldest caller
// first), the first candidate always runs, and each caller gets at most its
// share of the batch (MaxBatch / callers, at least one) before the items
// closest in length to the first fill what is left. So one caller with many
// items (a long QA context, a long note) cannot keep the others waiting.
// With buckets the first item is chosen by bucketCandidates and only items
// of its bucket join it, shared among their callers the same way.
func (b *Batcher[T, R]) take() []*item[T, R] {
	b.mu.Lock()
	defer b.mu.Unlock()
	live := b.queue[:0]
	var dropped []*item[T, R]
	for _, it := range b.queue {
		if it.ctx.Err() != nil {
			dropped = append(dropped, it)
			continue
		}
		live = append(live, it)
	}
	clear(b.queue[len(live):])
	b.queue = live
	defer func() {
		var zero R
		for _, it := range dropped {
			it.call.finish(it.index, zero, it.ctx.Err(), 0, -1, 0)
		}
	}()
	if len(b.queue) == 0 {
		return nil
	}
	order, callers := roundRobin(b.queue)
	var first *item[T, R]
	var cand []*item[T, R]
	if len(b.cfg.Buckets) > 0 {
		first, cand, callers = b.bucketCandidates(order)
	} else {
		window := order[:min(len(order), 4*b.cfg.MaxBatch)]
		first = window[0]
		cand = append([]*item[T, R](nil), window[1:]...)
		sort.SliceStable(cand, func(x, y int) bool {
			return abs(cand[x].length-first.length) < abs(cand[y].length-first.length)
		})
	}
	share := max(1, b.cfg.MaxBatch/callers)
	taken := map[*call[R]]int{first.call: 1}
	pick := map[*item[T, R]]bool{first: true}
	for _, fill := range []bool{false, true} {
		for _, it := range cand {
			if len(pick) == b.cfg.MaxBatch {
				break
			}
			if pick[it] || (!fill && taken[it.call] >= share) {
				continue
			}
			pick[it] = true
			taken[it.call]++
		}
	}
	batch := make([]*item[T, R], 0, len(pick))
	rest := b.queue[:0]
	for _, it := range b.queue {
		if pick[it] {
			batch = append(batch, it)
		} else {
			rest = append(rest, it)
		}
	}
	clear(b.queue[len(rest):])
	b.queue = rest
	return batch
}

// bucketCandidates picks the batch's first item when batches keep to one
// length bucket: the head of the caller after the last batch's leader (in
// the order callers queued, wrapping round), so every caller leads in turn
// and a rare bucket is not left behind a busy one. The candidates are the
// other items of that bucket in round-robin order; callers counts the
// callers among them and the first.
func (b *Batcher[T, R]) bucketCandidates(order []*item[T, R]) (first *item[T, R], cand []*item[T, R], callers int) {
	first = order[0]
	for _, it := range order {
		if it.call.seq > b.lastLead {
			first = it
			break
		}
	}
	b.lastLead = first.call.seq
	bucket := bucketOf(first.length, b.cfg.Buckets)
	seen := map[*call[R]]bool{first.call: true}
	for _, it := range order {
		if it != first && bucketOf(it.length, b.cfg.Buckets) == bucket {
			cand = append(cand, it)
			seen[it.call] = true
		}
	}
	return first, cand, len(seen)
}

// bucketOf is the index of the first bucket that holds length, or
// len(buckets) beyond the last.
func bucketOf(length int, buckets []int) int {
	for i, b := range buckets {
		if length <= b {
			return i
		}
	}
	return len(buckets)
}

// roundRobin orders the queue by turns: the first item of every caller (in
// the order the callers arrived), then the second of every caller, and so on.
// It also returns the number of callers.
func roundRobin[T, R any](queue []*item[T, R]) ([]*item[T, R], int) {
	var calls []*call[R]
	byCall := map[*call[R]][]*item[T, R]{}
	for _, it := range queue {
		if _, seen := byCall[it.call]; !seen {
			calls = append(calls, it.call)
		}
		byCall[it.call] = append(byCall[it.call], it)
	}
	out := make([]*item[T, R], 0, len(queue))
	for turn := 0; len(out) < len(queue); turn++ {
		for _, c := range calls {
			if items := byCall[c]; turn < len(items) {
				out = append(out, items[turn])
			}
		}
	}
	return out, len(calls)
}

func (b *Batcher[T, R]) runBatch() {
	batch := b.take()
	b.mu.Lock()
	b.observeDepth(len(b.queue))
	b.batchID++
	id, more := b.batchID, len(b.queue) > 0
	b.mu.Unlock()
	if more {
		b.signal() // another worker, if one is free, takes the rest
	}
	if len(batch) == 0 {
		return
	}
	values := make([]T, len(batch))
	for i, it := range batch {
		values[i] = it.value
	}
	ctx, release := callersContext(batch)
	start := time.Now()
	results, err := b.runSafely(ctx, values)
	elapsed := time.Since(start)
	release()
	if err == nil && len(results) != len(batch) {
		err = errors.New("batcher: run returned the wrong number of results")
	}
	if b.obs != nil {
		b.obs.Batch(len(batch), elapsed)
	}
	var zero R
	for i, it := range batch {
		r := zero
		if err == nil {
			r = results[i]
		}
		it.call.finish(it.index, r, err, start.Sub(it.enqueued), id, elapsed)
	}
}

// callersContext is the context a batch runs under: it serves several
// callers, so it is not cancelled when one leaves, only when all have (a
// text-to-text batch then stops decoding). release frees its watchers.
func callersContext[T, R any](batch []*item[T, R]) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	seen := map[context.Context]bool{}
	for _, it := range batch {
		seen[it.ctx] = true
	}
	var left atomic.Int64
	left.Store(int64(len(seen)))
	stops := make([]func() bool, 0, len(seen))
	for c := range seen {
		stops = append(stops, context.AfterFunc(c, func() {
			if left.Add(-1) == 0 {
				cancel()
			}
		}))
	}
	return ctx, func() {
		for _, stop := range stops {
			stop()
		}
		cancel()
	}
}

// runSafely runs a batch, turning a panic in the run into an error of the
// batch's callers instead of a crash of the process.
func (b *Batcher[T, R]) runSafely(ctx context.Context, values []T) (results []R, err error) {
	defer func() {
		if r := recover(); r != nil {
			results, err = nil, fmt.Errorf("%w: %v", ErrPanic, r)
		}
	}()
	return b.run(ctx, values)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
