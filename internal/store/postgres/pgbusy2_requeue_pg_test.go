package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestPgbusy2RequeuePassesOverWaitingRenewal: a requeue that takes a
// delivery only if no live process holds it (replay's Unheld; and any
// requeue of one leased in place to a replayer) does not take one whose
// lease ended while its owner's renewal waits for the row's lock, as a
// claim does not (leaseEndedSQL). The test's connection holds the row's
// lease-wait lock as the waiting renewal (WaitRenewLease) holds it, with
// the row itself unlocked: the instant after the row's holder ended,
// before the woken renewal ran, in which a requeue that reads the row
// finds it free. The requeues took it: leased to the replayer (or freed
// for any claim), the delivery was sent again while its owner, alive,
// was sending it; the owner's renewal, once it ran, found another owner
// and the owner's result was refused. Once no renewal waits, the same
// requeues take the ended leases, as before.
func TestPgbusy2RequeuePassesOverWaitingRenewal(t *testing.T) {
	ctx := context.Background()
	u := pgtest.URL(t)
	db := openDB(t, u)
	now := time.Now()
	ev, ds := newEvent(t, db, 4, "", now.Add(-time.Hour))
	// Leased to w by a claim an hour ago, for a second: the leases ended.
	if claimed, err := db.ClaimDue(ctx, "w", now.Add(-time.Hour), time.Second, 4, ""); err != nil || len(claimed) != 4 {
		t.Fatalf("claim: %d, %v", len(claimed), err)
	}
	// inPlace: a failed delivery a replayer (w) leased in place; a
	// requeue that is not Unheld leaves it to w too while w holds it.
	inPlace := ds[3]
	if _, err := db.Pool().Exec(ctx, `UPDATE deliveries SET status = 'failed' WHERE id = $1`, inPlace.ID); err != nil {
		t.Fatal(err)
	}
	waiting := pgbusyConnect(t, u)
	tx, err := waiting.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, d := range ds {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, postgres.LeaseWaitClass, d.ID); err != nil {
			t.Fatal(err)
		}
	}

	later := time.Now()
	r := store.Requeue{ExtraAttempts: 1, Now: later, RunID: "replay", Unheld: true}
	if got, err := db.Requeue(ctx, ids(ds[:1]), r); err != nil || len(got) != 0 {
		t.Errorf("Requeue (Unheld) of a delivery whose owner waits to renew it: %v, %v; want none", got, err)
	}
	if got, err := db.RequeueLeased(ctx, ids(ds[1:2]), r, "replayer", later.Add(time.Minute)); err != nil || len(got) != 0 {
		t.Errorf("RequeueLeased (Unheld) of a delivery whose owner waits to renew it: %v, %v; want none", ids(got), err)
	}
	f := store.DeliveryFilter{EventID: ev.ID}
	if got, _, _, err := db.RequeueMatching(ctx, f, 10, r, "replayer", later.Add(time.Minute)); err != nil || len(got) != 0 {
		t.Errorf("RequeueMatching (Unheld) under the owner's waiting renewals: %v, %v; want none", ids(got), err)
	}
	plain := store.Requeue{ExtraAttempts: 1, Now: later, RunID: "replay"}
	f.Status = store.DeliveryFailed
	if got, _, _, err := db.RequeueMatching(ctx, f, 10, plain, "replayer", later.Add(time.Minute)); err != nil || len(got) != 0 {
		t.Errorf("RequeueMatching of a delivery leased in place whose owner waits to renew it: %v, %v; want none", ids(got), err)
	}
	for _, d := range ds {
		if got, err := db.GetDelivery(ctx, d.ID); err != nil || got.LeaseOwner != "w" || got.RunID == "replay" {
			t.Errorf("under the owner's waiting renewal: %+v %v; want w's still", got, err)
		}
	}
	// The renewal runs: the owner keeps each (the requeues took them,
	// and it found another owner).
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if renewed, busy, err := db.WaitRenewLease(ctx, "w", ds[1].ID, time.Hour, 0); err != nil || !renewed || busy {
		t.Errorf("the owner's renewal: renewed %v, busy %v, %v; want renewed", renewed, busy, err)
	}

	// No renewal waits: the ended leases are taken over.
	if got, err := db.Requeue(ctx, ids(ds[:1]), r); err != nil || len(got) != 1 {
		t.Errorf("Requeue (Unheld) of an ended lease: %v, %v; want it", got, err)
	}
	f.Status = ""
	if got, _, _, err := db.RequeueMatching(ctx, f, 10, r, "replayer", later.Add(time.Minute)); err != nil || len(got) != 3 {
		t.Errorf("RequeueMatching (Unheld) of ended leases: %v, %v; want all but the one renewed", ids(got), err)
	}
}
