package storetest

import (
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// testReset: a store.Resetter empties every table in one go and stays
// usable (`hookctl serve --allow-reset`).
func testReset(t *testing.T, s store.Store) {
	r, ok := s.(store.Resetter)
	if !ok {
		t.Skip("the store does not implement store.Resetter")
	}
	_, ds := seed(t, s)
	_, err := s.ClaimDue(ctx, "w", base.Add(time.Hour), time.Minute, 1, "")
	must(t, err)
	must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: ds[0].ID, StartedAt: base}, store.DeliveryUpdate{Status: store.DeliverySucceeded}))
	must(t, r.Reset(ctx))
	info, err := s.Info(ctx)
	must(t, err)
	if info.Subscriptions+info.Events+info.Deliveries+info.Attempts != 0 {
		t.Fatalf("after Reset: %+v", info)
	}
	seed(t, s) // same ids again: nothing is left behind
	info, err = s.Info(ctx)
	must(t, err)
	if info.Subscriptions != 2 || info.Events != 3 || info.Deliveries != 6 {
		t.Fatalf("after Reset and seed: %+v", info)
	}
}

// testCreateEventWithoutDeliveries: an event nobody receives yet is still
// stored (a Svix message sent before any endpoint exists); deliveries can
// be added later with the same event id.
func testCreateEventWithoutDeliveries(t *testing.T, s store.Store) {
	e := newEvent("msg_1", "order.created")
	must(t, s.CreateEvent(ctx, e, nil))
	got, err := s.GetEvent(ctx, "msg_1")
	must(t, err)
	if string(got.Payload) != string(e.Payload) {
		t.Fatalf("payload %s", got.Payload)
	}
	sub := newSub("http://127.0.0.1/late", "*")
	must(t, s.CreateSubscription(ctx, sub))
	d := newDelivery(sub.CallbackURL)
	d.SubscriptionID = sub.ID
	must(t, s.CreateEvent(ctx, newEvent("msg_1", "order.created"), []*store.Delivery{d}))
	ds, err := s.ListDeliveries(ctx, store.DeliveryFilter{EventID: "msg_1"})
	must(t, err)
	if len(ds) != 1 {
		t.Fatalf("deliveries of msg_1: %d", len(ds))
	}
}
