package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// pgbusyWaiting polls until at least want sessions wait for a lock of
// the kind given (pg_locks: not granted), failing the test after a
// generous timeout.
func pgbusyWaiting(t *testing.T, look *pgx.Conn, locktype string, want int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		if err := look.QueryRow(context.Background(), `SELECT count(*) FROM pg_locks WHERE locktype = $1 AND NOT granted`, locktype).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions wait for a %s lock, want %d", n, locktype, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// pgbusyConnect is a connection of its own to the test's schema (u),
// closed when the test ends.
func pgbusyConnect(t *testing.T, u string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestPgbusyClaimPassesOverWaitingRenewal: a claim does not take a
// delivery whose lease ended while its owner's renewal waits for the
// row's lock, even when the claim can lock the row: here the claim runs
// in the transaction that holds the row, as a claim does that reads it
// in the instant after the holder ended, before the woken renewal ran
// (PostgreSQL's row-lock queue orders only the transactions that found
// the row locked). The claim took it: the owner, alive and sending it,
// lost it and the delivery was sent twice. Once the holder ends, the
// waiting renewal renews the lease from then (not from its start: the
// wait was longer than the lease). A wait that ends first says busy; a
// holder that gave the delivery to another owner leaves it not renewed.
func TestPgbusyClaimPassesOverWaitingRenewal(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	db := openDB(t, u)
	now := time.Now()
	_, ds := newEvent(t, db, 3, "", now.Add(-time.Hour))
	// Leased to w by a claim an hour ago, for a second: the leases ended.
	claimed, err := db.ClaimDue(ctx, "w", now.Add(-time.Hour), time.Second, 3, "")
	if err != nil || len(claimed) != 3 {
		t.Fatalf("claim: %d, %v", len(claimed), err)
	}
	waited, bounded, given := ds[0].ID, ds[1].ID, ds[2].ID

	look := pgbusyConnect(t, u)
	conn := pgbusyConnect(t, u)

	// A wait bounded by lock_timeout ends busy while the lock is held.
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT id FROM deliveries WHERE id = $1 FOR UPDATE`, bounded); err != nil {
		t.Fatal(err)
	}
	if renewed, busy, err := db.WaitRenewLease(ctx, "w", bounded, time.Hour, 50*time.Millisecond); err != nil || renewed || !busy {
		t.Errorf("bounded wait under the lock: renewed %v, busy %v, %v; want busy", renewed, busy, err)
	}
	tx.Rollback(ctx)

	tx, err = conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT id FROM deliveries WHERE id = $1 FOR UPDATE`, waited); err != nil {
		t.Fatal(err)
	}
	type result struct {
		renewed, busy bool
		err           error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		r.renewed, r.busy, r.err = db.WaitRenewLease(ctx, "w", waited, time.Hour, 0)
		done <- r
	}()
	pgbusyWaiting(t, look, "transactionid", 1)
	q, args := db.ClaimInTx("other", time.Now(), time.Minute, 10)
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		t.Fatal(err)
	}
	var took []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range rows.FieldDescriptions() {
			if f.Name == "id" {
				took = append(took, vals[i].(string))
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, id := range took {
		if id == waited {
			t.Errorf("the claim took the delivery whose owner's renewal waits for it (claimed %v)", took)
		}
	}
	start := time.Now()
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the waiting renewal did not end once the lock went")
	}
	if r.err != nil || !r.renewed || r.busy {
		t.Fatalf("the waiting renewal: renewed %v, busy %v, %v; want renewed", r.renewed, r.busy, r.err)
	}
	if d, err := db.GetDelivery(ctx, waited); err != nil || d.LeaseOwner != "w" || d.LeaseExpiresAt.Before(start.Add(59*time.Minute)) {
		t.Errorf("after the renewal: %+v %v; want w's, for an hour from the renewal", d, err)
	}

	// The holder gives the delivery to another owner: not renewed.
	tx, err = conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE deliveries SET lease_owner = 'x' WHERE id = $1`, given); err != nil {
		t.Fatal(err)
	}
	go func() {
		var r result
		r.renewed, r.busy, r.err = db.WaitRenewLease(ctx, "w", given, time.Hour, 0)
		done <- r
	}()
	pgbusyWaiting(t, look, "transactionid", 1)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case r = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the waiting renewal did not end once the lock went")
	}
	if r.err != nil || r.renewed || r.busy {
		t.Errorf("renewal of a delivery given to another: renewed %v, busy %v, %v; want neither", r.renewed, r.busy, r.err)
	}
}

// TestPgbusyHoldRenewUnderTableLock: a renewal that holds the rows
// (HoldRenewLeases) while a `store import`'s table lock (SHARE ROW
// EXCLUSIVE on deliveries) holds up every UPDATE gets them locked at
// once, so a claim that runs when the lock goes (here: in the lock's own
// transaction) passes over them although their leases ended, and renews
// them once the lock is gone.
func TestPgbusyHoldRenewUnderTableLock(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	db := openDB(t, u)
	now := time.Now()
	_, ds := newEvent(t, db, 2, "", now.Add(-time.Hour))
	if claimed, err := db.ClaimDue(ctx, "w", now.Add(-time.Hour), time.Second, 2, ""); err != nil || len(claimed) != 2 {
		t.Fatalf("claim: %d, %v", len(claimed), err)
	}
	look := pgbusyConnect(t, u)
	conn := pgbusyConnect(t, u)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `LOCK TABLE deliveries IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	type result struct {
		renewed []string
		err     error
	}
	done := make(chan result, 1)
	go func() {
		got, err := db.HoldRenewLeases(ctx, "w", ids(ds), time.Hour)
		done <- result{got, err}
	}()
	pgbusyWaiting(t, look, "relation", 1)
	q, args := db.ClaimInTx("other", time.Now(), time.Minute, 10)
	tag, err := tx.Exec(ctx, q, args...)
	if err != nil {
		t.Fatal(err)
	}
	if tag.RowsAffected() != 0 {
		t.Errorf("a claim under the table lock took %d deliveries whose renewal holds them", tag.RowsAffected())
	}
	start := time.Now()
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the renewal did not end once the table lock went")
	}
	if r.err != nil || len(r.renewed) != 2 {
		t.Fatalf("renewal: %v, %v; want both renewed", r.renewed, r.err)
	}
	for _, d := range ds {
		if got, err := db.GetDelivery(ctx, d.ID); err != nil || got.LeaseOwner != "w" || got.LeaseExpiresAt.Before(start.Add(59*time.Minute)) {
			t.Errorf("after the renewal: %+v %v; want w's, for an hour from the renewal", got, err)
		}
	}
}
