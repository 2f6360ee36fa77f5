package delivery

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

func openPostgres(t testing.TB) store.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestHeartbeatKeepsSlowDeliverySQLite(t *testing.T) {
	testHeartbeatKeepsSlowDelivery(t, openSQLite(t))
}
func TestHeartbeatKeepsSlowDeliveryPostgres(t *testing.T) {
	testHeartbeatKeepsSlowDelivery(t, openPostgres(t))
}

// testHeartbeatKeepsSlowDelivery: an attempt that lasts four times the
// lease is not taken over by another engine polling the same store,
// because its engine's heartbeats keep extending the lease.
func testHeartbeatKeepsSlowDelivery(t *testing.T, st store.Store) {
	// Four leases long. The lease is long enough for a loaded machine (a
	// heartbeat every lease/4 must not stall for three quarters of it:
	// with a 300 ms lease, a 225 ms stall under the full suite on two
	// cores once let the other engine take it over).
	rcv := &receiver{delay: 3 * time.Second}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	ctx := context.Background()
	if err := Enqueue(ctx, st, &store.Event{ID: "evt_slow", Type: "x", Payload: []byte("{}")},
		[]*store.Delivery{Plan{}.AdHoc(srv.URL, "", "", time.Now())}); err != nil {
		t.Fatal(err)
	}
	const lease = 750 * time.Millisecond
	a := newEngine(st, "", 1)
	a.Lease = lease
	a.Sender.Client = NewHTTPClient(10*time.Second, 1) // the attempt outlasts the default 2 s
	var lost atomic.Int32
	var results atomic.Int32
	a.OnResult = func(r Result) {
		results.Add(1)
		if r.LeaseLost || r.Err != nil {
			lost.Add(1)
		}
	}
	actx, acancel := context.WithTimeout(ctx, 10*time.Second)
	defer acancel()
	aDone := make(chan struct{})
	go func() {
		defer close(aDone)
		a.Run(actx, func() bool { return results.Load() > 0 })
	}()
	// Once the slow attempt is in flight, a second engine polls.
	for rcv.inflight.Load() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	b := newEngine(st, "", 4)
	b.Lease = lease
	bctx, bcancel := context.WithCancel(ctx)
	bDone := make(chan struct{})
	go func() {
		defer close(bDone)
		b.Run(bctx, nil)
	}()
	<-aDone
	bcancel()
	<-bDone
	if n := len(rcv.reqs); n != 1 {
		t.Errorf("the slow delivery was sent %d times, want 1 (taken over while live)", n)
	}
	if b.Claimed() != 0 || lost.Load() != 0 {
		t.Errorf("the other engine claimed %d; %d results lost the lease", b.Claimed(), lost.Load())
	}
	if a.Heartbeats() < 3 {
		t.Errorf("%d heartbeats during a %v attempt with a %v lease", a.Heartbeats(), rcv.delay, lease)
	}
	d, err := st.ListDeliveries(ctx, store.DeliveryFilter{})
	if err != nil || len(d) != 1 || d[0].Status != store.DeliverySucceeded || d[0].LeaseOwner != "" {
		t.Fatalf("delivery after the run: %+v %v", d, err)
	}
}

func TestHeartbeatDefaultLease(t *testing.T) {
	e := newEngine(openSQLite(t), "", 1)
	e.init()
	if e.Lease != HeartbeatLease {
		t.Errorf("lease over a store with heartbeats = %v, want %v", e.Lease, HeartbeatLease)
	}
	m := newEngine(newMemStore(), "", 1)
	m.init()
	if m.Lease != DefaultTimeout+5*time.Second && m.Lease != 2*time.Second+5*time.Second {
		t.Errorf("lease without heartbeats = %v, want timeout + 5s", m.Lease)
	}
}

// failingExtender is a PostgreSQL store whose lease extensions fail while
// fail is set: the store away, as the heartbeats see it.
type failingExtender struct {
	*postgres.DB
	fail  atomic.Bool
	calls atomic.Int32
	// slow: each extension that reaches the store takes this long first,
	// so that calls which overlap do (overlaps counts them).
	slow               time.Duration
	inFlight, overlaps atomic.Int32
}

func (f *failingExtender) ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) ([]string, error) {
	renewed, _, err := f.RenewLeases(ctx, owner, ids, until)
	return renewed, err
}

// RenewLeases is the one the engine calls (store.LeaseRenewer, which the
// PostgreSQL store implements).
func (f *failingExtender) RenewLeases(ctx context.Context, owner string, ids []string, until time.Time) ([]string, []string, error) {
	f.calls.Add(1)
	if f.fail.Load() {
		return nil, nil, errors.New("store away")
	}
	if f.inFlight.Add(1) > 1 {
		f.overlaps.Add(1)
	}
	defer f.inFlight.Add(-1)
	time.Sleep(f.slow)
	return f.DB.RenewLeases(ctx, owner, ids, until)
}

// TestInPlaceLeaseRenewedAfterMissedHeartbeats: failed deliveries a
// PostgreSQL replay leased in place (still failed, so no claim takes them
// back) whose leases ran low in the queue while the heartbeats failed are
// renewed once the store answers, and sent — once each. Left to the claim
// path like a pending delivery, they stayed failed and unsent. The
// renewal and the heartbeat never extend at the same time: each skips the
// rows the other has locked (FOR UPDATE SKIP LOCKED), and a renewal that
// missed a row took it for another process's and forgot it — sent never
// (a flake of this test under load).
func TestInPlaceLeaseRenewedAfterMissedHeartbeats(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.OpenDB(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := &failingExtender{DB: db, slow: 100 * time.Millisecond}
	rcv := &receiver{delay: 400 * time.Millisecond}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	now := time.Now()
	var ds []*store.Delivery
	for range 3 {
		ds = append(ds, Plan{}.AdHoc(srv.URL, "", "", now))
	}
	if err := Enqueue(ctx, st, &store.Event{ID: "evt_inplace", Type: "x", Payload: []byte("{}")}, ds); err != nil {
		t.Fatal(err)
	}
	claimed, err := st.ClaimDue(ctx, "first", now, time.Minute, 3, "")
	if err != nil || len(claimed) != 3 {
		t.Fatalf("claim: %d, %v", len(claimed), err)
	}
	for _, d := range claimed {
		if err := st.RecordAttempt(ctx, "first", &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: now, Error: "refused"},
			store.DeliveryUpdate{Status: store.DeliveryFailed, LastError: "refused"}); err != nil {
			t.Fatal(err)
		}
	}

	e := newEngine(st, "run_inplace", 1) // one at a time: the other two wait in the queue
	e.Lease = 600 * time.Millisecond
	var results, lost atomic.Int32
	e.OnResult = func(r Result) {
		if r.LeaseLost || r.Err != nil {
			lost.Add(1)
		}
		if r.Final {
			results.Add(1)
		}
	}
	st.fail.Store(true)
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(rctx, func() bool { return results.Load() == 3 })
	}()
	for !e.running.Load() {
		time.Sleep(time.Millisecond)
	}
	n, _, _, err := e.RequeueMatching(ctx, store.DeliveryFilter{Status: store.DeliveryFailed}, 10,
		store.Requeue{RunID: "run_inplace", ExtraAttempts: 1, Unheld: true, Now: time.Now()})
	if err != nil || n != 3 {
		t.Fatalf("requeue: %d, %v", n, err)
	}
	if got, _ := st.GetDelivery(ctx, ds[0].ID); got.Status != store.DeliveryFailed || got.LeaseOwner != e.Owner {
		t.Fatalf("requeued as %+v, want failed and leased in place", got)
	}
	time.Sleep(1500 * time.Millisecond) // the queued leases (600 ms) run low, unrenewed
	// Heartbeats and renewals each at most every lease/4 (150 ms).
	if c := st.calls.Load(); c > 40 {
		t.Errorf("%d lease extensions in 1.5 s while the store failed: the renewals spin", c)
	}
	st.fail.Store(false)
	<-done
	if rctx.Err() != nil {
		t.Fatalf("the run did not finish: %d of 3 results, %d requests", results.Load(), len(rcv.reqs))
	}
	if len(rcv.reqs) != 3 || lost.Load() != 0 {
		t.Errorf("%d requests for 3 deliveries, %d results lost the lease or failed", len(rcv.reqs), lost.Load())
	}
	if n := st.overlaps.Load(); n != 0 {
		t.Errorf("%d lease extensions overlapped another of this engine's", n)
	}
	for _, d := range ds {
		got, err := st.GetDelivery(ctx, d.ID)
		if err != nil || got.Status != store.DeliverySucceeded || got.RunID != "run_inplace" || got.LeaseOwner != "" {
			t.Errorf("after the run: %+v %v, want succeeded in the run", got, err)
		}
	}
	if st.calls.Load() < 2 {
		t.Errorf("%d lease extensions: the test did not exercise the missed heartbeats", st.calls.Load())
	}
}
