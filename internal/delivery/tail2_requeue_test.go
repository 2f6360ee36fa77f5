package delivery

import (
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// TestTailShowsReplayOfUnreported: a replay of a delivery the tail never
// reported (settled before it started, --lines 0) is shown from the
// store's requeue log: its replay's attempts once each, in order, one
// replay over within one tick too, within the filters; the attempts made
// before the requeue never are, and a delivery not replayed is not read.
func TestTailShowsReplayOfUnreported(t *testing.T) {
	f := newTailFixture(t)
	a := f.deliver("card.a", "", 1)
	f.attempt(a, 500, store.DeliveryFailed)
	b := f.deliver("payment.b", "", 1)
	f.attempt(b, 500, store.DeliveryFailed)
	c := f.deliver("card.c", "", 1)
	f.attempt(c, 500, store.DeliveryFailed)
	tl := f.tailer(func(tl *Tailer) { tl.Lines = 0 })
	cards := f.tailer(func(tl *Tailer) { tl.Lines = 0; tl.EventPattern = "card.*" })
	if tl.rq == nil {
		t.Fatal("the tail follows no requeue log on SQLite")
	}
	wantItems(t, "nothing", f.step(tl))

	// Followed tick by tick: requeued, its attempt, its retry.
	f.replay(a, 2)
	wantItems(t, "requeued", f.step(tl))
	f.attempt(a, 500, store.DeliveryPending)
	wantItems(t, "replay's attempt", f.step(tl), "card.a #2 500 pending")
	f.attempt(a, 200, store.DeliverySucceeded)
	wantItems(t, "its retry", f.step(tl), "card.a #3 200 succeeded")
	wantItems(t, "after", f.step(tl))

	// Over within one tick, and one filtered out.
	f.replay(b, 1)
	f.attempt(b, 200, store.DeliverySucceeded)
	f.replay(c, 1)
	f.attempt(c, 200, store.DeliverySucceeded)
	wantItems(t, "replays within a tick", f.step(tl), "payment.b #2 200 succeeded", "card.c #2 200 succeeded")
	wantItems(t, "after", f.step(tl))
	wantItems(t, "filtered", f.step(cards), "card.a #2 500 pending", "card.a #3 200 succeeded", "card.c #2 200 succeeded")
	wantItems(t, "after", f.step(cards))

	// --status failed: reported once it failed, not when it succeeded.
	failed := f.tailer(func(tl *Tailer) { tl.Lines = 0; tl.Status = store.DeliveryFailed })
	f.replay(a, 1)
	f.attempt(a, 500, store.DeliveryFailed)
	f.replay(b, 1)
	f.attempt(b, 200, store.DeliverySucceeded)
	wantItems(t, "--status failed", f.step(failed), "card.a #4 500 failed")
	wantItems(t, "after", f.step(failed))
	wantItems(t, "both", f.step(tl), "card.a #4 500 failed", "payment.b #3 200 succeeded")
}
