package delivery

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// TestLeaseclockSteppedClockLeavesLiveDeliverySQLite: two engines on one
// SQLite file, each with its own Store (two processes). While the first
// sends a slow delivery, renewing its lease by heartbeats, the wall clock
// of the second steps an hour forward (NTP, a laptop waking): every lease
// looks expired to it. It must not take the delivery and send it a second
// time: its owner is alive (its lock is held) and keeps renewing it, for
// longer than a whole lease. It sent it again at once before.
func TestLeaseclockSteppedClockLeavesLiveDeliverySQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hookctl.db")
	open := func() store.Store {
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	stA, stB := open(), open()
	// The lease is the one engines take (HeartbeatLease), and the attempt
	// lasts over two: without its renewals seen, the second engine would
	// take it over after one. A live owner keeps its lease through a
	// pause of its heartbeat shorter than the lease less a beat's
	// interval; a 300 ms lease (a beat every 75 ms) was shorter than the
	// pauses of a race-built test process beside two CPU hogs: the
	// owner's heartbeat once did not run for 870 ms while the second
	// engine's claims went on, and that engine took the live owner's
	// delivery (1 run in 30). A 2 s lease outlasts pauses up to 1.5 s.
	const lease = HeartbeatLease
	rcv := &receiver{delay: 5 * time.Second}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	if err := Enqueue(ctx, stA, &store.Event{ID: "evt_step", Type: "x", Payload: []byte("{}")},
		[]*store.Delivery{Plan{}.AdHoc(srv.URL, "", "", time.Now())}); err != nil {
		t.Fatal(err)
	}
	a := newEngine(stA, "", 1)
	a.Lease = lease
	a.Sender.Client = NewHTTPClient(time.Minute, 1) // the attempt outlasts newEngine's 2 s timeout
	var results, lost atomic.Int32
	a.OnResult = func(r Result) {
		results.Add(1)
		if r.LeaseLost || r.Err != nil {
			lost.Add(1)
		}
	}
	actx, acancel := context.WithTimeout(ctx, 30*time.Second)
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
	b.Now = func() time.Time { return time.Now().Add(time.Hour) }
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
		t.Errorf("the delivery was sent %d times, want 1 (taken from a live worker by one whose clock stepped an hour forward)", n)
	}
	if b.Claimed() != 0 || lost.Load() != 0 {
		t.Errorf("the engine an hour ahead claimed %d; %d results lost the lease", b.Claimed(), lost.Load())
	}
	d, err := stA.ListDeliveries(ctx, store.DeliveryFilter{})
	if err != nil || len(d) != 1 || d[0].Status != store.DeliverySucceeded || d[0].LeaseOwner != "" {
		t.Fatalf("delivery after the run: %+v %v", d, err)
	}
}
