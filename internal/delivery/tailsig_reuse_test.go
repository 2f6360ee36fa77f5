package delivery

import (
	"context"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// TestTailsigReuseByIDSQLite: store prune deleted the newest deliveries
// and kept an older one (pending); the next delivery takes the Seq above
// it, and its creation time is older than that of the delivery at the
// tail's cursor (another writer's clock, an import): the tail reports it,
// as it knows the kept one by ID. Before, it looked for the first
// delivery created after the one at its cursor, found none, and went on
// from the newest: the delivery was never reported.
func TestTailsigReuseByIDSQLite(t *testing.T) {
	f := newTailFixture(t)
	f.deliver("card.kept", "", 1) // pending: prune keeps it
	var old []string
	for range 3 {
		old = append(old, f.deliver("card.old", "", 1))
	}
	for _, id := range old {
		f.attempt(id, 200, store.DeliverySucceeded)
	}
	tl := f.tailer(func(tl *Tailer) { tl.Lines = 0 })
	cards := f.tailer(func(tl *Tailer) { tl.Lines = 0; tl.EventPattern = "card.*" })
	wantItems(t, "idle", f.step(tl))
	wantItems(t, "idle, filtered", f.step(cards))
	p := f.st.(interface {
		Prune(ctx context.Context, before time.Time, limit int, dryRun bool) (store.PruneCounts, error)
	})
	if c, err := p.Prune(f.ctx, time.Now().Add(time.Second), 0, false); err != nil || c.Deliveries != 3 {
		t.Fatalf("prune: %+v %v", c, err)
	}
	ev := &store.Event{ID: "evt_back", Type: "card.back", Provider: "standard", Payload: []byte(`{}`), Source: store.SourceTriggered}
	d := Plan{Schedule: Schedule{0}}.NewDelivery(f.sub, time.Now())
	d.CreatedAt = time.Now().Add(-time.Hour) // before the one at the cursor
	if err := Enqueue(f.ctx, f.st, ev, []*store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	wantItems(t, "after the prune", f.step(tl), "card.back delivery sent")
	wantItems(t, "after the prune, filtered", f.step(cards), "card.back delivery sent")
	wantItems(t, "once", f.step(tl))
	wantItems(t, "once, filtered", f.step(cards))
	f.deliver("card.next", "", 1)
	wantItems(t, "then", f.step(tl), "card.next delivery sent")
	wantItems(t, "then, filtered", f.step(cards), "card.next delivery sent")
}
