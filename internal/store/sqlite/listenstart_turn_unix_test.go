//go:build unix

package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// hogWriter keeps s's write lock busy until the test ends, as trigger's
// group commits do: one write transaction after another, each holding
// the lock for hold, the next begun as soon as the last committed. It
// returns how many it committed so far.
func hogWriter(t *testing.T, s *Store, hold time.Duration) func() int64 {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var txs atomic.Int64
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			err := s.withTx(ctx, func(tx *sql.Tx) error {
				time.Sleep(hold)
				return nil
			})
			if err != nil {
				if ctx.Err() == nil {
					t.Errorf("busy writer: %v", err)
				}
				return
			}
			txs.Add(1)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return txs.Load
}

// A newcomer's writes beside a writer that keeps the store's write lock
// busy (two goroutines committing batches back to back, as trigger does)
// each get through within a bound: the busy writer waits at the
// turnstile while the newcomer waits for the lock. Before, SQLite's busy
// handler (sleep and poll) almost never found the lock free in the
// microseconds between the busy writer's transactions, and the
// newcomer's write failed after the 10 s busy timeout ("locked by another
// process"): listen restarted during a trigger did not start.
func TestListenstartNewcomerWritesBesideBusyWriter(t *testing.T) {
	path := t.TempDir() + "/hookctl.db"
	hog, err := OpenStore(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer hog.Close()
	batches := hogWriter(t, hog, 20*time.Millisecond)
	for end := time.Now().Add(time.Minute); batches() < 3; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the busy writer committed nothing in a minute")
		}
	}
	s, err := OpenStore(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The busy writer's transactions take 20 ms (more at load 30): 2 s
	// is many of them; the old code's writes waited seconds, and failed
	// after the 10 s busy timeout.
	const bound = 2 * time.Second
	ctx := context.Background()
	var took []time.Duration
	for i := range 5 {
		sub := &store.Subscription{ID: fmt.Sprintf("sub_%d", i), CallbackURL: "http://127.0.0.1:1/x", Events: []string{"card.created"}, Status: store.StatusEnabled}
		// The busy writer has the lock again (the newcomer's last write
		// let it go to its waiting busy handler, which polls it).
		for before := batches(); batches() < before+2; time.Sleep(time.Millisecond) {
		}
		before := batches()
		start := time.Now()
		err := s.CreateSubscription(ctx, sub)
		d := time.Since(start)
		took = append(took, d.Round(time.Millisecond))
		if err != nil {
			t.Fatalf("write %d beside a busy writer, after %s: %v", i, d, err)
		}
		if d > bound {
			t.Errorf("write %d beside a busy writer took %s (the busy writer committed %d transactions meanwhile), want at most %s", i, d, batches()-before, bound)
		}
	}
	t.Logf("the newcomer's writes took %v; the busy writer committed %d transactions in all", took, batches())
}

// A writer at the turnstile whose holder does not beat (a process stopped
// with Ctrl-Z while it waited for the lock) goes on without it after
// turnStale, and the next writes do not wait for that holder again.
func TestListenstartStoppedTurnstileHolder(t *testing.T) {
	old := turnStale
	turnStale = 300 * time.Millisecond
	t.Cleanup(func() { turnStale = old })
	s := openTemp(t)
	defer s.Close()
	if s.turns == nil || s.turns.f == nil {
		t.Skip("no turnstile here")
	}
	f, err := os.Open(turnstilePath(s.path))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 3 {
		sub := &store.Subscription{ID: fmt.Sprintf("sub_%d", i), CallbackURL: "http://127.0.0.1:1/x", Events: []string{"card.created"}, Status: store.StatusEnabled}
		start := time.Now()
		if err := s.CreateSubscription(ctx, sub); err != nil {
			t.Fatal(err)
		}
		d := time.Since(start)
		switch {
		case i == 0 && d < turnStale:
			t.Errorf("the first write went on after %s, before turnStale (%s): it did not wait its turn", d, turnStale)
		case i > 0 && d >= turnStale:
			t.Errorf("write %d waited %s again for the stopped holder", i, d)
		}
	}
	// Its holder beats again: it is waited for again.
	beatTurn(s.turns.f)
	done := make(chan error, 1)
	go func() {
		done <- s.CreateSubscription(ctx, &store.Subscription{ID: "sub_late", CallbackURL: "http://127.0.0.1:1/x", Events: []string{"card.created"}, Status: store.StatusEnabled})
	}()
	select {
	case err := <-done:
		t.Fatalf("a write went past a holder that beats again: %v", err)
	case <-time.After(turnStale / 3):
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the write did not go on once the turnstile was let go")
	}
}

// A turnstile file that is not the store owner's (another user's, made
// beforehand in a shared directory, who could hold it to stall the
// store's writers) is not used: writes go on as before.
func TestListenstartForeignTurnstileIgnored(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the file another owner")
	}
	path := t.TempDir() + "/hookctl.db"
	if err := os.WriteFile(turnstilePath(path), nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(turnstilePath(path), 4242, 4242); err != nil {
		t.Fatal(err)
	}
	s, err := OpenStore(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.turns.f != nil {
		t.Fatal("the store uses a turnstile file of another user")
	}
	if err := s.CreateSubscription(context.Background(), &store.Subscription{ID: "s", CallbackURL: "http://127.0.0.1:1/x", Events: []string{"card.created"}, Status: store.StatusEnabled}); err != nil {
		t.Fatal(err)
	}
}

// The turnstile gets the store file's modes (as SQLite gives its -wal
// and -shm): private for a private store; a store its group may write
// shares it with the group, whose members' writers take turns too.
func TestListenstartTurnstileModes(t *testing.T) {
	s := openTemp(t)
	path := s.path
	s.Close()
	for _, mode := range []os.FileMode{0o600, 0o660} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		os.Remove(turnstilePath(path))
		s, err := OpenStore(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(turnstilePath(path))
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("store mode %04o: turnstile mode %04o, want the same", mode, fi.Mode().Perm())
		}
	}
}

// BenchmarkListenstartTwoBusyWriters is two stores on one file (two
// processes' writers) each committing small transactions back to back:
// the transactions both commit per second in all (ns/op per
// transaction), and how they share the lock. With turns, each hand-over
// costs the waiter's poll of SQLite's lock.
func BenchmarkListenstartTwoBusyWriters(b *testing.B) {
	path := b.TempDir() + "/hookctl.db"
	var stores [2]*Store
	for i := range stores {
		s, err := OpenStore(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	var counts [2]atomic.Int64
	var left atomic.Int64
	left.Store(int64(b.N))
	b.ResetTimer()
	done := make(chan struct{}, 2)
	for i, s := range stores {
		go func() {
			defer func() { done <- struct{}{} }()
			for left.Add(-1) >= 0 {
				if err := s.withTx(context.Background(), func(tx *sql.Tx) error {
					_, err := tx.Exec(`INSERT INTO objects (kind, id, created_at, updated_at) VALUES ('bench', ?, 0, 0)`, fmt.Sprintf("%d-%d", i, counts[i].Load()))
					return err
				}); err != nil {
					b.Error(err)
					return
				}
				counts[i].Add(1)
			}
		}()
	}
	<-done
	<-done
	b.ReportMetric(float64(min(counts[0].Load(), counts[1].Load()))/float64(b.N), "minshare")
}
