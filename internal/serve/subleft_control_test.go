package serve_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
)

// TestSubleftControlPrefixOfLiveAndDeleted: /_hookctl/deliveries?
// subscription= with a prefix that starts a live subscription's id and a
// deleted one's (its deliveries keep it) answers 404 saying the prefix is
// ambiguous, naming each (live; deleted, with its deliveries), as for a
// prefix of two live ones or two deleted ones (which answered "not
// found" before). It listed the live one's deliveries alone. The live
// one's whole id lists them.
func TestSubleftControlPrefixOfLiveAndDeleted(t *testing.T) {
	e := servetest.Start(t, nil)
	ctx := context.Background()
	now := time.Now()
	var subs []*store.Subscription
	for _, id := range []string{"5b1e7a00-0000-4000-8000-000000000001", "5b1e7b00-0000-4000-8000-000000000002", "5b1e7c00-0000-4000-8000-000000000003"} {
		sub := &store.Subscription{ID: id, CallbackURL: e.Recv.URL, Events: []string{"*"}, Status: store.StatusDisabled,
			Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "auto"}
		if err := e.Store.CreateSubscription(ctx, sub); err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
	}
	live, gone, later := subs[0], subs[1], subs[2]
	ev := &store.Event{ID: "evt_subleft", Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json",
		Source: "triggered", CreatedAt: now}
	ds := []*store.Delivery{
		{SubscriptionID: live.ID, URL: live.CallbackURL, Status: store.DeliveryFailed, MaxAttempts: 1, CreatedAt: now, UpdatedAt: now},
		{SubscriptionID: gone.ID, URL: gone.CallbackURL, Status: store.DeliveryFailed, MaxAttempts: 1, CreatedAt: now, UpdatedAt: now},
	}
	if err := e.Store.CreateEvent(ctx, ev, ds); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*store.Subscription{gone, later} {
		if err := e.Store.DeleteSubscription(ctx, s.ID); err != nil {
			t.Fatal(err)
		}
	}
	ambiguous := func(prefix string, want ...string) {
		t.Helper()
		code, body := e.Do("GET", "/_hookctl/deliveries?subscription="+prefix, nil, nil)
		var r struct {
			Error struct{ Type, Message string }
		}
		json.Unmarshal(body, &r)
		ok := code == 404 && strings.Contains(r.Error.Message, `prefix "`+prefix+`" is ambiguous`) &&
			!strings.Contains(r.Error.Message, later.ID) // deleted, no deliveries: unknown
		for _, w := range want {
			ok = ok && strings.Contains(r.Error.Message, w)
		}
		if !ok {
			t.Errorf("deliveries?subscription=%s: %d %s; want 404, ambiguous, naming %q", prefix, code, body, want)
		}
	}
	ambiguous("5b1e7", live.ID+" (live)", gone.ID+" (deleted, 1 delivery)")
	code, body := e.Do("GET", "/_hookctl/deliveries?subscription="+live.ID, nil, nil)
	var l struct{ Data []map[string]any }
	json.Unmarshal(body, &l)
	if code != 200 || len(l.Data) != 1 || l.Data[0]["id"] != ds[0].ID {
		t.Errorf("deliveries?subscription=%s (the live one's whole id): %d %s; want its delivery", live.ID, code, body)
	}
	// Two live ones: the same answer, each named.
	again := &store.Subscription{ID: "5b1e7d00-0000-4000-8000-000000000004", CallbackURL: e.Recv.URL, Events: []string{"*"},
		Status: store.StatusDisabled, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "auto"}
	if err := e.Store.CreateSubscription(ctx, again); err != nil {
		t.Fatal(err)
	}
	ambiguous("5b1e7", live.ID+" (live)", again.ID+" (live)", gone.ID+" (deleted, 1 delivery)")
	// Two deleted ones: the same, each with its deliveries (it answered
	// "not found" before).
	gone2 := &store.Subscription{ID: "5b1e7b10-0000-4000-8000-000000000005", CallbackURL: e.Recv.URL, Events: []string{"*"},
		Status: store.StatusDisabled, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "auto"}
	if err := e.Store.CreateSubscription(ctx, gone2); err != nil {
		t.Fatal(err)
	}
	ev2 := &store.Event{ID: "evt_subleft2", Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json",
		Source: "triggered", CreatedAt: now}
	if err := e.Store.CreateEvent(ctx, ev2, []*store.Delivery{{SubscriptionID: gone2.ID, URL: gone2.CallbackURL, Status: store.DeliveryFailed,
		MaxAttempts: 1, CreatedAt: now, UpdatedAt: now}}); err != nil {
		t.Fatal(err)
	}
	if err := e.Store.DeleteSubscription(ctx, gone2.ID); err != nil {
		t.Fatal(err)
	}
	ambiguous("5b1e7b", gone.ID+" (deleted, 1 delivery)", gone2.ID+" (deleted, 1 delivery)")
}
