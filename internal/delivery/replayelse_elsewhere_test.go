package delivery

import (
	"context"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// A replay's deliveries had attempts before it: the first result seen of
// each is where its run started, so Before reads nothing for it (the
// attempts before it are not another process's of this run), then reads
// nothing while the replay's own attempts follow each other; Rest passes
// over a delivery of the run never attempted here.
func TestReplayelseElsewhereStartsAtTheReplaysFirstAttempt(t *testing.T) {
	ctx := context.Background()
	x := &Elsewhere{Replay: true} // no Store: a read would panic
	p := &store.Delivery{ID: "d1", Seq: 1, Status: store.DeliveryPending}
	if got := x.Before(ctx, Result{Delivery: p, Attempt: &store.Attempt{Number: 5}}); got != nil {
		t.Fatalf("first attempt of the replay: %v", got)
	}
	f := &store.Delivery{ID: "d1", Seq: 1, Status: store.DeliveryFailed}
	if got := x.Before(ctx, Result{Delivery: f, Attempt: &store.Attempt{Number: 6}, Final: true}); got != nil {
		t.Fatalf("the replay's next attempt: %v", got)
	}
	// A second delivery, final at once after 3 attempts before the replay.
	s := &store.Delivery{ID: "d2", Seq: 2, Status: store.DeliverySucceeded}
	if got := x.Before(ctx, Result{Delivery: s, Attempt: &store.Attempt{Number: 4}, Final: true}); got != nil {
		t.Fatalf("final at once: %v", got)
	}
	if err := x.Rest(ctx, 2, func(Result) { t.Fatal("Rest printed") }); err != nil {
		t.Fatal(err)
	}
}
