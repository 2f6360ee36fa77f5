package delivery

import (
	"context"
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
