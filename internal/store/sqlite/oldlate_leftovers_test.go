package sqlite

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// lateSeqs reads the seqs listed in deliveries_late, in order.
func lateSeqs(t *testing.T, s *Store) []int64 {
	t.Helper()
	rows, err := s.r.QueryContext(t.Context(), `SELECT seq FROM deliveries_late ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var seqs []int64
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return seqs
}

// A store of schema 15 whose deliveries_late still lists deliveries an
// older binary pruned (its prune deleted the deliveries and left their
// entries) has none of those entries once migrated to 16; the entries of
// the late deliveries still stored stay.
func TestOldlateMigrationDropsLeftoverLateEntries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v15.db")
	ctx := t.Context()
	s, err := OpenStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	fresh := &store.Event{ID: "evt-oldlate-fresh", Type: "card.created", Payload: []byte(`{}`), CreatedAt: now}
	if err := s.CreateEvent(ctx, fresh, []*store.Delivery{{ID: "d-oldlate-fresh", URL: "http://127.0.0.1:1/fresh",
		CreatedAt: now, UpdatedAt: now, Status: store.DeliverySucceeded, AttemptCount: 1}}); err != nil {
		t.Fatal(err)
	}
	// Three deliveries imported long after their creation (an older
	// store's history): each is late.
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
	listed := lateSeqs(t, s)
	if len(listed) != 3 {
		t.Fatalf("deliveries listed late: %v, want the 3 imported ones", listed)
	}
	var kept int64
	if err := s.r.QueryRowContext(ctx, `SELECT seq FROM deliveries WHERE id = 'd-oldlate-kept'`).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	// What the prune of schema 15's binaries before 157ec45 did: the
	// events, their deliveries and attempts deleted, deliveries_late left
	// as it was.
	for _, q := range []string{
		`DELETE FROM attempts WHERE delivery_seq IN (SELECT seq FROM deliveries WHERE id IN ('d-oldlate-gone-1', 'd-oldlate-gone-2'))`,
		`DELETE FROM deliveries WHERE id IN ('d-oldlate-gone-1', 'd-oldlate-gone-2')`,
		`DELETE FROM events WHERE id IN ('evt-oldlate-gone-1', 'evt-oldlate-gone-2')`,
	} {
		if _, err := s.w.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if got := lateSeqs(t, s); !slices.Equal(got, listed) {
		t.Fatalf("deliveries_late after the old prune: %v, want the leftovers %v still there", got, listed)
	}
	s = reopenAt(t, s, path, 15)
	defer s.Close()
	if got := lateSeqs(t, s); !slices.Equal(got, []int64{kept}) {
		t.Errorf("deliveries_late after the upgrade from 15: %v, want only the kept delivery's %d (of %v)", got, kept, listed)
	}
	var v int
	if err := s.r.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil || v != SchemaVersion() || v < 16 {
		t.Fatalf("user_version %d (%v), want %d (16 or later)", v, err, SchemaVersion())
	}
}
