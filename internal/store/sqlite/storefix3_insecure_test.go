package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// An attempt recorded by a store of schema version 9 (before attempts
// kept whether they were sent with --insecure) reads as not insecure
// once the store is migrated, and the migrated store keeps the flag of
// the attempts recorded after.
func TestStorefix3AttemptInsecureAfterMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v9.db")
	s, err := OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ev := &store.Event{ID: "evt_1", Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json",
		Source: store.SourceTriggered, CreatedAt: now}
	d := &store.Delivery{URL: "https://127.0.0.1/x", MaxAttempts: 5, Schedule: "0s,1s", NextAttemptAt: now}
	if err := s.CreateEvent(ctx, ev, []*store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	claim := func() {
		t.Helper()
		if got, err := s.ClaimDue(ctx, "w", now.Add(time.Hour), time.Minute, 1, ""); err != nil || len(got) != 1 {
			t.Fatalf("claimed %d: %v", len(got), err)
		}
	}
	claim()
	if err := s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: now, ResponseStatus: 500},
		store.DeliveryUpdate{Status: store.DeliveryPending, NextAttemptAt: now}); err != nil {
		t.Fatal(err)
	}
	s = reopenAt(t, s, path, 9)
	defer s.Close()
	claim()
	if err := s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: d.ID, Number: 2, StartedAt: now.Add(time.Second), ResponseStatus: 200, Insecure: true},
		store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}); err != nil {
		t.Fatal(err)
	}
	as, err := s.ListAttempts(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 2 || as[0].Insecure || !as[1].Insecure {
		t.Fatalf("attempts after the migration: %d, want the one of before not insecure, the one after insecure", len(as))
	}
}
