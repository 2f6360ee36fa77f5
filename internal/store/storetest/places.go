package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// testCursorPlaces: ListEvents gives each event's Seq, and
// EventFilter.BeforeAt/AfterAt (a place: CreatedAt and Seq) select as
// Before/After by that event's id do, ties in CreatedAt included, and
// still hold once the event is pruned. ListAttemptRows gives each row's
// DeliverySeq, and AttemptFilter.BeforeAt/AfterAt select as
// Before/After by that attempt's key do.
func testCursorPlaces(t *testing.T, s store.Store) {
	ids := func(l []*store.EventSummary) []string {
		var out []string
		for _, e := range l {
			out = append(out, e.ID)
		}
		return out
	}
	list := func(f store.EventFilter) []string {
		t.Helper()
		l, err := s.ListEvents(ctx, f)
		must(t, err)
		return ids(l)
	}
	// Five events created at the same time (their order is Seq's); e2
	// has no delivery, so a prune deletes it and keeps the others, which
	// have pending ones.
	var dels []*store.Delivery
	for i := range 5 {
		e := newEvent(fmt.Sprintf("evt_place%d", i), "card.created")
		var ds []*store.Delivery
		if i != 2 {
			ds = []*store.Delivery{newDelivery("http://127.0.0.1:9/p"), newDelivery("http://127.0.0.1:9/q")}
		}
		must(t, s.CreateEvent(ctx, e, ds))
		dels = append(dels, ds...)
	}
	all, err := s.ListEvents(ctx, store.EventFilter{})
	must(t, err)
	if got := ids(all); !slices.Equal(got, []string{"evt_place4", "evt_place3", "evt_place2", "evt_place1", "evt_place0"}) {
		t.Fatalf("newest first: %v", got)
	}
	for i, e := range all {
		if e.Seq < 1 || (i > 0 && e.Seq >= all[i-1].Seq) {
			t.Fatalf("Seq %d of %s after %d", e.Seq, e.ID, all[max(i-1, 0)].Seq)
		}
	}
	for _, e := range all {
		at := &store.EventCursor{CreatedAt: e.CreatedAt, Seq: e.Seq}
		if g, w := list(store.EventFilter{BeforeAt: at}), list(store.EventFilter{Before: e.ID}); !slices.Equal(g, w) {
			t.Errorf("BeforeAt %s: %v, want %v", e.ID, g, w)
		}
		if g, w := list(store.EventFilter{AfterAt: at, Oldest: true}), list(store.EventFilter{After: e.ID, Oldest: true}); !slices.Equal(g, w) {
			t.Errorf("AfterAt %s: %v, want %v", e.ID, g, w)
		}
	}
	if p, ok := s.(store.Pruner); ok {
		pc, err := p.Prune(ctx, base.Add(time.Hour), 0, false)
		must(t, err)
		if pc.Events != 1 {
			t.Fatalf("pruned %+v, want evt_place2 alone", pc)
		}
		at := &store.EventCursor{CreatedAt: all[2].CreatedAt, Seq: all[2].Seq}
		if g := list(store.EventFilter{BeforeAt: at}); !slices.Equal(g, []string{"evt_place1", "evt_place0"}) {
			t.Errorf("BeforeAt the pruned evt_place2: %v", g)
		}
		if g := list(store.EventFilter{AfterAt: at, Oldest: true, Limit: 1}); !slices.Equal(g, []string{"evt_place3"}) {
			t.Errorf("AfterAt the pruned evt_place2: %v", g)
		}
	}

	// Two attempts per delivery, all started at one time but the last.
	for i, d := range dels {
		for n := 1; n <= 2; n++ {
			started := base
			if i == len(dels)-1 && n == 2 {
				started = base.Add(time.Second)
			}
			must(t, s.Import(ctx, store.Record{Attempt: &store.Attempt{DeliveryID: d.ID, Number: n, StartedAt: started, ResponseStatus: 500}}))
		}
	}
	rows, err := s.ListAttemptRows(ctx, store.AttemptFilter{})
	must(t, err)
	if len(rows) != 2*len(dels) {
		t.Fatalf("%d attempt rows, want %d", len(rows), 2*len(dels))
	}
	keys := func(f store.AttemptFilter) []string {
		t.Helper()
		l, err := s.ListAttemptRows(ctx, f)
		must(t, err)
		var out []string
		for _, r := range l {
			out = append(out, fmt.Sprintf("%s#%d", r.DeliveryID, r.Number))
		}
		return out
	}
	for _, r := range rows {
		if r.DeliverySeq < 1 {
			t.Fatalf("row %s #%d without its DeliverySeq", r.DeliveryID, r.Number)
		}
		k := &store.AttemptKey{DeliveryID: r.DeliveryID, Number: r.Number}
		at := &store.AttemptCursor{StartedAt: r.StartedAt, DeliverySeq: r.DeliverySeq, Number: r.Number}
		if g, w := keys(store.AttemptFilter{BeforeAt: at, Limit: 3}), keys(store.AttemptFilter{Before: k, Limit: 3}); !slices.Equal(g, w) {
			t.Errorf("BeforeAt %v: %v, want %v", *k, g, w)
		}
		if g, w := keys(store.AttemptFilter{AfterAt: at, Limit: 3}), keys(store.AttemptFilter{After: k, Limit: 3}); !slices.Equal(g, w) {
			t.Errorf("AfterAt %v: %v, want %v", *k, g, w)
		}
	}
}
