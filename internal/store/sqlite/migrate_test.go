package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/storetest"
)

// A store written by schema version 1 (deliveries found their event by
// its text id) opens under the current schema with nothing lost: every
// delivery is found by its event again and the event counts are right.
func TestMigratesVersion1Store(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	v1 := migrations()[0]
	if v1.Version != 1 {
		t.Fatalf("first migration is %s", v1.Name)
	}
	stmts := []string{v1.SQL, fmt.Sprintf(`PRAGMA application_id = %d; PRAGMA user_version = 1`, ApplicationID),
		`INSERT INTO events (id, type, payload, created_at) VALUES ('evt_a', 'card.created', '{}', 1), ('evt_b', 'card.updated', '{}', 2)`,
		`INSERT INTO deliveries (id, event_id, url, status, created_at, updated_at) VALUES
			('d1', 'evt_a', 'http://x', 'succeeded', 1, 1), ('d2', 'evt_a', 'http://y', 'failed', 1, 1),
			('d3', 'evt_b', 'http://x', 'pending', 2, 2)`,
		`INSERT INTO attempts (delivery_seq, number, started_at, response_status) VALUES (1, 1, 1, 200)`,
	}
	for _, q := range stmts {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()

	s, err := OpenStore(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	var version int
	if err := s.r.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil || version != migrations()[len(migrations())-1].Version {
		t.Fatalf("user_version %d (%v), want the latest", version, err)
	}
	byEvent := map[string]int{"evt_a": 2, "evt_b": 1}
	for ev, want := range byEvent {
		ds, err := s.ListDeliveries(ctx, store.DeliveryFilter{EventID: ev})
		if err != nil || len(ds) != want {
			t.Fatalf("deliveries of %s: %d (%v), want %d", ev, len(ds), err, want)
		}
		for _, d := range ds {
			if d.EventID != ev {
				t.Errorf("delivery %s has event %s, want %s", d.ID, d.EventID, ev)
			}
		}
	}
	sums, err := s.ListEvents(ctx, store.EventFilter{})
	if err != nil || len(sums) != 2 {
		t.Fatalf("events: %d (%v)", len(sums), err)
	}
	for _, e := range sums {
		got := [3]int{e.Pending, e.Succeeded, e.Failed}
		want := map[string][3]int{"evt_a": {0, 1, 1}, "evt_b": {1, 0, 0}}[e.ID]
		if got != want {
			t.Errorf("%s counts (pending, succeeded, failed) = %v, want %v", e.ID, got, want)
		}
	}
	// Filtering by event type joins on the new key.
	ds, err := s.ListDeliveries(ctx, store.DeliveryFilter{EventPattern: "card.updated"})
	if err != nil || len(ds) != 1 || ds[0].ID != "d3" {
		t.Fatalf("deliveries of card.updated: %v (%v), want d3", ds, err)
	}
	// New deliveries of an old event get its seq too.
	if err := s.CreateEvent(ctx, &store.Event{ID: "evt_a", Type: "card.created", Payload: []byte(`{}`)},
		[]*store.Delivery{{URL: "http://z", MaxAttempts: 1}}); err != nil {
		t.Fatal(err)
	}
	if ds, err := s.ListDeliveries(ctx, store.DeliveryFilter{EventID: "evt_a"}); err != nil || len(ds) != 3 {
		t.Fatalf("deliveries of evt_a after a new one: %d (%v), want 3", len(ds), err)
	}
}

// Subscriptions stored before URL schemes were kept in lower case (and
// the deliveries that copied their URL) are lowered by schema version 8:
// they were shown as HTTP://… and compared with lower-case URLs as stored.
func TestMigratesUpperCaseSchemes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v7.db")
	ctx := context.Background()
	s, err := OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	c := storetest.SeedUpperCaseSchemes(t, s)
	s = reopenAt(t, s, path, 7)
	defer s.Close()
	storetest.CheckLowerCaseSchemes(t, s, c)
}

// reopenAt marks s as written at schema version v, closes it and opens
// path again (which migrates it from v).
func reopenAt(t *testing.T, s *Store, path string, v int) *Store {
	t.Helper()
	if v < 10 {
		// Version 10 added attempts.insecure (which SQLite cannot add
		// only if missing): a store of before has none.
		if _, err := s.w.Exec(`ALTER TABLE attempts DROP COLUMN insecure`); err != nil {
			t.Fatal(err)
		}
	}
	if v < 14 {
		// Version 14 added deliveries.deleted_subscription_id and its
		// index: the same.
		if _, err := s.w.Exec(`DROP INDEX deliveries_deleted_subscription; ALTER TABLE deliveries DROP COLUMN deleted_subscription_id`); err != nil {
			t.Fatal(err)
		}
	}
	if v < 15 {
		// Version 15 added the events filters' indexes and the late
		// deliveries' table.
		if _, err := s.w.Exec(`DROP INDEX events_source_created; DROP INDEX events_provider_created;
			DROP INDEX events_verdict_valid; DROP INDEX events_verdict_rejected;
			DROP TABLE deliveries_late`); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.w.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, v)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err := OpenStore(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// store migrate reports the migration that opening the store applied:
// Open migrates, so Migrate returns the version Open found, not the one
// it left (which read "up to date" after every upgrade).
func TestMigrateReportsWhatOpenApplied(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v7.db")
	ctx := context.Background()
	s, err := OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if from, to, err := s.Migrate(ctx); err != nil || from != 0 || to != SchemaVersion() {
		t.Fatalf("new store: Migrate = %d, %d, %v; want 0, %d", from, to, err, SchemaVersion())
	}
	s = reopenAt(t, s, path, 7)
	if from, to, err := s.Migrate(ctx); err != nil || from != 7 || to != SchemaVersion() {
		t.Fatalf("store at 7: Migrate = %d, %d, %v; want 7, %d", from, to, err, SchemaVersion())
	}
	s = reopenAt(t, s, path, SchemaVersion())
	defer s.Close()
	if from, to, err := s.Migrate(ctx); err != nil || from != to || to != SchemaVersion() {
		t.Fatalf("current store: Migrate = %d, %d, %v; want %d, %d", from, to, err, SchemaVersion(), SchemaVersion())
	}
}
