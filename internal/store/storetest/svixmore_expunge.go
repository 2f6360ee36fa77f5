package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

var expungeTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"ExpungeEvent", testExpungeEvent},
	{"ExpungeAttemptBody", testExpungeAttemptBody},
}

// testExpungeEvent: ExpungeEvent empties the payload and marks the event
// (its other headers kept), fails its pending deliveries and takes their
// leases (the sender's attempt cannot put one back to pending), leaves a
// succeeded delivery and another event alone; again is a no-op, an
// unknown id is not found.
func testExpungeEvent(t *testing.T, s store.Store) {
	x, ok := s.(store.ContentExpunger)
	if !ok {
		t.Skip("the store is no store.ContentExpunger")
	}
	sub := newSub("http://127.0.0.1/a", "*")
	must(t, s.CreateSubscription(ctx, sub))
	ev := newEvent("evt_exp1", "card.created")
	ev.Headers = map[string][]string{"X-Hookctl-Svix-App": {"app_1"}}
	done, leased, later := newDelivery(sub.CallbackURL), newDelivery(sub.CallbackURL), newDelivery(sub.CallbackURL)
	later.NextAttemptAt = base.Add(24 * time.Hour)
	for _, d := range []*store.Delivery{done, leased, later} {
		d.SubscriptionID = sub.ID
	}
	must(t, s.CreateEvent(ctx, ev, []*store.Delivery{done, leased, later}))
	other := newEvent("evt_exp2", "card.created")
	otherD := newDelivery(sub.CallbackURL)
	otherD.NextAttemptAt = base.Add(24 * time.Hour)
	must(t, s.CreateEvent(ctx, other, []*store.Delivery{otherD}))
	claimed, err := s.ClaimDue(ctx, "w", base.Add(time.Hour), time.Minute, 10, "")
	must(t, err)
	if len(claimed) != 2 {
		t.Fatalf("claimed %d, want 2", len(claimed))
	}
	must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: done.ID, Number: 1, StartedAt: base, ResponseStatus: 200},
		store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}))

	at := base.Add(time.Minute)
	must(t, x.ExpungeEvent(ctx, ev.ID, at))
	got, err := s.GetEvent(ctx, ev.ID)
	must(t, err)
	if len(got.Payload) != 0 || got.Headers["X-Hookctl-Svix-App"][0] != "app_1" || got.Type != ev.Type {
		t.Errorf("expunged event: payload %q headers %v type %q", got.Payload, got.Headers, got.Type)
	}
	if when, ok := got.Expunged(); !ok || !when.Equal(at) {
		t.Errorf("Expunged() = %v %v, want %v true", when, ok, at)
	}
	for _, d := range []*store.Delivery{leased, later} {
		g, err := s.GetDelivery(ctx, d.ID)
		must(t, err)
		if g.Status != store.DeliveryFailed || g.LastError != store.ExpungedError || g.LeaseOwner != "" {
			t.Errorf("pending delivery after expunge: %s %q leased to %q", g.Status, g.LastError, g.LeaseOwner)
		}
	}
	if g, _ := s.GetDelivery(ctx, done.ID); g.Status != store.DeliverySucceeded || g.LastError != "" {
		t.Errorf("the succeeded delivery: %s %q", g.Status, g.LastError)
	}
	// w was sending leased: its attempt is kept, the delivery stays failed.
	if err := s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: leased.ID, Number: 1, StartedAt: base, ResponseStatus: 500},
		store.DeliveryUpdate{Status: store.DeliveryPending, NextAttemptAt: base, LastError: "HTTP 500"}); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("the sender recorded its attempt after the expunge: %v, want ErrLeaseLost", err)
	}
	if g, _ := s.GetDelivery(ctx, leased.ID); g.Status != store.DeliveryFailed {
		t.Errorf("the leased delivery after its sender's attempt: %s", g.Status)
	}
	// Another event is untouched.
	if g, _ := s.GetEvent(ctx, other.ID); string(g.Payload) != string(other.Payload) {
		t.Errorf("another event's payload: %q", g.Payload)
	} else if _, ok := g.Expunged(); ok {
		t.Error("another event is marked expunged")
	}
	if g, _ := s.GetDelivery(ctx, otherD.ID); g.Status != store.DeliveryPending {
		t.Errorf("another event's delivery: %s", g.Status)
	}
	// Again: nothing changes, the first time is kept.
	must(t, x.ExpungeEvent(ctx, ev.ID, at.Add(time.Hour)))
	if g, _ := s.GetEvent(ctx, ev.ID); g != nil {
		if when, _ := g.Expunged(); !when.Equal(at) {
			t.Errorf("expunged again: marked %v, want the first time %v", when, at)
		}
	}
	var nf *store.NotFoundError
	if err := x.ExpungeEvent(ctx, "evt_nope", at); !errors.As(err, &nf) {
		t.Errorf("unknown event: %v, want not found", err)
	}
	// A prefix is not an id.
	if err := x.ExpungeEvent(ctx, "evt_exp", at); !errors.As(err, &nf) {
		t.Errorf("a prefix: %v, want not found", err)
	}
}

// testExpungeAttemptBody: the attempt's response body reads
// store.ExpungedBody, the rest of it as it was; another attempt is kept;
// an unknown delivery or number is not found.
func testExpungeAttemptBody(t *testing.T, s store.Store) {
	x, ok := s.(store.ContentExpunger)
	if !ok {
		t.Skip("the store is no store.ContentExpunger")
	}
	d := newDelivery("http://127.0.0.1/a")
	must(t, s.CreateEvent(ctx, newEvent("evt_expa", "card.created"), []*store.Delivery{d}))
	for n := 1; n <= 2; n++ {
		if _, err := s.ClaimDue(ctx, "w", base.Add(time.Hour), time.Minute, 10, ""); err != nil {
			t.Fatal(err)
		}
		must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: d.ID, Number: n, StartedAt: base, ResponseStatus: 500,
			ResponseHeaders: map[string][]string{"X-N": {"v"}}, ResponseBody: []byte(`{"card":"4242"}`)},
			store.DeliveryUpdate{Status: store.DeliveryPending, NextAttemptAt: base, LastError: "HTTP 500", LastStatus: 500}))
	}
	must(t, x.ExpungeAttemptBody(ctx, d.ID, 1))
	atts, err := s.ListAttempts(ctx, d.ID)
	must(t, err)
	if len(atts) != 2 {
		t.Fatalf("%d attempts", len(atts))
	}
	if a := atts[0]; string(a.ResponseBody) != store.ExpungedBody || a.ResponseStatus != 500 || a.ResponseHeaders["X-N"][0] != "v" {
		t.Errorf("expunged attempt: %d %v %q", a.ResponseStatus, a.ResponseHeaders, a.ResponseBody)
	}
	if a := atts[1]; string(a.ResponseBody) != `{"card":"4242"}` {
		t.Errorf("the other attempt: %q", a.ResponseBody)
	}
	var nf *store.NotFoundError
	if err := x.ExpungeAttemptBody(ctx, d.ID, 3); !errors.As(err, &nf) {
		t.Errorf("unknown number: %v, want not found", err)
	}
	if err := x.ExpungeAttemptBody(ctx, "00000000-0000-4000-8000-000000000000", 1); !errors.As(err, &nf) {
		t.Errorf("unknown delivery: %v, want not found", err)
	}
}
