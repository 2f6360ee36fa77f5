// Package storetest is the conformance suite every store.Store
// implementation must pass (SQLite and PostgreSQL run the same tests).
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/dump"
)

// Run runs the conformance suite. open must return a fresh, empty store
// for each call (the suite closes it).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"SubscriptionCRUD", testSubscriptionCRUD},
		{"SubscriptionPrefix", testSubscriptionPrefix},
		{"SubscriptionFilter", testSubscriptionFilter},
		{"SubscriptionMetaFilter", testSubscriptionMetaFilter},
		{"DeleteSubscriptionKeepsDeliveries", testDeleteSubscriptionKeepsDeliveries},
		{"DeletedSubscriptionHistory", testDeletedSubscriptionHistory},
		{"AttemptInFlightAtDelete", testAttemptInFlightAtDelete},
		{"SubleftAmbiguousPrefix", testSubleftAmbiguousPrefix},
		{"SubleftCreatedAgain", testSubleftCreatedAgain},
		{"MovedSubscriptionMovesDeliveries", testMovedSubscriptionMovesDeliveries},
		{"CreateEvent", testCreateEvent},
		{"CreateEventIdempotent", testCreateEventIdempotent},
		{"EventPrefix", testEventPrefix},
		{"ListEvents", testListEvents},
		{"ListEventsPaged", testListEventsPaged},
		{"ListEventsWalk", testListEventsWalk},
		{"ListAttemptRows", testListAttemptRows},
		{"DeliveryPrefix", testDeliveryPrefix},
		{"ListDeliveries", testListDeliveries},
		{"DeliveriesByProvider", testDeliveriesByProvider},
		{"Cursors", testCursors},
		{"CountDeliveries", testCountDeliveries},
		{"ClaimDue", testClaimDue},
		{"ClaimDueRun", testClaimDueRun},
		{"ClaimExclusiveConcurrent", testClaimExclusiveConcurrent},
		{"LeaseExpiry", testLeaseExpiry},
		{"RecordAttempt", testRecordAttempt},
		{"AttemptManual", testAttemptManual},
		{"AttemptInsecure", testAttemptInsecure},
		{"Requeue", testRequeue},
		{"RequeueUnheld", testRequeueUnheld},
		{"ReturnUnsent", testReturnUnsent},
		{"RestoreUnsent", testRestoreUnsent},
		{"Info", testInfo},
		{"Ping", testPing},
		{"OriginKindVerdict", testOriginKindVerdict},
		{"Reset", testReset},
		{"Prune", testPrune},
		{"CreateEventWithoutDeliveries", testCreateEventWithoutDeliveries},
		{"ImportMissingReference", testImportMissingReference},
		{"ImportRefreshesDelivery", testImportRefreshesDelivery},
		{"DeliveriesOfEvents", testDeliveriesOfEvents},
		{"CursorPlaces", testCursorPlaces},
		{"UnstorableText", testUnstorableText},
		{"Objects", testObjects},
	}
	for _, tc := range append(append(append(tests, batchTests...), seqTests...), expungeTests...) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each test has a store of its own
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s)
		})
	}
	t.Run("ExportImport", func(t *testing.T) {
		t.Parallel()
		src := open(t)
		t.Cleanup(func() { src.Close() })
		dst := open(t)
		t.Cleanup(func() { dst.Close() })
		testExportImport(t, src, dst)
	})
	t.Run("ExportImportObjects", func(t *testing.T) {
		t.Parallel()
		src := open(t)
		t.Cleanup(func() { src.Close() })
		dst := open(t)
		t.Cleanup(func() { dst.Close() })
		testExportImportObjects(t, src, dst)
	})
}

var ctx = context.Background()

// base is a fixed instant in the past (microsecond precision, which every
// backend keeps).
var base = time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newSub(url string, events ...string) *store.Subscription {
	return &store.Subscription{
		CallbackURL: url,
		Events:      events,
		Status:      store.StatusEnabled,
		Secret:      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		Scheme:      "auto",
	}
}

func newEvent(id, typ string) *store.Event {
	return &store.Event{
		ID:          id,
		Type:        typ,
		Provider:    "bond",
		Payload:     []byte(`{"event":"` + typ + `","id":"` + id + `"}`),
		ContentType: "application/json",
		Source:      store.SourceTriggered,
		CreatedAt:   base,
	}
}

func newDelivery(url string) *store.Delivery {
	return &store.Delivery{URL: url, MaxAttempts: 5, Schedule: "0s,1s,2s,4s,8s", NextAttemptAt: base}
}

func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func isNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: err = %v, want a not-found error", what, err)
	}
	var nf *store.NotFoundError
	if err != nil && !errors.As(err, &nf) {
		t.Errorf("%s: err %T is not a *store.NotFoundError", what, err)
	}
}

func isAmbiguous(t *testing.T, what string, err error, n int) {
	t.Helper()
	var ae *store.AmbiguousError
	if !errors.As(err, &ae) {
		t.Fatalf("%s: err = %v, want *store.AmbiguousError", what, err)
	}
	if len(ae.Matches) < n {
		t.Errorf("%s: matches = %v, want at least %d", what, ae.Matches, n)
	}
}

func testSubscriptionCRUD(t *testing.T, s store.Store) {
	sub := newSub("http://127.0.0.1:3000/hooks", "card.*", "kyc.verification.success")
	sub.Description = "my app"
	sub.Provider = "bond"
	sub.Method = "PUT"
	sub.Headers = map[string]string{"X-Env": "test", "Authorization": "Bearer t"}
	sub.Metadata = map[string]string{"created_by": "test"}
	before := time.Now().Add(-time.Second)
	must(t, s.CreateSubscription(ctx, sub))
	if sub.ID == "" {
		t.Fatal("CreateSubscription did not set ID")
	}
	if sub.CreatedAt.Before(before) || sub.UpdatedAt.Before(before) {
		t.Errorf("timestamps not set: %v %v", sub.CreatedAt, sub.UpdatedAt)
	}
	got, err := s.GetSubscription(ctx, sub.ID)
	must(t, err)
	if got.CallbackURL != sub.CallbackURL || !reflect.DeepEqual(got.Events, sub.Events) ||
		got.Description != "my app" || got.Status != store.StatusEnabled || got.Secret != sub.Secret ||
		got.Provider != "bond" || got.Scheme != "auto" || got.Method != "PUT" ||
		!reflect.DeepEqual(got.Headers, sub.Headers) || !reflect.DeepEqual(got.Metadata, sub.Metadata) {
		t.Errorf("got %+v\nwant %+v", got, sub)
	}
	sameTime(t, "CreatedAt", got.CreatedAt, sub.CreatedAt)
	if !got.PreviousSecretExpiresAt.IsZero() || got.PreviousSecret != "" {
		t.Errorf("previous secret set on a new subscription: %q %v", got.PreviousSecret, got.PreviousSecretExpiresAt)
	}

	// Update every mutable field.
	got.CallbackURL = "https://example.test/new"
	got.Events = []string{"*"}
	got.Description = ""
	got.Status = store.StatusDisabled
	got.PreviousSecret = got.Secret
	got.Secret = "whsec_bmV3c2VjcmV0bmV3c2VjcmV0bmV3c2VjcmV0MTI="
	got.PreviousSecretExpiresAt = base.Add(time.Hour)
	got.Headers = nil
	time.Sleep(2 * time.Millisecond)
	must(t, s.UpdateSubscription(ctx, got))
	again, err := s.GetSubscription(ctx, sub.ID)
	must(t, err)
	if again.CallbackURL != "https://example.test/new" || !reflect.DeepEqual(again.Events, []string{"*"}) ||
		again.Description != "" || again.Status != store.StatusDisabled || again.Secret != got.Secret ||
		again.PreviousSecret != sub.Secret || len(again.Headers) != 0 {
		t.Errorf("after update got %+v", again)
	}
	sameTime(t, "PreviousSecretExpiresAt", again.PreviousSecretExpiresAt, base.Add(time.Hour))
	sameTime(t, "CreatedAt after update", again.CreatedAt, sub.CreatedAt)
	if !again.UpdatedAt.After(sub.UpdatedAt) {
		t.Errorf("UpdatedAt %v not after %v", again.UpdatedAt, sub.UpdatedAt)
	}

	missing := *again
	missing.ID = "00000000-0000-4000-8000-000000000000"
	isNotFound(t, "UpdateSubscription(unknown)", s.UpdateSubscription(ctx, &missing))

	must(t, s.DeleteSubscription(ctx, sub.ID))
	_, err = s.GetSubscription(ctx, sub.ID)
	isNotFound(t, "GetSubscription after delete", err)
	isNotFound(t, "DeleteSubscription twice", s.DeleteSubscription(ctx, sub.ID))
}

func testSubscriptionPrefix(t *testing.T, s store.Store) {
	ids := []string{
		"aaaaaaaa-0000-4000-8000-000000000001",
		"aaaaaaaa-0000-4000-8000-000000000002",
		"aaaabbbb-0000-4000-8000-000000000003",
	}
	for _, id := range ids {
		sub := newSub("http://127.0.0.1/"+id, "*")
		sub.ID = id
		must(t, s.CreateSubscription(ctx, sub))
	}
	for prefix, want := range map[string]string{
		ids[0]:                                ids[0],
		ids[1]:                                ids[1],
		"aaaab":                               ids[2],
		"aaaabbbb-0000-4000-8000-00000000000": ids[2],
	} {
		got, err := s.GetSubscription(ctx, prefix)
		if err != nil {
			t.Errorf("GetSubscription(%q): %v", prefix, err)
			continue
		}
		if got.ID != want {
			t.Errorf("GetSubscription(%q) = %s, want %s", prefix, got.ID, want)
		}
	}
	_, err := s.GetSubscription(ctx, "aaaaaaaa")
	isAmbiguous(t, "prefix aaaaaaaa", err, 2)
	_, err = s.GetSubscription(ctx, "a")
	isAmbiguous(t, "prefix a", err, 3)
	_, err = s.GetSubscription(ctx, "b")
	isNotFound(t, "prefix b", err)
	_, err = s.GetSubscription(ctx, "")
	if err == nil {
		t.Error("GetSubscription(\"\") succeeded")
	}
	_, err = s.GetSubscription(ctx, "AAAAAAAA-0000-4000-8000-000000000001x")
	isNotFound(t, "too long", err)
}

func testSubscriptionFilter(t *testing.T, s store.Store) {
	a := newSub("http://127.0.0.1/a", "card.*")
	b := newSub("http://127.0.0.1/b", "kyc.verification.success")
	b.Status = store.StatusDisabled
	c := newSub("http://127.0.0.1/c", "*")
	for _, sub := range []*store.Subscription{a, b, c} {
		must(t, s.CreateSubscription(ctx, sub))
		time.Sleep(time.Millisecond) // distinct creation times: oldest first
	}
	urls := func(f store.SubscriptionFilter) []string {
		l, err := s.ListSubscriptions(ctx, f)
		must(t, err)
		var out []string
		for _, sub := range l {
			out = append(out, sub.CallbackURL)
		}
		return out
	}
	check := func(name string, got []string, want ...string) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("all", urls(store.SubscriptionFilter{}), a.CallbackURL, b.CallbackURL, c.CallbackURL)
	check("enabled", urls(store.SubscriptionFilter{Status: store.StatusEnabled}), a.CallbackURL, c.CallbackURL)
	check("disabled", urls(store.SubscriptionFilter{Status: store.StatusDisabled}), b.CallbackURL)
	check("card.created", urls(store.SubscriptionFilter{Event: "card.created"}), a.CallbackURL, c.CallbackURL)
	check("kyc", urls(store.SubscriptionFilter{Event: "kyc.verification.success"}), b.CallbackURL, c.CallbackURL)
	check("enabled kyc", urls(store.SubscriptionFilter{Status: store.StatusEnabled, Event: "kyc.verification.success"}), c.CallbackURL)
	check("cardholder (not card.*)", urls(store.SubscriptionFilter{Event: "cardholder.created"}), c.CallbackURL)
}

// testDeleteSubscriptionKeepsDeliveries: the deliveries stay, unlinked,
// each keeping how it was sent (scheme, secret, method, headers; its own
// headers win), and a pending one stops (failed, "subscription deleted").
// They lost the subscription's secret: a replay, or a worker retrying a
// pending one, then sent them unsigned, silently.
func testDeleteSubscriptionKeepsDeliveries(t *testing.T, s store.Store) {
	sub := newSub("http://127.0.0.1/a", "*")
	sub.Scheme, sub.Secret, sub.Method = "stripe", "whsec_sub", "PUT"
	sub.Headers = map[string]string{"Authorization": "Bearer tok", "X-Env": "sub"}
	must(t, s.CreateSubscription(ctx, sub))
	other := newSub("http://127.0.0.1/b", "*")
	must(t, s.CreateSubscription(ctx, other))
	done, pending, kept := newDelivery(sub.CallbackURL), newDelivery(sub.CallbackURL), newDelivery(other.CallbackURL)
	done.SubscriptionID, pending.SubscriptionID, kept.SubscriptionID = sub.ID, sub.ID, other.ID
	pending.Headers = map[string]string{"X-Env": "delivery"}
	must(t, s.CreateEvent(ctx, newEvent("evt_del1", "card.created"), []*store.Delivery{done, pending, kept}))
	claimed, err := s.ClaimDue(ctx, "w", base.Add(time.Hour), time.Minute, 10, "")
	must(t, err)
	if len(claimed) != 3 {
		t.Fatalf("claimed %d", len(claimed))
	}
	must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: done.ID, Number: 1, StartedAt: base}, store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}))
	must(t, s.DeleteSubscription(ctx, sub.ID))
	for _, d := range []*store.Delivery{done, pending} {
		got, err := s.GetDelivery(ctx, d.ID)
		must(t, err)
		wantEnv := map[*store.Delivery]string{done: "sub", pending: "delivery"}[d]
		if got.SubscriptionID != "" || got.URL != sub.CallbackURL || got.Scheme != "stripe" || got.Secret != "whsec_sub" || got.Method != "PUT" ||
			got.Headers["Authorization"] != "Bearer tok" || got.Headers["X-Env"] != wantEnv {
			t.Errorf("delivery after subscription delete: %+v", got)
		}
	}
	if got, _ := s.GetDelivery(ctx, done.ID); got.Status != store.DeliverySucceeded || got.LastError != "" {
		t.Errorf("the succeeded delivery: %s %q", got.Status, got.LastError)
	}
	if got, _ := s.GetDelivery(ctx, pending.ID); got.Status != store.DeliveryFailed || got.LastError != "subscription deleted" || got.LeaseOwner != "" {
		t.Errorf("the pending delivery: %s %q leased to %q", got.Status, got.LastError, got.LeaseOwner)
	}
	// It was leased to w (another process sending it): the delete took
	// the lease, so w's attempt, ending now, is kept but cannot put the
	// delivery back to pending, for a retry to the deleted endpoint.
	if err := s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: pending.ID, Number: 1, StartedAt: base, ResponseStatus: 500},
		store.DeliveryUpdate{Status: store.DeliveryPending, NextAttemptAt: base, LastError: "HTTP 500"}); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("the sender recorded its attempt after the delete: %v, want ErrLeaseLost", err)
	}
	if got, _ := s.GetDelivery(ctx, pending.ID); got.Status != store.DeliveryFailed || got.LastError != "subscription deleted" {
		t.Errorf("the pending delivery after its sender's attempt: %s %q", got.Status, got.LastError)
	}
	if got, _ := s.GetDelivery(ctx, kept.ID); got.SubscriptionID != other.ID || got.Status != store.DeliveryPending || got.Scheme != "" || got.Secret != "" {
		t.Errorf("another subscription's delivery: %+v", got)
	}
	var nf *store.NotFoundError
	if err := s.DeleteSubscription(ctx, sub.ID); !errors.As(err, &nf) {
		t.Errorf("deleting it again: %v", err)
	}
}

// testMovedSubscriptionMovesDeliveries: a subscription's new callback URL
// applies to its unfinished deliveries (pending retries and failed ones a
// replay sends), in the update's transaction; a succeeded one keeps where
// it was delivered, one sent elsewhere on purpose (replay --to) keeps its
// URL, another subscription's are untouched. Through UpdateSubscription
// and, where the store has it, UpdateSubscriptionFunc.
func testMovedSubscriptionMovesDeliveries(t *testing.T, s store.Store) {
	sub := newSub("http://127.0.0.1/old", "*")
	must(t, s.CreateSubscription(ctx, sub))
	other := newSub("http://127.0.0.1/old", "*")
	must(t, s.CreateSubscription(ctx, other))
	done, pending, failed, elsewhere, others := newDelivery(sub.CallbackURL), newDelivery(sub.CallbackURL),
		newDelivery(sub.CallbackURL), newDelivery("http://127.0.0.1/to"), newDelivery(other.CallbackURL)
	for _, d := range []*store.Delivery{done, pending, failed, elsewhere} {
		d.SubscriptionID = sub.ID
	}
	others.SubscriptionID = other.ID
	must(t, s.CreateEvent(ctx, newEvent("evt_move1", "card.created"), []*store.Delivery{done, pending, failed, elsewhere, others}))
	_, err := s.ClaimDue(ctx, "w", base.Add(time.Hour), time.Minute, 10, "")
	must(t, err)
	must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: done.ID, Number: 1, StartedAt: base, ResponseStatus: 200},
		store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}))
	must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: failed.ID, Number: 1, StartedAt: base, ResponseStatus: 500},
		store.DeliveryUpdate{Status: store.DeliveryFailed, LastStatus: 500, LastError: "HTTP 500"}))
	want := func(step string, urls map[*store.Delivery]string) {
		t.Helper()
		for d, u := range urls {
			got, err := s.GetDelivery(ctx, d.ID)
			must(t, err)
			if got.URL != u {
				t.Errorf("%s: delivery %s (%s) goes to %s, want %s", step, d.ID, got.Status, got.URL, u)
			}
		}
	}
	sub.CallbackURL = "http://127.0.0.1/new"
	must(t, s.UpdateSubscription(ctx, sub))
	want("after UpdateSubscription", map[*store.Delivery]string{done: "http://127.0.0.1/old", pending: "http://127.0.0.1/new",
		failed: "http://127.0.0.1/new", elsewhere: "http://127.0.0.1/to", others: "http://127.0.0.1/old"})
	// Another change, not of the URL, moves nothing.
	sub.Description = "renamed"
	must(t, s.UpdateSubscription(ctx, sub))
	want("after a description change", map[*store.Delivery]string{pending: "http://127.0.0.1/new", elsewhere: "http://127.0.0.1/to"})
	u, ok := s.(store.SubscriptionUpdater)
	if !ok {
		return
	}
	_, err = u.UpdateSubscriptionFunc(ctx, sub.ID, func(x *store.Subscription) error {
		x.CallbackURL = "http://127.0.0.1/newer"
		return nil
	})
	must(t, err)
	want("after UpdateSubscriptionFunc", map[*store.Delivery]string{done: "http://127.0.0.1/old", pending: "http://127.0.0.1/newer",
		failed: "http://127.0.0.1/newer", elsewhere: "http://127.0.0.1/to", others: "http://127.0.0.1/old"})
}

func testCreateEvent(t *testing.T, s store.Store) {
	sub := newSub("http://127.0.0.1/a", "*")
	must(t, s.CreateSubscription(ctx, sub))
	e := newEvent("evt_1", "card.created")
	e.Headers = map[string][]string{"Content-Type": {"application/json"}, "X-Multi": {"a", "b"}}
	e.Payload = []byte("{\"amount\": 12.50,\n \"raw\":\"\x00\xff bytes\"}")
	d1 := newDelivery(sub.CallbackURL)
	d1.SubscriptionID = sub.ID
	d2 := newDelivery("http://127.0.0.1/adhoc")
	d2.Scheme, d2.Secret, d2.Method = "stripe", "whsec_x", "PUT"
	d2.Headers = map[string]string{"X-Test": "1"}
	d2.RunID = "run-1"
	d2.NextAttemptAt = time.Time{} // zero: due at creation
	must(t, s.CreateEvent(ctx, e, []*store.Delivery{d1, d2}))
	for i, d := range []*store.Delivery{d1, d2} {
		if d.ID == "" || d.Seq <= 0 || d.EventID != e.ID || d.Status != store.DeliveryPending || d.CreatedAt.IsZero() {
			t.Errorf("delivery %d not filled: %+v", i, d)
		}
	}
	if d2.Seq <= d1.Seq {
		t.Errorf("Seq not increasing: %d then %d", d1.Seq, d2.Seq)
	}
	if d2.NextAttemptAt.IsZero() {
		t.Error("zero NextAttemptAt not set to creation time")
	}
	got, err := s.GetEvent(ctx, "evt_1")
	must(t, err)
	if string(got.Payload) != string(e.Payload) || got.Type != "card.created" || got.Provider != "bond" ||
		got.ContentType != "application/json" || got.Source != store.SourceTriggered ||
		!reflect.DeepEqual(got.Headers, e.Headers) {
		t.Errorf("event round trip: %+v", got)
	}
	sameTime(t, "event CreatedAt", got.CreatedAt, base)
	gd, err := s.GetDelivery(ctx, d2.ID)
	must(t, err)
	if gd.URL != d2.URL || gd.Scheme != "stripe" || gd.Secret != "whsec_x" || gd.Method != "PUT" ||
		!reflect.DeepEqual(gd.Headers, d2.Headers) || gd.RunID != "run-1" || gd.MaxAttempts != 5 ||
		gd.Schedule != d2.Schedule || gd.Seq != d2.Seq || gd.SubscriptionID != "" || gd.AttemptCount != 0 ||
		gd.LeaseOwner != "" || !gd.LeaseExpiresAt.IsZero() {
		t.Errorf("delivery round trip: %+v\nwant %+v", gd, d2)
	}
	sameTime(t, "NextAttemptAt", gd.NextAttemptAt, d2.NextAttemptAt)
	gd1, err := s.GetDelivery(ctx, d1.ID)
	must(t, err)
	if gd1.SubscriptionID != sub.ID {
		t.Errorf("SubscriptionID = %q, want %q", gd1.SubscriptionID, sub.ID)
	}
	// An event without deliveries (listen receiving with no forward).
	must(t, s.CreateEvent(ctx, newEvent("evt_2", "card.updated"), nil))
	if _, err := s.GetEvent(ctx, "evt_2"); err != nil {
		t.Error(err)
	}
	// An event with a generated ID.
	e3 := &store.Event{Type: "x.y", Payload: []byte("{}")}
	must(t, s.CreateEvent(ctx, e3, nil))
	if e3.ID == "" || e3.CreatedAt.IsZero() || e3.Source != store.SourceTriggered {
		t.Errorf("event defaults not set: %+v", e3)
	}
}

func testCreateEventIdempotent(t *testing.T, s store.Store) {
	e := newEvent("evt_dup", "card.created")
	d1 := newDelivery("http://127.0.0.1/a")
	must(t, s.CreateEvent(ctx, e, []*store.Delivery{d1}))
	again := newEvent("evt_dup", "card.created")
	again.Payload = []byte(`{"rewritten":true}`)
	again.CreatedAt = base.Add(time.Hour)
	d2 := newDelivery("http://127.0.0.1/b")
	must(t, s.CreateEvent(ctx, again, []*store.Delivery{d2}))
	got, err := s.GetEvent(ctx, "evt_dup")
	must(t, err)
	if string(got.Payload) != string(e.Payload) {
		t.Errorf("existing event rewritten: payload %s", got.Payload)
	}
	sameTime(t, "CreatedAt", got.CreatedAt, base)
	ds, err := s.ListDeliveries(ctx, store.DeliveryFilter{EventID: "evt_dup"})
	must(t, err)
	if len(ds) != 2 || ds[0].ID != d1.ID || ds[1].ID != d2.ID {
		t.Errorf("deliveries of a duplicated event: %v", ids(ds))
	}
	evs, err := s.ListEvents(ctx, store.EventFilter{})
	must(t, err)
	if len(evs) != 1 || evs[0].Pending != 2 {
		t.Errorf("events after duplicate: %d events", len(evs))
	}
}

func testEventPrefix(t *testing.T, s store.Store) {
	for _, id := range []string{"evt_abc1", "evt_abc2", "evt_xyz"} {
		must(t, s.CreateEvent(ctx, newEvent(id, "card.created"), nil))
	}
	if e, err := s.GetEvent(ctx, "evt_x"); err != nil || e.ID != "evt_xyz" {
		t.Errorf("GetEvent(evt_x) = %v, %v", e, err)
	}
	if e, err := s.GetEvent(ctx, "evt_abc1"); err != nil || e.ID != "evt_abc1" {
		t.Errorf("GetEvent(evt_abc1) = %v, %v", e, err)
	}
	_, err := s.GetEvent(ctx, "evt_abc")
	isAmbiguous(t, "evt_abc", err, 2)
	_, err = s.GetEvent(ctx, "evt_q")
	isNotFound(t, "evt_q", err)
}

func ids(ds []*store.Delivery) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

func testListEvents(t *testing.T, s store.Store) {
	mk := func(id, typ string, at time.Duration, source string, n int) []*store.Delivery {
		e := newEvent(id, typ)
		e.CreatedAt = base.Add(at)
		e.Source = source
		var ds []*store.Delivery
		for i := 0; i < n; i++ {
			ds = append(ds, newDelivery(fmt.Sprintf("http://127.0.0.1/%d", i)))
		}
		must(t, s.CreateEvent(ctx, e, ds))
		return ds
	}
	ds := mk("evt_1", "card.created", 0, store.SourceTriggered, 3)
	mk("evt_2", "card.status.updated", time.Minute, store.SourceTriggered, 1)
	mk("evt_3", "kyc.verification.success", 2*time.Minute, store.SourceReceived, 0)
	// evt_1: one succeeded, one failed, one pending.
	claimed, err := s.ClaimDue(ctx, "w", base.Add(time.Hour), time.Minute, 10, "")
	must(t, err)
	if len(claimed) != 4 {
		t.Fatalf("claimed %d, want 4", len(claimed))
	}
	must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: ds[0].ID, Number: 1, StartedAt: base}, store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}))
	must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: ds[1].ID, Number: 1, StartedAt: base}, store.DeliveryUpdate{Status: store.DeliveryFailed, LastStatus: 500}))

	list := func(f store.EventFilter) []string {
		l, err := s.ListEvents(ctx, f)
		must(t, err)
		var out []string
		for _, e := range l {
			out = append(out, e.ID)
		}
		return out
	}
	all, err := s.ListEvents(ctx, store.EventFilter{})
	must(t, err)
	if got := []string{all[0].ID, all[1].ID, all[2].ID}; !reflect.DeepEqual(got, []string{"evt_3", "evt_2", "evt_1"}) {
		t.Errorf("newest first: %v", got)
	}
	e1 := all[2]
	if e1.Pending != 1 || e1.Succeeded != 1 || e1.Failed != 1 || string(e1.Payload) == "" {
		t.Errorf("evt_1 summary: pending %d succeeded %d failed %d", e1.Pending, e1.Succeeded, e1.Failed)
	}
	if all[0].Pending+all[0].Succeeded+all[0].Failed != 0 || all[1].Pending != 1 {
		t.Errorf("summaries: %+v %+v", all[0], all[1])
	}
	for name, tc := range map[string]struct {
		f    store.EventFilter
		want []string
	}{
		"card.*":   {store.EventFilter{TypePattern: "card.*"}, []string{"evt_2", "evt_1"}},
		"exact":    {store.EventFilter{TypePattern: "card.created"}, []string{"evt_1"}},
		"*":        {store.EventFilter{TypePattern: "*"}, []string{"evt_3", "evt_2", "evt_1"}},
		"received": {store.EventFilter{Source: store.SourceReceived}, []string{"evt_3"}},
		"since":    {store.EventFilter{Since: base.Add(time.Minute)}, []string{"evt_3", "evt_2"}},
		"until":    {store.EventFilter{Until: base.Add(time.Minute)}, []string{"evt_1"}},
		"limit":    {store.EventFilter{Limit: 2}, []string{"evt_3", "evt_2"}},
		"none":     {store.EventFilter{TypePattern: "nothing.*"}, nil},
	} {
		if got := list(tc.f); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}

// testListEventsPaged: the filters and cursors serve's provider APIs list
// events with (a Svix application's messages by header, Stripe's event
// pages by provider and type) select in the store, in both orders.
func testListEventsPaged(t *testing.T, s store.Store) {
	for i := 0; i < 12; i++ {
		e := newEvent(fmt.Sprintf("evt_%02d", i), []string{"a.one", "a.two", "b.one"}[i%3])
		e.CreatedAt = base.Add(time.Duration(i/2) * time.Second) // pairs share a time: seq breaks the tie
		e.Provider = []string{"saas", "stripe", "bond", "mono"}[i%4]
		if i%2 == 0 {
			e.Headers = map[string][]string{"X-Hookctl-Svix-App": {"app_1"}, "X-Hookctl-Svix-Event-Id": {fmt.Sprintf("ord-%d", i)}}
		} else if i%3 == 0 {
			e.Headers = map[string][]string{"X-Hookctl-Svix-App": {"app_2"}}
		}
		must(t, s.CreateEvent(ctx, e, []*store.Delivery{newDelivery("http://127.0.0.1/1")}))
	}
	list := func(f store.EventFilter) []string {
		t.Helper()
		l, err := s.ListEvents(ctx, f)
		must(t, err)
		var out []string
		for _, e := range l {
			out = append(out, strings.TrimPrefix(e.ID, "evt_"))
			if f.NoCounts && e.Pending != 0 || !f.NoCounts && e.Pending != 1 {
				t.Errorf("%+v: %s has %d pending", f, e.ID, e.Pending)
			}
		}
		return out
	}
	app1 := map[string]string{"X-Hookctl-Svix-App": "app_1"}
	for name, tc := range map[string]struct {
		f    store.EventFilter
		want []string
	}{
		"header":            {store.EventFilter{Header: app1}, []string{"10", "08", "06", "04", "02", "00"}},
		"header, no count":  {store.EventFilter{Header: app1, NoCounts: true}, []string{"10", "08", "06", "04", "02", "00"}},
		"two headers":       {store.EventFilter{Header: map[string]string{"X-Hookctl-Svix-App": "app_1", "X-Hookctl-Svix-Event-Id": "ord-4"}}, []string{"04"}},
		"other app":         {store.EventFilter{Header: map[string]string{"X-Hookctl-Svix-App": "app_2"}}, []string{"09", "03"}},
		"no such value":     {store.EventFilter{Header: map[string]string{"X-Hookctl-Svix-App": "app_3"}}, nil},
		"page":              {store.EventFilter{Header: app1, Limit: 2, Before: "evt_08"}, []string{"06", "04"}},
		"page, same time":   {store.EventFilter{Limit: 3, Before: "evt_05"}, []string{"04", "03", "02"}},
		"oldest":            {store.EventFilter{Header: app1, Oldest: true, Limit: 3}, []string{"00", "02", "04"}},
		"oldest after":      {store.EventFilter{Oldest: true, Limit: 3, After: "evt_04"}, []string{"05", "06", "07"}},
		"between":           {store.EventFilter{Before: "evt_09", After: "evt_05"}, []string{"08", "07", "06"}},
		"providers":         {store.EventFilter{Providers: []string{"saas", "stripe"}, Limit: 4}, []string{"09", "08", "05", "04"}},
		"types":             {store.EventFilter{Types: []string{"a.one", "b.one"}, Providers: []string{"saas"}}, []string{"08", "00"}},
		"types and pattern": {store.EventFilter{Types: []string{"a.one", "b.one"}, TypePattern: "b.*"}, []string{"11", "08", "05", "02"}},
	} {
		if got := list(tc.f); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
	var nf *store.NotFoundError
	if _, err := s.ListEvents(ctx, store.EventFilter{Before: "evt_missing"}); !errors.As(err, &nf) {
		t.Errorf("unknown cursor: %v, want a NotFoundError", err)
	}
	if _, err := s.ListEvents(ctx, store.EventFilter{After: "evt_0"}); !errors.As(err, &nf) {
		t.Errorf("a cursor is an exact id, not a prefix: %v", err)
	}
	if _, err := s.ListEvents(ctx, store.EventFilter{Header: map[string]string{"X'); DROP TABLE events; --": "x"}}); err == nil {
		t.Error("a header key that is not a header name was accepted")
	}
}

// testListEventsWalk: the web inspector's events list walks a filtered
// list a page at a time by its cursors (Before the last of a page, then
// After the first of a page, oldest first, back): over 250 events, four
// to an instant, every matching event is on exactly one page, in list
// order, and the walk back shows the same pages.
func testListEventsWalk(t *testing.T, s store.Store) {
	var want []string
	for i := range 250 {
		e := newEvent(fmt.Sprintf("evt_%03d", i), []string{"card.created", "card.updated", "kyc.passed"}[i%3])
		e.CreatedAt = base.Add(time.Duration(i/4) * time.Millisecond)
		if i%5 == 0 {
			e.Source = store.SourceReceived
		}
		must(t, s.CreateEvent(ctx, e, nil))
		if e.Type != "kyc.passed" && e.Source == store.SourceTriggered {
			want = append(want, e.ID)
		}
	}
	slices.Reverse(want)
	const size = 40
	page := func(f store.EventFilter) []string {
		t.Helper()
		f.TypePattern, f.Source, f.Limit, f.NoCounts = "card.*", store.SourceTriggered, size, true
		l, err := s.ListEvents(ctx, f)
		must(t, err)
		var ids []string
		for _, e := range l {
			ids = append(ids, e.ID)
		}
		if f.Oldest {
			slices.Reverse(ids)
		}
		return ids
	}
	var pages [][]string
	var all []string
	for p := page(store.EventFilter{}); len(p) > 0; p = page(store.EventFilter{Before: p[len(p)-1]}) {
		pages = append(pages, p)
		all = append(all, p...)
		if len(pages) > len(want) {
			t.Fatal("the walk does not end")
		}
	}
	if !slices.Equal(all, want) {
		t.Fatalf("walking older: %d events %v…, want %d, newest first", len(all), all[:min(5, len(all))], len(want))
	}
	for i := len(pages) - 1; i > 0; i-- {
		if got := page(store.EventFilter{After: pages[i][0], Oldest: true}); !slices.Equal(got, pages[i-1]) {
			t.Fatalf("walking newer from page %d: %v…, want page %d %v…", i+1, got[:min(3, len(got))], i, pages[i-1][:3])
		}
	}
	if got := page(store.EventFilter{After: pages[0][0], Oldest: true}); len(got) != 0 {
		t.Errorf("newer than the newest: %v", got)
	}
}

// testListAttemptRows: attempts across deliveries, newest first, by
// subscription or event, paged by an attempt (as Svix lists an endpoint's
// or a message's attempts).
func testListAttemptRows(t *testing.T, s store.Store) {
	subA := &store.Subscription{CallbackURL: "http://127.0.0.1/a", Events: []string{"*"}}
	subB := &store.Subscription{CallbackURL: "http://127.0.0.1/b", Events: []string{"*"}}
	must(t, s.CreateSubscription(ctx, subA))
	must(t, s.CreateSubscription(ctx, subB))
	var ds []*store.Delivery
	for i, ev := range []string{"evt_1", "evt_1", "evt_2"} {
		d := newDelivery(fmt.Sprintf("http://127.0.0.1/%d", i))
		d.SubscriptionID = []string{subA.ID, subB.ID, subA.ID}[i]
		must(t, s.CreateEvent(ctx, newEvent(ev, "card.created"), []*store.Delivery{d}))
		ds = append(ds, d)
	}
	// Attempts (delivery, number) at these seconds: d0 #1 @1, d2 #1 @2,
	// d1 #1 @2 (ties go by the delivery's creation order), d0 #2 @5.
	at := func(d int, n int, sec int) {
		t.Helper()
		must(t, s.Import(ctx, store.Record{Attempt: &store.Attempt{DeliveryID: ds[d].ID, Number: n, StartedAt: base.Add(time.Duration(sec) * time.Second),
			ResponseStatus: 500 + n, ResponseBody: []byte(fmt.Sprintf("d%d#%d", d, n))}}))
	}
	at(0, 1, 1)
	at(2, 1, 2)
	at(1, 1, 2)
	at(0, 2, 5)
	list := func(f store.AttemptFilter) []string {
		t.Helper()
		rows, err := s.ListAttemptRows(ctx, f)
		must(t, err)
		var out []string
		for _, r := range rows {
			out = append(out, string(r.ResponseBody))
			d := ds[int(r.ResponseBody[1]-'0')]
			if r.DeliveryID != d.ID || r.EventID != d.EventID || r.SubscriptionID != d.SubscriptionID || r.ResponseStatus != 500+r.Number ||
				!r.StartedAt.After(base) {
				t.Errorf("%+v: row %+v", f, r)
			}
		}
		return out
	}
	for name, tc := range map[string]struct {
		f    store.AttemptFilter
		want []string
	}{
		"all":          {store.AttemptFilter{}, []string{"d0#2", "d2#1", "d1#1", "d0#1"}},
		"subscription": {store.AttemptFilter{SubscriptionID: subA.ID}, []string{"d0#2", "d2#1", "d0#1"}},
		"event":        {store.AttemptFilter{EventID: "evt_1"}, []string{"d0#2", "d1#1", "d0#1"}},
		"both":         {store.AttemptFilter{SubscriptionID: subB.ID, EventID: "evt_1"}, []string{"d1#1"}},
		"limit":        {store.AttemptFilter{Limit: 2}, []string{"d0#2", "d2#1"}},
		"after a tie":  {store.AttemptFilter{Before: &store.AttemptKey{DeliveryID: ds[2].ID, Number: 1}}, []string{"d1#1", "d0#1"}},
		"page":         {store.AttemptFilter{SubscriptionID: subA.ID, Before: &store.AttemptKey{DeliveryID: ds[0].ID, Number: 2}, Limit: 1}, []string{"d2#1"}},
		"none":         {store.AttemptFilter{EventID: "evt_none"}, nil},
		// After reads back: the newer ones, oldest first.
		"back":            {store.AttemptFilter{After: &store.AttemptKey{DeliveryID: ds[0].ID, Number: 1}}, []string{"d1#1", "d2#1", "d0#2"}},
		"back from a tie": {store.AttemptFilter{After: &store.AttemptKey{DeliveryID: ds[1].ID, Number: 1}}, []string{"d2#1", "d0#2"}},
		"back, a page":    {store.AttemptFilter{SubscriptionID: subA.ID, After: &store.AttemptKey{DeliveryID: ds[0].ID, Number: 1}, Limit: 1}, []string{"d2#1"}},
	} {
		if got := list(tc.f); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
	var nf *store.NotFoundError
	if _, err := s.ListAttemptRows(ctx, store.AttemptFilter{Before: &store.AttemptKey{DeliveryID: ds[0].ID, Number: 9}}); !errors.As(err, &nf) {
		t.Errorf("unknown cursor: %v, want a NotFoundError", err)
	}
	if _, err := s.ListAttemptRows(ctx, store.AttemptFilter{After: &store.AttemptKey{DeliveryID: ds[0].ID, Number: 9}}); !errors.As(err, &nf) {
		t.Errorf("unknown After cursor: %v, want a NotFoundError", err)
	}
}

// testPrune: old events go with their deliveries and attempts, oldest
// first and a batch at a time; an event with a pending delivery stays
// whole, newer events and subscriptions stay, and a dry run counts the
// same without deleting.
func testPrune(t *testing.T, s store.Store) {
	p, ok := s.(store.Pruner)
	if !ok {
		t.Skip("not a Pruner")
	}
	sub := &store.Subscription{CallbackURL: "http://127.0.0.1/a", Events: []string{"*"}}
	must(t, s.CreateSubscription(ctx, sub))
	mk := func(id string, age time.Duration, n int) []*store.Delivery {
		t.Helper()
		e := newEvent(id, "card.created")
		e.CreatedAt = base.Add(-age)
		var ds []*store.Delivery
		for i := 0; i < n; i++ {
			d := newDelivery(fmt.Sprintf("http://127.0.0.1/%d", i))
			d.SubscriptionID = sub.ID
			ds = append(ds, d)
		}
		must(t, s.CreateEvent(ctx, e, ds))
		return ds
	}
	old1 := mk("evt_old1", 3*time.Hour, 2)
	old2 := mk("evt_old2", 2*time.Hour, 1) // stays pending
	mk("evt_old3", 90*time.Minute, 0)
	newer := mk("evt_new", 0, 1)
	claimed, err := s.ClaimDue(ctx, "w", base.Add(time.Hour), time.Minute, 10, "")
	must(t, err)
	if len(claimed) != 4 {
		t.Fatalf("claimed %d", len(claimed))
	}
	for _, d := range append(old1, newer...) {
		for n := 1; n <= 2; n++ {
			st := store.DeliveryFailed
			if n == 1 {
				st = store.DeliveryPending
			}
			must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: d.ID, Number: n, StartedAt: base}, store.DeliveryUpdate{Status: st, NextAttemptAt: base}))
			if n == 1 {
				_, err := s.ClaimDue(ctx, "w", base.Add(time.Hour), time.Minute, 10, "")
				must(t, err)
			}
		}
	}
	cut := base.Add(-time.Hour)
	want := store.PruneCounts{Events: 2, Deliveries: 2, Attempts: 4, KeptPending: 1}
	if c, err := p.Prune(ctx, cut, 0, true); err != nil || c != want {
		t.Fatalf("dry run: %+v %v, want %+v", c, err, want)
	}
	if _, err := s.GetEvent(ctx, "evt_old1"); err != nil {
		t.Fatalf("the dry run deleted: %v", err)
	}
	if c, err := p.Prune(ctx, cut, 1, false); err != nil || c != (store.PruneCounts{Events: 1, Deliveries: 2, Attempts: 4, KeptPending: 1}) {
		t.Fatalf("first batch: %+v %v", c, err)
	}
	if _, err := s.GetEvent(ctx, "evt_old1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("evt_old1 still there: %v", err)
	}
	if _, err := s.GetDelivery(ctx, old1[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("its delivery still there: %v", err)
	}
	if as, err := s.ListAttempts(ctx, old1[1].ID); err != nil || len(as) != 0 {
		t.Errorf("its attempts: %d %v", len(as), err)
	}
	if c, err := p.Prune(ctx, cut, 0, false); err != nil || c != (store.PruneCounts{Events: 1, KeptPending: 1}) {
		t.Fatalf("the rest: %+v %v", c, err)
	}
	if c, err := p.Prune(ctx, cut, 0, false); err != nil || c != (store.PruneCounts{KeptPending: 1}) {
		t.Fatalf("nothing left: %+v %v", c, err)
	}
	evs, err := s.ListEvents(ctx, store.EventFilter{})
	must(t, err)
	if len(evs) != 2 || evs[0].ID != "evt_new" || evs[1].ID != "evt_old2" || evs[1].Pending != 1 || evs[0].Failed != 1 {
		t.Errorf("left: %+v", evs)
	}
	if d, err := s.GetDelivery(ctx, old2[0].ID); err != nil || d.Status != store.DeliveryPending {
		t.Errorf("the pending delivery: %+v %v", d, err)
	}
	if as, err := s.ListAttempts(ctx, newer[0].ID); err != nil || len(as) != 2 {
		t.Errorf("the newer event's attempts: %d %v", len(as), err)
	}
	if subs, err := s.ListSubscriptions(ctx, store.SubscriptionFilter{}); err != nil || len(subs) != 1 {
		t.Errorf("subscriptions: %d %v", len(subs), err)
	}
	if v, ok := s.(store.Vacuumer); ok {
		must(t, v.Vacuum(ctx))
	}
}

func testDeliveryPrefix(t *testing.T, s store.Store) {
	ds := []*store.Delivery{newDelivery("http://127.0.0.1/1"), newDelivery("http://127.0.0.1/2"), newDelivery("http://127.0.0.1/3")}
	ds[0].ID = "bbbbbbbb-0000-4000-8000-000000000001"
	ds[1].ID = "bbbbbbbb-0000-4000-8000-000000000002"
	ds[2].ID = "cccccccc-0000-4000-8000-000000000003"
	must(t, s.CreateEvent(ctx, newEvent("evt_1", "card.created"), ds))
	if d, err := s.GetDelivery(ctx, "c"); err != nil || d.ID != ds[2].ID {
		t.Errorf("GetDelivery(c) = %v, %v", d, err)
	}
	if d, err := s.GetDelivery(ctx, ds[1].ID); err != nil || d.ID != ds[1].ID {
		t.Errorf("GetDelivery(full) = %v, %v", d, err)
	}
	_, err := s.GetDelivery(ctx, "bbbb")
	isAmbiguous(t, "bbbb", err, 2)
	_, err = s.GetDelivery(ctx, "d")
	isNotFound(t, "d", err)
}

// seed creates 2 subscriptions and 3 events with 6 deliveries in all.
func seed(t *testing.T, s store.Store) (subs []*store.Subscription, ds []*store.Delivery) {
	a, b := newSub("http://127.0.0.1/a", "*"), newSub("http://127.0.0.1/b", "*")
	must(t, s.CreateSubscription(ctx, a))
	must(t, s.CreateSubscription(ctx, b))
	types := []string{"card.created", "card.updated", "kyc.verification.success"}
	for i, typ := range types {
		e := newEvent(fmt.Sprintf("evt_%d", i), typ)
		e.CreatedAt = base.Add(time.Duration(i) * time.Minute)
		if i == 2 {
			e.Source = store.SourceReceived
		}
		da, db := newDelivery(a.CallbackURL), newDelivery(b.CallbackURL)
		da.SubscriptionID, db.SubscriptionID = a.ID, b.ID
		da.RunID, db.RunID = "run-x", "run-y"
		if i == 2 {
			da.RunID = "run-y"
		}
		da.CreatedAt = base.Add(time.Duration(i) * time.Minute)
		db.CreatedAt = da.CreatedAt
		must(t, s.CreateEvent(ctx, e, []*store.Delivery{da, db}))
		ds = append(ds, da, db)
	}
	return []*store.Subscription{a, b}, ds
}

func testListDeliveries(t *testing.T, s store.Store) {
	subs, ds := seed(t, s)
	// ds[0] succeeded, ds[1] failed.
	_, err := s.ClaimDue(ctx, "w", base.Add(time.Hour), time.Minute, 2, "")
	must(t, err)
	must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: ds[0].ID, StartedAt: base}, store.DeliveryUpdate{Status: store.DeliverySucceeded}))
	must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: ds[1].ID, StartedAt: base}, store.DeliveryUpdate{Status: store.DeliveryFailed}))
	want := func(is ...int) []string {
		out := []string{}
		for _, i := range is {
			out = append(out, ds[i].ID)
		}
		return out
	}
	for name, tc := range map[string]struct {
		f    store.DeliveryFilter
		want []string
	}{
		"all":          {store.DeliveryFilter{}, want(0, 1, 2, 3, 4, 5)},
		"newest":       {store.DeliveryFilter{Newest: true}, want(5, 4, 3, 2, 1, 0)},
		"newest limit": {store.DeliveryFilter{Newest: true, Limit: 2}, want(5, 4)},
		"pending":      {store.DeliveryFilter{Status: store.DeliveryPending}, want(2, 3, 4, 5)},
		"failed":       {store.DeliveryFilter{Status: store.DeliveryFailed}, want(1)},
		"card.*":       {store.DeliveryFilter{EventPattern: "card.*"}, want(0, 1, 2, 3)},
		"exact type":   {store.DeliveryFilter{EventPattern: "card.updated"}, want(2, 3)},
		"subscription": {store.DeliveryFilter{SubscriptionID: subs[1].ID}, want(1, 3, 5)},
		"event":        {store.DeliveryFilter{EventID: "evt_1"}, want(2, 3)},
		"run":          {store.DeliveryFilter{RunID: "run-y"}, want(1, 3, 4, 5)},
		"received":     {store.DeliveryFilter{Source: store.SourceReceived}, want(4, 5)},
		"since":        {store.DeliveryFilter{Since: base.Add(time.Minute)}, want(2, 3, 4, 5)},
		"until":        {store.DeliveryFilter{Until: base.Add(time.Minute)}, want(0, 1)},
		"combined":     {store.DeliveryFilter{Status: store.DeliveryPending, EventPattern: "card.*", SubscriptionID: subs[0].ID}, want(2)},
		"nothing":      {store.DeliveryFilter{EventPattern: "mono.*"}, want()},
	} {
		got, err := s.ListDeliveries(ctx, tc.f)
		must(t, err)
		if !reflect.DeepEqual(ids(got), tc.want) {
			t.Errorf("%s: %v, want %v", name, ids(got), tc.want)
		}
	}
}

// testDeliveriesByProvider: Provider selects the deliveries of one
// provider's events, in Seq order both ways, pages with the cursors, and
// combines with the other criteria and with CountDeliveries.
func testDeliveriesByProvider(t *testing.T, s store.Store) {
	var mambu []*store.Delivery
	for i := 0; i < 6; i++ {
		e := newEvent(fmt.Sprintf("evt_p%d", i), "loan.disbursed")
		if i%2 == 0 {
			e.Provider = "mambu"
		}
		ds := []*store.Delivery{newDelivery("http://127.0.0.1/a"), newDelivery("http://127.0.0.1/b")}
		must(t, s.CreateEvent(ctx, e, ds))
		if e.Provider == "mambu" {
			mambu = append(mambu, ds...)
		}
	}
	got, err := s.ListDeliveries(ctx, store.DeliveryFilter{Provider: "mambu"})
	must(t, err)
	if !reflect.DeepEqual(ids(got), ids(mambu)) {
		t.Errorf("provider mambu: %v, want %v", ids(got), ids(mambu))
	}
	// Newest first, a page at a time with BeforeSeq.
	var seen []string
	f := store.DeliveryFilter{Provider: "mambu", Newest: true, Limit: 4}
	for pages := 0; pages < 10; pages++ {
		page, err := s.ListDeliveries(ctx, f)
		must(t, err)
		for _, d := range page {
			seen = append(seen, d.ID)
		}
		if len(page) < f.Limit {
			break
		}
		f.BeforeSeq = page[len(page)-1].Seq
	}
	want := ids(mambu)
	slices.Reverse(want)
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("provider mambu, newest first in pages of 4: %v, want %v", seen, want)
	}
	got, err = s.ListDeliveries(ctx, store.DeliveryFilter{Provider: "mambu", EventID: "evt_p2", Status: store.DeliveryPending})
	must(t, err)
	if !reflect.DeepEqual(ids(got), ids(mambu[2:4])) {
		t.Errorf("provider with event and status: %v, want %v", ids(got), ids(mambu[2:4]))
	}
	for provider, want := range map[string]int64{"mambu": 6, "bond": 6, "stripe": 0} {
		n, err := s.CountDeliveries(ctx, store.DeliveryFilter{Provider: provider})
		must(t, err)
		if n[store.DeliveryPending] != want {
			t.Errorf("count of provider %s: %v, want %d pending", provider, n, want)
		}
	}
	got, err = s.ListDeliveries(ctx, store.DeliveryFilter{Provider: "mono"})
	must(t, err)
	if len(got) != 0 {
		t.Errorf("provider mono: %v, want none", ids(got))
	}
}

func testCursors(t *testing.T, s store.Store) {
	var all []*store.Delivery
	for i := 0; i < 5; i++ {
		ds := []*store.Delivery{newDelivery("http://127.0.0.1/a"), newDelivery("http://127.0.0.1/b")}
		must(t, s.CreateEvent(ctx, newEvent(fmt.Sprintf("evt_%d", i), "card.created"), ds))
		all = append(all, ds...)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Seq <= all[i-1].Seq {
			t.Fatalf("Seq not increasing: %d after %d", all[i].Seq, all[i-1].Seq)
		}
	}
	// Page through with AfterSeq.
	var seen []string
	var cursor int64
	for pages := 0; pages < 10; pages++ {
		page, err := s.ListDeliveries(ctx, store.DeliveryFilter{AfterSeq: cursor, Limit: 3})
		must(t, err)
		if len(page) == 0 {
			break
		}
		for _, d := range page {
			seen = append(seen, d.ID)
		}
		cursor = page[len(page)-1].Seq
	}
	if !reflect.DeepEqual(seen, ids(all)) {
		t.Errorf("paged %v, want %v", seen, ids(all))
	}
	// A cursor sees only what is newer.
	page, err := s.ListDeliveries(ctx, store.DeliveryFilter{AfterSeq: all[7].Seq})
	must(t, err)
	if !reflect.DeepEqual(ids(page), ids(all[8:])) {
		t.Errorf("after seq %d: %v", all[7].Seq, ids(page))
	}
	more := []*store.Delivery{newDelivery("http://127.0.0.1/c")}
	must(t, s.CreateEvent(ctx, newEvent("evt_new", "card.created"), more))
	page, err = s.ListDeliveries(ctx, store.DeliveryFilter{AfterSeq: all[9].Seq})
	must(t, err)
	if !reflect.DeepEqual(ids(page), ids(more)) {
		t.Errorf("tail after new event: %v, want %v", ids(page), ids(more))
	}
	// Newest with Limit: the last N, newest first.
	page, err = s.ListDeliveries(ctx, store.DeliveryFilter{Newest: true, Limit: 2})
	must(t, err)
	if !reflect.DeepEqual(ids(page), []string{more[0].ID, all[9].ID}) {
		t.Errorf("newest 2: %v", ids(page))
	}
	// BeforeSeq pages newest first, each delivery once.
	seen = nil
	want := ids(append(append([]*store.Delivery{}, all...), more...))
	slices.Reverse(want)
	for f := (store.DeliveryFilter{Newest: true, Limit: 3}); len(seen) <= len(want); {
		page, err := s.ListDeliveries(ctx, f)
		must(t, err)
		if len(page) == 0 {
			break
		}
		seen = append(seen, ids(page)...)
		f.BeforeSeq = page[len(page)-1].Seq
	}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("paged newest first by BeforeSeq %v, want %v", seen, want)
	}
	page, err = s.ListDeliveries(ctx, store.DeliveryFilter{BeforeSeq: all[2].Seq, AfterSeq: all[0].Seq})
	must(t, err)
	if !reflect.DeepEqual(ids(page), ids(all[1:2])) {
		t.Errorf("between seqs %d and %d: %v", all[0].Seq, all[2].Seq, ids(page))
	}
}

func testCountDeliveries(t *testing.T, s store.Store) {
	subs, ds := seed(t, s)
	_, err := s.ClaimDue(ctx, "w", base.Add(time.Hour), time.Minute, 10, "")
	must(t, err)
	must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: ds[0].ID, StartedAt: base}, store.DeliveryUpdate{Status: store.DeliverySucceeded}))
	must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: ds[1].ID, StartedAt: base}, store.DeliveryUpdate{Status: store.DeliveryFailed}))
	must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: ds[3].ID, StartedAt: base}, store.DeliveryUpdate{Status: store.DeliveryFailed}))
	for name, tc := range map[string]struct {
		f    store.DeliveryFilter
		want map[string]int64
	}{
		"all":    {store.DeliveryFilter{}, map[string]int64{"pending": 3, "succeeded": 1, "failed": 2}},
		"sub b":  {store.DeliveryFilter{SubscriptionID: subs[1].ID}, map[string]int64{"pending": 1, "failed": 2}},
		"run-x":  {store.DeliveryFilter{RunID: "run-x"}, map[string]int64{"pending": 1, "succeeded": 1}},
		"card.*": {store.DeliveryFilter{EventPattern: "card.*", Status: store.DeliveryFailed}, map[string]int64{"failed": 2}},
		"none":   {store.DeliveryFilter{RunID: "nope"}, map[string]int64{}},
	} {
		got, err := s.CountDeliveries(ctx, tc.f)
		must(t, err)
		for k, v := range got {
			if v == 0 {
				delete(got, k)
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}

func testClaimDue(t *testing.T, s store.Store) {
	now := base.Add(time.Hour)
	var ds []*store.Delivery
	for i, due := range []time.Duration{-3 * time.Second, -time.Second, -2 * time.Second, time.Minute} {
		d := newDelivery(fmt.Sprintf("http://127.0.0.1/%d", i))
		d.NextAttemptAt = now.Add(due)
		ds = append(ds, d)
	}
	must(t, s.CreateEvent(ctx, newEvent("evt_1", "card.created"), ds))
	got, err := s.ClaimDue(ctx, "w1", now, time.Hour, 2, "")
	must(t, err)
	if !reflect.DeepEqual(ids(got), []string{ds[0].ID, ds[2].ID}) {
		t.Errorf("claim order: %v, want oldest due first %v", ids(got), []string{ds[0].ID, ds[2].ID})
	}
	for _, d := range got {
		if d.LeaseOwner != "w1" {
			t.Errorf("LeaseOwner = %q", d.LeaseOwner)
		}
		sameTime(t, "LeaseExpiresAt", d.LeaseExpiresAt, now.Add(time.Hour))
		if d.URL == "" || d.EventID != "evt_1" || d.MaxAttempts != 5 {
			t.Errorf("claimed delivery not fully loaded: %+v", d)
		}
	}
	got, err = s.ClaimDue(ctx, "w2", now, time.Hour, 10, "")
	must(t, err)
	if !reflect.DeepEqual(ids(got), []string{ds[1].ID}) {
		t.Errorf("second claim: %v, want only %s (leased and future ones excluded)", ids(got), ds[1].ID)
	}
	got, err = s.ClaimDue(ctx, "w3", now, time.Minute, 10, "")
	must(t, err)
	if len(got) != 0 {
		t.Errorf("third claim got %v", ids(got))
	}
	// The future one becomes due.
	got, err = s.ClaimDue(ctx, "w3", now.Add(time.Minute), time.Second, 10, "")
	must(t, err)
	if !reflect.DeepEqual(ids(got), []string{ds[3].ID}) {
		t.Errorf("claim later: %v", ids(got))
	}
	// Finished deliveries are never claimed.
	must(t, s.RecordAttempt(ctx, "w1", &store.Attempt{DeliveryID: ds[0].ID, StartedAt: now}, store.DeliveryUpdate{Status: store.DeliverySucceeded}))
	got, err = s.ClaimDue(ctx, "w4", now.Add(2*time.Hour), time.Minute, 10, "")
	must(t, err)
	for _, d := range got {
		if d.ID == ds[0].ID {
			t.Error("succeeded delivery claimed")
		}
	}
	if len(got) != 3 {
		t.Errorf("after leases expired: claimed %d, want 3", len(got))
	}
	if got, err := s.ClaimDue(ctx, "w5", now.Add(3*time.Hour), time.Minute, 0, ""); err != nil || len(got) != 0 {
		t.Errorf("limit 0: %v %v", ids(got), err)
	}
}

func testClaimDueRun(t *testing.T, s store.Store) {
	var ds []*store.Delivery
	for i := 0; i < 4; i++ {
		d := newDelivery("http://127.0.0.1/x")
		d.RunID = []string{"run-a", "run-b"}[i%2]
		ds = append(ds, d)
	}
	must(t, s.CreateEvent(ctx, newEvent("evt_1", "card.created"), ds))
	got, err := s.ClaimDue(ctx, "w", base.Add(time.Hour), time.Minute, 10, "run-b")
	must(t, err)
	if !reflect.DeepEqual(ids(got), []string{ds[1].ID, ds[3].ID}) {
		t.Errorf("run-b claim: %v", ids(got))
	}
}

func testClaimExclusiveConcurrent(t *testing.T, s store.Store) {
	const n = 200
	for i := 0; i < n/20; i++ {
		var ds []*store.Delivery
		for j := 0; j < 20; j++ {
			ds = append(ds, newDelivery("http://127.0.0.1/x"))
		}
		must(t, s.CreateEvent(ctx, newEvent(fmt.Sprintf("evt_%d", i), "card.created"), ds))
	}
	var (
		mu     sync.Mutex
		claims = map[string]string{}
		dups   []string
		wg     sync.WaitGroup
		errs   = make(chan error, 8)
	)
	now := base.Add(time.Hour)
	for w := 0; w < 8; w++ {
		owner := fmt.Sprintf("worker-%d", w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := s.ClaimDue(ctx, owner, now, time.Hour, 7, "")
				if err != nil {
					errs <- err
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, d := range got {
					if prev, ok := claims[d.ID]; ok {
						dups = append(dups, d.ID+" by "+prev+" and "+owner)
					}
					claims[d.ID] = owner
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(dups) > 0 {
		t.Errorf("deliveries leased twice: %v", dups)
	}
	if len(claims) != n {
		t.Errorf("claimed %d deliveries, want %d", len(claims), n)
	}
	owners := map[string]bool{}
	for _, o := range claims {
		owners[o] = true
	}
	t.Logf("%d deliveries claimed by %d workers", len(claims), len(owners))
}

func testLeaseExpiry(t *testing.T, s store.Store) {
	d := newDelivery("http://127.0.0.1/x")
	must(t, s.CreateEvent(ctx, newEvent("evt_1", "card.created"), []*store.Delivery{d}))
	now := base.Add(time.Hour)
	got, err := s.ClaimDue(ctx, "old", now, 30*time.Second, 1, "")
	must(t, err)
	if len(got) != 1 {
		t.Fatalf("claimed %d", len(got))
	}
	if got, _ := s.ClaimDue(ctx, "new", now.Add(29*time.Second), 30*time.Second, 1, ""); len(got) != 0 {
		t.Fatal("claimed while the lease was live")
	}
	got, err = s.ClaimDue(ctx, "new", now.Add(31*time.Second), 30*time.Second, 1, "")
	must(t, err)
	if len(got) != 1 || got[0].LeaseOwner != "new" {
		t.Fatalf("re-claim after expiry: %+v", got)
	}
	// The old owner finishes late: its attempt is kept, the delivery is not touched.
	err = s.RecordAttempt(ctx, "old", &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: now, ResponseStatus: 200},
		store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200})
	if !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("RecordAttempt by the old owner: %v, want ErrLeaseLost", err)
	}
	cur, err := s.GetDelivery(ctx, d.ID)
	must(t, err)
	if cur.Status != store.DeliveryPending || cur.LeaseOwner != "new" {
		t.Errorf("after lost lease: status %s owner %s", cur.Status, cur.LeaseOwner)
	}
	must(t, s.RecordAttempt(ctx, "new", &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: now.Add(31 * time.Second), ResponseStatus: 500},
		store.DeliveryUpdate{Status: store.DeliveryFailed, LastStatus: 500, LastError: "HTTP 500"}))
	as, err := s.ListAttempts(ctx, d.ID)
	must(t, err)
	if len(as) != 2 || as[0].Number != 1 || as[1].Number != 2 || as[0].ResponseStatus != 200 || as[1].ResponseStatus != 500 {
		t.Errorf("attempts: %+v", as)
	}
	cur, err = s.GetDelivery(ctx, d.ID)
	must(t, err)
	if cur.Status != store.DeliveryFailed || cur.LeaseOwner != "" || cur.LastStatus != 500 || cur.LastError != "HTTP 500" {
		t.Errorf("final delivery: %+v", cur)
	}
	// Recording for an unknown delivery fails.
	err = s.RecordAttempt(ctx, "new", &store.Attempt{DeliveryID: "00000000-0000-4000-8000-00000000dead", StartedAt: now}, store.DeliveryUpdate{Status: store.DeliveryFailed})
	if err == nil {
		t.Error("RecordAttempt for an unknown delivery succeeded")
	}
}

// testAttemptManual: whether an attempt was asked for (Attempt.Manual) is
// kept by every way an attempt is written (RecordAttempt, a batch record,
// Import) and read (ListAttempts, ListAttemptRows, Export).
func testAttemptManual(t *testing.T, s store.Store) {
	testAttemptFlag(t, s, "Manual", func(a *store.Attempt) *bool { return &a.Manual })
}

// testAttemptInsecure: whether an attempt was sent accepting any TLS
// certificate (Attempt.Insecure) is kept as Manual is.
func testAttemptInsecure(t *testing.T, s store.Store) {
	testAttemptFlag(t, s, "Insecure", func(a *store.Attempt) *bool { return &a.Insecure })
}

// testAttemptFlag: the attempt's boolean flag (name, at field) is kept by
// every way an attempt is written (RecordAttempt, a batch record, Import)
// and read (ListAttempts, ListAttemptRows, Export); the others stay false.
func testAttemptFlag(t *testing.T, s store.Store, name string, field func(*store.Attempt) *bool) {
	ds := []*store.Delivery{newDelivery("http://127.0.0.1/a"), newDelivery("http://127.0.0.1/b"), newDelivery("http://127.0.0.1/c")}
	must(t, s.CreateEvent(ctx, newEvent("evt_1", "card.created"), ds))
	now := base.Add(time.Hour)
	if got, err := s.ClaimDue(ctx, "w", now, time.Minute, 3, ""); err != nil || len(got) != 3 {
		t.Fatalf("claimed %d: %v", len(got), err)
	}
	flagged := func(a *store.Attempt) *store.Attempt { *field(a) = true; return a }
	// One attempt each: the first by RecordAttempt (flagged), the others
	// in one batch when the store records batches (the second flagged).
	must(t, s.RecordAttempt(ctx, "w", flagged(&store.Attempt{DeliveryID: ds[0].ID, Number: 1, StartedAt: now, ResponseStatus: 200}),
		store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}))
	rest := []*store.Attempt{
		flagged(&store.Attempt{DeliveryID: ds[1].ID, DeliverySeq: ds[1].Seq, Number: 1, StartedAt: now.Add(time.Second), ResponseStatus: 200}),
		{DeliveryID: ds[2].ID, DeliverySeq: ds[2].Seq, Number: 1, StartedAt: now.Add(2 * time.Second), ResponseStatus: 200},
	}
	up := store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}
	if br, ok := s.(store.BatchRecorder); ok {
		errs, err := br.RecordAttempts(ctx, "w", rest, []store.DeliveryUpdate{up, up})
		must(t, err)
		must(t, errors.Join(errs...))
	} else {
		for _, a := range rest {
			must(t, s.RecordAttempt(ctx, "w", a, up))
		}
	}
	flags := func(as []*store.Attempt) []bool {
		out := make([]bool, len(as))
		for i, a := range as {
			out[i] = *field(a)
		}
		return out
	}
	want := map[string]bool{ds[0].ID: true, ds[1].ID: true, ds[2].ID: false}
	for _, d := range ds {
		as, err := s.ListAttempts(ctx, d.ID)
		must(t, err)
		if len(as) != 1 || *field(as[0]) != want[d.ID] {
			t.Errorf("ListAttempts(%s): %s %v, want one attempt, %s %v", d.URL, name, flags(as), name, want[d.ID])
		}
	}
	rows, err := s.ListAttemptRows(ctx, store.AttemptFilter{EventID: "evt_1"})
	must(t, err)
	if len(rows) != 3 {
		t.Fatalf("ListAttemptRows: %d rows", len(rows))
	}
	for _, r := range rows {
		if *field(&r.Attempt) != want[r.DeliveryID] {
			t.Errorf("ListAttemptRows: %s %s %v, want %v", r.DeliveryID, name, *field(&r.Attempt), want[r.DeliveryID])
		}
	}
	exported := map[string]bool{}
	must(t, s.Export(ctx, func(r store.Record) error {
		if r.Attempt != nil {
			exported[r.Attempt.DeliveryID] = *field(r.Attempt)
		}
		return nil
	}))
	if !reflect.DeepEqual(exported, want) {
		t.Errorf("Export: %s by delivery %v, want %v", name, exported, want)
	}
	// Import keeps it (a second attempt of the unflagged delivery).
	must(t, s.Import(ctx, store.Record{Attempt: flagged(&store.Attempt{DeliveryID: ds[2].ID, Number: 2, StartedAt: now.Add(time.Minute), ResponseStatus: 200})}))
	as, err := s.ListAttempts(ctx, ds[2].ID)
	must(t, err)
	if f := flags(as); len(f) != 2 || f[0] || !f[1] {
		t.Errorf("after Import: %s %v, want [false true] (the imported attempt 2 flagged)", name, f)
	}
}

func testRecordAttempt(t *testing.T, s store.Store) {
	d := newDelivery("http://127.0.0.1/x")
	must(t, s.CreateEvent(ctx, newEvent("evt_1", "card.created"), []*store.Delivery{d}))
	now := base.Add(time.Hour)
	if _, err := s.ClaimDue(ctx, "w", now, time.Minute, 1, ""); err != nil {
		t.Fatal(err)
	}
	a1 := &store.Attempt{
		DeliveryID:      d.ID,
		Number:          1,
		StartedAt:       now,
		Duration:        1500 * time.Microsecond,
		RequestURL:      d.URL,
		RequestMethod:   "POST",
		RequestHeaders:  map[string][]string{"Webhook-Id": {"evt_1"}, "Webhook-Signature": {"v1,abc", "v1,def"}},
		ResponseStatus:  503,
		ResponseHeaders: map[string][]string{"Retry-After": {"2"}},
		ResponseBody:    []byte("busy\x00\xff"),
	}
	next := now.Add(2 * time.Second)
	must(t, s.RecordAttempt(ctx, "w", a1, store.DeliveryUpdate{Status: store.DeliveryPending, NextAttemptAt: next, LastError: "HTTP 503", LastStatus: 503}))
	cur, err := s.GetDelivery(ctx, d.ID)
	must(t, err)
	if cur.Status != store.DeliveryPending || cur.AttemptCount != 1 || cur.LastStatus != 503 || cur.LastError != "HTTP 503" ||
		cur.LeaseOwner != "" || !cur.LeaseExpiresAt.IsZero() {
		t.Errorf("after retryable attempt: %+v", cur)
	}
	sameTime(t, "NextAttemptAt", cur.NextAttemptAt, next)
	// Not due before next; due at next.
	if got, _ := s.ClaimDue(ctx, "w", next.Add(-time.Millisecond), time.Minute, 1, ""); len(got) != 0 {
		t.Error("claimed before its retry time")
	}
	got, err := s.ClaimDue(ctx, "w", next, time.Minute, 1, "")
	must(t, err)
	if len(got) != 1 || got[0].AttemptCount != 1 {
		t.Fatalf("retry claim: %+v", got)
	}
	a2 := &store.Attempt{DeliveryID: d.ID, Number: 2, StartedAt: next, Error: "dial tcp: connection refused"}
	must(t, s.RecordAttempt(ctx, "w", a2, store.DeliveryUpdate{Status: store.DeliveryFailed, LastError: a2.Error}))
	// A lease not held (released by the update above) is lost.
	if err := s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: d.ID, StartedAt: next}, store.DeliveryUpdate{Status: store.DeliverySucceeded}); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("record without lease: %v, want ErrLeaseLost", err)
	}
	as, err := s.ListAttempts(ctx, d.ID)
	must(t, err)
	if len(as) != 3 {
		t.Fatalf("%d attempts, want 3", len(as))
	}
	g := as[0]
	if g.Number != 1 || g.Duration != a1.Duration || g.RequestURL != d.URL || g.RequestMethod != "POST" ||
		!reflect.DeepEqual(g.RequestHeaders, a1.RequestHeaders) || g.ResponseStatus != 503 ||
		!reflect.DeepEqual(g.ResponseHeaders, a1.ResponseHeaders) || string(g.ResponseBody) != string(a1.ResponseBody) {
		t.Errorf("attempt 1 round trip: %+v", g)
	}
	sameTime(t, "StartedAt", g.StartedAt, now)
	if as[1].Number != 2 || as[1].Error != a2.Error || as[1].ResponseStatus != 0 || as[2].Number != 3 {
		t.Errorf("attempts 2,3: %+v %+v", as[1], as[2])
	}
	cur, err = s.GetDelivery(ctx, d.ID)
	must(t, err)
	if cur.Status != store.DeliveryFailed || cur.AttemptCount != 2 || cur.LastError != a2.Error {
		t.Errorf("final: %+v", cur)
	}
	if as, err := s.ListAttempts(ctx, "00000000-0000-4000-8000-00000000beef"); err != nil || len(as) != 0 {
		t.Errorf("attempts of unknown delivery: %v %v", as, err)
	}
}

func testRequeue(t *testing.T, s store.Store) {
	ds := []*store.Delivery{newDelivery("http://127.0.0.1/a"), newDelivery("http://127.0.0.1/b"), newDelivery("http://127.0.0.1/c")}
	must(t, s.CreateEvent(ctx, newEvent("evt_1", "card.created"), ds))
	now := base.Add(time.Hour)
	_, err := s.ClaimDue(ctx, "w", now, time.Minute, 10, "")
	must(t, err)
	must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: ds[0].ID, StartedAt: now}, store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}))
	must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: ds[1].ID, StartedAt: now}, store.DeliveryUpdate{Status: store.DeliveryFailed, LastStatus: 500}))
	later := now.Add(time.Hour)
	got, err := s.Requeue(ctx, []string{ds[0].ID, ds[1].ID}, store.Requeue{ExtraAttempts: 3, Now: later, RunID: "replay-1"})
	must(t, err)
	if !reflect.DeepEqual(got, []string{ds[1].ID}) {
		t.Errorf("requeued %v, want only the failed one", got)
	}
	d1, err := s.GetDelivery(ctx, ds[1].ID)
	must(t, err)
	if d1.Status != store.DeliveryPending || d1.MaxAttempts != 4 || d1.AttemptCount != 1 || d1.RunID != "replay-1" ||
		d1.URL != ds[1].URL || d1.Schedule != ds[1].Schedule {
		t.Errorf("requeued delivery: %+v", d1)
	}
	sameTime(t, "NextAttemptAt", d1.NextAttemptAt, later)
	d0, err := s.GetDelivery(ctx, ds[0].ID)
	must(t, err)
	if d0.Status != store.DeliverySucceeded {
		t.Errorf("succeeded delivery changed without Force: %s", d0.Status)
	}
	got, err = s.Requeue(ctx, []string{ds[0].ID}, store.Requeue{ExtraAttempts: 1, Force: true, Now: later,
		URL: "http://127.0.0.1/other", Schedule: "0s,5s"})
	must(t, err)
	if !reflect.DeepEqual(got, []string{ds[0].ID}) {
		t.Errorf("forced requeue: %v", got)
	}
	d0, err = s.GetDelivery(ctx, ds[0].ID)
	must(t, err)
	if d0.Status != store.DeliveryPending || d0.URL != "http://127.0.0.1/other" || d0.Schedule != "0s,5s" || d0.MaxAttempts != 2 {
		t.Errorf("forced requeue: %+v", d0)
	}
	// Requeued deliveries are due and claimable (ds[2] is still leased to w).
	claimed, err := s.ClaimDue(ctx, "w2", later, time.Minute, 10, "replay-1")
	must(t, err)
	if !reflect.DeepEqual(ids(claimed), []string{ds[1].ID}) {
		t.Errorf("claim replay run: %v", ids(claimed))
	}
	// Requeue releases a lease on a pending delivery: its old worker loses it.
	_, err = s.Requeue(ctx, []string{ds[2].ID}, store.Requeue{ExtraAttempts: 1, Now: later})
	must(t, err)
	if err := s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: ds[2].ID, StartedAt: now}, store.DeliveryUpdate{Status: store.DeliveryFailed}); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("record after requeue: %v, want ErrLeaseLost", err)
	}
	if _, err := s.Requeue(ctx, []string{"00000000-0000-4000-8000-00000000cafe"}, store.Requeue{ExtraAttempts: 1}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("requeue unknown: %v", err)
	}
}

// Requeue with Unheld leaves a pending delivery a live process holds to
// it (the check is in the requeue's own statement, so a worker's claim
// between a replay's read and its requeue keeps the delivery), and takes
// over one whose lease expired or whose owner the caller found dead. A
// store.MatchRequeuer's bulk requeue keeps the same rule.
func testRequeueUnheld(t *testing.T, s store.Store) {
	ds := []*store.Delivery{newDelivery("http://127.0.0.1/a"), newDelivery("http://127.0.0.1/b"), newDelivery("http://127.0.0.1/c")}
	must(t, s.CreateEvent(ctx, newEvent("evt_1", "card.created"), ds))
	now := base.Add(time.Hour)
	const holder = "host:4242:w"
	claimed, err := s.ClaimDue(ctx, holder, now, time.Minute, 10, "")
	must(t, err)
	if len(claimed) != 3 {
		t.Fatalf("claimed %d, want 3", len(claimed))
	}
	must(t, s.RecordAttempt(ctx, holder, &store.Attempt{DeliveryID: ds[2].ID, Number: 1, StartedAt: now}, store.DeliveryUpdate{Status: store.DeliveryFailed}))

	r := store.Requeue{ExtraAttempts: 1, Now: now.Add(time.Second), RunID: "replay-u", Unheld: true}
	got, err := s.Requeue(ctx, []string{ds[0].ID, ds[1].ID, ds[2].ID}, r)
	must(t, err)
	if !reflect.DeepEqual(got, []string{ds[2].ID}) {
		t.Errorf("Unheld requeued %v, want only the failed one (the other two are held)", got)
	}
	for _, d := range ds[:2] {
		g, err := s.GetDelivery(ctx, d.ID)
		must(t, err)
		if g.LeaseOwner != holder || g.RunID == "replay-u" {
			t.Errorf("a held delivery was requeued: %+v", g)
		}
	}
	// The same requeue without Unheld takes it (as before); with its
	// owner among DeadOwners too.
	r.DeadOwners = []string{"other:1:x", holder}
	got, err = s.Requeue(ctx, []string{ds[0].ID}, r)
	must(t, err)
	if !reflect.DeepEqual(got, []string{ds[0].ID}) {
		t.Errorf("a dead owner's delivery: requeued %v, want it taken over", got)
	}
	if err := s.RecordAttempt(ctx, holder, &store.Attempt{DeliveryID: ds[0].ID, Number: 1, StartedAt: now}, store.DeliveryUpdate{Status: store.DeliverySucceeded}); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("the dead owner recorded after the take-over: %v, want ErrLeaseLost", err)
	}
	// An expired lease is taken over without naming its owner.
	r.DeadOwners = nil
	r.Now = now.Add(2 * time.Minute)
	got, err = s.Requeue(ctx, []string{ds[1].ID}, r)
	must(t, err)
	if !reflect.DeepEqual(got, []string{ds[1].ID}) {
		t.Errorf("an expired lease: requeued %v, want it taken over", got)
	}

	mr, ok := s.(store.MatchRequeuer)
	if !ok {
		return
	}
	e := []*store.Delivery{newDelivery("http://127.0.0.1/d"), newDelivery("http://127.0.0.1/e")}
	must(t, s.CreateEvent(ctx, newEvent("evt_2", "card.created"), e))
	later := now.Add(time.Hour)
	claimed, err = s.ClaimDue(ctx, holder, later, time.Minute, 1, "")
	must(t, err)
	if len(claimed) != 1 {
		t.Fatalf("claimed %d, want 1", len(claimed))
	}
	heldID := claimed[0].ID
	r = store.Requeue{ExtraAttempts: 1, Now: later, RunID: "replay-m", Unheld: true}
	rs, _, _, err := mr.RequeueMatching(ctx, store.DeliveryFilter{EventID: "evt_2"}, 10, r, "", time.Time{})
	must(t, err)
	if len(rs) != 1 || rs[0].ID == heldID {
		t.Errorf("RequeueMatching with Unheld requeued %v, want only the delivery %s does not hold", ids(rs), holder)
	}
	if g, _ := s.GetDelivery(ctx, heldID); g.LeaseOwner != holder {
		t.Errorf("RequeueMatching took a held delivery: %+v", g)
	}
}

// ReturnUnsent puts a replay's requeued, unsent deliveries back as failed
// (budget spent, lease and run freed) when they are still leased to the
// caller and pending, and touches nothing else.
func testReturnUnsent(t *testing.T, s store.Store) {
	ur, ok := s.(store.UnsentReturner)
	if !ok {
		t.Skip("no store.UnsentReturner")
	}
	ds := []*store.Delivery{newDelivery("http://127.0.0.1/a"), newDelivery("http://127.0.0.1/b"), newDelivery("http://127.0.0.1/c")}
	must(t, s.CreateEvent(ctx, newEvent("evt_1", "card.created"), ds))
	now := base.Add(time.Hour)
	_, err := s.ClaimDue(ctx, "w", now, time.Minute, 10, "")
	must(t, err)
	for _, d := range ds {
		must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: now}, store.DeliveryUpdate{Status: store.DeliveryFailed, LastStatus: 500, LastError: "HTTP 500"}))
	}
	// A replay requeues the first two leased to itself; another replay
	// holds the third.
	r := store.Requeue{ExtraAttempts: 2, Now: now, RunID: "replay-1"}
	lr, ok := s.(store.LeasingRequeuer)
	if !ok {
		t.Skip("no store.LeasingRequeuer")
	}
	_, err = lr.RequeueLeased(ctx, []string{ds[0].ID, ds[1].ID}, r, "me", now.Add(time.Minute))
	must(t, err)
	_, err = lr.RequeueLeased(ctx, []string{ds[2].ID}, r, "other", now.Add(time.Minute))
	must(t, err)
	got, err := ur.ReturnUnsent(ctx, "me", []string{ds[0].ID, ds[1].ID, ds[2].ID})
	must(t, err)
	sort.Strings(got)
	want := []string{ds[0].ID, ds[1].ID}
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("returned %v, want %v (only the caller's)", got, want)
	}
	for _, d := range ds[:2] {
		g, err := s.GetDelivery(ctx, d.ID)
		must(t, err)
		if g.Status != store.DeliveryFailed || g.MaxAttempts != g.AttemptCount || g.LeaseOwner != "" || g.RunID != "" ||
			g.LastStatus != 500 || g.LastError != "HTTP 500" {
			t.Errorf("returned as %+v, want failed as before the replay", g)
		}
	}
	if g, _ := s.GetDelivery(ctx, ds[2].ID); g.Status != store.DeliveryPending || g.LeaseOwner != "other" {
		t.Errorf("another owner's delivery was returned: %+v", g)
	}
	if c, _ := s.ClaimDue(ctx, "worker", now.Add(2*time.Minute), time.Minute, 10, ""); len(c) != 1 || c[0].ID != ds[2].ID {
		t.Errorf("a worker claimed %v, want only the delivery still pending", ids(c))
	}
}

// RestoreUnsent puts a replay's requeued, unsent deliveries back exactly
// as they were read before the requeue (status, budget, next attempt, URL,
// schedule, run), when they are still leased to the caller, pending and
// unattempted since, and touches nothing else.
func testRestoreUnsent(t *testing.T, s store.Store) {
	rs, ok := s.(store.UnsentRestorer)
	if !ok {
		t.Skip("no store.UnsentRestorer")
	}
	lr, ok := s.(store.LeasingRequeuer)
	if !ok {
		t.Skip("no store.LeasingRequeuer")
	}
	var ds []*store.Delivery
	for range 5 {
		d := newDelivery("http://127.0.0.1/a")
		d.RunID = "trigger-1"
		ds = append(ds, d)
	}
	must(t, s.CreateEvent(ctx, newEvent("evt_1", "card.created"), ds))
	now := base.Add(time.Hour)
	_, err := s.ClaimDue(ctx, "w", now, time.Minute, 10, "")
	must(t, err)
	later := now.Add(time.Hour)
	for i, u := range []store.DeliveryUpdate{
		{Status: store.DeliveryFailed, LastStatus: 500, LastError: "HTTP 500"},
		{Status: store.DeliverySucceeded, LastStatus: 200},
		{Status: store.DeliveryPending, NextAttemptAt: later, LastStatus: 503, LastError: "HTTP 503"},
		{Status: store.DeliveryPending, NextAttemptAt: later, LastStatus: 503, LastError: "HTTP 503"},
		{Status: store.DeliveryPending, NextAttemptAt: later, LastStatus: 503, LastError: "HTTP 503"},
	} {
		must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: ds[i].ID, Number: 1, StartedAt: now}, u))
	}
	prior := make([]*store.Delivery, len(ds))
	for i, d := range ds {
		prior[i], err = s.GetDelivery(ctx, d.ID)
		must(t, err)
	}
	// A replay (to another URL, forced) requeues the first four leased to
	// itself; the fourth is attempted after it was read (by the replay's
	// own retry), so its prior state is stale; another replay holds the
	// fifth.
	r := store.Requeue{URL: "http://127.0.0.1/other", ExtraAttempts: 2, Schedule: "0s,1s", Now: now, RunID: "replay-1", Force: true}
	until := now.Add(time.Hour)
	_, err = lr.RequeueLeased(ctx, []string{ds[3].ID}, r, "me", until)
	must(t, err)
	must(t, s.RecordAttempt(ctx, "me", &store.Attempt{DeliveryID: ds[3].ID, Number: 2, StartedAt: now},
		store.DeliveryUpdate{Status: store.DeliveryPending, NextAttemptAt: now, LastStatus: 500, LastError: "HTTP 500"}))
	got, err := lr.RequeueLeased(ctx, ids(ds[:4]), r, "me", until)
	must(t, err)
	if len(got) != 4 {
		t.Fatalf("requeued %v, want 4", ids(got))
	}
	_, err = lr.RequeueLeased(ctx, []string{ds[4].ID}, r, "other", until)
	must(t, err)

	back, err := rs.RestoreUnsent(ctx, "me", prior)
	must(t, err)
	sort.Strings(back)
	want := ids(ds[:3])
	sort.Strings(want)
	if !reflect.DeepEqual(back, want) {
		t.Errorf("restored %v, want %v (the caller's, unattempted since read)", back, want)
	}
	for i, p := range prior[:3] {
		g, err := s.GetDelivery(ctx, p.ID)
		must(t, err)
		if g.Status != p.Status || g.AttemptCount != p.AttemptCount || g.MaxAttempts != p.MaxAttempts || g.URL != p.URL ||
			g.Schedule != p.Schedule || g.RunID != p.RunID || !g.NextAttemptAt.Equal(p.NextAttemptAt) ||
			g.LastStatus != p.LastStatus || g.LastError != p.LastError || g.LeaseOwner != "" || !g.LeaseExpiresAt.IsZero() {
			t.Errorf("delivery %d restored as\n%+v\nwant as before the replay\n%+v", i, g, p)
		}
	}
	if g, _ := s.GetDelivery(ctx, ds[3].ID); g.Status != store.DeliveryPending || g.LeaseOwner != "me" || g.RunID != "replay-1" {
		t.Errorf("a delivery attempted since read was restored: %+v", g)
	}
	if g, _ := s.GetDelivery(ctx, ds[4].ID); g.Status != store.DeliveryPending || g.LeaseOwner != "other" {
		t.Errorf("another owner's delivery was restored: %+v", g)
	}
	// The pending one keeps its own time: nothing is due before it.
	if c, _ := s.ClaimDue(ctx, "worker", now.Add(time.Minute), time.Minute, 10, ""); len(c) != 0 {
		t.Errorf("a worker claimed %v before any was due", ids(c))
	}
}

func testInfo(t *testing.T, s store.Store) {
	_, ds := seed(t, s)
	_, err := s.ClaimDue(ctx, "w", base.Add(time.Hour), time.Minute, 1, "")
	must(t, err)
	must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: ds[0].ID, StartedAt: base}, store.DeliveryUpdate{Status: store.DeliverySucceeded}))
	info, err := s.Info(ctx)
	must(t, err)
	if info.Backend == "" || info.Location == "" || info.SchemaVersion < 1 ||
		info.Subscriptions != 2 || info.Events != 3 || info.Deliveries != 6 || info.Attempts != 1 {
		t.Errorf("info: %+v", info)
	}
	// store migrate names the store by its Locator, without Info's count.
	if l, ok := s.(store.Locator); !ok || l.Backend() != info.Backend || l.Location() != info.Location {
		t.Errorf("Locator: %T implements it %v, want Info's backend %q and location %q", s, ok, info.Backend, info.Location)
	}
}

// An imported delivery whose event, or attempt whose delivery, is in
// neither the input nor the store is an *store.ImportRefError naming both
// (bad input, exit 2), and nothing is written.
// testPing: an open store answers Ping; a closed one does not (serve's
// health check tells the difference).
func testPing(t *testing.T, s store.Store) {
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping of an open store: %v", err)
	}
	must(t, s.Close())
	if err := s.Ping(ctx); err == nil {
		t.Fatal("Ping of a closed store: no error")
	}
}

func testImportMissingReference(t *testing.T, s store.Store) {
	for _, tc := range []struct {
		rec  store.Record
		want store.ImportRefError
	}{
		{store.Record{Delivery: &store.Delivery{ID: "d1", EventID: "evt_missing", URL: "http://127.0.0.1/x", Status: store.DeliveryPending,
			CreatedAt: base, UpdatedAt: base, NextAttemptAt: base}},
			store.ImportRefError{Kind: "delivery", ID: "d1", RefKind: "event", RefID: "evt_missing"}},
		{store.Record{Attempt: &store.Attempt{DeliveryID: "d9", Number: 1, StartedAt: base}},
			store.ImportRefError{Kind: "attempt", ID: "1", RefKind: "delivery", RefID: "d9"}},
	} {
		err := s.Import(ctx, tc.rec)
		var re *store.ImportRefError
		if !errors.As(err, &re) || *re != tc.want {
			t.Errorf("import %+v: err = %v, want %+v", tc.want, err, tc.want)
		}
	}
	info, err := s.Info(ctx)
	must(t, err)
	if info.Deliveries != 0 || info.Attempts != 0 {
		t.Errorf("after refused imports: %d deliveries, %d attempts", info.Deliveries, info.Attempts)
	}
}

func testExportImport(t *testing.T, src, dst store.Store) {
	subs, ds := seed(t, src)
	subs[0].PreviousSecret = "whsec_old"
	subs[0].PreviousSecretExpiresAt = base.Add(time.Hour)
	subs[0].Headers = map[string]string{"X-A": "1"}
	must(t, src.UpdateSubscription(ctx, subs[0]))
	_, err := src.ClaimDue(ctx, "w", base.Add(time.Hour), time.Minute, 1, "")
	must(t, err)
	must(t, src.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: ds[0].ID, StartedAt: base, ResponseStatus: 500,
		RequestHeaders: map[string][]string{"A": {"b"}}, ResponseBody: []byte("no")}, store.DeliveryUpdate{Status: store.DeliveryPending, NextAttemptAt: base.Add(-time.Hour)}))
	_, err = src.ClaimDue(ctx, "w", base.Add(3*time.Hour), time.Minute, 1, "")
	must(t, err)
	must(t, src.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: ds[0].ID, StartedAt: base.Add(time.Second), ResponseStatus: 200}, store.DeliveryUpdate{Status: store.DeliverySucceeded}))

	var recs []store.Record
	must(t, src.Export(ctx, func(r store.Record) error { recs = append(recs, r); return nil }))
	counts := map[string]int{}
	order := ""
	for _, r := range recs {
		k := kind(r)
		counts[k]++
		if len(order) == 0 || order[len(order)-1] != k[0] {
			order += k[:1]
		}
	}
	if counts["subscription"] != 2 || counts["event"] != 3 || counts["delivery"] != 6 || counts["attempt"] != 2 || order != "seda" {
		t.Fatalf("export: %v in order %q", counts, order)
	}
	// Through the file `store export` writes and `store import` reads.
	var file bytes.Buffer
	w, err := dump.NewWriter(&file, dump.Header{ExportedAt: base, Store: dump.Backend(src)})
	must(t, err)
	for _, r := range recs {
		must(t, w.Write(r))
	}
	rd := dump.NewReader(bytes.NewReader(file.Bytes()))
	for i := range recs {
		r, err := rd.Next()
		must(t, err)
		if a, b := normalize(recs[i]), normalize(r); !reflect.DeepEqual(a, b) {
			t.Errorf("record %d read back from the file differs:\n got %+v\nwant %+v", i, b, a)
		}
		must(t, dst.Import(ctx, r))
	}
	if _, err := rd.Next(); err != io.EOF {
		t.Fatalf("the file after its records: %v", err)
	}
	// Importing twice skips what exists.
	for _, r := range recs {
		must(t, dst.Import(ctx, r))
	}
	var again []store.Record
	must(t, dst.Export(ctx, func(r store.Record) error { again = append(again, r); return nil }))
	if len(again) != len(recs) {
		t.Fatalf("round trip: %d records, want %d", len(again), len(recs))
	}
	for i := range recs {
		if a, b := normalize(recs[i]), normalize(again[i]); !reflect.DeepEqual(a, b) {
			t.Errorf("record %d differs:\n got %+v\nwant %+v", i, b, a)
		}
	}
	info, err := dst.Info(ctx)
	must(t, err)
	if info.Subscriptions != 2 || info.Deliveries != 6 || info.Attempts != 2 {
		t.Errorf("imported info: %+v", info)
	}
	// The imported store keeps working: a new delivery gets a fresh Seq.
	d := newDelivery("http://127.0.0.1/new")
	must(t, dst.CreateEvent(ctx, newEvent("evt_new", "card.created"), []*store.Delivery{d}))
	if d.Seq <= ds[len(ds)-1].Seq {
		t.Errorf("new Seq %d not after imported %d", d.Seq, ds[len(ds)-1].Seq)
	}
	// A failing callback stops the export with its error.
	stop := errors.New("stop")
	if err := src.Export(ctx, func(store.Record) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("export callback error: %v", err)
	}
}

func kind(r store.Record) string {
	switch {
	case r.Subscription != nil:
		return "subscription"
	case r.Object != nil:
		return "object"
	case r.Event != nil:
		return "event"
	case r.Delivery != nil:
		return "delivery"
	case r.Attempt != nil:
		return "attempt"
	}
	return "empty"
}

// normalize makes records comparable across backends: times in UTC,
// empty maps and slices as nil.
func normalize(r store.Record) store.Record {
	utc := func(t *time.Time) {
		if !t.IsZero() {
			*t = t.UTC()
		}
	}
	if s := r.Subscription; s != nil {
		c := *s
		utc(&c.CreatedAt)
		utc(&c.UpdatedAt)
		utc(&c.PreviousSecretExpiresAt)
		if len(c.Headers) == 0 {
			c.Headers = nil
		}
		if len(c.Metadata) == 0 {
			c.Metadata = nil
		}
		r.Subscription = &c
	}
	if e := r.Event; e != nil {
		c := *e
		utc(&c.CreatedAt)
		if len(c.Headers) == 0 {
			c.Headers = nil
		}
		r.Event = &c
	}
	if d := r.Delivery; d != nil {
		c := *d
		utc(&c.CreatedAt)
		utc(&c.UpdatedAt)
		utc(&c.NextAttemptAt)
		utc(&c.LeaseExpiresAt)
		if len(c.Headers) == 0 {
			c.Headers = nil
		}
		r.Delivery = &c
	}
	if o := r.Object; o != nil {
		c := *o
		utc(&c.CreatedAt)
		utc(&c.UpdatedAt)
		r.Object = &c
	}
	if a := r.Attempt; a != nil {
		c := *a
		utc(&c.StartedAt)
		for _, m := range []*map[string][]string{&c.RequestHeaders, &c.ResponseHeaders} {
			if len(*m) == 0 {
				*m = nil
			}
		}
		if len(c.ResponseBody) == 0 {
			c.ResponseBody = nil
		}
		r.Attempt = &c
	}
	return r
}

// testOriginKindVerdict: a delivery's origin and kind and an event's
// signature verdict are stored, read back by every reader and exported.
func testOriginKindVerdict(t *testing.T, s store.Store) {
	orig := newEvent("evt_origin", "card.created")
	od := newDelivery("http://127.0.0.1:1/listen")
	must(t, s.CreateEvent(ctx, orig, []*store.Delivery{od}))
	ev := newEvent("evt_origin", "card.created")
	ev.Verdict = "valid"
	fwd := newDelivery("http://127.0.0.1:2/app")
	fwd.OriginID, fwd.Kind = od.ID, store.KindForward
	must(t, s.CreateEvent(ctx, ev, []*store.Delivery{fwd}))
	recv := newEvent("evt_received", "card.created")
	recv.Source, recv.Verdict = store.SourceReceived, "invalid: signature mismatch"
	must(t, s.CreateEvent(ctx, recv, nil))

	got, err := s.GetDelivery(ctx, fwd.ID)
	must(t, err)
	if got.OriginID != od.ID || got.Kind != store.KindForward {
		t.Errorf("GetDelivery: origin %q kind %q", got.OriginID, got.Kind)
	}
	if d, err := s.GetDelivery(ctx, od.ID); err != nil || d.OriginID != "" || d.Kind != "" {
		t.Errorf("ordinary delivery: %+v %v", d, err)
	}
	list, err := s.ListDeliveries(ctx, store.DeliveryFilter{EventID: "evt_origin"})
	must(t, err)
	kinds := map[string]string{}
	for _, d := range list {
		kinds[d.ID] = d.Kind + "/" + d.OriginID
	}
	if kinds[fwd.ID] != store.KindForward+"/"+od.ID || kinds[od.ID] != "/" {
		t.Errorf("ListDeliveries kinds: %v", kinds)
	}
	e, err := s.GetEvent(ctx, "evt_received")
	must(t, err)
	if e.Verdict != "invalid: signature mismatch" {
		t.Errorf("GetEvent verdict %q", e.Verdict)
	}
	// The first write of an event wins: a later copy does not change its verdict.
	if e, _ := s.GetEvent(ctx, "evt_origin"); e == nil || e.Verdict != "" {
		t.Errorf("existing event changed: %+v", e)
	}
	sums, err := s.ListEvents(ctx, store.EventFilter{Source: store.SourceReceived})
	must(t, err)
	if len(sums) != 1 || sums[0].Verdict != "invalid: signature mismatch" {
		t.Errorf("ListEvents: %+v", sums)
	}
	// Sources: the forward is received, its origin sent; bulk replay
	// leaves the linked forward out.
	probeEv := newEvent("evt_probe", "card.created")
	probeEv.Source = store.SourceCheck
	probe := newDelivery("http://127.0.0.1:3/app")
	probe.Kind = store.KindProbe
	must(t, s.CreateEvent(ctx, probeEv, []*store.Delivery{probe}))
	for src, want := range map[string][]string{
		store.DeliverySent:     {od.ID},
		store.DeliveryReceived: {fwd.ID},
		store.DeliveryCheck:    {probe.ID},
	} {
		got, err := s.ListDeliveries(ctx, store.DeliveryFilter{Source: src})
		must(t, err)
		if len(got) != len(want) || got[0].ID != want[0] {
			t.Errorf("source %s: %v, want %v", src, ids(got), want)
		}
		counts, err := s.CountDeliveries(ctx, store.DeliveryFilter{Source: src})
		must(t, err)
		if counts[store.DeliveryPending] != 1 {
			t.Errorf("count source %s: %v", src, counts)
		}
	}
	all, err := s.ListDeliveries(ctx, store.DeliveryFilter{ExcludeLinked: true})
	must(t, err)
	if len(all) != 2 || slices.Contains(ids(all), fwd.ID) {
		t.Errorf("ExcludeLinked: %v", ids(all))
	}
	// Bulk replay leaves check's probes out too.
	noProbes, err := s.ListDeliveries(ctx, store.DeliveryFilter{ExcludeProbes: true, ExcludeLinked: true})
	must(t, err)
	if len(noProbes) != 1 || noProbes[0].ID != od.ID {
		t.Errorf("ExcludeProbes: %v, want [%s]", ids(noProbes), od.ID)
	}
	if counts, err := s.CountDeliveries(ctx, store.DeliveryFilter{ExcludeProbes: true}); err != nil || counts[store.DeliveryPending] != 2 {
		t.Errorf("count ExcludeProbes: %v %v", counts, err)
	}
	if got := store.DeliverySource(fwd, store.SourceTriggered); got != store.DeliveryReceived {
		t.Errorf("DeliverySource(forward) = %s", got)
	}

	var exported *store.Delivery
	var verdict string
	must(t, s.Export(ctx, func(r store.Record) error {
		if r.Delivery != nil && r.Delivery.ID == fwd.ID {
			exported = r.Delivery
		}
		if r.Event != nil && r.Event.ID == "evt_received" {
			verdict = r.Event.Verdict
		}
		return nil
	}))
	if exported == nil || exported.OriginID != od.ID || exported.Kind != store.KindForward || verdict == "" {
		t.Errorf("export lost origin/kind/verdict: %+v %q", exported, verdict)
	}
	// By origin: the deliveries derived from od (the forward, and an
	// edited copy of its own event), not od itself.
	edEv := newEvent("evt_edited_copy", "card.created")
	ed := newDelivery("http://127.0.0.1:1/listen")
	ed.OriginID, ed.Kind = od.ID, store.KindEdited
	must(t, s.CreateEvent(ctx, edEv, []*store.Delivery{ed}))
	derived, err := s.ListDeliveries(ctx, store.DeliveryFilter{OriginID: od.ID, Newest: true})
	must(t, err)
	if len(derived) != 2 || derived[0].ID != ed.ID || derived[1].ID != fwd.ID {
		t.Errorf("ListDeliveries by origin %s: %+v, want the edited copy then the forward", od.ID, derived)
	}
	if n, err := s.ListDeliveries(ctx, store.DeliveryFilter{OriginID: fwd.ID}); err != nil || len(n) != 0 {
		t.Errorf("ListDeliveries by an origin nothing derives from: %d %v", len(n), err)
	}
}
