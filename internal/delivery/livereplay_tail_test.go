package delivery

import (
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// replay requeues a settled delivery as `hookctl replay ID` does, with
// room for extra attempts (and a schedule of as many, as replay's).
func (f *tailFixture) replay(id string, extra int) {
	f.t.Helper()
	sch := make(Schedule, extra)
	got, err := f.st.Requeue(f.ctx, []string{id}, store.Requeue{ExtraAttempts: extra, Schedule: sch.String(), Force: true, Now: time.Now()})
	if err != nil || len(got) != 1 {
		f.t.Fatalf("requeue %s: %v %v", id, got, err)
	}
}

// TestTailShowsReplayOfSettled: a replay adds attempts to a delivery the
// tail reported settled (its Seq does not change): the tail reports them,
// once each and in order — a replay followed tick by tick with its retry,
// one that was over between two reads, one of a delivery first reported
// as new — and nothing more after.
func TestTailShowsReplayOfSettled(t *testing.T) {
	f := newTailFixture(t)
	old := f.deliver("card.old", "", 1)
	f.attempt(old, 500, store.DeliveryFailed)
	tl := f.tailer(nil)
	wantItems(t, "backlog", f.got, "card.old delivery sent", "card.old #1 500 failed")
	wantItems(t, "nothing new", f.step(tl))

	f.replay(old, 2)
	wantItems(t, "requeued", f.step(tl))
	f.attempt(old, 500, store.DeliveryPending)
	wantItems(t, "replay's attempt", f.step(tl), "card.old #2 500 pending")
	f.attempt(old, 200, store.DeliverySucceeded)
	wantItems(t, "its retry", f.step(tl), "card.old #3 200 succeeded")
	wantItems(t, "after", f.step(tl))
	wantItems(t, "after", f.step(tl))

	// Over between two reads: both attempts, in order.
	f.replay(old, 2)
	f.attempt(old, 503, store.DeliveryPending)
	f.attempt(old, 200, store.DeliverySucceeded)
	wantItems(t, "replay between reads", f.step(tl), "card.old #4 503 pending", "card.old #5 200 succeeded")
	wantItems(t, "after", f.step(tl))

	// A delivery reported as new, failed, then replayed.
	id := f.deliver("card.new", "", 1)
	wantItems(t, "new", f.step(tl), "card.new delivery sent")
	f.attempt(id, 500, store.DeliveryFailed)
	wantItems(t, "failed", f.step(tl), "card.new #1 500 failed")
	f.replay(id, 1)
	f.attempt(id, 200, store.DeliverySucceeded)
	wantItems(t, "replayed", f.step(tl), "card.new #2 200 succeeded")
	wantItems(t, "after", f.step(tl))
}

// TestTailReplayStatusFilterAndBound: with --status failed a replay that
// succeeded is not reported and one that failed is, without the earlier
// one's attempt. On a store without a requeue log, beyond MaxDone the
// oldest reported is not re-read and the re-reads wait for Recheck; with
// one (SQLite's), both replays are reported at the next tick.
func TestTailReplayStatusFilterAndBound(t *testing.T) {
	f := newTailFixture(t)
	id := f.deliver("card.failing", "", 1)
	f.attempt(id, 500, store.DeliveryFailed)
	tl := f.tailer(func(tl *Tailer) { tl.Status = store.DeliveryFailed })
	wantItems(t, "backlog", f.got, "card.failing delivery sent", "card.failing #1 500 failed")
	f.replay(id, 1)
	f.attempt(id, 200, store.DeliverySucceeded)
	wantItems(t, "succeeded", f.step(tl))
	wantItems(t, "after", f.step(tl))
	f.replay(id, 1)
	f.attempt(id, 500, store.DeliveryFailed)
	wantItems(t, "failed again", f.step(tl), "card.failing #3 500 failed")

	f2 := newTailFixture(t)
	a := f2.deliver("card.a", "", 1)
	f2.attempt(a, 500, store.DeliveryFailed)
	b := f2.deliver("card.b", "", 1)
	f2.attempt(b, 500, store.DeliveryFailed)
	logged := f2.tailer(func(tl *Tailer) { tl.MaxDone = 1; tl.Recheck = time.Hour })
	tl = f2.tailer(func(tl *Tailer) {
		tl.MaxDone = 1
		tl.Recheck = time.Hour
		// No requeue log: the store's other methods only.
		tl.Store, tl.Insp = struct{ store.Store }{f2.st}, struct{ store.Inspector }{f2.st.(store.Inspector)}
	})
	if tl.done.len() != 1 {
		t.Fatalf("keeping %d settled deliveries, want 1", tl.done.len())
	}
	f2.replay(a, 1)
	f2.attempt(a, 200, store.DeliverySucceeded)
	f2.replay(b, 1)
	f2.attempt(b, 200, store.DeliverySucceeded)
	wantItems(t, "first tick re-reads", f2.step(tl), "card.b #2 200 succeeded")
	wantItems(t, "from the requeue log", f2.step(logged), "card.a #2 200 succeeded", "card.b #2 200 succeeded")
	f2.replay(b, 1)
	f2.attempt(b, 500, store.DeliveryFailed)
	wantItems(t, "before Recheck", f2.step(tl))
	wantItems(t, "from the requeue log", f2.step(logged), "card.b #3 500 failed")
	tl.checked = time.Time{}
	wantItems(t, "at Recheck", f2.step(tl), "card.b #3 500 failed")
}

// TestTailReplayFailedStepLosesNothing: a tick that failed after it read
// a replay's attempt is undone: the next shows it, once.
func TestTailReplayFailedStepLosesNothing(t *testing.T) {
	f := newTailFixture(t)
	insp := &flakyInspector{Inspector: f.st.(store.Inspector)}
	id := f.deliver("card.created", "", 1)
	f.attempt(id, 500, store.DeliveryFailed)
	tl := f.tailer(func(tl *Tailer) { tl.Insp = insp })
	f.replay(id, 2)
	f.attempt(id, 500, store.DeliveryPending)
	insp.fail.Store(true)
	if _, err := tl.step(f.ctx); err == nil {
		t.Fatal("step: no error")
	}
	insp.fail.Store(false)
	wantItems(t, "after the failed tick", f.step(tl), "card.created #2 500 pending")
	f.attempt(id, 200, store.DeliverySucceeded)
	wantItems(t, "then", f.step(tl), "card.created #3 200 succeeded")
	wantItems(t, "then", f.step(tl))
}
