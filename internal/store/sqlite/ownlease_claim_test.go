//go:build unix

package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// TestOwnleaseClaimLeavesOwnLiveLease: a claim does not take back its own
// owner's lease that has not ended, even when it ends further ahead than
// the lease the claim writes (the rule for a live owner whose clock is
// ahead). That happens when the claim read its clock before its engine
// wrote the lease (an Enqueue handing deliveries over, a heartbeat): the
// claim took the fresh hand-over back and its engine sent each delivery
// twice (TestEnqueueHandsOverLeased, race-built). One that ended is taken
// back.
func TestOwnleaseClaimLeavesOwnLiveLease(t *testing.T) {
	ctx := context.Background()
	s, err := OpenStore(ctx, filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	const owner, lease = "owner-a", 2 * time.Second
	s.holdLock(owner) // a running engine holds its lock (its first claim takes it)
	claimNow := time.Now()
	// Due before the claim read its clock (created then), leased by its
	// engine just after (its Enqueue read the clock later): the lease
	// ends 1 ms after the one the claim would write, and the claim's
	// query runs once the write committed.
	written := claimNow.Add(time.Millisecond)
	d := &store.Delivery{URL: "http://127.0.0.1:1/", MaxAttempts: 1, NextAttemptAt: claimNow.Add(-time.Millisecond),
		LeaseOwner: owner, LeaseExpiresAt: written.Add(lease)}
	if err := s.CreateEvent(ctx, &store.Event{ID: "evt_own", Type: "x", Payload: []byte(`{}`)}, []*store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	if n := claimN(t, s, owner, claimNow, lease); n != 0 {
		t.Fatalf("the claim took back its own owner's live lease (ending %v after the claim's): %d", time.Millisecond, n)
	}
	got, err := s.GetDelivery(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := written.Add(lease).Truncate(time.Microsecond); !got.LeaseExpiresAt.Equal(want) {
		t.Fatalf("the lease was rewritten: until %v, want %v", got.LeaseExpiresAt, want)
	}
	// Once it ended, the owner's claim takes it back.
	if n := claimN(t, s, owner, written.Add(lease), lease); n != 1 {
		t.Fatalf("the owner's own ended lease was not taken back: %d", n)
	}
}
