package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// RunInspectRangeLate checks the inspector's time range over more than
// store.InspectRangeExact deliveries (its seq range taken from two
// lookups in the creation-time index, with store.InspectRangeSlack either
// side) when some deliveries were stored long after their creation time
// (store import of an older store's history): each one created inside
// the range is on its pages, and one created just before the range,
// stored last, does not hide the range's own deliveries. Before, the
// range's highest seq was the first delivery created after it, so an
// imported delivery (a higher seq) was left out; and the lowest was the
// last delivery created before it, the imported one, above every other.
// reopen, when not nil, is called once the store is written, and returns
// it as an upgrade from the schema before the late deliveries were listed
// would leave it (the migration's pass over the table finds them).
func RunInspectRangeLate(t *testing.T, open func(t *testing.T) store.Store, reopen func(t *testing.T, s store.Store) store.Store) {
	ctx := context.Background()
	s := open(t)
	defer func() { s.Close() }()
	bc, ok := s.(store.BatchCreator)
	if !ok {
		t.Fatalf("%T does not implement store.BatchCreator", s)
	}
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	at := func(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }
	const n = store.InspectRangeExact + 1000
	var evs []*store.Event
	var dss [][]*store.Delivery
	flush := func() {
		t.Helper()
		if len(evs) > 0 {
			must(t, bc.CreateEvents(ctx, evs, dss))
			evs, dss = evs[:0], dss[:0]
		}
	}
	for i := 0; i < n; i++ {
		e := newEvent(fmt.Sprintf("evt-late-%05d", i), "card.created")
		e.CreatedAt = at(float64(i))
		d := newDelivery("http://127.0.0.1:1/late")
		d.CreatedAt, d.Status, d.AttemptCount = at(float64(i)), store.DeliverySucceeded, 1
		evs, dss = append(evs, e), append(dss, []*store.Delivery{d})
		if len(evs) == 500 {
			flush()
		}
	}
	flush()
	// Imported afterwards: created inside the range (near each end and in
	// the middle), and one just before it.
	imported := map[string]float64{"d-late-low": 10.5, "d-late-mid": 3000.5, "d-late-high": n - 10.5, "d-late-before": 2.5}
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for id := range imported {
			if !yield(id) {
				return
			}
		}
	}) {
		e := newEvent("evt-"+id, "card.created")
		e.CreatedAt = at(imported[id])
		d := newDelivery("http://127.0.0.1:1/late")
		d.ID, d.EventID, d.CreatedAt, d.UpdatedAt, d.Status, d.AttemptCount = id, e.ID, e.CreatedAt, e.CreatedAt, store.DeliverySucceeded, 1
		must(t, s.Import(ctx, store.Record{Event: e}))
		must(t, s.Import(ctx, store.Record{Delivery: d}))
	}
	if reopen != nil {
		s = reopen(t, s)
	}
	in, ok := s.(store.Inspector)
	if !ok {
		t.Fatalf("%T does not implement store.Inspector", s)
	}
	since, until := at(5), at(n-5)
	want := map[string]bool{}
	for id, sec := range imported {
		if at(sec).Compare(since) >= 0 && at(sec).Before(until) {
			want[id] = true
		}
	}
	got := map[string]bool{}
	rows := 0
	q := store.InspectQuery{Since: since, Until: until, Limit: 1000}
	for page := 0; ; page++ {
		if page > 20 {
			t.Fatalf("more than 20 pages of 1,000")
		}
		p, err := in.InspectDeliveries(ctx, q)
		must(t, err)
		for _, r := range p.Rows {
			rows++
			if _, ok := imported[r.ID]; ok {
				got[r.ID] = true
			}
			if r.CreatedAt.Before(since) || !r.CreatedAt.Before(until) {
				t.Errorf("delivery %s created %v is outside [%v, %v)", r.ID, r.CreatedAt, since, until)
			}
		}
		if p.NextBefore == 0 {
			break
		}
		q.BeforeSeq = p.NextBefore
	}
	for id := range want {
		if !got[id] {
			t.Errorf("imported delivery %s, created %v inside the range, is not on its pages", id, at(imported[id]))
		}
	}
	if wantRows := n - 10 + len(want); rows != wantRows {
		t.Errorf("the range's pages hold %d deliveries, want %d (%d created in it, %d of them imported)", rows, wantRows, wantRows, len(want))
	}
}
