package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestRequeueLogPostgres: each requeue (Requeue, RequeueLeased,
// RequeueMatching, leasing in place too) appends the delivery and its
// attempt count then to the requeue log, read by id (LastRequeue,
// RequeuesAfter) and by transaction (RequeuesCommittedAfter, schema
// 15's txid); the log keeps its last
// store.RequeueLogKeep entries.
func TestRequeueLogPostgres(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, pgtest.URL(t))
	_, ds := newEvent(t, db, 4, "", time.Now())
	if _, err := db.Pool().Exec(ctx, `UPDATE deliveries SET status = 'failed', attempt_count = 2, next_attempt_at = NULL`); err != nil {
		t.Fatal(err)
	}
	if id, err := db.LastRequeue(ctx); err != nil || id != 0 {
		t.Fatalf("LastRequeue of an empty log = %d, %v", id, err)
	}
	before, err := db.TxSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Requeue(ctx, []string{ds[0].ID}, store.Requeue{ExtraAttempts: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RequeueLeased(ctx, []string{ds[1].ID}, store.Requeue{ExtraAttempts: 1}, "w", time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Leased in place (the owner's): failed still, appended all the same.
	f := store.DeliveryFilter{Status: store.DeliveryFailed, AfterSeq: ds[1].Seq}
	if got, _, _, err := db.RequeueMatching(ctx, f, 10, store.Requeue{ExtraAttempts: 1}, "w2", time.Now().Add(time.Minute)); err != nil || len(got) != 2 {
		t.Fatalf("RequeueMatching = %d, %v", len(got), err)
	}
	got, err := db.RequeuesAfter(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("RequeuesAfter(0) = %+v, want 4 entries", got)
	}
	for i, r := range got {
		if r.DeliveryID != ds[i].ID || r.Attempts != 2 || (i > 0 && r.ID <= got[i-1].ID) {
			t.Errorf("entry %d = %+v, want %s with 2 attempts, ids rising", i, r, ds[i].ID)
		}
	}
	if last, err := db.LastRequeue(ctx); err != nil || last != got[3].ID {
		t.Fatalf("LastRequeue = %d, %v, want %d", last, err, got[3].ID)
	}
	if in, err := db.RequeuesCommittedAfter(ctx, 0, got[3].ID, before, 10); err != nil || len(in) != 4 || in[0] != got[0] || in[3] != got[3] {
		t.Fatalf("RequeuesCommittedAfter the snapshot before them = %+v, %v, want all 4", in, err)
	}
	if in, err := db.RequeuesCommittedAfter(ctx, got[0].ID, got[2].ID, before, 1); err != nil || len(in) != 1 || in[0] != got[1] {
		t.Fatalf("RequeuesCommittedAfter (%d, %d], limit 1 = %+v, %v, want %+v", got[0].ID, got[2].ID, in, err, got[1])
	}
	after, err := db.TxSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if in, err := db.RequeuesCommittedAfter(ctx, 0, got[3].ID, after, 10); err != nil || len(in) != 0 {
		t.Fatalf("RequeuesCommittedAfter a snapshot that saw them = %+v, %v, want none", in, err)
	}

	// A full log: the next requeue deletes the oldest.
	if _, err := db.Pool().Exec(ctx, `INSERT INTO requeues (delivery_id, attempts) SELECT 'x', 0 FROM generate_series(1, $1)`, store.RequeueLogKeep); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Requeue(ctx, []string{ds[0].ID}, store.Requeue{ExtraAttempts: 1}); err != nil {
		t.Fatal(err)
	}
	var n, lo int64
	if err := db.Pool().QueryRow(ctx, `SELECT count(*), min(id) FROM requeues`).Scan(&n, &lo); err != nil {
		t.Fatal(err)
	}
	last, _ := db.LastRequeue(ctx)
	if n != store.RequeueLogKeep || lo != last-store.RequeueLogKeep+1 {
		t.Errorf("the log keeps %d entries from %d to %d, want the last %d", n, lo, last, store.RequeueLogKeep)
	}
}
