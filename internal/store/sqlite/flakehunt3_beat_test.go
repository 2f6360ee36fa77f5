//go:build unix

package sqlite

import (
	"context"
	"testing"
	"time"
)

// TestFlakehunt3LiveOwnerRenewalRefused: a live owner whose lease renewals
// the store refuses (the disk full: every process's writes fail, so no
// renewal can land) still beats: its heartbeat touches its lock file
// before it tries. Another process that has seen the lease expired for a
// whole lease does not take it while that beat goes on; it did, and once
// space was back its first claim took and sent again what the owner had
// sent and was about to record (TestFaulthuntServeAndUIDiskFullThenFreed:
// "2 events reached the receiver more than once"; the owner's record then
// found its lease lost). An owner that stops beating (stopped with
// SIGSTOP) still loses its lease a whole lease later.
func TestFlakehunt3LiveOwnerRenewalRefused(t *testing.T) {
	a, b, mono, id := leaseclockStores(t)
	now := time.Now()
	const lease = 2 * time.Second
	if n := claimN(t, a, "owner-a", now, lease); n != 1 {
		t.Fatalf("owner claimed %d", n)
	}
	// By the other process's clock the lease has expired (it lapsed: no
	// renewal could be written); it is seen so a first time.
	later := now.Add(lease + time.Second)
	if n := claimN(t, b, "owner-b", later, lease); n != 0 {
		t.Fatalf("a live owner's lease was taken at the first sighting (%d)", n)
	}
	// A whole lease on, the owner's heartbeats ran, and the store
	// refused every renewal (here: each ended before the store answered;
	// in TestFaulthuntServeAndUIDiskFullThenFreed, a full disk).
	for range 4 {
		*mono += lease / 4
		refused, cancel := context.WithCancel(context.Background())
		cancel()
		if got, err := a.ExtendLeases(refused, "owner-a", []string{id}, later.Add(lease)); err == nil {
			t.Fatalf("the renewal was not refused: %v", got)
		}
	}
	if n := claimN(t, b, "owner-b", later, lease); n != 0 {
		t.Fatalf("the lease of a live owner whose heartbeat beats (its renewals refused by the store) was taken over (%d)", n)
	}
	// The owner stops beating: a whole lease later its lease is taken.
	*mono += lease / 2
	if n := claimN(t, b, "owner-b", later, lease); n != 0 {
		t.Fatalf("taken half a lease after the last beat (%d)", n)
	}
	*mono += lease
	if n := claimN(t, b, "owner-b", later, lease); n != 1 {
		t.Fatalf("the lease of an owner that stopped beating was not taken over a whole lease later (%d)", n)
	}
}
