package delivery

import (
	"fmt"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestTailBulkReplayInPlacePostgres: PostgreSQL's replay --failed leases
// a failed delivery in place (it stays failed until its attempt is
// recorded), so the tail reads its requeue log entry before the attempt
// exists. Each such delivery is followed until its attempt: every one of
// a bulk replay larger than MaxDone (the bounded re-read of settled
// deliveries, which lost the oldest) is shown once. One whose attempt
// never comes is followed no longer than requeueGrace.
func TestTailBulkReplayInPlacePostgres(t *testing.T) {
	t.Parallel()
	db, err := postgres.OpenDB(t.Context(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := newTailFixtureOn(t, db)
	const n = 6
	var ids []string
	for i := range n {
		id := f.deliver(fmt.Sprintf("card.b%d", i), "", 1)
		f.attempt(id, 500, store.DeliveryFailed)
		ids = append(ids, id)
	}
	tl := f.tailer(func(tl *Tailer) { tl.Lines = 0; tl.MaxDone = 2; tl.Recheck = time.Nanosecond })
	wantItems(t, "nothing", f.step(tl))

	const owner = "replayer"
	ds, _, _, err := db.RequeueMatching(f.ctx, store.DeliveryFilter{Status: store.DeliveryFailed}, 100,
		store.Requeue{ExtraAttempts: 1, Now: time.Now()}, owner, time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != n {
		t.Fatalf("requeued %d deliveries, want %d", len(ds), n)
	}
	for _, d := range ds {
		if d.Status != store.DeliveryFailed {
			t.Fatalf("delivery %s requeued %s, want leased in place (failed)", d.ID, d.Status)
		}
	}
	wantItems(t, "leased in place, no attempt yet", f.step(tl))
	wantItems(t, "still none", f.step(tl))

	var want []string
	for i, id := range ids[:n-1] {
		a := &store.Attempt{DeliveryID: id, Number: 2, StartedAt: time.Now(), Duration: time.Millisecond,
			RequestURL: f.sub.CallbackURL, RequestMethod: "POST", ResponseStatus: 200}
		if err := db.RecordAttempt(f.ctx, owner, a, store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}); err != nil {
			t.Fatal(err)
		}
		want = append(want, fmt.Sprintf("card.b%d #2 200 succeeded", i))
	}
	wantItems(t, "every replayed attempt", f.step(tl), want...)
	wantItems(t, "once", f.step(tl))

	// The last one's attempt never comes: followed for requeueGrace.
	last := ids[n-1]
	w := tl.watch[last]
	if w == nil || len(tl.watch) != 1 {
		t.Fatalf("following %d deliveries, want only the unsent one", len(tl.watch))
	}
	w.requeued, w.next = time.Now().Add(-requeueGrace), time.Time{}
	wantItems(t, "grace over", f.step(tl))
	if len(tl.watch) != 0 {
		t.Errorf("still following %d deliveries after the grace", len(tl.watch))
	}
}

// TestTailFollowedThenLeasedInPlacePostgres: a pending delivery the tail
// follows, waiting for a retry an hour away, fails meanwhile and a
// replay --failed leases it in place before the tail read it again: the
// tail reports the failure, then the replay's attempt, with no re-read of
// the settled deliveries (Recheck an hour) to find it.
func TestTailFollowedThenLeasedInPlacePostgres(t *testing.T) {
	db, err := postgres.OpenDB(t.Context(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := newTailFixtureOn(t, db)
	tl := f.tailer(func(tl *Tailer) { tl.Lines = 0; tl.Recheck = time.Hour })
	id := f.deliver("card.w", "", 2)
	wantItems(t, "new", f.step(tl), "card.w delivery sent")
	f.retryAt(id, time.Now().Add(time.Hour))
	wantItems(t, "its first attempt", f.step(tl), "card.w #1 500 pending")
	f.attempt(id, 500, store.DeliveryFailed)

	const owner = "replayer"
	ds, _, _, err := db.RequeueMatching(f.ctx, store.DeliveryFilter{Status: store.DeliveryFailed}, 100,
		store.Requeue{ExtraAttempts: 1, Now: time.Now()}, owner, time.Now().Add(time.Minute))
	if err != nil || len(ds) != 1 || ds[0].Status != store.DeliveryFailed {
		t.Fatalf("requeue in place: %v %v", ds, err)
	}
	wantItems(t, "requeued: read at the tick that reads its requeue", f.step(tl), "card.w #2 500 failed")
	wantItems(t, "its attempt not made yet", f.step(tl))
	a := &store.Attempt{DeliveryID: id, Number: 3, StartedAt: time.Now(), Duration: time.Millisecond,
		RequestURL: f.sub.CallbackURL, RequestMethod: "POST", ResponseStatus: 200}
	if err := db.RecordAttempt(f.ctx, owner, a, store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}); err != nil {
		t.Fatal(err)
	}
	wantItems(t, "the replay's attempt", f.step(tl), "card.w #3 200 succeeded")
	wantItems(t, "once", f.step(tl))
}
