package storetest

import (
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// testImportRefreshesDelivery: a delivery already in the store is brought
// up to date by a newer copy of it (the same history exported again
// after a replay there), so it agrees with the attempts imported with it;
// an older copy, or any copy while a live lease here holds the delivery,
// changes nothing. Before, the stored delivery was skipped and its new
// attempts added: "Attempts: 3 of 3" over four attempts, a stale status.
func testImportRefreshesDelivery(t *testing.T, s store.Store) {
	ev := &store.Event{ID: "evt_refresh", Type: "card.created", Payload: []byte(`{}`), Source: store.SourceTriggered, CreatedAt: base}
	old := store.Delivery{ID: "d_refresh", EventID: ev.ID, URL: "http://127.0.0.1:9/old", Status: store.DeliveryFailed,
		AttemptCount: 1, MaxAttempts: 1, Schedule: "0s", LastError: "connection refused", CreatedAt: base, UpdatedAt: base}
	att := func(n, status int) store.Record {
		return store.Record{Attempt: &store.Attempt{DeliveryID: old.ID, Number: n, StartedAt: base.Add(time.Duration(n) * time.Minute),
			RequestURL: old.URL, RequestMethod: "POST", ResponseStatus: status}}
	}
	must(t, s.Import(ctx, store.Record{Event: ev}))
	d0 := old
	must(t, s.Import(ctx, store.Record{Delivery: &d0}))
	must(t, s.Import(ctx, att(1, 0)))

	// The newer copy: replayed there, to the subscription's new URL.
	newer := old
	newer.URL, newer.Status, newer.AttemptCount, newer.MaxAttempts = "http://127.0.0.1:9/new", store.DeliverySucceeded, 2, 2
	newer.LastError, newer.LastStatus, newer.UpdatedAt = "", 200, base.Add(2*time.Minute)
	older := old
	older.LastError, older.UpdatedAt = "an older copy", base.Add(-time.Minute)
	recs := []store.Record{{Event: ev}, {Delivery: &newer}, att(1, 0), att(2, 200), {Delivery: &older}}
	if si, ok := s.(store.StatsImporter); ok {
		// store import reports the refresh instead of counting the copy
		// as skipped: one stored delivery brought up to date (the older
		// copy after it changes nothing).
		stats, err := si.ImportBatchStats(ctx, recs)
		must(t, err)
		if stats.Refreshed != 1 {
			t.Errorf("ImportBatchStats: %d deliveries refreshed, want 1", stats.Refreshed)
		}
	} else if b, ok := s.(store.BatchImporter); ok {
		must(t, b.ImportBatch(ctx, recs))
	} else {
		for _, r := range recs {
			must(t, s.Import(ctx, r))
		}
	}
	check := func(when string, want store.Delivery) {
		t.Helper()
		got, err := s.GetDelivery(ctx, old.ID)
		must(t, err)
		if got.URL != want.URL || got.Status != want.Status || got.AttemptCount != want.AttemptCount ||
			got.MaxAttempts != want.MaxAttempts || got.LastError != want.LastError || got.LastStatus != want.LastStatus ||
			!got.UpdatedAt.Equal(want.UpdatedAt) {
			t.Errorf("%s: delivery %s %s %d/%d %q %d at %v, want %s %s %d/%d %q %d at %v", when,
				got.URL, got.Status, got.AttemptCount, got.MaxAttempts, got.LastError, got.LastStatus, got.UpdatedAt,
				want.URL, want.Status, want.AttemptCount, want.MaxAttempts, want.LastError, want.LastStatus, want.UpdatedAt)
		}
	}
	check("after the newer copy", newer)
	as, err := s.ListAttempts(ctx, old.ID)
	must(t, err)
	if len(as) != 2 {
		t.Errorf("%d attempts, want 2", len(as))
	}
	// An older copy alone changes nothing either.
	o2 := older
	must(t, s.Import(ctx, store.Record{Delivery: &o2}))
	check("after an older copy", newer)

	// A delivery a live process here holds keeps what that process
	// records: a newer copy does not overwrite it.
	held := newer
	held.ID, held.Status, held.AttemptCount = "d_held", store.DeliveryPending, 0
	held.LeaseOwner, held.LeaseExpiresAt = "here:1:abcd", time.Now().Add(time.Hour)
	must(t, s.Import(ctx, store.Record{Delivery: &held}))
	later := held
	later.Status, later.AttemptCount, later.LeaseOwner, later.LeaseExpiresAt = store.DeliverySucceeded, 1, "", time.Time{}
	later.UpdatedAt = held.UpdatedAt.Add(time.Minute)
	must(t, s.Import(ctx, store.Record{Delivery: &later}))
	got, err := s.GetDelivery(ctx, held.ID)
	must(t, err)
	if got.Status != store.DeliveryPending || got.LeaseOwner != held.LeaseOwner {
		t.Errorf("a held delivery: %s, lease %q after a newer copy, want pending, still held", got.Status, got.LeaseOwner)
	}
}
