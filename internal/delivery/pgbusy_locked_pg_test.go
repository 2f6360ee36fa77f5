package delivery

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// pgbusyServerLeaseEnded reports whether d's lease has ended on the
// server's clock (the clock every claim compares it with). A plain read:
// a row lock does not hold it up.
func pgbusyServerLeaseEnded(ctx context.Context, t *testing.T, conn *pgx.Conn, id string) bool {
	t.Helper()
	var ended bool
	if err := conn.QueryRow(ctx, `SELECT lease_expires_at <= clock_timestamp() FROM deliveries WHERE id = $1`, id).Scan(&ended); err != nil {
		t.Fatal(err)
	}
	return ended
}

// TestPgbusyLockedPastLeaseSentOnce: a delivery in flight (its receiver
// slow to answer) whose row another transaction holds locked for longer
// than the rest of its lease is sent once, by its owner, which records
// its result; another engine polling the store all along never takes it
// over. The heartbeat passed over the locked row (SKIP LOCKED: "busy"),
// so the lease ended on the server while the owner was alive and well;
// once the lock was gone the other engine's claim took the delivery and
// sent it a second time, and the owner's result was refused (lease lost).
func TestPgbusyLockedPastLeaseSentOnce(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	db, err := postgres.OpenDB(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := &pgleaseStore{DB: db}
	rcv := newPgleaseReceiver()
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	defer func() {
		select {
		case <-rcv.gate:
		default:
			close(rcv.gate)
		}
	}()
	d := Plan{}.AdHoc(srv.URL+"/a", "", "", time.Now())
	if err := Enqueue(ctx, db, &store.Event{ID: "evt_pgbusy", Type: "x", Payload: []byte("{}")}, []*store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	const lease = 1200 * time.Millisecond
	a := newEngine(st, "", 1)
	a.Lease = lease
	a.Sender.Client = NewHTTPClient(60*time.Second, 1)
	var results, lost atomic.Int32
	a.OnResult = func(r Result) {
		if r.LeaseLost || r.Err != nil {
			lost.Add(1)
		}
		results.Add(1)
	}
	actx, acancel := context.WithTimeout(ctx, 60*time.Second)
	defer acancel()
	aDone := make(chan struct{})
	go func() {
		defer close(aDone)
		a.Run(actx, func() bool { return results.Load() > 0 })
	}()
	select {
	case <-rcv.first:
	case <-time.After(20 * time.Second):
		t.Fatal("no request reached the receiver")
	}
	// Another worker, polling every 5 ms for due deliveries and expired
	// leases.
	b := newEngine(db, "", 4)
	b.Lease = lease
	bctx, bcancel := context.WithCancel(ctx)
	bDone := make(chan struct{})
	go func() {
		defer close(bDone)
		b.Run(bctx, nil)
	}()
	defer func() { bcancel(); <-bDone }()

	look, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer look.Close(ctx)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	var id string
	if err := tx.QueryRow(ctx, `SELECT id FROM deliveries WHERE id = $1 FOR UPDATE`, d.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	locked, err := db.GetDelivery(ctx, d.ID)
	if err != nil || locked.LeaseOwner != a.Owner {
		t.Fatalf("in flight: %+v %v", locked, err)
	}
	// The lock is held past the lease's end on the server (no heartbeat
	// could move it), and then across another heartbeat and many of the
	// other engine's polls.
	pgleaseWait(t, "the lease to end on the server under the lock", func() bool {
		return pgbusyServerLeaseEnded(ctx, t, look, d.ID)
	})
	beats := a.Heartbeats()
	pgleaseWait(t, "another heartbeat", func() bool { return a.Heartbeats() > beats+1 })
	if b.Claimed() != 0 {
		t.Fatalf("the other engine claimed %d under the lock", b.Claimed())
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	// Either the owner renews the lease or the other engine takes the
	// delivery over (the defect).
	pgleaseWait(t, "the lease renewed or the delivery taken", func() bool {
		got, err := db.GetDelivery(ctx, d.ID)
		return b.Claimed() > 0 || (err == nil && got.LeaseOwner == a.Owner && !pgbusyServerLeaseEnded(ctx, t, look, d.ID))
	})
	close(rcv.gate)
	select {
	case <-aDone:
	case <-time.After(40 * time.Second):
		t.Fatal("the attempt was not recorded")
	}
	if n := rcv.requests("/a"); n != 1 || b.Claimed() != 0 {
		t.Errorf("sent %d times, the other engine claimed %d; want once, by its owner", n, b.Claimed())
	}
	if lost.Load() != 0 {
		t.Errorf("the owner's result lost its lease or was not recorded")
	}
	got, err := db.GetDelivery(ctx, d.ID)
	if err != nil || got.Status != store.DeliverySucceeded || got.LeaseOwner != "" || got.AttemptCount != 1 {
		t.Errorf("after the run: %+v %v, want succeeded, one attempt", got, err)
	}
}
