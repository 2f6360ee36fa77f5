package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/store"
)

// testEventSeqNeverReused: an event's seq is never given again, also once
// the events holding the highest seqs were deleted (store prune of
// old-dated events that were the newest in the log, a reset): events
// made after take seqs above every seq given before, whatever writes them
// (CreateEvent with or without deliveries, CreateEvents, an import). The
// inspector's live log follows the events without deliveries by seq from
// its event cursor and so finds them. SQLite gave the deleted seqs again
// (the rowid: the highest left plus one) before schema 12; PostgreSQL's
// identity never did.
func testEventSeqNeverReused(t *testing.T, s store.Store) {
	p, ok := s.(store.Pruner)
	if !ok {
		t.Skip("not a Pruner")
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	old := now.Add(-48 * time.Hour)
	mk := func(at time.Time) *store.Event {
		e := newEvent("evt_"+uuid.NewString(), "card.created")
		e.CreatedAt = at
		return e
	}
	seqOf := func(id string) int64 {
		t.Helper()
		evs, err := s.ListEvents(ctx, store.EventFilter{Limit: 1000, NoCounts: true})
		must(t, err)
		for _, e := range evs {
			if e.ID == id {
				return e.Seq
			}
		}
		t.Fatalf("event %s not listed", id)
		return 0
	}
	// A recent event with a pending delivery first (kept by every
	// prune), below the old-dated ones each round makes the newest of
	// the log and prunes.
	kept := mk(now)
	d := newDelivery("http://127.0.0.1:9/hook")
	d.CreatedAt = now
	must(t, s.CreateEvent(ctx, kept, []*store.Delivery{d}))
	var top int64
	var deleted []int64
	pruneNewest := func() {
		t.Helper()
		deleted = deleted[:0]
		for i := range 3 {
			e := mk(old)
			var ds []*store.Delivery
			if i == 1 {
				d := newDelivery("http://127.0.0.1:9/hook")
				d.CreatedAt, d.Status, d.NextAttemptAt = old, store.DeliveryFailed, time.Time{}
				ds = append(ds, d)
			}
			must(t, s.CreateEvent(ctx, e, ds))
			seq := seqOf(e.ID)
			deleted = append(deleted, seq)
			top = max(top, seq)
		}
		if c, err := p.Prune(ctx, now.Add(-time.Hour), 0, false); err != nil || c.Events != 3 {
			t.Fatalf("prune: %+v %v, want the 3 old events deleted", c, err)
		}
		if k := seqOf(kept.ID); k >= deleted[0] {
			t.Fatalf("the kept event's seq %d is not below the deleted ones %v", k, deleted)
		}
	}
	check := func(how string, id string) {
		t.Helper()
		if seq := seqOf(id); seq <= top {
			t.Errorf("%s: an event made after the newest were pruned took seq %d, not above %d, the highest given before (deleted: %v)", how, seq, top, deleted)
		} else {
			top = seq
		}
	}
	pruneNewest()
	e := mk(now)
	must(t, s.CreateEvent(ctx, e, nil))
	check("CreateEvent without deliveries", e.ID)
	pruneNewest()
	e = mk(now)
	d = newDelivery("http://127.0.0.1:9/hook")
	d.CreatedAt = now
	must(t, s.CreateEvent(ctx, e, []*store.Delivery{d}))
	check("CreateEvent with a delivery", e.ID)
	if bc, ok := s.(store.BatchCreator); ok {
		pruneNewest()
		e1, e2 := mk(now), mk(now)
		d := newDelivery("http://127.0.0.1:9/hook")
		d.CreatedAt = now
		must(t, bc.CreateEvents(ctx, []*store.Event{e1, e2}, [][]*store.Delivery{{d}, nil}))
		check("CreateEvents", e1.ID)
		check("CreateEvents", e2.ID)
	}
	pruneNewest()
	e = mk(now)
	must(t, s.Import(ctx, store.Record{Event: e}))
	check(fmt.Sprintf("Import after seqs %v were pruned", deleted), e.ID)
	if r, ok := s.(store.Resetter); ok {
		must(t, r.Reset(ctx))
		e = mk(now)
		must(t, s.CreateEvent(ctx, e, nil))
		check("CreateEvent after a reset", e.ID)
	}
}
