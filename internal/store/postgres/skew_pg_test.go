package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// A CI fleet shares one PostgreSQL from machines whose clocks disagree by
// seconds (VMs, containers after a suspend, laptops). These tests give
// each "machine" its own store handle whose clock is off by skew, and
// the caller passes that clock's time, as a worker on that machine does.

// machine is a store handle on a machine whose clock is off by skew.
type machine struct {
	*postgres.DB
	skew time.Duration
}

func newMachine(t *testing.T, u string, skew time.Duration) machine {
	db := openDB(t, u)
	db.UseClock(func() time.Time { return time.Now().Add(skew) })
	return machine{db, skew}
}

// now is the machine's clock.
func (m machine) now() time.Time { return time.Now().Add(m.skew) }

func ids(ds []*store.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

// A worker whose clock runs 3 s ahead must not take the deliveries a live
// worker holds and renews (its heartbeat), neither by a claim nor by an
// --unheld replay: it would send each a second time.
func TestSkewAheadLeavesLiveLeases(t *testing.T) {
	u := pgtest.URL(t)
	ctx := context.Background()
	live, ahead := newMachine(t, u, 0), newMachine(t, u, 3*time.Second)
	lease := delivery.HeartbeatLease
	unheld := store.Requeue{ExtraAttempts: 1, Unheld: true, RunID: "replay"}
	for _, take := range []struct {
		name string
		take func(ds []*store.Delivery) (int, error)
	}{
		{"ClaimDue", func([]*store.Delivery) (int, error) {
			c, err := ahead.ClaimDue(ctx, "ahead", ahead.now(), lease, 10, "")
			return len(c), err
		}},
		{"ClaimDueEvents", func([]*store.Delivery) (int, error) {
			c, _, err := ahead.ClaimDueEvents(ctx, "ahead", ahead.now(), lease, 10, "")
			return len(c), err
		}},
		{"RequeueMatching --unheld", func([]*store.Delivery) (int, error) {
			r := unheld
			r.Now = ahead.now()
			c, _, _, err := ahead.RequeueMatching(ctx, store.DeliveryFilter{}, 10, r, "ahead", ahead.now().Add(lease))
			return len(c), err
		}},
		{"RequeueLeased --unheld", func(ds []*store.Delivery) (int, error) {
			r := unheld
			r.Now = ahead.now()
			c, err := ahead.RequeueLeased(ctx, ids(ds), r, "ahead", ahead.now().Add(lease))
			return len(c), err
		}},
	} {
		_, ds := newEvent(t, live.DB, 3, "", live.now())
		got, err := live.ClaimDue(ctx, "live", live.now(), lease, 10, "")
		if err != nil || len(got) != len(ds) {
			t.Fatalf("live claim: %d deliveries, %v", len(got), err)
		}
		// Its heartbeat renews the leases.
		if ext, err := live.ExtendLeases(ctx, "live", ids(got), live.now().Add(lease)); err != nil || len(ext) != len(ds) {
			t.Fatalf("heartbeat: %v %v", ext, err)
		}
		if n, err := take.take(ds); err != nil || n != 0 {
			t.Errorf("%s by a worker 3 s ahead took %d of the %d deliveries a live worker holds (%v): each would be sent twice", take.name, n, len(ds), err)
		}
		// The live worker still holds all of them and records its
		// attempts.
		for _, d := range ds {
			err := live.RecordAttempt(ctx, "live", &store.Attempt{DeliveryID: d.ID, Number: 1, ResponseStatus: 200},
				store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200})
			if err != nil {
				t.Errorf("%s: record %s: %v", take.name, d.ID, err)
			}
		}
	}
}

// A worker whose clock runs 3 s behind takes over a crashed worker's
// deliveries once their lease has run out on the server, not 3 s later.
func TestSkewBehindTakesOverDeadWorker(t *testing.T) {
	u := pgtest.URL(t)
	ctx := context.Background()
	dead, behind := newMachine(t, u, 0), newMachine(t, u, -3*time.Second)
	_, ds := newEvent(t, dead.DB, 3, "", dead.now())

	const short = 50 * time.Millisecond
	if got, err := dead.ClaimDue(ctx, "dead", dead.now(), short, 10, ""); err != nil || len(got) != len(ds) {
		t.Fatalf("claim: %d, %v", len(got), err)
	}
	// The worker is gone; wait until its leases ran out by the server's
	// clock.
	waitLeasesExpired(t, u)

	at := behind.now()
	got, err := behind.ClaimDue(ctx, "behind", at, delivery.HeartbeatLease, 10, "")
	if err != nil || len(got) != len(ds) {
		t.Fatalf("a worker 3 s behind took over %d of a dead worker's %d expired deliveries (%v), want all", len(got), len(ds), err)
	}
	for _, d := range got {
		// The lease comes back on the claimer's clock: its engine
		// compares it with that clock.
		if d.LeaseOwner != "behind" || !d.LeaseExpiresAt.Equal(at.Add(delivery.HeartbeatLease).UTC().Truncate(time.Microsecond)) {
			t.Errorf("lease %q until %v, want until %v", d.LeaseOwner, d.LeaseExpiresAt, at.Add(delivery.HeartbeatLease))
		}
	}
}

// A delivery enqueued due now by one machine is due now for a worker
// whose clock runs 3 s behind (not 3 s later), and one enqueued by a
// machine 3 s ahead is due now for the others.
func TestSkewDueNowForEveryWorker(t *testing.T) {
	u := pgtest.URL(t)
	ctx := context.Background()
	accurate, behind, ahead := newMachine(t, u, 0), newMachine(t, u, -3*time.Second), newMachine(t, u, 3*time.Second)
	_, fresh := newEvent(t, accurate.DB, 1, "", accurate.now())
	if c, err := behind.ClaimDue(ctx, "behind", behind.now(), delivery.HeartbeatLease, 10, ""); err != nil || len(c) != 1 || c[0].ID != fresh[0].ID {
		t.Errorf("a delivery due now was not due for a worker 3 s behind: %d claimed, %v", len(c), err)
	}

	// Enqueued by a machine 3 s ahead: by CreateEvents (a batch), and by
	// CreateEvent, which stamps with the package's clock.
	batch := &store.Delivery{URL: "http://127.0.0.1:1/batch", Status: store.DeliveryPending, MaxAttempts: 1, Schedule: "0s", NextAttemptAt: ahead.now()}
	err := ahead.CreateEvents(ctx, []*store.Event{{Type: "card.created", Payload: []byte(`{}`)}}, [][]*store.Delivery{{batch}})
	if err != nil {
		t.Fatal(err)
	}
	restore := postgres.SetClock(ahead.now)
	_, one := newEvent(t, ahead.DB, 1, "", ahead.now())
	restore()
	c, err := accurate.ClaimDue(ctx, "accurate", accurate.now(), delivery.HeartbeatLease, 10, "")
	if err != nil || len(c) != 2 {
		t.Errorf("deliveries enqueued due now by a machine 3 s ahead: %d of 2 due for the others (%v)", len(c), err)
	}
	for _, d := range c {
		if d.ID != batch.ID && d.ID != one[0].ID {
			t.Errorf("claimed %s, not one of those", d.ID)
		}
	}
}

// A retry a worker 3 s ahead records as due now is due now for the
// others, not 3 s later.
func TestSkewRetryDueNowFromWorkerAhead(t *testing.T) {
	u := pgtest.URL(t)
	ctx := context.Background()
	accurate, ahead := newMachine(t, u, 0), newMachine(t, u, 3*time.Second)
	_, ds := newEvent(t, accurate.DB, 2, "", accurate.now())
	c, err := ahead.ClaimDue(ctx, "ahead", ahead.now(), delivery.HeartbeatLease, 10, "")
	if err != nil || len(c) != len(ds) {
		t.Fatalf("ahead claim: %d, %v", len(c), err)
	}
	// One recorded by itself, one in a batch (the engine's recorder).
	err = ahead.RecordAttempt(ctx, "ahead", &store.Attempt{DeliveryID: ds[0].ID, Number: 1, ResponseStatus: 500},
		store.DeliveryUpdate{Status: store.DeliveryPending, NextAttemptAt: ahead.now(), LastStatus: 500, LastError: "HTTP 500"})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := ahead.RecordAttempts(ctx, "ahead", []*store.Attempt{{DeliveryID: ds[1].ID, Number: 1, ResponseStatus: 500}},
		[]store.DeliveryUpdate{{Status: store.DeliveryPending, NextAttemptAt: ahead.now(), LastStatus: 500, LastError: "HTTP 500"}})
	if err != nil || errs[0] != nil {
		t.Fatal(err, errs)
	}
	if c, err := accurate.ClaimDue(ctx, "other", accurate.now(), delivery.HeartbeatLease, 10, ""); err != nil || len(c) != len(ds) {
		t.Errorf("retries due now by a worker 3 s ahead: %d of %d due for the others (%v)", len(c), len(ds), err)
	}
}

// waitLeasesExpired waits until no lease in the store at u is current by
// the server's clock.
func waitLeasesExpired(t *testing.T, u string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for {
		var held bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM deliveries WHERE lease_expires_at > clock_timestamp())`).Scan(&held); err != nil {
			t.Fatal(err)
		}
		if !held {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("leases never expired")
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// A prune on a machine 3 s ahead keeps the delivery a live replay is
// sending in place (leased, failed still) with its event, as an import
// there does not overwrite a delivery a live worker holds with an older
// copy's state.
func TestSkewAheadPruneAndImportLeaveLiveLeases(t *testing.T) {
	u := pgtest.URL(t)
	ctx := context.Background()
	live, ahead := newMachine(t, u, 0), newMachine(t, u, 3*time.Second)
	lease := delivery.HeartbeatLease

	// A failed delivery a live replay leased in place, and renews.
	_, failed := newEvent(t, live.DB, 1, "", live.now())
	if c, err := live.ClaimDue(ctx, "w", live.now(), lease, 10, ""); err != nil || len(c) != 1 {
		t.Fatalf("claim: %d, %v", len(c), err)
	}
	err := live.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: failed[0].ID, Number: 1, ResponseStatus: 500},
		store.DeliveryUpdate{Status: store.DeliveryFailed, LastStatus: 500, LastError: "HTTP 500"})
	if err != nil {
		t.Fatal(err)
	}
	r := store.Requeue{ExtraAttempts: 1, Now: live.now(), RunID: "replay"}
	rq, _, _, err := live.RequeueMatching(ctx, store.DeliveryFilter{Status: store.DeliveryFailed}, 10, r, "replay", live.now().Add(lease))
	if err != nil || len(rq) != 1 || rq[0].Status != store.DeliveryFailed {
		t.Fatalf("replay in place: %+v, %v", rq, err)
	}
	if ext, err := live.ExtendLeases(ctx, "replay", ids(rq), live.now().Add(lease)); err != nil || len(ext) != 1 {
		t.Fatalf("heartbeat: %v %v", ext, err)
	}
	restore := postgres.SetClock(ahead.now) // Prune's clock is the package's
	c, err := ahead.Prune(ctx, ahead.now().Add(time.Hour), 0, false)
	restore()
	if err != nil {
		t.Fatal(err)
	}
	if c.Deliveries != 0 {
		t.Errorf("a prune 3 s ahead deleted %d deliveries, one of them being replayed (leased in place)", c.Deliveries)
	}

	// A pending delivery a live worker holds; an import brings a copy
	// written later (elsewhere), unleased.
	_, held := newEvent(t, live.DB, 1, "", live.now())
	if c, err := live.ClaimDue(ctx, "live", live.now(), lease, 10, ""); err != nil || len(c) != 1 {
		t.Fatalf("claim: %d, %v", len(c), err)
	}
	if ext, err := live.ExtendLeases(ctx, "live", ids(held), live.now().Add(lease)); err != nil || len(ext) != 1 {
		t.Fatalf("heartbeat: %v %v", ext, err)
	}
	cp, err := live.GetDelivery(ctx, held[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	cp.Status, cp.LeaseOwner, cp.LeaseExpiresAt, cp.UpdatedAt = store.DeliveryFailed, "", time.Time{}, cp.UpdatedAt.Add(time.Second)
	if err := ahead.ImportBatch(ctx, []store.Record{{Delivery: cp}}); err != nil {
		t.Fatal(err)
	}
	if d, err := live.GetDelivery(ctx, held[0].ID); err != nil || d.LeaseOwner != "live" || d.Status != store.DeliveryPending {
		t.Errorf("an import 3 s ahead overwrote a delivery a live worker holds: %+v, %v", d, err)
	}
}
