package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestPgbusy2ImportPassesOverHeldRows: an import (its deliveries table
// lock taken, then held up by the foreign key check of a delivery it
// adds, whose event's row another transaction locks) that holds a newer
// copy of a stored delivery whose lease ended, while the owner's renewal
// holds that row (HoldRenewLeases, waiting for the import's table lock),
// passes over the row and commits; the renewal then renews it. The
// import waited for the row and the renewal for the table: a deadlock,
// broken after deadlock_timeout (1 s) by failing the renewal (the import
// then refreshed the row, freed, for any claim to send again while its
// owner was sending it) or the import.
func TestPgbusy2ImportPassesOverHeldRows(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	db := openDB(t, u)
	now := time.Now()
	_, ds := newEvent(t, db, 1, "", now.Add(-time.Hour))
	if claimed, err := db.ClaimDue(ctx, "w", now.Add(-time.Hour), time.Second, 1, ""); err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %d, %v", len(claimed), err)
	}
	held := ds[0]
	ev, _ := newEvent(t, db, 0, "", now)
	stored, err := db.GetDelivery(ctx, held.ID)
	if err != nil {
		t.Fatal(err)
	}
	newer := *stored
	newer.UpdatedAt = stored.UpdatedAt.Add(time.Minute)
	newer.Status, newer.LeaseOwner, newer.LeaseExpiresAt, newer.LastError = store.DeliveryPending, "", time.Time{}, "refreshed"
	added := &store.Delivery{ID: "dlv_pgbusy2_added", EventID: ev.ID, URL: "http://127.0.0.1:1/added", Status: store.DeliveryFailed,
		MaxAttempts: 1, Schedule: "0s", CreatedAt: now, UpdatedAt: now}

	look := pgbusyConnect(t, u)
	conn := pgbusyConnect(t, u)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT id FROM events WHERE id = $1 FOR UPDATE`, ev.ID); err != nil {
		t.Fatal(err)
	}
	imported := make(chan error, 1)
	go func() { imported <- db.ImportBatch(ctx, []store.Record{{Delivery: added}, {Delivery: &newer}}) }()
	pgbusy2Until(t, look, "the import to hold the deliveries table's lock",
		`SELECT count(*) FROM pg_locks WHERE relation = 'deliveries'::regclass AND mode = 'ShareRowExclusiveLock' AND granted`)
	type result struct {
		renewed []string
		err     error
	}
	renewal := make(chan result, 1)
	go func() {
		got, err := db.HoldRenewLeases(ctx, "w", []string{held.ID}, time.Hour)
		renewal <- result{got, err}
	}()
	pgbusy2Until(t, look, "the renewal to hold the row and wait for the table",
		`SELECT count(*) FROM pg_locks h JOIN pg_locks w ON w.pid = h.pid
		WHERE h.relation = 'deliveries'::regclass AND h.mode = 'RowShareLock' AND h.granted
		  AND w.relation = 'deliveries'::regclass AND w.mode = 'RowExclusiveLock' AND NOT w.granted`)
	start := time.Now()
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-imported:
		if err != nil {
			t.Errorf("import: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the import did not end")
	}
	select {
	case r := <-renewal:
		if r.err != nil || len(r.renewed) != 1 {
			t.Errorf("the renewal: %v, %v; want it renewed", r.renewed, r.err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the renewal did not end")
	}
	got, err := db.GetDelivery(ctx, held.ID)
	if err != nil || got.LeaseOwner != "w" || got.LastError == "refreshed" || got.LeaseExpiresAt.Before(start.Add(59*time.Minute)) {
		t.Errorf("after the import: %+v %v; want w's, not refreshed, renewed for an hour", got, err)
	}
	if _, err := db.GetDelivery(ctx, added.ID); err != nil {
		t.Errorf("the delivery the import adds: %v", err)
	}
}

// pgbusy2Until polls the count query q until it is above zero, failing
// the test after a generous timeout.
func pgbusy2Until(t *testing.T, look *pgx.Conn, what, q string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		if err := look.QueryRow(context.Background(), q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
