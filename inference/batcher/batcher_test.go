package batcher

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// recorder is a RunFunc that doubles its inputs and remembers each batch.
type recorder struct {
	mu      sync.Mutex
	batches [][]int
	gate    chan struct{} // when set, each run waits for a token
	started chan struct{} // when set, each run reports that it began
}

func (r *recorder) run(_ context.Context, items []int) ([]int, error) {
	if r.started != nil {
		r.started <- struct{}{}
	}
	if r.gate != nil {
		<-r.gate
	}
	r.mu.Lock()
	r.batches = append(r.batches, append([]int(nil), items...))
	r.mu.Unlock()
	out := make([]int, len(items))
	for i, v := range items {
		out[i] = 2 * v
	}
	return out, nil
}

func identity(v int) int { return v }

func TestConcurrentCallersShareBatches(t *testing.T) {
	rec := &recorder{}
	b := New(Config{MaxBatch: 4, MaxWait: 20 * time.Millisecond, QueueSize: 64}, rec.run, identity, nil)
	defer b.Close()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, timing, err := b.Submit(context.Background(), []int{i, 100 + i})
			if err != nil || got[0] != 2*i || got[1] != 2*(100+i) {
				t.Errorf("submit %d: %v %v", i, got, err)
			}
			if timing.Batches < 1 || timing.Run <= 0 {
				t.Errorf("timing %+v", timing)
			}
		}()
	}
	wg.Wait()
	total := 0
	for _, batch := range rec.batches {
		if len(batch) > 4 {
			t.Errorf("batch of %d > MaxBatch", len(batch))
		}
		total += len(batch)
	}
	if total != 32 {
		t.Errorf("%d items run, want 32", total)
	}
	if len(rec.batches) > 16 {
		t.Errorf("%d batches for 32 items: batching did not happen", len(rec.batches))
	}
}

// depthObserver records the latest queue depth.
type depthObserver struct {
	mu    sync.Mutex
	depth int
	sizes []int
}

func (o *depthObserver) QueueDepth(n int) { o.mu.Lock(); o.depth = n; o.mu.Unlock() }
func (o *depthObserver) Batch(size int, _ time.Duration) {
	o.mu.Lock()
	o.sizes = append(o.sizes, size)
	o.mu.Unlock()
}
func (o *depthObserver) get() int { o.mu.Lock(); defer o.mu.Unlock(); return o.depth }

func TestQueueFullIsBusy(t *testing.T) {
	rec := &recorder{gate: make(chan struct{})}
	obs := &depthObserver{}
	b := New(Config{MaxBatch: 1, MaxWait: time.Millisecond, QueueSize: 2}, rec.run, identity, obs)
	defer b.Close()
	rec.started = make(chan struct{}, 3)
	done := make(chan error, 3)
	submit := func(i int) {
		go func() { _, _, err := b.Submit(context.Background(), []int{i}); done <- err }()
	}
	submit(0)
	<-rec.started // item 0 is running, held at the gate
	submit(1)
	submit(2)
	// Two items wait: the queue is full.
	deadline := time.Now().Add(5 * time.Second)
	for obs.get() != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("queue depth %d, never 2", obs.get())
		}
		time.Sleep(time.Millisecond)
	}
	if _, _, err := b.Submit(context.Background(), []int{9}); !errors.Is(err, ErrBusy) {
		t.Errorf("submit to a full queue: %v, want ErrBusy", err)
	}
	close(rec.gate)
	for range 3 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if len(obs.sizes) != 3 {
		t.Errorf("observed batches %v", obs.sizes)
	}
}

func TestCancelledItemsAreSkipped(t *testing.T) {
	rec := &recorder{gate: make(chan struct{}, 10)}
	b := New(Config{MaxBatch: 1, MaxWait: time.Millisecond}, rec.run, identity, nil)
	defer b.Close()
	first := make(chan error, 1)
	go func() { _, _, err := b.Submit(context.Background(), []int{1}); first <- err }()
	time.Sleep(20 * time.Millisecond) // item 1 is now held in run
	ctx, cancel := context.WithCancel(context.Background())
	gone := make(chan error, 1)
	go func() { _, _, err := b.Submit(ctx, []int{2}); gone <- err }()
	time.Sleep(10 * time.Millisecond)
	cancel()
	if err := <-gone; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled submit: %v", err)
	}
	rec.gate <- struct{}{}
	rec.gate <- struct{}{}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Submit(context.Background(), []int{3}); err != nil {
		t.Fatal(err)
	}
	for _, batch := range rec.batches {
		for _, v := range batch {
			if v == 2 {
				t.Error("the cancelled item ran")
			}
		}
	}
}

func TestGroupsBySimilarLength(t *testing.T) {
	rec := &recorder{gate: make(chan struct{}, 100)}
	b := New(Config{MaxBatch: 2, MaxWait: time.Millisecond}, rec.run, identity, nil)
	defer b.Close()
	// Hold the worker on a first item so the rest queue up together.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); b.Submit(context.Background(), []int{0}) }()
	time.Sleep(20 * time.Millisecond)
	wg.Add(1)
	go func() { defer wg.Done(); b.Submit(context.Background(), []int{10, 500, 12, 510, 11, 505, 13, 515}) }()
	time.Sleep(20 * time.Millisecond)
	for range 10 {
		rec.gate <- struct{}{}
	}
	wg.Wait()
	for _, batch := range rec.batches[1:] {
		if len(batch) == 2 && abs(batch[0]-batch[1]) > 20 {
			t.Errorf("batch %v mixes short and long items", batch)
		}
	}
}

func TestMaxWaitBoundsLatency(t *testing.T) {
	rec := &recorder{}
	b := New(Config{MaxBatch: 64, MaxWait: 5 * time.Millisecond}, rec.run, identity, nil)
	defer b.Close()
	start := time.Now()
	if _, timing, err := b.Submit(context.Background(), []int{1}); err != nil {
		t.Fatal(err)
	} else if timing.Queue < 4*time.Millisecond {
		t.Errorf("a lone item ran after %v, before MaxWait", timing.Queue)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("a lone item waited %v", el)
	}
}

// With no MaxWait a free worker takes a lone item at once, and the items
// that arrive while it runs go out together as the next batch.
func TestFreeWorkerRunsAtOnceAndLoadFormsBatches(t *testing.T) {
	rec := &recorder{gate: make(chan struct{}), started: make(chan struct{}, 4)}
	obs := &depthObserver{}
	b := New(Config{MaxBatch: 8}, rec.run, identity, obs)
	defer b.Close()
	first := make(chan error, 1)
	go func() { _, _, err := b.Submit(context.Background(), []int{1}); first <- err }()
	select {
	case <-rec.started:
	case <-time.After(10 * time.Second): // a deadlock guard, not a latency bound
		t.Fatal("a lone item did not start while the worker was free")
	}
	later := make(chan error, 3)
	for _, v := range []int{2, 3, 4} {
		go func() { _, _, err := b.Submit(context.Background(), []int{v}); later <- err }()
	}
	for obs.get() != 3 {
		time.Sleep(time.Millisecond)
	}
	rec.gate <- struct{}{} // the first batch ends
	<-rec.started
	rec.gate <- struct{}{}
	for _, ch := range []chan error{first, later, later, later} {
		if err := <-ch; err != nil {
			t.Fatal(err)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.batches) != 2 || len(rec.batches[0]) != 1 || len(rec.batches[1]) != 3 {
		t.Errorf("batches %v, want [[1] [2 3 4]] in some order within the second", rec.batches)
	}
}

// With two workers a second batch starts while the first still runs.
func TestWorkersRunBatchesConcurrently(t *testing.T) {
	rec := &recorder{gate: make(chan struct{}), started: make(chan struct{}, 4)}
	b := New(Config{MaxBatch: 1, Workers: 2}, rec.run, identity, nil)
	defer b.Close()
	done := make(chan error, 2)
	for _, v := range []int{1, 2} {
		go func() { _, _, err := b.Submit(context.Background(), []int{v}); done <- err }()
	}
	for range 2 {
		select {
		case <-rec.started:
		case <-time.After(10 * time.Second): // a deadlock guard, not a latency bound
			t.Fatal("the second batch did not start while the first was running")
		}
	}
	rec.gate <- struct{}{}
	rec.gate <- struct{}{}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func TestCloseFailsQueuedWork(t *testing.T) {
	rec := &recorder{}
	b := New(Config{}, rec.run, identity, nil)
	b.Close()
	if _, _, err := b.Submit(context.Background(), []int{1}); !errors.Is(err, ErrClosed) {
		t.Errorf("submit after close: %v", err)
	}
	b.Close() // idempotent
}

// An input with more items than the queue can ever hold is refused as too
// large, not busy: a retry cannot help.
func TestMoreItemsThanTheQueueIsTooLarge(t *testing.T) {
	b := New(Config{QueueSize: 4}, (&recorder{}).run, identity, nil)
	defer b.Close()
	_, _, err := b.Submit(context.Background(), []int{1, 2, 3, 4, 5})
	if !errors.Is(err, ErrTooLarge) || errors.Is(err, ErrBusy) {
		t.Errorf("5 items into a queue of 4: %v, want ErrTooLarge", err)
	}
	if _, _, err := b.Submit(context.Background(), []int{1, 2, 3, 4}); err != nil {
		t.Errorf("4 items into a queue of 4: %v", err)
	}
}

// A caller with many items queued first does not hold the worker: callers
// that come later are served in the next batch, round-robin.
func TestCallersTakeTurns(t *testing.T) {
	rec := &recorder{gate: make(chan struct{}, 100), started: make(chan struct{}, 100)}
	b := New(Config{MaxBatch: 4, QueueSize: 256}, rec.run, identity, nil)
	defer b.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); b.Submit(context.Background(), []int{0}) }()
	<-rec.started // the worker is held on item 0; the rest queue up
	long := make([]int, 40)
	for i := range long {
		long[i] = 100 // same length: length grouping alone would take only these
	}
	wg.Add(1)
	go func() { defer wg.Done(); b.Submit(context.Background(), long) }()
	time.Sleep(20 * time.Millisecond)
	for _, v := range []int{1, 2, 3} {
		wg.Add(1)
		go func() { defer wg.Done(); b.Submit(context.Background(), []int{v}) }()
	}
	time.Sleep(20 * time.Millisecond)
	for range 20 {
		rec.gate <- struct{}{}
	}
	wg.Wait()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	second := rec.batches[1]
	for _, v := range []int{1, 2, 3} {
		if !slices.Contains(second, v) {
			t.Errorf("batch after the long caller's arrival %v lacks the later caller %d (batches %v)", second, v, rec.batches)
		}
	}
}

// A running batch is cancelled when all of its callers have gone, and only
// then.
func TestBatchContextEndsWhenAllCallersLeave(t *testing.T) {
	started := make(chan struct{}, 2)
	ended := make(chan error, 2)
	run := func(ctx context.Context, items []int) ([]int, error) {
		started <- struct{}{}
		<-ctx.Done()
		ended <- ctx.Err()
		return nil, ctx.Err()
	}
	b := New(Config{MaxBatch: 2, MaxWait: 50 * time.Millisecond}, run, identity, nil)
	defer b.Close()
	ctx1, cancel1 := context.WithCancel(context.Background())
	ctx2, cancel2 := context.WithCancel(context.Background())
	errs := make(chan error, 2)
	go func() { _, _, err := b.Submit(ctx1, []int{1}); errs <- err }()
	go func() { _, _, err := b.Submit(ctx2, []int{2}); errs <- err }()
	<-started
	cancel1()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Fatalf("the first caller's submit: %v", err)
	}
	select {
	case err := <-ended:
		t.Fatalf("the batch ended (%v) while a caller still waited", err)
	case <-time.After(50 * time.Millisecond):
	}
	cancel2()
	select {
	case err := <-ended:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("batch context ended with %v", err)
		}
	case <-time.After(10 * time.Second): // a deadlock guard, not a latency bound
		t.Fatal("the batch kept running after every caller had gone")
	}
	<-errs
}

// A panic in the run fails that batch's callers; the worker lives on.
func TestPanicInRunFailsTheBatchOnly(t *testing.T) {
	run := func(_ context.Context, items []int) ([]int, error) {
		if items[0] < 0 {
			var out []int
			return []int{out[5]}, nil // index out of range
		}
		return items, nil
	}
	b := New(Config{MaxBatch: 1}, run, identity, nil)
	defer b.Close()
	if _, _, err := b.Submit(context.Background(), []int{-1}); !errors.Is(err, ErrPanic) {
		t.Errorf("panicking run: %v, want ErrPanic", err)
	}
	if got, _, err := b.Submit(context.Background(), []int{7}); err != nil || got[0] != 7 {
		t.Errorf("after a panic: %v %v", got, err)
	}
}

// With length buckets a batch never mixes buckets, whoever submitted its
// items, and every item still gets its own result.
func TestBucketsNeverMix(t *testing.T) {
	buckets := []int{32, 64, 128}
	rec := &recorder{gate: make(chan struct{}, 100), started: make(chan struct{}, 100)}
	b := New(Config{MaxBatch: 4, Buckets: buckets}, rec.run, identity, nil)
	defer b.Close()
	var wg sync.WaitGroup
	wg.Go(func() { b.Submit(context.Background(), []int{1}) })
	<-rec.started // the worker is held; the rest queue up
	submits := [][]int{{5, 40, 100, 200}, {31, 33, 64, 65}, {7, 300}, {128, 129, 2}}
	for _, items := range submits {
		wg.Go(func() {
			got, _, err := b.Submit(context.Background(), items)
			if err != nil {
				t.Error(err)
				return
			}
			for i, v := range items {
				if got[i] != 2*v {
					t.Errorf("item %d of %v: got %d, want %d", i, items, got[i], 2*v)
				}
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	for range 100 {
		rec.gate <- struct{}{}
	}
	wg.Wait()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, batch := range rec.batches {
		for _, v := range batch {
			if bucketOf(v, buckets) != bucketOf(batch[0], buckets) {
				t.Errorf("batch %v mixes buckets (all batches %v)", batch, rec.batches)
				break
			}
		}
	}
}

// A lone item in a rare bucket is not left behind a busy bucket: callers lead
// batches in turn, so it runs right after the batch of the caller queued
// before it, not after all of that bucket's work.
func TestLoneItemInARareBucketRunsInTurn(t *testing.T) {
	rec := &recorder{gate: make(chan struct{}, 100), started: make(chan struct{}, 100)}
	b := New(Config{MaxBatch: 4, Buckets: []int{32, 128}}, rec.run, identity, nil)
	defer b.Close()
	var wg sync.WaitGroup
	wg.Go(func() { b.Submit(context.Background(), []int{1}) })
	<-rec.started // the worker is held; the rest queue up in order
	busy := func() []int { return slices.Repeat([]int{100}, 20) }
	wg.Go(func() { b.Submit(context.Background(), busy()) })
	time.Sleep(20 * time.Millisecond)
	lone := make(chan Timing, 1)
	wg.Go(func() {
		_, timing, err := b.Submit(context.Background(), []int{10})
		if err != nil {
			t.Error(err)
		}
		lone <- timing
	})
	time.Sleep(20 * time.Millisecond)
	wg.Go(func() { b.Submit(context.Background(), busy()) })
	time.Sleep(20 * time.Millisecond)
	for range 100 {
		rec.gate <- struct{}{}
	}
	wg.Wait()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	at := slices.IndexFunc(rec.batches, func(batch []int) bool { return slices.Contains(batch, 10) })
	if at != 2 || len(rec.batches[at]) != 1 {
		t.Errorf("the lone short item ran in batch %d of %v, want alone in batch 2 (after the held one and one busy batch)", at, rec.batches)
	}
	if timing := <-lone; timing.Batches != 1 {
		t.Errorf("the lone item ran over %d batches", timing.Batches)
	}
}
