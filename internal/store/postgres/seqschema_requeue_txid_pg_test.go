package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestSeqschemaRequeueTxidUpgradePostgres: a store of schema 14 (the
// requeue log without txid) upgrades to 15 keeping every entry as it was
// (no txid: committed long ago, not read by transaction), and an entry
// written after takes its transaction's id, read by
// RequeuesCommittedAfter with a snapshot taken before it.
func TestSeqschemaRequeueTxidUpgradePostgres(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	db := openDB(t, u)
	_, ds := newEvent(t, db, 2, "", time.Now())
	if _, err := db.Requeue(ctx, []string{ds[0].ID, ds[1].ID}, store.Requeue{ExtraAttempts: 1, Force: true}); err != nil {
		t.Fatal(err)
	}
	// Back to schema 14, as an older hookctl left it.
	if _, err := db.Pool().Exec(ctx, `ALTER TABLE requeues DROP COLUMN txid; ALTER TABLE deliveries DROP COLUMN deleted_subscription_id;
		DROP TRIGGER deliveries_event_type ON deliveries; DROP FUNCTION hookctl_delivery_event_type(); ALTER TABLE deliveries DROP COLUMN event_type;
		DELETE FROM hookctl_schema_migrations WHERE version >= 15`); err != nil {
		t.Fatal(err)
	}
	before, err := db.RequeuesAfter(ctx, 0, 10)
	if err != nil || len(before) != 2 {
		t.Fatalf("requeue log at schema 14: %+v, %v", before, err)
	}
	snap, err := db.TxSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = openDB(t, u)
	if from, to, err := db.Migrate(ctx); err != nil || from != 14 || to != postgres.LatestVersion() {
		t.Fatalf("Migrate = %d, %d, %v; want 14, %d (15 and on applied)", from, to, err, postgres.LatestVersion())
	}
	after, err := db.RequeuesAfter(ctx, 0, 10)
	if err != nil || len(after) != 2 || after[0] != before[0] || after[1] != before[1] {
		t.Fatalf("requeue log after the upgrade: %+v, %v; want %+v", after, err, before)
	}
	var nulls int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM requeues WHERE txid IS NULL`).Scan(&nulls); err != nil || nulls != 2 {
		t.Fatalf("%d entries without txid (%v), want the 2 written before", nulls, err)
	}
	if got, err := db.RequeuesCommittedAfter(ctx, 0, after[1].ID, snap, 10); err != nil || len(got) != 0 {
		t.Fatalf("entries written before the upgrade read by transaction: %+v, %v", got, err)
	}
	if _, err := db.Requeue(ctx, []string{ds[0].ID}, store.Requeue{ExtraAttempts: 1, Force: true}); err != nil {
		t.Fatal(err)
	}
	last, err := db.LastRequeue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := db.RequeuesCommittedAfter(ctx, 0, last, snap, 10); err != nil || len(got) != 1 || got[0].ID != last || got[0].DeliveryID != ds[0].ID {
		t.Fatalf("the entry written after the upgrade, by transaction: %+v, %v; want id %d", got, err, last)
	}
}

var _ store.RequeueCommitLog = (*postgres.DB)(nil)
