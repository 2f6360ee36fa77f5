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

// TestSkewedWorkerLeavesLiveDeliveryPostgres: two engines share one
// PostgreSQL store from machines whose clocks are 3 s apart (a CI fleet:
// VMs, containers after a suspend). While the accurate one sends a slow
// delivery, renewing its lease by heartbeats, the one ahead polls the
// store: it must not take the delivery and send it a second time.
func TestSkewedWorkerLeavesLiveDeliveryPostgres(t *testing.T) {
	u := pgtest.URL(t)
	ctx := context.Background()
	open := func(clock func() time.Time) *postgres.DB {
		db, err := postgres.OpenDB(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if clock != nil {
			db.UseClock(clock)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	ahead := func() time.Time { return time.Now().Add(3 * time.Second) }
	stA, stB := open(nil), open(ahead)

	rcv := &receiver{delay: 2 * time.Second}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	if err := Enqueue(ctx, stA, &store.Event{ID: "evt_skew", Type: "x", Payload: []byte("{}")},
		[]*store.Delivery{Plan{}.AdHoc(srv.URL, "", "", time.Now())}); err != nil {
		t.Fatal(err)
	}
	const lease = 750 * time.Millisecond
	a := newEngine(stA, "", 1)
	a.Lease = lease
	a.Sender.Client = NewHTTPClient(10*time.Second, 1) // the attempt outlasts the default 2 s
	var results, lost atomic.Int32
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
	for rcv.inflight.Load() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	b := newEngine(stB, "", 4)
	b.Lease = lease
	b.Now = ahead
	bctx, bcancel := context.WithCancel(ctx)
	bDone := make(chan struct{})
	go func() {
		defer close(bDone)
		b.Run(bctx, nil)
	}()
	<-aDone
	bcancel()
	<-bDone
	rcv.mu.Lock()
	n := len(rcv.reqs)
	rcv.mu.Unlock()
	if n != 1 {
		t.Errorf("the delivery was sent %d times, want 1 (taken over from a live worker by one whose clock is 3 s ahead)", n)
	}
	if b.Claimed() != 0 || lost.Load() != 0 {
		t.Errorf("the engine 3 s ahead claimed %d; %d results lost the lease", b.Claimed(), lost.Load())
	}
	d, err := stA.ListDeliveries(ctx, store.DeliveryFilter{})
	if err != nil || len(d) != 1 || d[0].Status != store.DeliverySucceeded || d[0].LeaseOwner != "" {
		t.Fatalf("delivery after the run: %+v %v", d, err)
	}
}
