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

// TestPgbusyImportLockSentOnce: `store import` into a PostgreSQL store
// locks the deliveries table (SHARE ROW EXCLUSIVE, to keep imported Seqs
// while other processes insert) until it commits. A delivery in flight
// (its receiver slow) while an import holds that lock for longer than the
// rest of the delivery's lease must still be sent once, by its owner,
// which records its result, though another engine polls the store all
// along. The import is held up in the middle here (a stored delivery it
// refreshes is row-locked by a second connection), as a large import is.
func TestPgbusyImportLockSentOnce(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	db, err := postgres.OpenDB(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
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
	// old: a stored delivery, settled long ago, that the import brings up
	// to date from a newer copy.
	old := Plan{}.AdHoc(srv.URL+"/old", "", "", time.Now())
	old.Status, old.NextAttemptAt = store.DeliveryFailed, time.Time{}
	if err := Enqueue(ctx, db, &store.Event{ID: "evt_pgbusy_old", Type: "x", Payload: []byte("{}")}, []*store.Delivery{old}); err != nil {
		t.Fatal(err)
	}
	stored, err := db.GetDelivery(ctx, old.ID)
	if err != nil || stored.Status != store.DeliveryFailed {
		t.Fatalf("the stored delivery: %+v %v", stored, err)
	}
	d := Plan{}.AdHoc(srv.URL+"/a", "", "", time.Now())
	if err := Enqueue(ctx, db, &store.Event{ID: "evt_pgbusy_import", Type: "x", Payload: []byte("{}")}, []*store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	const lease = 1200 * time.Millisecond
	a := newEngine(db, "", 1)
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
	case path := <-rcv.first:
		if path != "/a" {
			t.Fatalf("first request to %s", path)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no request reached the receiver")
	}
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
	if err := tx.QueryRow(ctx, `SELECT id FROM deliveries WHERE id = $1 FOR UPDATE`, old.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	newer := *stored
	newer.UpdatedAt = stored.UpdatedAt.Add(time.Minute)
	newer.LastError = "refreshed"
	imported := make(chan error, 1)
	go func() {
		imported <- db.ImportBatch(ctx, []store.Record{{Delivery: &newer}})
	}()
	// The import holds the table lock, waiting for the stored delivery's
	// row, for longer than the in-flight delivery's lease.
	pgleaseWait(t, "the import to hold the deliveries table's lock", func() bool {
		var n int
		if err := look.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE relation = 'deliveries'::regclass AND mode = 'ShareRowExclusiveLock' AND granted`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
	})
	pgleaseWait(t, "the lease to end on the server under the import's lock", func() bool {
		return pgbusyServerLeaseEnded(ctx, t, look, d.ID)
	})
	beats := a.Heartbeats()
	pgleaseWait(t, "another heartbeat", func() bool { return a.Heartbeats() > beats+1 })
	select {
	case err := <-imported:
		t.Fatalf("the import ended under the row lock: %v", err)
	default:
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-imported:
		if err != nil {
			t.Fatalf("import: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the import did not end")
	}
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
	if got, err := db.GetDelivery(ctx, old.ID); err != nil || got.LastError != "refreshed" {
		t.Errorf("the stored delivery after the import: %+v %v, want refreshed", got, err)
	}
}
