package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestWaitRenewLeaseSlotsBoundedByPool: the lease renewals that wait for
// a row's lock hold one of the store's connections each for as long as
// the lock is held; at most a quarter of the pool (and 4) wait at once,
// so the claims, the records and the lock's holder keep theirs. With the
// default pool (16) the fifth waiting renewal says busy at once instead of
// waiting; with pool_max_conns=3 none waits.
func TestWaitRenewLeaseSlotsBoundedByPool(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	db := openDB(t, u)
	now := time.Now()
	_, ds := newEvent(t, db, 6, "", now.Add(-time.Hour))
	if claimed, err := db.ClaimDue(ctx, "w", now.Add(-time.Hour), time.Second, 6, ""); err != nil || len(claimed) != 6 {
		t.Fatalf("claim: %d, %v", len(claimed), err)
	}
	conn := pgbusyConnect(t, u)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	if _, err := tx.Exec(ctx, `SELECT id FROM deliveries WHERE id = ANY($1) FOR UPDATE`, ids); err != nil {
		t.Fatal(err)
	}

	// Four renewals wait for the lock (no time limit).
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan struct{}, 4)
	for _, id := range ids[:4] {
		go func() {
			db.WaitRenewLease(wctx, "w", id, time.Hour, 0)
			done <- struct{}{}
		}()
	}
	pgbusyWaiting(t, pgbusyConnect(t, u), "transactionid", 4)
	// The fifth is not waited for: busy, at once (a bounded context shows
	// a wait as its deadline's error).
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	renewed, busy, err := db.WaitRenewLease(fctx, "w", ids[4], time.Hour, 0)
	cancel()
	if err != nil || renewed || !busy {
		t.Errorf("fifth waiting renewal: renewed %v, busy %v, %v; want busy without waiting", renewed, busy, err)
	}
	if got, err := db.HoldRenewLeases(ctx, "w", ids[5:], time.Hour); err != nil || len(got) != 0 {
		t.Errorf("row-holding renewal with no slot free: %v, %v; want none renewed", got, err)
	}
	stop()
	for range 4 {
		<-done
	}

	// A small pool: no renewal waits.
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	small := openDB(t, u+sep+"pool_max_conns=3")
	fctx, cancel = context.WithTimeout(ctx, 10*time.Second)
	renewed, busy, err = small.WaitRenewLease(fctx, "w", ids[0], time.Hour, 0)
	cancel()
	if err != nil || renewed || !busy {
		t.Errorf("pool_max_conns=3: renewed %v, busy %v, %v; want busy without waiting", renewed, busy, err)
	}
}
