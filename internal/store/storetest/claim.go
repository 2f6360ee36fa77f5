package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// testClaimDueEvents: ClaimDue's semantics (order, lease, run filter, no
// delivery claimed twice) and each claimed delivery's event once.
func testClaimDueEvents(t *testing.T, s store.Store) {
	ec, ok := s.(store.EventClaimer)
	if !ok {
		t.Skip("no store.EventClaimer")
	}
	e1, e2 := newEvent("evt_c1", "card.created"), newEvent("evt_c2", "card.updated")
	e1.Headers = map[string][]string{"X": {"1"}}
	d1a, d1b, d2 := newDelivery("http://127.0.0.1/a"), newDelivery("http://127.0.0.1/b"), newDelivery("http://127.0.0.1/c")
	d2.RunID = "run_2"
	must(t, s.CreateEvent(ctx, e1, []*store.Delivery{d1a, d1b}))
	must(t, s.CreateEvent(ctx, e2, []*store.Delivery{d2}))
	now := base.Add(time.Second)

	if ds, evs, err := ec.ClaimDueEvents(ctx, "w", now, time.Minute, 0, ""); err != nil || len(ds) != 0 || len(evs) != 0 {
		t.Fatalf("limit 0: %v %v %v", ds, evs, err)
	}
	ds, evs, err := ec.ClaimDueEvents(ctx, "w", now, time.Minute, 2, "")
	must(t, err)
	if len(ds) != 2 || ds[0].ID != d1a.ID || ds[1].ID != d1b.ID {
		t.Fatalf("claimed %+v, want %s and %s in order", ds, d1a.ID, d1b.ID)
	}
	for _, d := range ds {
		if d.LeaseOwner != "w" || !d.LeaseExpiresAt.Equal(now.Add(time.Minute)) || d.EventID != e1.ID || d.URL == "" {
			t.Errorf("claimed delivery %+v", d)
		}
	}
	if len(evs) != 1 || evs[0].ID != e1.ID || evs[0].Type != e1.Type || string(evs[0].Payload) != string(e1.Payload) ||
		evs[0].Headers["X"][0] != "1" || !evs[0].CreatedAt.Equal(e1.CreatedAt) || evs[0].Source != e1.Source {
		t.Errorf("events %+v, want %s once as created", evs, e1.ID)
	}
	// Another run's claim does not see run_2's; another owner gets only
	// what is left, never a leased one.
	if ds, _, err := ec.ClaimDueEvents(ctx, "x", now, time.Minute, 10, "run_1"); err != nil || len(ds) != 0 {
		t.Errorf("claim of run_1: %+v %v", ds, err)
	}
	ds, evs, err = ec.ClaimDueEvents(ctx, "x", now, time.Minute, 10, "run_2")
	must(t, err)
	ids := []string{}
	for _, d := range ds {
		ids = append(ids, d.ID)
	}
	if !slices.Equal(ids, []string{d2.ID}) || len(evs) != 1 || evs[0].ID != e2.ID {
		t.Errorf("second claim got %v and %d events, want %s with %s", ids, len(evs), d2.ID, e2.ID)
	}
	if ds, evs, err := ec.ClaimDueEvents(ctx, "y", now, time.Minute, 10, ""); err != nil || len(ds) != 0 || len(evs) != 0 {
		t.Errorf("all leased, yet claimed %v %v %v", ds, evs, err)
	}
}
