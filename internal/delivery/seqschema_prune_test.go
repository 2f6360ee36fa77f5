package delivery

import (
	"fmt"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// TestSeqschemaPruneOfAllReadSQLite: store prune deleted every delivery
// the tail had read (more than it remembered, 1,000) and kept an older
// one (pending); the deliveries made next are dated before the one at
// the tail's cursor (an import of a dump, another writer's clock): the
// tail reports each of them, filtered or not, and nothing twice. Before
// (SQLite gave the deleted Seqs again, schema 10), the tail knew none of
// the deliveries left by ID, fell back on creation times, found no
// delivery created after its cursor's and went on from the newest: both
// were never reported.
func TestSeqschemaPruneOfAllReadSQLite(t *testing.T) {
	t.Parallel()
	f := newTailFixture(t)
	f.deliver("card.kept", "", 1) // pending: prune keeps it
	const n = 1005
	evs := make([]*store.Event, n)
	dss := make([][]*store.Delivery, n)
	for i := range evs {
		evs[i] = &store.Event{ID: fmt.Sprintf("evt_bulk_%04d", i), Type: "card.old", Provider: "standard", Payload: []byte(`{}`), Source: store.SourceTriggered}
		d := Plan{Schedule: Schedule{0}}.NewDelivery(f.sub, time.Now())
		d.Status, d.NextAttemptAt, d.AttemptCount = store.DeliverySucceeded, time.Time{}, 1
		dss[i] = []*store.Delivery{d}
	}
	if err := f.st.(store.BatchCreator).CreateEvents(f.ctx, evs, dss); err != nil {
		t.Fatal(err)
	}
	tl := f.tailer(func(tl *Tailer) { tl.Lines = 0 })
	cards := f.tailer(func(tl *Tailer) { tl.Lines = 0; tl.EventPattern = "card.*" })
	wantItems(t, "idle", f.step(tl))
	wantItems(t, "idle, filtered", f.step(cards))
	p := f.st.(store.Pruner)
	if c, err := p.Prune(f.ctx, time.Now().Add(time.Second), 0, false); err != nil || c.Deliveries != n {
		t.Fatalf("prune: %+v %v, want %d deliveries deleted", c, err, n)
	}
	for _, typ := range []string{"card.back", "card.again"} {
		ev := &store.Event{ID: "evt_" + typ, Type: typ, Provider: "standard", Payload: []byte(`{}`), Source: store.SourceTriggered}
		d := Plan{Schedule: Schedule{0}}.NewDelivery(f.sub, time.Now())
		d.CreatedAt = time.Now().Add(-time.Hour) // before the one at the cursor
		if err := Enqueue(f.ctx, f.st, ev, []*store.Delivery{d}); err != nil {
			t.Fatal(err)
		}
	}
	wantItems(t, "after the prune", f.step(tl), "card.back delivery sent", "card.again delivery sent")
	wantItems(t, "after the prune, filtered", f.step(cards), "card.back delivery sent", "card.again delivery sent")
	wantItems(t, "once", f.step(tl))
	wantItems(t, "once, filtered", f.step(cards))
	f.deliver("card.next", "", 1)
	wantItems(t, "then", f.step(tl), "card.next delivery sent")
	wantItems(t, "then, filtered", f.step(cards), "card.next delivery sent")
}
