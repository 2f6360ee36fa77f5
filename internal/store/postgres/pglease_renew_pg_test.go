package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestPgleaseRenewLeasesTellsBusyFromLost: a lease renewal passes over a
// row another transaction has locked (FOR UPDATE SKIP LOCKED) and returns
// it as busy when it was still the caller's, apart from one another owner
// holds (locked or not): ExtendLeases alone returned neither, and the
// engine took a locked delivery of its own for another process's.
func TestPgleaseRenewLeasesTellsBusyFromLost(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	db := openDB(t, u)
	now := time.Now()
	_, ds := newEvent(t, db, 4, "", now.Add(-time.Second))
	claimed, err := db.ClaimDue(ctx, "w", now, time.Minute, 4, "")
	if err != nil || len(claimed) != 4 {
		t.Fatalf("claim: %d, %v", len(claimed), err)
	}
	all := ids(ds)
	free, locked, taken, takenLocked := all[0], all[1], all[2], all[3]

	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `UPDATE deliveries SET lease_owner = 'other' WHERE id = ANY($1::text[])`, []string{taken, takenLocked}); err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT id FROM deliveries WHERE id = ANY($1::text[]) FOR UPDATE`, []string{locked, takenLocked}); err != nil {
		t.Fatal(err)
	}

	until := now.Add(time.Hour)
	renewed, busy, err := db.RenewLeases(ctx, "w", all, until)
	if err != nil || !slices.Equal(renewed, []string{free}) || !slices.Equal(busy, []string{locked}) {
		t.Fatalf("renew with a row locked: renewed %v, busy %v (%v); want renewed [%s], busy [%s]", renewed, busy, err, free, locked)
	}
	for id, want := range map[string]bool{free: true, locked: false} {
		d, err := db.GetDelivery(ctx, id)
		if err != nil || d.LeaseOwner != "w" || d.LeaseExpiresAt.After(now.Add(30*time.Minute)) != want {
			t.Errorf("%s after the renewal: owner %q, lease ends %v (%v); renewed %v", id, d.LeaseOwner, d.LeaseExpiresAt, err, want)
		}
	}
	if got, err := db.ExtendLeases(ctx, "w", all, until); err != nil || !slices.Equal(got, []string{free}) {
		t.Errorf("extend: %v, %v; want [%s]", got, err, free)
	}

	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	renewed, busy, err = db.RenewLeases(ctx, "w", all, until)
	slices.Sort(renewed)
	want := []string{free, locked}
	slices.Sort(want)
	if err != nil || !slices.Equal(renewed, want) || len(busy) != 0 {
		t.Fatalf("renew once unlocked: renewed %v, busy %v (%v); want renewed %v", renewed, busy, err, want)
	}
	if renewed, busy, err := db.RenewLeases(ctx, "w", nil, until); err != nil || renewed == nil || len(renewed)+len(busy) != 0 {
		t.Errorf("renew nothing: %v %v %v", renewed, busy, err)
	}
}
