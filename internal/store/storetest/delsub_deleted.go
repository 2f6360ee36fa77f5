package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// testDeletedSubscriptionHistory: once a subscription is deleted, its
// deliveries keep its id (DeletedSubscriptionID) and every read that
// filters by subscription still finds them by it — ListDeliveries,
// CountDeliveries, ListAttemptRows, InspectDeliveries — without mixing in
// another subscription's; DeletedSubscriptionID resolves it from a
// prefix (an unknown one is not found), and a live subscription's filter
// is unchanged. Before, the id became NULL and every one found nothing.
func testDeletedSubscriptionHistory(t *testing.T, s store.Store) {
	gone, live := newSub("http://127.0.0.1/gone", "*"), newSub("http://127.0.0.1/live", "*")
	must(t, s.CreateSubscription(ctx, gone))
	must(t, s.CreateSubscription(ctx, live))
	a, b, c := newDelivery(gone.CallbackURL), newDelivery(gone.CallbackURL), newDelivery(live.CallbackURL)
	a.SubscriptionID, b.SubscriptionID, c.SubscriptionID = gone.ID, gone.ID, live.ID
	must(t, s.CreateEvent(ctx, newEvent("evt_delsub1", "card.created"), []*store.Delivery{a, b, c}))
	if claimed, err := s.ClaimDue(ctx, "w", base.Add(time.Hour), time.Minute, 10, ""); err != nil || len(claimed) != 3 {
		t.Fatalf("claimed %d (%v)", len(claimed), err)
	}
	for _, d := range []*store.Delivery{a, c} {
		must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: base, ResponseStatus: 200},
			store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}))
	}
	must(t, s.DeleteSubscription(ctx, gone.ID))

	ids := func(ds []*store.Delivery) map[string]string {
		m := map[string]string{}
		for _, d := range ds {
			m[d.ID] = d.SubscriptionID + "|" + d.DeletedSubscriptionID
		}
		return m
	}
	ds, err := s.ListDeliveries(ctx, store.DeliveryFilter{SubscriptionID: gone.ID, Newest: true})
	must(t, err)
	if got := ids(ds); len(got) != 2 || got[a.ID] != "|"+gone.ID || got[b.ID] != "|"+gone.ID {
		t.Errorf("ListDeliveries of the deleted subscription: %v; want %s and %s, DeletedSubscriptionID %s", got, a.ID, b.ID, gone.ID)
	}
	ds, err = s.ListDeliveries(ctx, store.DeliveryFilter{SubscriptionID: gone.ID, Status: store.DeliveryFailed})
	must(t, err)
	if len(ds) != 1 || ds[0].ID != b.ID || ds[0].LastError != "subscription deleted" {
		t.Errorf("its failed deliveries: %v; want %s (pending when it was deleted)", ids(ds), b.ID)
	}
	ds, err = s.ListDeliveries(ctx, store.DeliveryFilter{SubscriptionID: live.ID})
	must(t, err)
	if got := ids(ds); len(got) != 1 || got[c.ID] != live.ID+"|" {
		t.Errorf("ListDeliveries of the live subscription: %v; want %s only", got, c.ID)
	}
	n, err := s.CountDeliveries(ctx, store.DeliveryFilter{SubscriptionID: gone.ID})
	must(t, err)
	if n[store.DeliverySucceeded] != 1 || n[store.DeliveryFailed] != 1 || len(n) != 2 {
		t.Errorf("CountDeliveries of the deleted subscription: %v; want 1 succeeded, 1 failed", n)
	}
	rows, err := s.ListAttemptRows(ctx, store.AttemptFilter{SubscriptionID: gone.ID})
	must(t, err)
	if len(rows) != 1 || rows[0].DeliveryID != a.ID {
		t.Errorf("ListAttemptRows of the deleted subscription: %d rows; want a's attempt", len(rows))
	}
	if in, ok := s.(store.Inspector); ok {
		page, err := in.InspectDeliveries(ctx, store.InspectQuery{SubscriptionID: gone.ID, Limit: 10})
		must(t, err)
		got := map[string]string{}
		for _, r := range page.Rows {
			got[r.Delivery.ID] = r.Delivery.DeletedSubscriptionID
		}
		if len(got) != 2 || got[a.ID] != gone.ID || got[b.ID] != gone.ID {
			t.Errorf("InspectDeliveries of the deleted subscription: %v; want %s and %s", got, a.ID, b.ID)
		}
	}
	d, ok := s.(store.DeletedSubscriptions)
	if !ok {
		t.Fatal("the store does not implement store.DeletedSubscriptions")
	}
	for _, p := range []string{gone.ID, gone.ID[:6]} {
		if id, err := d.DeletedSubscriptionID(ctx, p); err != nil || id != gone.ID {
			t.Errorf("DeletedSubscriptionID(%q) = %q, %v; want %s", p, id, err, gone.ID)
		}
	}
	if id, err := d.DeletedSubscriptionID(ctx, live.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeletedSubscriptionID of a live subscription = %q, %v; want not found", id, err)
	}
	if id, deleted, err := store.SubscriptionFilterID(ctx, s, gone.ID[:6]); err != nil || id != gone.ID || !deleted {
		t.Errorf("SubscriptionFilterID of the deleted one's prefix = %q, %v, %v", id, deleted, err)
	}
	if id, deleted, err := store.SubscriptionFilterID(ctx, s, live.ID); err != nil || id != live.ID || deleted {
		t.Errorf("SubscriptionFilterID of the live one = %q, %v, %v", id, deleted, err)
	}
}
