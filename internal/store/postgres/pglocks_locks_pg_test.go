package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// pglocksRows is how many rows with an ended lease the tests below
// store: twice the server's whole lock table (max_locks_per_transaction
// for each of its connections, prepared transactions and background
// processes; the shared hash's slack is far less), so that a statement
// taking a lock for each row it reads runs out of it.
func pglocksRows(t *testing.T, db *postgres.DB) int {
	t.Helper()
	var n int
	if err := db.Pool().QueryRow(context.Background(), `SELECT current_setting('max_locks_per_transaction')::int *
		(current_setting('max_connections')::int + current_setting('max_prepared_transactions')::int +
		 current_setting('autovacuum_max_workers')::int + current_setting('max_worker_processes')::int +
		 current_setting('max_wal_senders')::int + 1)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if 2*n > 200000 {
		t.Skipf("the server's lock table has %d slots: too many rows to fill it", n)
	}
	return 2 * n
}

// pglocksSeed stores n deliveries of one event, each with status and
// run, due an hour ago and leased to a process of another host whose
// lease ended a minute ago (a fleet killed there: this host cannot tell
// it dead, and only the lease's end frees them). One INSERT, for speed.
func pglocksSeed(t *testing.T, db *postgres.DB, n int, status, run string) {
	t.Helper()
	ctx := context.Background()
	ev, _ := newEvent(t, db, 0, "", time.Now())
	now := time.Now()
	if _, err := db.Pool().Exec(ctx, `INSERT INTO deliveries (id, event_id, url, status, attempt_count, max_attempts, schedule,
			next_attempt_at, run_id, lease_owner, lease_expires_at, created_at, updated_at)
		SELECT 'dlv_pglocks_' || lpad(i::text, 7, '0'), $1, 'http://127.0.0.1:1/', $2, 1, 1, '0s', $3, $4,
			'far-host:4242:0badcafe', $5, $3, $3
		FROM generate_series(1, $6) i`, ev.ID, status, now.Add(-time.Hour), run, now.Add(-time.Minute), n); err != nil {
		t.Fatal(err)
	}
}

// pglocksHeld counts the advisory locks the transaction holds.
func pglocksHeld(t *testing.T, tx pgx.Tx) int {
	t.Helper()
	var n int
	if err := tx.QueryRow(context.Background(), `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPglocksClaimTakesOverManyEndedLeases: a claim over tens of
// thousands of pending deliveries whose lease ended, leased to a process
// of another host (so nothing here can tell it dead), takes its batch.
// The claim tried each row's lease-wait lock (leaseEndedSQL) as it read
// the row, before the LIMIT: a claim of a run (trigger's, replay's)
// sorts the run's rows due at the same time (deliveries_run_due, then an
// incremental sort) and so read them all, one lock each, held until the
// commit; the server's lock table (max_locks_per_transaction ×
// connections, shared by every session) ran out, the claim failed with
// "out of shared memory" at every try, and nothing was taken over. The
// locks one claim holds are now at most its batch (counted in a claim
// run in the test's transaction).
func TestPglocksClaimTakesOverManyEndedLeases(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, pgtest.URL(t))
	n := pglocksRows(t, db)
	pglocksSeed(t, db, n, store.DeliveryPending, "run_pglocks")
	for _, run := range []string{"run_pglocks", ""} {
		got, err := db.ClaimDue(ctx, "here:1:00000001", time.Now(), time.Minute, 64, run)
		if err != nil || len(got) != 64 {
			t.Fatalf("claim (run %q) over %d ended leases: %d, %v; want 64", run, n, len(got), err)
		}
		for _, d := range got {
			if d.LeaseOwner != "here:1:00000001" {
				t.Errorf("claimed %s: owner %q", d.ID, d.LeaseOwner)
			}
		}
	}
	tx, err := db.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	q, args := db.ClaimInTx("here:1:00000002", time.Now(), time.Minute, 10)
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		t.Fatal(err)
	}
	k := 0
	for rows.Next() {
		k++
	}
	if rows.Close(); rows.Err() != nil || k != 10 {
		t.Fatalf("claim in a transaction: %d, %v; want 10", k, rows.Err())
	}
	if held := pglocksHeld(t, tx); held > 10 {
		t.Errorf("a claim of 10 holds %d advisory locks; want at most 10", held)
	}
}

// TestPglocksRequeueMatchingOverManyEndedLeases: replay --failed (and a
// bulk replay that takes only what no live process holds, Unheld) over
// tens of thousands of deliveries leased in place to a replayer of
// another host whose lease ended requeues its batch, and walks on to the
// next. Its selection tried each row's lease-wait lock as it read it,
// and with a status filter it read them all (the rows of
// deliveries_failed, sorted by seq): "out of shared memory", and no
// replay at all.
func TestPglocksRequeueMatchingOverManyEndedLeases(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, pgtest.URL(t))
	n := pglocksRows(t, db)
	pglocksSeed(t, db, n, store.DeliveryFailed, "")
	f := store.DeliveryFilter{Status: store.DeliveryFailed}
	for _, unheld := range []bool{true, false} {
		r := store.Requeue{ExtraAttempts: 1, Now: time.Now(), RunID: "run_replay", Unheld: unheld}
		got, next, more, err := db.RequeueMatching(ctx, f, 256, r, "here:1:00000003", time.Now().Add(time.Minute))
		if err != nil || len(got) != 256 || !more {
			t.Fatalf("RequeueMatching (Unheld %v) of failed deliveries over %d ended leases: %d, more %v, %v; want 256 and more", unheld, n, len(got), more, err)
		}
		f.AfterSeq = next
	}
	// Pending ones whose owner's lease ended (replay's Unheld).
	r := store.Requeue{ExtraAttempts: 1, Now: time.Now(), RunID: "run_replay2", Unheld: true}
	fp := store.DeliveryFilter{Status: store.DeliveryPending}
	pglocksPendingHalf(t, db)
	if got, _, more, err := db.RequeueMatching(ctx, fp, 256, r, "", time.Time{}); err != nil || len(got) == 0 || !more {
		t.Fatalf("RequeueMatching (Unheld) of pending deliveries over %d ended leases: %d, more %v, %v; want some and more", n, len(got), more, err)
	}
}

// pglocksPendingHalf turns every other seeded delivery pending, under
// the same ended lease.
func pglocksPendingHalf(t *testing.T, db *postgres.DB) {
	t.Helper()
	if _, err := db.Pool().Exec(context.Background(), `UPDATE deliveries SET status = 'pending' WHERE id LIKE 'dlv_pglocks_%' AND seq % 2 = 0`); err != nil {
		t.Fatal(err)
	}
}

// TestPglocksRequeueMatchingWalksPastWaitingRenewals: a batch whose
// every delivery is kept by its owner's waiting renewal (the lease-wait
// lock held: TestPgbusy2RequeuePassesOverWaitingRenewal) is not requeued,
// and the replay walks on past it to the next batch, in a call or two:
// the batch is picked by the lease's end alone now, and a walk-on that
// left the cursor where it was picked the same batch again and again for
// as long as the renewals waited.
func TestPglocksRequeueMatchingWalksPastWaitingRenewals(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	db := openDB(t, u)
	pglocksSeed(t, db, 6, store.DeliveryFailed, "")
	all, err := db.ListDeliveries(ctx, store.DeliveryFilter{Status: store.DeliveryFailed})
	if err != nil || len(all) != 6 {
		t.Fatalf("seeded: %d, %v", len(all), err)
	}
	waiting := pgbusyConnect(t, u)
	tx, err := waiting.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, d := range all[:3] {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, postgres.LeaseWaitClass, d.ID); err != nil {
			t.Fatal(err)
		}
	}
	f := store.DeliveryFilter{Status: store.DeliveryFailed}
	r := store.Requeue{ExtraAttempts: 1, Now: time.Now(), RunID: "run_replay", Unheld: true}
	var requeued []string
	for calls := 0; ; calls++ {
		if calls == 4 {
			t.Fatalf("after %d calls: requeued %v, cursor %d; want the last 3, walked past the first 3", calls, requeued, f.AfterSeq)
		}
		got, next, more, err := db.RequeueMatching(ctx, f, 3, r, "here:1:00000004", time.Now().Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		requeued = append(requeued, ids(got)...)
		f.AfterSeq = next
		if !more {
			break
		}
	}
	if want := ids(all[3:]); len(requeued) != 3 || requeued[0] != want[0] || requeued[2] != want[2] {
		t.Errorf("requeued %v; want %v (the first 3 kept by their owner's waiting renewal)", requeued, want)
	}
}

// TestPglocksImportOverManyEndedLeases: `store import` refreshing tens of
// thousands of stored deliveries whose lease ended (a newer export of
// the same history), 1,000 at a time, refreshes them all: it tried the
// lease-wait lock only of the rows its batch refreshed, at most a batch
// of locks per transaction; it takes none now (importEnded, and
// TestSubleftImportOneBatchOverManyEndedLeases for one batch of all).
// A guard: this held before too.
func TestPglocksImportOverManyEndedLeases(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, pgtest.URL(t))
	n := pglocksRows(t, db)
	pglocksSeed(t, db, n, store.DeliveryPending, "")
	all, err := db.ListDeliveries(ctx, store.DeliveryFilter{})
	if err != nil || len(all) != n {
		t.Fatalf("seeded: %d, %v", len(all), err)
	}
	const batch = 1000
	for i := 0; i < len(all); i += batch {
		recs := make([]store.Record, 0, batch)
		for _, d := range all[i:min(i+batch, len(all))] {
			newer := *d
			newer.UpdatedAt = d.UpdatedAt.Add(time.Minute)
			newer.Status, newer.LeaseOwner, newer.LeaseExpiresAt, newer.LastError = store.DeliveryFailed, "", time.Time{}, "refreshed"
			recs = append(recs, store.Record{Delivery: &newer})
		}
		st, err := db.ImportBatchStats(ctx, recs)
		if err != nil || st.Refreshed != int64(len(recs)) {
			t.Fatalf("import of records %d–%d over %d ended leases: refreshed %d, %v; want %d", i, i+len(recs), n, st.Refreshed, err, len(recs))
		}
	}
}
