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

// pgbusy2Fixture: a delivery in flight (path /a, its receiver holding the
// request until the test closes gate) leased to engine a for a short
// lease, other engines polling the same store all along, and a stored
// failed delivery (old) whose event's row a transaction of the test (tx)
// locks: an import of a new delivery of that event (added) is held up in
// the middle, the deliveries table locked, as a large import is, by the
// foreign key check of its insert, before it refreshes stored deliveries
// (a statement whose time is taken when it starts: held up within it, it
// would take a lease that ended meanwhile for a live one).
type pgbusy2Fixture struct {
	ctx      context.Context
	url      string
	db       *postgres.DB
	look     *pgx.Conn
	rcv      *pgleaseReceiver
	d, old   *store.Delivery
	added    *store.Delivery
	a        *Engine
	others   []*Engine
	aDone    chan struct{}
	tx       pgx.Tx
	imported chan error
	results  atomic.Int32
	lost     atomic.Int32
}

// newPgbusy2Fixture starts it all (the import not yet).
func newPgbusy2Fixture(t *testing.T, lease time.Duration) *pgbusy2Fixture {
	ctx := context.Background()
	url := pgtest.URL(t)
	db, err := postgres.OpenDB(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &pgbusy2Fixture{ctx: ctx, url: url, db: db, rcv: newPgleaseReceiver(), aDone: make(chan struct{}), imported: make(chan error, 1)}
	srv := httptest.NewServer(f.rcv)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		select {
		case <-f.rcv.gate:
		default:
			close(f.rcv.gate)
		}
	})
	f.old = Plan{}.AdHoc(srv.URL+"/old", "", "", time.Now())
	f.old.ID = "dlv_pgbusy2_a_old"
	f.old.Status, f.old.NextAttemptAt = store.DeliveryFailed, time.Time{}
	if err := Enqueue(ctx, db, &store.Event{ID: "evt_pgbusy2_old", Type: "x", Payload: []byte("{}")}, []*store.Delivery{f.old}); err != nil {
		t.Fatal(err)
	}
	f.d = Plan{}.AdHoc(srv.URL+"/a", "", "", time.Now())
	f.d.ID = "dlv_pgbusy2_b_live"
	if err := Enqueue(ctx, db, &store.Event{ID: "evt_pgbusy2_live", Type: "x", Payload: []byte("{}")}, []*store.Delivery{f.d}); err != nil {
		t.Fatal(err)
	}
	f.a = newEngine(db, "", 1)
	f.a.Lease = lease
	f.a.Sender.Client = NewHTTPClient(60*time.Second, 1)
	f.a.OnResult = func(r Result) {
		if r.LeaseLost || r.Err != nil {
			f.lost.Add(1)
		}
		f.results.Add(1)
	}
	actx, acancel := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(acancel)
	go func() {
		defer close(f.aDone)
		f.a.Run(actx, func() bool { return f.results.Load() > 0 })
	}()
	select {
	case path := <-f.rcv.first:
		if path != "/a" {
			t.Fatalf("first request to %s", path)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no request reached the receiver")
	}
	// Other workers, polling every 5 ms for due deliveries and ended
	// leases: several, as a claim that runs first when the import's
	// lock goes is what takes a lease that ended.
	bctx, bcancel := context.WithCancel(ctx)
	var bDone []chan struct{}
	for range 3 {
		b := newEngine(db, "", 2)
		b.Lease = lease
		done := make(chan struct{})
		go func() {
			defer close(done)
			b.Run(bctx, nil)
		}()
		f.others = append(f.others, b)
		bDone = append(bDone, done)
	}
	t.Cleanup(func() {
		bcancel()
		for _, d := range bDone {
			<-d
		}
	})
	f.look = pgbusy2Connect(t, url)
	conn := pgbusy2Connect(t, url)
	f.tx, err = conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.tx.Rollback(ctx) })
	var id string
	if err := f.tx.QueryRow(ctx, `SELECT id FROM events WHERE id = $1 FOR UPDATE`, f.old.EventID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	f.added = Plan{}.AdHoc(srv.URL+"/added", "", "", time.Now())
	f.added.ID, f.added.EventID = "dlv_pgbusy2_c_added", f.old.EventID
	f.added.Status, f.added.NextAttemptAt = store.DeliveryFailed, time.Time{}
	f.added.CreatedAt, f.added.UpdatedAt = time.Now(), time.Now()
	return f
}

func pgbusy2Connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// newer is a copy of the stored delivery id as an export made elsewhere
// later has it: updated a minute after the stored one, pending, free.
func (f *pgbusy2Fixture) newer(t *testing.T, id string) *store.Delivery {
	t.Helper()
	stored, err := f.db.GetDelivery(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	n := *stored
	n.UpdatedAt = stored.UpdatedAt.Add(time.Minute)
	n.LastError = "refreshed"
	n.Status, n.LeaseOwner, n.LeaseExpiresAt = store.DeliveryPending, "", time.Time{}
	return &n
}

// startImport imports records (held up by tx) and waits until the import
// holds the deliveries table's lock.
func (f *pgbusy2Fixture) startImport(t *testing.T, records []store.Record) {
	t.Helper()
	go func() { f.imported <- f.db.ImportBatch(f.ctx, records) }()
	pgleaseWait(t, "the import to hold the deliveries table's lock", func() bool {
		var n int
		if err := f.look.QueryRow(f.ctx, `SELECT count(*) FROM pg_locks WHERE relation = 'deliveries'::regclass AND mode = 'ShareRowExclusiveLock' AND granted`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
	})
}

// rowsHeld reports whether a session holds rows of the deliveries table
// (ROW SHARE, granted: FOR NO KEY UPDATE) while it waits for the table
// lock an UPDATE takes (ROW EXCLUSIVE): a renewal holding the rows.
func (f *pgbusy2Fixture) rowsHeld(t *testing.T) bool {
	t.Helper()
	var n int
	if err := f.look.QueryRow(f.ctx, `SELECT count(*) FROM pg_locks h JOIN pg_locks w ON w.pid = h.pid
		WHERE h.relation = 'deliveries'::regclass AND h.mode = 'RowShareLock' AND h.granted
		  AND w.relation = 'deliveries'::regclass AND w.mode = 'RowExclusiveLock' AND NOT w.granted`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// finish lets the import go on, waits for it and for the owner's attempt,
// and checks the delivery was sent once, by its owner, which recorded it.
func (f *pgbusy2Fixture) finish(t *testing.T) {
	t.Helper()
	if err := f.tx.Rollback(f.ctx); err != nil {
		t.Fatal(err)
	}
	var importErr error
	select {
	case importErr = <-f.imported:
	case <-time.After(30 * time.Second):
		t.Fatal("the import did not end")
	}
	if importErr != nil {
		t.Errorf("import: %v", importErr)
	}
	pgleaseWait(t, "the lease renewed or the delivery taken", func() bool {
		got, err := f.db.GetDelivery(f.ctx, f.d.ID)
		return f.claimedByOthers() > 0 || (err == nil && got.LeaseOwner == f.a.Owner && !pgbusyServerLeaseEnded(f.ctx, t, f.look, f.d.ID))
	})
	close(f.rcv.gate)
	select {
	case <-f.aDone:
	case <-time.After(40 * time.Second):
		t.Fatal("the attempt was not recorded")
	}
	if n := f.rcv.requests("/a"); n != 1 || f.claimedByOthers() != 0 {
		t.Errorf("sent %d times, the other engines claimed %d; want once, by its owner", n, f.claimedByOthers())
	}
	if f.lost.Load() != 0 {
		t.Errorf("the owner's result lost its lease or was not recorded")
	}
	got, err := f.db.GetDelivery(f.ctx, f.d.ID)
	if err != nil || got.Status != store.DeliverySucceeded || got.LeaseOwner != "" || got.AttemptCount != 1 {
		t.Errorf("after the run: %+v %v, want succeeded, one attempt", got, err)
	}
	if importErr == nil {
		if _, err := f.db.GetDelivery(f.ctx, f.added.ID); err != nil {
			t.Errorf("the imported delivery: %v", err)
		}
	}
}

func (f *pgbusy2Fixture) claimedByOthers() int64 {
	var n int64
	for _, b := range f.others {
		n += b.Claimed()
	}
	return n
}

// TestPgbusy2ImportRefreshingHeldRow: an import whose file holds a newer
// copy (free, pending) of a delivery in flight here, whose lease ended
// before the import began while another transaction held its row (the
// owner's renewal waiting for it: WaitRenewLease). The import locks the
// deliveries table; the row's holder ends; the renewal locks the row and
// waits for the table; the import reaches the row and waits for the
// renewal: a deadlock, which PostgreSQL broke after deadlock_timeout
// (1 s) by failing one of them. The renewal failed (the first to wait is
// the first to look): the import refreshed the row, freed, and another
// engine claimed it and sent it a second time while its owner was
// sending it (the import failing instead, its whole batch undone, is the
// other outcome). The row is its live owner's: the import must pass over
// it, as it passes over a lease that has not ended, and commit.
func TestPgbusy2ImportRefreshingHeldRow(t *testing.T) {
	// The import reaches the row at once (the renewal, waiting longest,
	// saw the deadlock first), or after deadlock_timeout (the import did).
	for _, after := range []time.Duration{0, 1500 * time.Millisecond} {
		t.Run(after.String(), func(t *testing.T) {
			f := newPgbusy2Fixture(t, 1200*time.Millisecond)
			row, err := f.look.Begin(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer row.Rollback(f.ctx)
			var id string
			if err := row.QueryRow(f.ctx, `SELECT id FROM deliveries WHERE id = $1 FOR UPDATE`, f.d.ID).Scan(&id); err != nil {
				t.Fatal(err)
			}
			look := pgbusy2Connect(t, f.url)
			pgleaseWait(t, "the lease to end on the server under the row lock", func() bool {
				return pgbusyServerLeaseEnded(f.ctx, t, look, f.d.ID)
			})
			pgleaseWait(t, "the owner's renewal to wait for the row", func() bool { return f.a.busyWaits.Load() > 0 })
			f.look = look
			f.startImport(t, []store.Record{{Delivery: f.added}, {Delivery: f.newer(t, f.d.ID)}})
			if err := row.Rollback(f.ctx); err != nil {
				t.Fatal(err)
			}
			pgleaseWait(t, "the owner's renewal to hold the row under the import's lock", func() bool { return f.rowsHeld(t) })
			time.Sleep(after)
			f.finish(t)
			if got, err := f.db.GetDelivery(f.ctx, f.d.ID); err == nil && got.LastError == "refreshed" {
				t.Errorf("the import refreshed the delivery its live owner held: %+v", got)
			}
		})
	}
}

// TestPgbusy2ImportNearLeaseEnd: an import that takes the deliveries
// table's lock with little left of a delivery's lease (here: a lease of
// 1.2 s, renewed every 300 ms) and commits just after that lease ended on
// the server. The owner's renewal holding the rows started only once a
// heartbeat had waited a second for the lock, after the lease's end:
// when the import committed, the other engines' claims, queued on the
// same lock, found the lease ended and no renewal waiting, and took the
// delivery, sent a second time while its owner was sending it.
func TestPgbusy2ImportNearLeaseEnd(t *testing.T) {
	f := newPgbusy2Fixture(t, 1200*time.Millisecond)
	f.startImport(t, []store.Record{{Delivery: f.added}})
	deadline := time.Now().Add(20 * time.Second)
	for !pgbusyServerLeaseEnded(f.ctx, t, f.look, f.d.ID) {
		if time.Now().After(deadline) {
			t.Fatal("the lease did not end under the import's lock")
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("at the lease's end: %d renewals holding the rows started", f.a.heldGuards.Load())
	f.finish(t)
}
