package delivery

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// The owned queue of an engine that is never quite idle (a steady
// hand-over, serve's or trigger's: one delivery always waiting for a
// worker) reuses the room of what it dispatched: its backing array stays
// the size of the backlog, not of every delivery handed over since the
// queue was last empty (found by bench/soak.sh's reading of the code: it
// grew by a slot per delivery for as long as the queue never emptied).
func TestOwnedQueueStaysCompact(t *testing.T) {
	e := New(newMemStore(), Config{})
	e.init()
	e.running.Store(true)
	work := make(chan job, 1)
	far := time.Now().Add(time.Hour)
	mk := func(i int) job { return job{d: &store.Delivery{ID: strconv.Itoa(i), LeaseExpiresAt: far}} }
	e.hand([]job{mk(0)})
	const n = 100_000
	for i := 1; i <= n; i++ {
		e.hand([]job{mk(i)})
		if got := e.dispatchOwned(work, 1); got != 1 {
			t.Fatalf("dispatch %d: handed %d jobs, want 1", i, got)
		}
		if j := <-work; j.d.ID != strconv.Itoa(i-1) {
			t.Fatalf("dispatch %d: got delivery %s, want %d (first in, first out)", i, j.d.ID, i-1)
		}
	}
	e.ownedMu.Lock()
	queued, room := len(e.owned)-e.ownedHead, cap(e.owned)
	e.ownedMu.Unlock()
	if queued != 1 {
		t.Fatalf("%d queued, want 1", queued)
	}
	if room > 4096 {
		t.Fatalf("the owned queue's array holds %d slots for 1 queued delivery after %d hand-overs: it grows with every delivery", room, n)
	}
}

// Enqueue hands at most maxOwned deliveries to the workers' queue: when
// the receivers are slower than the producer (serve's API has no back-
// pressure; a receiver that hangs), the rest are written free, due now,
// and claimed as the workers catch up, instead of waiting in memory with
// their events' payloads (the soak's serve, its receiver taking 2 s an
// answer: RSS 23 -> 90 MB in 90 s at 100 messages/s, growing for as long
// as that lasted). A manual delivery is always handed over.
func TestEnqueueBacklogLeftToClaims(t *testing.T) {
	ms := newMemStore()
	e := New(ms, Config{Concurrency: 8})
	e.init()
	e.running.Store(true) // Run is busy: nothing leaves the queue
	ctx := context.Background()
	const n = 5000
	for i := range n {
		ev := &store.Event{ID: "evt_" + strconv.Itoa(i), Type: "card.created", Payload: []byte(`{"pad":"` + strings.Repeat("x", 2000) + `"}`)}
		if err := e.Enqueue(ctx, []*store.Event{ev}, [][]*store.Delivery{{{URL: "http://app", MaxAttempts: 3, Status: store.DeliveryPending}}}); err != nil {
			t.Fatal(err)
		}
	}
	queued := e.ownedLen()
	if queued > e.maxOwned() {
		t.Fatalf("%d deliveries wait in memory for a worker, want at most %d (the rest left to claims)", queued, e.maxOwned())
	}
	if queued == 0 {
		t.Fatal("nothing was handed over")
	}
	// The rest are in the outbox, free and due: a claim takes them.
	free, err := ms.ClaimDue(ctx, "other", e.Now(), time.Minute, n, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(free)+queued != n {
		t.Fatalf("%d handed over + %d claimable = %d, want %d", queued, len(free), queued+len(free), n)
	}
	// A manual delivery (a resend from the inspector) still goes straight
	// to the workers, queue full or not.
	ev := &store.Event{ID: "evt_manual", Type: "card.created", Payload: []byte(`{}`)}
	if err := e.EnqueueManual(ctx, []*store.Event{ev}, [][]*store.Delivery{{{URL: "http://app", MaxAttempts: 1}}}); err != nil {
		t.Fatal(err)
	}
	if got := e.ownedLen(); got != queued+1 {
		t.Fatalf("after a manual resend %d queued, want %d", got, queued+1)
	}
}
