package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// A PostgreSQL store of schema 18 whose deliveries_late still lists
// deliveries a binary of before 157ec45 pruned has none of those entries
// once at 19 (migration 19 deletes them), and keeps the kept late
// delivery's: the leftovers SQLite's schema 16 deletes need no PostgreSQL
// schema 20 (every binary of PostgreSQL 19 has the prune that deletes
// them).
func TestOldlatePgMigration19DropsLeftoverLateEntries(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	s, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	late := func(s store.Store) []int64 {
		t.Helper()
		rows, err := s.(*postgres.DB).Pool().Query(ctx, `SELECT seq FROM deliveries_late ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		seqs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			t.Fatal(err)
		}
		return seqs
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	fresh := &store.Event{ID: "evt-oldlate-fresh", Type: "card.created", Payload: []byte(`{}`), CreatedAt: now}
	if err := s.CreateEvent(ctx, fresh, []*store.Delivery{{ID: "d-oldlate-fresh", URL: "http://127.0.0.1:1/fresh",
		CreatedAt: now, UpdatedAt: now, Status: store.DeliverySucceeded, AttemptCount: 1}}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"gone-1", "kept", "gone-2"} {
		at := now.Add(-48 * time.Hour)
		if id == "kept" {
			at = now.Add(-time.Hour)
		}
		e := &store.Event{ID: "evt-oldlate-" + id, Type: "card.created", Payload: []byte(`{}`), CreatedAt: at}
		d := &store.Delivery{ID: "d-oldlate-" + id, EventID: e.ID, URL: "http://127.0.0.1:1/late",
			CreatedAt: at, UpdatedAt: at, Status: store.DeliverySucceeded, AttemptCount: 1}
		if err := s.Import(ctx, store.Record{Event: e}); err != nil {
			t.Fatal(err)
		}
		if err := s.Import(ctx, store.Record{Delivery: d}); err != nil {
			t.Fatal(err)
		}
	}
	listed := late(s)
	if len(listed) != 3 {
		t.Fatalf("deliveries listed late: %v, want the 3 imported ones", listed)
	}
	var kept int64
	if err := s.(*postgres.DB).Pool().QueryRow(ctx, `SELECT seq FROM deliveries WHERE id = 'd-oldlate-kept'`).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	// What the prune of before 157ec45 did (deliveries_late untouched),
	// then the store marked as written at 18.
	if _, err := s.(*postgres.DB).Pool().Exec(ctx, `
		DELETE FROM attempts WHERE delivery_id IN ('d-oldlate-gone-1', 'd-oldlate-gone-2');
		DELETE FROM deliveries WHERE id IN ('d-oldlate-gone-1', 'd-oldlate-gone-2');
		DELETE FROM events WHERE id IN ('evt-oldlate-gone-1', 'evt-oldlate-gone-2');
		DROP INDEX events_type_created;
		DELETE FROM hookctl_schema_migrations WHERE version >= 19`); err != nil {
		t.Fatal(err)
	}
	if got := late(s); !slices.Equal(got, listed) {
		t.Fatalf("deliveries_late after the old prune: %v, want the leftovers %v still there", got, listed)
	}
	s.Close()
	s, err = postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := late(s); !slices.Equal(got, []int64{kept}) {
		t.Errorf("deliveries_late after the upgrade from 18: %v, want only the kept delivery's %d (of %v)", got, kept, listed)
	}
}
