package delivery

import (
	"context"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// TestTailfixAfterPruneOfNewestSQLite: store prune deleted the newest
// deliveries, and SQLite gives their Seqs (at or below the tail's cursor)
// to the next ones: the tail still reports each of those once, also
// with a filter, and keeps following. Before, it read only above its
// cursor and reported nothing until the Seqs passed it.
func TestTailfixAfterPruneOfNewestSQLite(t *testing.T) {
	f := newTailFixture(t)
	tl := f.tailer(func(tl *Tailer) { tl.Lines = 0 })
	cards := f.tailer(func(tl *Tailer) { tl.Lines = 0; tl.EventPattern = "card.*" })
	var old []string
	for range 3 {
		old = append(old, f.deliver("card.old", "", 1))
	}
	wantItems(t, "the first ones", f.step(tl), "card.old delivery sent", "card.old delivery sent", "card.old delivery sent")
	wantItems(t, "the first ones, filtered", f.step(cards), "card.old delivery sent", "card.old delivery sent", "card.old delivery sent")
	for _, id := range old {
		f.attempt(id, 200, store.DeliverySucceeded)
	}
	f.step(tl)
	f.step(cards)
	wantItems(t, "idle", f.step(tl))
	// Settled: pruned (a pending one is kept).
	p := f.st.(interface {
		Prune(ctx context.Context, before time.Time, limit int, dryRun bool) (store.PruneCounts, error)
	})
	if c, err := p.Prune(f.ctx, time.Now().Add(time.Second), 0, false); err != nil || c.Deliveries != 3 {
		t.Fatalf("prune: %+v %v", c, err)
	}
	a := f.deliver("card.new", "", 1)
	f.deliver("payment.new", "", 1)
	wantItems(t, "after the prune", f.step(tl), "card.new delivery sent", "payment.new delivery sent")
	wantItems(t, "after the prune, filtered", f.step(cards), "card.new delivery sent")
	f.attempt(a, 200, store.DeliverySucceeded)
	wantItems(t, "its attempt", f.step(tl), "card.new #1 200 succeeded")
	wantItems(t, "its attempt, filtered", f.step(cards), "card.new #1 200 succeeded")
	f.deliver("card.next", "", 1)
	wantItems(t, "then", f.step(tl), "card.next delivery sent")
	wantItems(t, "then, filtered", f.step(cards), "card.next delivery sent")
	wantItems(t, "idle", f.step(tl))
	wantItems(t, "idle, filtered", f.step(cards))
}
