package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// testDeliveriesOfEvents: DeliveryFilter.EventIDs selects the deliveries
// of any of the events named, and no other, alone or with other filters.
func testDeliveriesOfEvents(t *testing.T, s store.Store) {
	want := map[string][]string{} // event → its deliveries
	for i := range 4 {
		e := &store.Event{ID: fmt.Sprintf("evt_ids%d", i), Type: "card.created", Payload: []byte(`{}`)}
		ds := []*store.Delivery{{URL: "http://127.0.0.1:9/a", MaxAttempts: 1}, {URL: "http://127.0.0.1:9/b", MaxAttempts: 1}}
		must(t, s.CreateEvent(ctx, e, ds))
		for _, d := range ds {
			want[e.ID] = append(want[e.ID], d.ID)
		}
	}
	got := func(f store.DeliveryFilter) []string {
		t.Helper()
		ds, err := s.ListDeliveries(ctx, f)
		must(t, err)
		var ids []string
		for _, d := range ds {
			ids = append(ids, d.ID)
		}
		slices.Sort(ids)
		return ids
	}
	exp := func(events ...string) []string {
		var ids []string
		for _, e := range events {
			ids = append(ids, want[e]...)
		}
		slices.Sort(ids)
		return ids
	}
	if g, w := got(store.DeliveryFilter{EventIDs: []string{"evt_ids1", "evt_ids3", "evt_none"}}), exp("evt_ids1", "evt_ids3"); !slices.Equal(g, w) {
		t.Errorf("EventIDs 1, 3 and an unknown one: %v, want %v", g, w)
	}
	if g := got(store.DeliveryFilter{EventIDs: []string{"evt_ids2"}, EventID: "evt_ids2", Limit: 1}); len(g) != 1 || !slices.Contains(exp("evt_ids2"), g[0]) {
		t.Errorf("EventIDs with EventID and a limit of 1: %v, want one of %v", g, exp("evt_ids2"))
	}
	if g := got(store.DeliveryFilter{EventIDs: []string{"evt_ids1"}, EventID: "evt_ids2"}); len(g) != 0 {
		t.Errorf("EventIDs 1 with EventID 2: %v, want none (both must hold)", g)
	}
	if g := got(store.DeliveryFilter{EventIDs: []string{"evt_none"}}); len(g) != 0 {
		t.Errorf("EventIDs of an unknown event: %v, want none", g)
	}
	if g, w := got(store.DeliveryFilter{}), exp("evt_ids0", "evt_ids1", "evt_ids2", "evt_ids3"); !slices.Equal(g, w) {
		t.Errorf("no EventIDs: %v, want every delivery %v", g, w)
	}
}
