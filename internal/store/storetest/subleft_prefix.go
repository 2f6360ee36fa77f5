package storetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// testSubleftAmbiguousPrefix: a subscription filter's prefix that starts
// a live subscription's id and a deleted one's (known by its deliveries)
// is ambiguous, as one that starts two live ones is: an *AmbiguousError
// (exit 2) naming each, "(live)" and "(deleted, N deliveries)". The whole
// id of either, or a prefix of one alone, resolves as before. It resolved
// to the live one, the deleted one's deliveries left out without a word.
func testSubleftAmbiguousPrefix(t *testing.T, s store.Store) {
	live, gone, other := newSub("http://127.0.0.1/live", "*"), newSub("http://127.0.0.1/gone", "*"), newSub("http://127.0.0.1/other", "*")
	live.ID, gone.ID, other.ID = "5b1e7a00-0000-4000-8000-000000000001", "5b1e7b00-0000-4000-8000-000000000002", "5b1e7c00-0000-4000-8000-000000000003"
	must(t, s.CreateSubscription(ctx, live))
	must(t, s.CreateSubscription(ctx, gone))
	a, b := newDelivery(gone.CallbackURL), newDelivery(gone.CallbackURL)
	a.SubscriptionID, b.SubscriptionID = gone.ID, gone.ID
	must(t, s.CreateEvent(ctx, newEvent("evt_subleft1", "card.created"), []*store.Delivery{a, b}))
	must(t, s.DeleteSubscription(ctx, gone.ID))

	ambiguous := func(p string, want ...string) {
		t.Helper()
		id, deleted, err := store.SubscriptionFilterID(ctx, s, p)
		var amb *store.AmbiguousError
		if !errors.As(err, &amb) {
			t.Fatalf("SubscriptionFilterID(%q) = %q, %v, %v; want an *AmbiguousError", p, id, deleted, err)
		}
		if amb.ExitCode() != 2 {
			t.Errorf("its exit code: %d, want 2", amb.ExitCode())
		}
		msg := amb.Error()
		if !strings.HasPrefix(msg, `subscription ID prefix "`+p+`" is ambiguous: it matches `) {
			t.Errorf("SubscriptionFilterID(%q): %q", p, msg)
		}
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Errorf("SubscriptionFilterID(%q): %q; want it to name %s", p, msg, w)
			}
		}
	}
	resolves := func(p, want string, wantDeleted bool) {
		t.Helper()
		if id, deleted, err := store.SubscriptionFilterID(ctx, s, p); err != nil || id != want || deleted != wantDeleted {
			t.Errorf("SubscriptionFilterID(%q) = %q, %v, %v; want %s, deleted %v", p, id, deleted, err, want, wantDeleted)
		}
	}
	livePart, gonePart := live.ID+" (live)", gone.ID+" (deleted, 2 deliveries)"
	ambiguous("5b1e7", livePart, gonePart)
	ambiguous("5B1E7", livePart, gonePart)
	resolves(live.ID, live.ID, false)
	resolves(strings.ToUpper(live.ID), live.ID, false)
	resolves("5b1e7a", live.ID, false)
	resolves("5b1e7b", gone.ID, true)
	resolves(gone.ID, gone.ID, true)
	if err := store.AmbiguousWithDeleted(ctx, s, "5b1e7", live.ID); err == nil {
		t.Error("AmbiguousWithDeleted(5b1e7) = nil; want the deleted one named")
	}
	if err := store.AmbiguousWithDeleted(ctx, s, live.ID, live.ID); err != nil {
		t.Errorf("AmbiguousWithDeleted of the live one's whole id = %v", err)
	}

	// Two live ones and the deleted one: all three, each said.
	must(t, s.CreateSubscription(ctx, other))
	ambiguous("5b1e7", livePart, other.ID+" (live)", gonePart)
	resolves("5b1e7c", other.ID, false)
	// A deleted one of one delivery.
	must(t, s.DeleteSubscription(ctx, other.ID))
	ambiguous("5b1e7", livePart, gonePart)
	c := newDelivery(live.CallbackURL)
	c.SubscriptionID = live.ID
	must(t, s.CreateEvent(ctx, newEvent("evt_subleft2", "card.created"), []*store.Delivery{c}))
	third := newSub("http://127.0.0.1/third", "*")
	third.ID = "5b1e7d00-0000-4000-8000-000000000004"
	must(t, s.CreateSubscription(ctx, third))
	d := newDelivery(third.CallbackURL)
	d.SubscriptionID = third.ID
	must(t, s.CreateEvent(ctx, newEvent("evt_subleft3", "card.created"), []*store.Delivery{d}))
	must(t, s.DeleteSubscription(ctx, third.ID))
	ambiguous("5b1e7", livePart, gonePart, third.ID+" (deleted, 1 delivery)")
	// Deleted ones alone: each with its deliveries too.
	must(t, s.DeleteSubscription(ctx, live.ID))
	ambiguous("5b1e7", live.ID+" (deleted, 1 delivery)", gonePart, third.ID+" (deleted, 1 delivery)")
}
