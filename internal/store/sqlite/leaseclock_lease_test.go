//go:build unix

package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// leaseclockStores opens two Stores on one file (two processes' views:
// each holds its own owners' locks) with one due delivery, and gives the
// second a fake monotonic clock.
func leaseclockStores(t *testing.T) (a, b *Store, mono *time.Duration, id string) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hookctl.db")
	a, err := OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	b, err = OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	mono = new(time.Duration)
	*mono = time.Hour
	b.locks.mono = func() time.Duration { return *mono }
	d := &store.Delivery{URL: "http://127.0.0.1:1/", MaxAttempts: 1}
	if err := a.CreateEvent(ctx, &store.Event{ID: "evt_clock", Type: "x", Payload: []byte(`{}`)}, []*store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	return a, b, mono, d.ID
}

func claimN(t *testing.T, s *Store, owner string, now time.Time, lease time.Duration) int {
	t.Helper()
	got, err := s.ClaimDue(context.Background(), owner, now, lease, 10, "")
	if err != nil {
		t.Fatal(err)
	}
	return len(got)
}

// TestLeaseclockLiveOwnerAfterClockStep: a live owner's lease (its lock
// held) is not taken by a process whose wall clock stepped an hour
// forward; it is once that process has seen it expired and not renewed
// for a whole lease on its monotonic clock (an owner stopped with
// SIGSTOP); a renewal meanwhile starts that wait again.
func TestLeaseclockLiveOwnerAfterClockStep(t *testing.T) {
	a, b, mono, id := leaseclockStores(t)
	ctx := context.Background()
	now := time.Now()
	const lease = 2 * time.Second
	if n := claimN(t, a, "owner-a", now, lease); n != 1 {
		t.Fatalf("owner claimed %d", n)
	}
	stepped := now.Add(time.Hour)
	if n := claimN(t, b, "owner-b", stepped, lease); n != 0 {
		t.Fatalf("a live owner's lease was taken by a clock an hour ahead (%d)", n)
	}
	*mono += lease / 2
	if n := claimN(t, b, "owner-b", stepped, lease); n != 0 {
		t.Fatalf("taken after half a lease (%d)", n)
	}
	// The owner renews (its heartbeat): the wait starts again.
	if got, err := a.ExtendLeases(ctx, "owner-a", []string{id}, now.Add(lease+time.Second)); err != nil || len(got) != 1 {
		t.Fatalf("renew: %v %v", got, err)
	}
	*mono += lease / 2
	if n := claimN(t, b, "owner-b", stepped, lease); n != 0 {
		t.Fatalf("taken a whole lease after the first sighting, though renewed since (%d)", n)
	}
	*mono += lease
	if n := claimN(t, b, "owner-b", stepped, lease); n != 1 {
		t.Fatalf("a lease not renewed for a whole lease was not taken over (%d)", n)
	}
	if d, err := b.GetDelivery(ctx, id); err != nil || d.LeaseOwner != "owner-b" {
		t.Fatalf("after the takeover: %+v %v", d, err)
	}
}

// TestLeaseclockDeadOwnerAtOnce: the lease of an owner whose lock is free
// (its process was killed: the lock file stays, unlocked) is taken over at
// once, before it expires, and its lock file is removed once it holds
// nothing; an owner without a lock file keeps the wall-clock rule.
func TestLeaseclockDeadOwnerAtOnce(t *testing.T) {
	a, b, _, id := leaseclockStores(t)
	now := time.Now()
	if n := claimN(t, a, "owner-a", now, time.Minute); n != 1 {
		t.Fatalf("owner claimed %d", n)
	}
	lockFile := filepath.Join(a.locks.dir, lockName("owner-a"))
	if _, err := os.Stat(lockFile); err != nil {
		t.Fatalf("no lock file for the owner: %v", err)
	}
	// kill -9: the descriptor is closed, the file stays.
	a.locks.mu.Lock()
	a.locks.mine["owner-a"].f.Close()
	delete(a.locks.mine, "owner-a")
	a.locks.mu.Unlock()
	if n := claimN(t, b, "owner-b", now, time.Minute); n != 1 {
		t.Fatalf("a dead owner's unexpired lease was not taken over at once (%d)", n)
	}
	if _, err := os.Stat(lockFile); !os.IsNotExist(err) {
		t.Errorf("the dead owner's lock file is left: %v", err)
	}
	// No lock file (an older hookctl): its lease until it expires.
	if _, err := b.w.Exec(`UPDATE deliveries SET lease_owner = 'old-hookctl', lease_expires_at = ? WHERE id = ?`,
		now.Add(time.Minute).UnixMicro(), id); err != nil {
		t.Fatal(err)
	}
	if n := claimN(t, b, "owner-b", now, time.Minute); n != 0 {
		t.Fatalf("an unexpired lease without a lock file was taken (%d)", n)
	}
	if n := claimN(t, b, "owner-b", now.Add(2*time.Minute), time.Minute); n != 1 {
		t.Fatalf("an expired lease without a lock file was not taken (%d)", n)
	}
}

// TestLeaseclockReplayLeavesLiveOwner: a replay (Requeue, Unheld) by a
// process whose clock stepped forward leaves a live owner's delivery to
// it; a dead owner's it requeues, expired or not.
func TestLeaseclockReplayLeavesLiveOwner(t *testing.T) {
	a, b, _, id := leaseclockStores(t)
	ctx := context.Background()
	now := time.Now()
	if n := claimN(t, a, "owner-a", now, time.Minute); n != 1 {
		t.Fatalf("owner claimed %d", n)
	}
	rq := store.Requeue{Unheld: true, ExtraAttempts: 1, Now: now.Add(time.Hour)}
	if got, err := b.Requeue(ctx, []string{id}, rq); err != nil || len(got) != 0 {
		t.Fatalf("a live owner's delivery was requeued by a clock an hour ahead: %v %v", got, err)
	}
	a.locks.close() // the owner is gone
	a.locks.dir = ""
	if err := os.MkdirAll(b.locks.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.locks.dir, lockName("owner-a")), nil, 0o600); err != nil {
		t.Fatal(err) // its lock file left behind, unlocked (kill -9)
	}
	rq.Now = now
	if got, err := b.Requeue(ctx, []string{id}, rq); err != nil || len(got) != 1 {
		t.Fatalf("a dead owner's delivery was not requeued: %v %v", got, err)
	}
}

// TestLeaseclockNoLockAfterClose: an engine still claiming after its
// Store was closed (its goroutine not stopped yet) leaves no lock file
// behind (a test's TempDir could not be removed: "directory not empty").
func TestLeaseclockNoLockAfterClose(t *testing.T) {
	a, _, _, _ := leaseclockStores(t)
	a.Close()
	a.locks.hold("late-owner")
	if _, err := os.Stat(filepath.Join(a.locks.dir, lockName("late-owner"))); !os.IsNotExist(err) {
		t.Fatalf("a lock file was made after Close: %v", err)
	}
}
