package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// testSubleftCreatedAgain: a subscription created with the id of a
// deleted one whose deliveries remain gets them back, as store import
// does when it imports it again: subscription_id set, the deleted id
// cleared, so its filter finds them (the filters look on the live side
// alone once a subscription has the id) and its failed ones replay to
// it; DeletedSubscriptionID no longer knows the id. Another deleted
// subscription's deliveries stay its own. Before, CreateSubscription left
// them as the deleted one's: listed under no subscription.
func testSubleftCreatedAgain(t *testing.T, s store.Store) {
	sub, other := newSub("http://127.0.0.1/again", "*"), newSub("http://127.0.0.1/other", "*")
	must(t, s.CreateSubscription(ctx, sub))
	must(t, s.CreateSubscription(ctx, other))
	a, b, c := newDelivery(sub.CallbackURL), newDelivery(sub.CallbackURL), newDelivery(other.CallbackURL)
	a.SubscriptionID, b.SubscriptionID, c.SubscriptionID = sub.ID, sub.ID, other.ID
	must(t, s.CreateEvent(ctx, newEvent("evt_subleft_again", "card.created"), []*store.Delivery{a, b, c}))
	if claimed, err := s.ClaimDue(ctx, "w", base.Add(time.Hour), time.Minute, 10, ""); err != nil || len(claimed) != 3 {
		t.Fatalf("claimed %d (%v)", len(claimed), err)
	}
	must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: a.ID, Number: 1, StartedAt: base, ResponseStatus: 200},
		store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}))
	must(t, s.DeleteSubscription(ctx, sub.ID))
	must(t, s.DeleteSubscription(ctx, other.ID))

	again := newSub(sub.CallbackURL, "*")
	again.ID = sub.ID
	must(t, s.CreateSubscription(ctx, again))
	ds, err := s.ListDeliveries(ctx, store.DeliveryFilter{SubscriptionID: sub.ID})
	must(t, err)
	got := map[string]string{}
	for _, d := range ds {
		got[d.ID] = d.SubscriptionID + "|" + d.DeletedSubscriptionID
	}
	if len(got) != 2 || got[a.ID] != sub.ID+"|" || got[b.ID] != sub.ID+"|" {
		t.Errorf("the deliveries of the subscription created again: %v; want %s and %s, linked to it", got, a.ID, b.ID)
	}
	failed, err := s.ListDeliveries(ctx, store.DeliveryFilter{SubscriptionID: sub.ID, Status: store.DeliveryFailed})
	must(t, err)
	if len(failed) != 1 || failed[0].ID != b.ID {
		t.Errorf("its failed deliveries (what replay --failed --subscription resends): %d; want %s", len(failed), b.ID)
	}
	if id, err := s.(store.DeletedSubscriptions).DeletedSubscriptionID(ctx, sub.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeletedSubscriptionID of the subscription created again = %q, %v; want not found", id, err)
	}
	ds, err = s.ListDeliveries(ctx, store.DeliveryFilter{SubscriptionID: other.ID})
	must(t, err)
	if len(ds) != 1 || ds[0].ID != c.ID || ds[0].DeletedSubscriptionID != other.ID || ds[0].SubscriptionID != "" {
		t.Errorf("the other deleted subscription's deliveries: %d; want %s, still the deleted one's", len(ds), c.ID)
	}
}
