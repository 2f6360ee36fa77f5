package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// RunPruneLate checks that a prune deleting a delivery stored late (listed
// in deliveries_late: SQLite schema 15, PostgreSQL 18) deletes its entry
// there too, in the same transaction, and keeps the entry of a late
// delivery it keeps. Before, the entries of pruned deliveries stayed: the
// inspector's time range kept widening its seq range to deliveries that
// were gone. late reads the seqs listed in deliveries_late (each store's
// test reads its own table), in seq order.
func RunPruneLate(t *testing.T, s store.Store, late func(t *testing.T) []int64) {
	ctx := context.Background()
	p, ok := s.(store.Pruner)
	if !ok {
		t.Fatalf("%T does not implement store.Pruner", s)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	// A delivery stored now, then two stored afterwards but created long
	// before it (store import of an older store's history): both late.
	fresh := newEvent("evt-pgidx-fresh", "card.created")
	fresh.CreatedAt = now
	fd := newDelivery("http://127.0.0.1:1/fresh")
	fd.CreatedAt, fd.UpdatedAt, fd.Status, fd.AttemptCount = now, now, store.DeliverySucceeded, 1
	must(t, s.CreateEvent(ctx, fresh, []*store.Delivery{fd}))
	for _, im := range []struct {
		id string
		at time.Time
	}{{"old", now.Add(-48 * time.Hour)}, {"recent", now.Add(-time.Hour)}} { // the recent one's seq the higher
		id, at := im.id, im.at
		e := newEvent("evt-pgidx-"+id, "card.created")
		e.CreatedAt = at
		d := newDelivery("http://127.0.0.1:1/late")
		d.ID, d.EventID, d.CreatedAt, d.UpdatedAt, d.Status, d.AttemptCount = "d-pgidx-"+id, e.ID, at, at, store.DeliverySucceeded, 1
		must(t, s.Import(ctx, store.Record{Event: e}))
		must(t, s.Import(ctx, store.Record{Delivery: d}))
	}
	before := late(t)
	if len(before) != 2 {
		t.Fatalf("deliveries listed late before the prune: %v, want the 2 imported ones", before)
	}
	// The prune takes the event of two days ago (and its delivery), not
	// the one of an hour ago.
	c, err := p.Prune(ctx, now.Add(-24*time.Hour), 0, false)
	must(t, err)
	if c.Events != 1 || c.Deliveries != 1 {
		t.Fatalf("prune: %+v, want 1 event and 1 delivery", c)
	}
	after := late(t)
	if len(after) != 1 || after[0] != before[1] {
		t.Errorf("deliveries listed late after the prune: %v, want only the kept one's (%d) of %v", after, before[1], before)
	}
	// Pruning the rest empties the list.
	_, err = p.Prune(ctx, now.Add(time.Hour), 0, false)
	must(t, err)
	if got := late(t); len(got) != 0 {
		t.Errorf("deliveries listed late once every delivery was pruned: %v, want none", got)
	}
}
