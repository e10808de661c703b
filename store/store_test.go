package store

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// backend is one kind of store the same tests run on. open returns the
// dbURL and dataDir arguments of Open for a fresh, empty store.
type backend struct {
	name   string
	target func(t *testing.T) (dbURL, dataDir string)
}

func backends() []backend {
	return []backend{
		{"sqlite", func(t *testing.T) (string, string) { return "", t.TempDir() }},
		{"postgres", func(t *testing.T) (string, string) { return startPostgres(t)(t), "" }},
	}
}

// forEachBackend runs fn as one subtest per backend.
func forEachBackend(t *testing.T, fn func(t *testing.T, dbURL, dataDir string)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			dbURL, dataDir := b.target(t)
			fn(t, dbURL, dataDir)
		})
	}
}

func mustOpen(t *testing.T, dbURL, dataDir string) Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Open(ctx, dbURL, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fieldsFor is the deterministic submission number i of a test.
func fieldsFor(i int) Fields {
	f := Fields{
		ModelName: fmt.Sprintf("model-%d", i), ModelParams: "110M", ModelDomain: "clinical", ModelMethod: "finetuned",
		ModelLink: "https://example.org/m", Task: "MedNLI", Metric: "accuracy", Value: float64(i%1000) / 1000,
		Runs: 3, PaperLink: "https://example.org/p", Contact: fmt.Sprintf("author%d@example.org", i),
	}
	if i%2 == 0 {
		std := 0.01
		f.Std = &std
	}
	if i%3 == 1 { // fieldsFor(1) has them, fieldsFor(2), its edit, clears them
		flops := 2.5e20 + float64(i)
		f.PretrainingFLOPs = &flops
	}
	return f
}

// seqOf reads i back from a fieldsFor(i) model name.
func seqOf(t *testing.T, name string) int {
	t.Helper()
	i, err := strconv.Atoi(strings.TrimPrefix(name, "model-"))
	if err != nil {
		t.Fatalf("stored model name %q is not one the test wrote", name)
	}
	return i
}

func equalFields(a, b Fields) bool {
	for _, p := range [][2]*float64{{a.Std, b.Std}, {a.PretrainingFLOPs, b.PretrainingFLOPs}} {
		if (p[0] == nil) != (p[1] == nil) || (p[0] != nil && *p[0] != *p[1]) {
			return false
		}
	}
	a.Std, b.Std, a.PretrainingFLOPs, b.PretrainingFLOPs = nil, nil, nil, nil
	return a == b
}

func TestStoreLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL, dataDir string) {
		ctx := context.Background()
		s := mustOpen(t, dbURL, dataDir)
		created, err := s.Create(ctx, fieldsFor(1), "hash-1")
		if err != nil {
			t.Fatal(err)
		}
		if created.Status != StatusPending || created.EditKeyHash != "hash-1" || !equalFields(created.Fields, fieldsFor(1)) || created.CreatedAt.IsZero() {
			t.Fatalf("created = %+v", created)
		}
		got, err := s.Get(ctx, created.ID)
		if err != nil || !equalFields(got.Fields, fieldsFor(1)) || !got.CreatedAt.Equal(created.CreatedAt) {
			t.Fatalf("Get = %+v, %v", got, err)
		}
		approved, err := s.Approve(ctx, created.ID)
		if err != nil || approved.Status != StatusApproved {
			t.Fatalf("Approve = %+v, %v", approved, err)
		}
		edited, err := s.Edit(ctx, created.ID, fieldsFor(2))
		if err != nil || edited.Status != StatusPending || !equalFields(edited.Fields, fieldsFor(2)) {
			t.Fatalf("Edit = %+v, %v (an edit must go back to pending)", edited, err)
		}
		withdrawn, err := s.Withdraw(ctx, created.ID)
		if err != nil || withdrawn.Status != StatusWithdrawn {
			t.Fatalf("Withdraw = %+v, %v", withdrawn, err)
		}
		for name, op := range map[string]func() (Submission, error){
			"edit":     func() (Submission, error) { return s.Edit(ctx, created.ID, fieldsFor(3)) },
			"approve":  func() (Submission, error) { return s.Approve(ctx, created.ID) },
			"withdraw": func() (Submission, error) { return s.Withdraw(ctx, created.ID) },
		} {
			if _, err := op(); !errors.Is(err, ErrWithdrawn) {
				t.Errorf("%s after withdraw: err = %v, want ErrWithdrawn", name, err)
			}
		}
		events, err := s.Events(ctx, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range events {
			kinds = append(kinds, string(e.Kind))
		}
		if got, want := strings.Join(kinds, ","), "created,approved,edited,withdrawn"; got != want {
			t.Fatalf("events = %s, want %s", got, want)
		}
		if events[2].Before == nil || !equalFields(*events[2].Before, fieldsFor(1)) {
			t.Fatalf("edit event keeps %+v, want the fields before the edit", events[2].Before)
		}
		list, err := s.List(ctx)
		if err != nil || len(list) != 1 || list[0].Status != StatusWithdrawn {
			t.Fatalf("List = %+v, %v", list, err)
		}
		for name, op := range map[string]func() error{
			"get":    func() error { _, err := s.Get(ctx, 999); return err },
			"edit":   func() error { _, err := s.Edit(ctx, 999, fieldsFor(1)); return err },
			"events": func() error { _, err := s.Events(ctx, 999); return err },
		} {
			if err := op(); !errors.Is(err, ErrNotFound) {
				t.Errorf("%s of an unknown id: err = %v, want ErrNotFound", name, err)
			}
		}
	})
}

// TestStoreReopen checks that submissions outlive the process's store and
// that running the migrations again on a migrated database is harmless.
func TestStoreReopen(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL, dataDir string) {
		ctx := context.Background()
		s := mustOpen(t, dbURL, dataDir)
		sub, err := s.Create(ctx, fieldsFor(7), "hash-7")
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		again := mustOpen(t, dbURL, dataDir)
		got, err := again.Get(ctx, sub.ID)
		if err != nil || !equalFields(got.Fields, fieldsFor(7)) {
			t.Fatalf("after reopening: %+v, %v", got, err)
		}
	})
}

// TestStoreConcurrentCreates submits 64 results at once: each either lands
// whole (with its created event) or fails with an error and leaves nothing.
func TestStoreConcurrentCreates(t *testing.T) {
	const n = 64
	forEachBackend(t, func(t *testing.T, dbURL, dataDir string) {
		ctx := context.Background()
		s := mustOpen(t, dbURL, dataDir)
		ids := make([]int64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				sub, err := s.Create(ctx, fieldsFor(i), fmt.Sprintf("hash-%d", i))
				ids[i], errs[i] = sub.ID, err
			})
		}
		close(start)
		wg.Wait()
		landed := map[int64]int{}
		for i := range n {
			if errs[i] != nil {
				t.Errorf("submission %d failed: %v", i, errs[i])
				continue
			}
			landed[ids[i]] = i
		}
		list, err := s.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != len(landed) {
			t.Fatalf("%d submissions stored, %d acknowledged", len(list), len(landed))
		}
		for _, sub := range list {
			i, ok := landed[sub.ID]
			if !ok || !equalFields(sub.Fields, fieldsFor(i)) {
				t.Errorf("stored %d = %+v; not what was acknowledged", sub.ID, sub.Fields)
			}
			if ev, err := s.Events(ctx, sub.ID); err != nil || len(ev) != 1 || ev[0].Kind != EventCreated {
				t.Errorf("submission %d events = %+v, %v; want one created event", sub.ID, ev, err)
			}
		}
	})
}

// Environment of the crash child: TestMain turns the test binary into a
// writer that prints "ack ID SEQ" after each acknowledged Create.
const (
	envCrashDBURL   = "CLINLM_STORE_CRASH_DB_URL"
	envCrashDataDir = "CLINLM_STORE_CRASH_DATA_DIR"
)

func TestMain(m *testing.M) {
	if os.Getenv(envCrashDBURL) != "" || os.Getenv(envCrashDataDir) != "" {
		os.Exit(crashChild())
	}
	os.Exit(m.Run())
}

// crashChild writes submissions until it is killed.
func crashChild() int {
	ctx := context.Background()
	s, err := Open(ctx, os.Getenv(envCrashDBURL), os.Getenv(envCrashDataDir))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	out := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		sub, err := s.Create(ctx, fieldsFor(i), fmt.Sprintf("hash-%d", i))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Fprintf(out, "ack %d %d\n", sub.ID, i)
		out.Flush()
	}
}

// TestStoreCrashMidWrite kills a writing process with SIGKILL and checks
// that every submission it had acknowledged is there, whole, and that no
// half-written one is (each stored row is exactly what the writer sent and
// has its created event).
func TestStoreCrashMidWrite(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dbURL, dataDir string) {
		mustOpen(t, dbURL, dataDir).Close() // migrate before the child starts
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envCrashDBURL+"="+dbURL, envCrashDataDir+"="+dataDir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := map[int64]int{}
		lines := bufio.NewScanner(stdout)
		for len(acked) < 200 && lines.Scan() {
			var id int64
			var i int
			if _, err := fmt.Sscanf(lines.Text(), "ack %d %d", &id, &i); err != nil {
				t.Fatalf("child said %q", lines.Text())
			}
			acked[id] = i
		}
		// Kill while the child is between acknowledgements, mid-transaction.
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for lines.Scan() { // acknowledgements already printed before the kill count too
			var id int64
			var i int
			if _, err := fmt.Sscanf(lines.Text(), "ack %d %d", &id, &i); err == nil {
				acked[id] = i
			}
		}
		_ = cmd.Wait()
		if len(acked) < 200 {
			t.Fatalf("child acknowledged only %d submissions before it stopped: %s", len(acked), stderr.String())
		}
		s := mustOpen(t, dbURL, dataDir)
		ctx := context.Background()
		list, err := s.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		stored := map[int64]bool{}
		for _, sub := range list {
			stored[sub.ID] = true
			i := seqOf(t, sub.ModelName)
			if !equalFields(sub.Fields, fieldsFor(i)) || sub.EditKeyHash != fmt.Sprintf("hash-%d", i) {
				t.Errorf("submission %d is half-written: %+v", sub.ID, sub.Fields)
			}
			if ev, err := s.Events(ctx, sub.ID); err != nil || len(ev) != 1 || ev[0].Kind != EventCreated {
				t.Errorf("submission %d has events %+v, %v; want exactly its created event", sub.ID, ev, err)
			}
		}
		for id, i := range acked {
			if !stored[id] {
				t.Errorf("acknowledged submission %d (seq %d) was lost", id, i)
			}
		}
		if len(list) > len(acked)+1 {
			t.Errorf("%d stored, %d acknowledged: at most the one in flight may have committed unacknowledged", len(list), len(acked))
		}
		if dataDir != "" {
			db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, SQLiteFile))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var check string
			if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
				t.Fatalf("integrity_check = %q, %v", check, err)
			}
		}
	})
}
