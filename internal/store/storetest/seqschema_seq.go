package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/store"
)

// seqTests are the conformance tests of the delivery log's seqs.
var seqTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"SeqNeverReused", testSeqNeverReused},
	{"EventSeqNeverReused", testEventSeqNeverReused},
}

// testSeqNeverReused: a delivery's seq is never given again, also once
// the deliveries holding the highest seqs were deleted (store prune of
// old-dated deliveries that were the newest in the log, a reset):
// deliveries made after take seqs above every seq given before, whatever
// writes them (CreateEvent, CreateEvents, an import naming a deleted
// seq). A follower of the log (deliveries tail, the live log) reads on
// from its cursor and so finds them. SQLite gave the deleted seqs again
// (the rowid: the highest left plus one) before schema 11.
func testSeqNeverReused(t *testing.T, s store.Store) {
	p, ok := s.(store.Pruner)
	if !ok {
		t.Skip("not a Pruner")
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	old := now.Add(-48 * time.Hour)
	mk := func(at time.Time, status string) (*store.Event, []*store.Delivery) {
		e := newEvent("evt_"+uuid.NewString(), "card.created")
		e.CreatedAt = at
		d := newDelivery("http://127.0.0.1:9/hook")
		d.CreatedAt, d.Status = at, status
		if status != store.DeliveryPending {
			d.NextAttemptAt = time.Time{}
		}
		return e, []*store.Delivery{d}
	}
	seqOf := func(id string) int64 {
		t.Helper()
		d, err := s.GetDelivery(ctx, id)
		must(t, err)
		return d.Seq
	}
	// A recent delivery first (kept), below the old-dated ones each
	// round makes the newest of the log and prunes.
	e, ds := mk(now, store.DeliverySucceeded)
	must(t, s.CreateEvent(ctx, e, ds))
	kept := ds[0].ID
	var top int64
	var deleted []int64
	pruneNewest := func() {
		t.Helper()
		deleted = deleted[:0]
		for range 3 {
			e, ds := mk(old, store.DeliveryFailed)
			must(t, s.CreateEvent(ctx, e, ds))
			seq := seqOf(ds[0].ID)
			deleted = append(deleted, seq)
			top = max(top, seq)
		}
		if c, err := p.Prune(ctx, now.Add(-time.Hour), 0, false); err != nil || c.Deliveries != 3 {
			t.Fatalf("prune: %+v %v, want the 3 old deliveries deleted", c, err)
		}
		if k := seqOf(kept); k >= deleted[0] {
			t.Fatalf("the kept delivery's seq %d is not below the deleted ones %v", k, deleted)
		}
	}
	check := func(how string, id string) {
		t.Helper()
		if seq := seqOf(id); seq <= top {
			t.Errorf("%s: a delivery made after the newest were pruned took seq %d, not above %d, the highest given before (deleted: %v)", how, seq, top, deleted)
		} else {
			top = seq
		}
	}
	if bc, ok := s.(store.BatchCreator); ok {
		pruneNewest()
		e1, ds1 := mk(now, store.DeliveryPending)
		e2, ds2 := mk(now, store.DeliveryPending)
		must(t, bc.CreateEvents(ctx, []*store.Event{e1, e2}, [][]*store.Delivery{ds1, ds2}))
		check("CreateEvents", ds1[0].ID)
		check("CreateEvents", ds2[0].ID)
	}
	pruneNewest()
	e, ds = mk(now, store.DeliveryPending)
	must(t, s.CreateEvent(ctx, e, ds))
	check("CreateEvent", ds[0].ID)
	// An import naming a deleted seq (a dump of the store before the
	// prune) appends to the log as well.
	pruneNewest()
	e, ds = mk(now, store.DeliverySucceeded)
	must(t, s.Import(ctx, store.Record{Event: e}))
	d := ds[0]
	d.ID, d.EventID, d.Seq, d.UpdatedAt = uuid.NewString(), e.ID, deleted[1], now
	must(t, s.Import(ctx, store.Record{Delivery: d}))
	check(fmt.Sprintf("Import of seq %d", deleted[1]), d.ID)
	// And after a reset, where the store has one.
	if r, ok := s.(store.Resetter); ok {
		must(t, r.Reset(ctx))
		e, ds = mk(now, store.DeliveryPending)
		must(t, s.CreateEvent(ctx, e, ds))
		check("CreateEvent after a reset", ds[0].ID)
	}
}
