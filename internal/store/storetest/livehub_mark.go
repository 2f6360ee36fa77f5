package storetest

import (
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

func init() {
	expungeTests = append(expungeTests, struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{"ChangeMark", testChangeMark})
}

// testChangeMark: the store's change mark (store.ChangeMarker) moves
// with every commit the inspector's live log must show: a subscription,
// an event and its delivery, an attempt recorded, a replay (a requeue of
// a settled delivery, no new seq), an event without deliveries. (It may
// also move with nothing committed: PostgreSQL's moves with any
// transaction of the server; so no test that it stays.)
func testChangeMark(t *testing.T, s store.Store) {
	m, ok := s.(store.ChangeMarker)
	if !ok {
		t.Skip("the store is no store.ChangeMarker")
	}
	mark := func() string {
		t.Helper()
		v, err := m.ChangeMark(ctx)
		must(t, err)
		return v
	}
	last := mark()
	moved := func(what string) {
		t.Helper()
		if v := mark(); v == last {
			t.Errorf("the change mark stayed %q after %s", v, what)
		} else {
			last = v
		}
	}
	sub := newSub("http://127.0.0.1/a", "*")
	must(t, s.CreateSubscription(ctx, sub))
	moved("a subscription created")
	d := newDelivery(sub.CallbackURL)
	d.SubscriptionID = sub.ID
	must(t, s.CreateEvent(ctx, newEvent("evt_changemark1", "card.created"), []*store.Delivery{d}))
	moved("an event and its delivery created")
	ds, err := s.ClaimDue(ctx, "w1", base.Add(time.Hour), time.Minute, 10, "")
	must(t, err)
	if len(ds) != 1 {
		t.Fatalf("claimed %d deliveries, want 1", len(ds))
	}
	moved("a claim")
	must(t, s.RecordAttempt(ctx, "w1", &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: base, Duration: time.Millisecond,
		RequestURL: d.URL, RequestMethod: "POST", ResponseStatus: 500},
		store.DeliveryUpdate{Status: store.DeliveryFailed, LastStatus: 500, LastError: "HTTP 500"}))
	moved("an attempt recorded")
	got, err := s.Requeue(ctx, []string{d.ID}, store.Requeue{ExtraAttempts: 1, Force: true, Now: base})
	must(t, err)
	if len(got) != 1 {
		t.Fatalf("requeued %d deliveries, want 1", len(got))
	}
	moved("a replay (requeue of a settled delivery)")
	must(t, s.CreateEvent(ctx, newEvent("evt_changemark2", "card.updated"), nil))
	moved("an event without deliveries")
}
