package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// subleftNewer is a newer copy of each of ds: failed, not leased, its
// last error "refreshed".
func subleftNewer(ds []*store.Delivery) []store.Record {
	recs := make([]store.Record, 0, len(ds))
	for _, d := range ds {
		newer := *d
		newer.UpdatedAt = d.UpdatedAt.Add(time.Minute)
		newer.Status, newer.LeaseOwner, newer.LeaseExpiresAt, newer.LastError = store.DeliveryFailed, "", time.Time{}, "refreshed"
		recs = append(recs, store.Record{Delivery: &newer})
	}
	return recs
}

// TestSubleftImportOneBatchOverManyEndedLeases: one import batch (store
// import --batch-size 50000) refreshing more stored deliveries whose
// lease ended than the server's lock table holds refreshes them all.
// The refresh tried each such row's lease-wait lock, held until the
// commit: the batch failed with "out of shared memory (SQLSTATE 53200)",
// nothing written, at every try (TestPglocksImportOverManyEndedLeases
// imports the same rows 1,000 at a time, which held).
func TestSubleftImportOneBatchOverManyEndedLeases(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, pgtest.URL(t))
	n := pglocksRows(t, db)
	pglocksSeed(t, db, n, store.DeliveryPending, "")
	all, err := db.ListDeliveries(ctx, store.DeliveryFilter{})
	if err != nil || len(all) != n {
		t.Fatalf("seeded: %d, %v", len(all), err)
	}
	st, err := db.ImportBatchStats(ctx, subleftNewer(all))
	if err != nil || st.Refreshed != int64(n) {
		t.Fatalf("one batch over %d ended leases: refreshed %d, %v; want all", n, st.Refreshed, err)
	}
	got, err := db.GetDelivery(ctx, all[n-1].ID)
	if err != nil || got.LastError != "refreshed" || got.LeaseOwner != "" {
		t.Errorf("after the import: %+v, %v", got, err)
	}
}

// TestSubleftImportPassesOverRenewalBetweenStatements: a renewal that
// holds a delivery's lease-wait lock and has not locked its row yet
// (WaitRenewLease between its first statement and its second, each a
// round trip) keeps an import from refreshing the delivery, whose lease
// ended: its owner is alive. The import locks no row it cannot have at
// once and reads the held lease-wait locks from pg_locks (it tried each
// row's lock before, one lock-table entry each). A guard: this held
// before too.
func TestSubleftImportPassesOverRenewalBetweenStatements(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	db := openDB(t, u)
	pglocksSeed(t, db, 3, store.DeliveryPending, "")
	all, err := db.ListDeliveries(ctx, store.DeliveryFilter{})
	if err != nil || len(all) != 3 {
		t.Fatalf("seeded: %d, %v", len(all), err)
	}
	held := all[1]
	conn := pgbusyConnect(t, u)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, postgres.LeaseWaitClass, held.ID); err != nil {
		t.Fatal(err)
	}
	st, err := db.ImportBatchStats(ctx, subleftNewer(all))
	if err != nil || st.Refreshed != 2 {
		t.Fatalf("import: refreshed %d, %v; want the 2 no renewal holds", st.Refreshed, err)
	}
	for _, d := range all {
		got, err := db.GetDelivery(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if refreshed := got.LastError == "refreshed"; refreshed == (d.ID == held.ID) {
			t.Errorf("%s after the import: %+v (held by a renewal: %v)", d.ID, got, d.ID == held.ID)
		}
	}
}
