package delivery

import (
	"context"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// pglocksHangingExtender is a store whose second lease extension hangs
// until its context ends (a connection that stopped answering), noting
// its deadline and the end of the delivery's lease in the store then.
type pglocksHangingExtender struct {
	store.Store
	calls    atomic.Int32
	mu       sync.Mutex
	deadline time.Time // of the hung call
	leaseEnd time.Time // in the store when it hung
	hung     chan struct{}
}

func (h *pglocksHangingExtender) ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) ([]string, error) {
	if h.calls.Add(1) == 2 {
		d, err := h.Store.GetDelivery(ctx, ids[0])
		if err != nil {
			return nil, err
		}
		h.mu.Lock()
		h.deadline, _ = ctx.Deadline()
		h.leaseEnd = d.LeaseExpiresAt
		h.mu.Unlock()
		<-ctx.Done()
		close(h.hung)
		return nil, ctx.Err()
	}
	return h.Store.(store.LeaseExtender).ExtendLeases(ctx, owner, ids, until)
}

// TestPglocksHeartbeatGivesUpBeforeTheLeaseEnds: a heartbeat's renewal
// that hangs is given up before the lease it renews ends, and the next
// renewal keeps the delivery. A renewal may take half the lease (a
// second at most, or the interval): with a 1.2 s lease it was given a
// second from a heartbeat that started with 0.9 s of the lease left, so
// the lease ended at the store while the engine still waited, and
// another worker's claim could take the delivery being sent.
func TestPglocksHeartbeatGivesUpBeforeTheLeaseEnds(t *testing.T) {
	st := openSQLite(t)
	rcv := &receiver{delay: 3 * time.Second}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	ctx := context.Background()
	if err := Enqueue(ctx, st, &store.Event{ID: "evt_hang", Type: "x", Payload: []byte("{}")},
		[]*store.Delivery{Plan{}.AdHoc(srv.URL, "", "", time.Now())}); err != nil {
		t.Fatal(err)
	}
	h := &pglocksHangingExtender{Store: st, hung: make(chan struct{})}
	a := newEngine(h, "", 1)
	a.Lease = 1200 * time.Millisecond
	a.Sender.Client = NewHTTPClient(10*time.Second, 1)
	var results atomic.Int32
	a.OnResult = func(r Result) { results.Add(1) }
	actx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Run(actx, func() bool { return results.Load() > 0 })
	}()
	select {
	case <-h.hung:
	case <-done:
		t.Fatal("the run ended before a renewal hung")
	}
	h.mu.Lock()
	deadline, leaseEnd := h.deadline, h.leaseEnd
	h.mu.Unlock()
	if !deadline.Before(leaseEnd) {
		t.Errorf("a renewal that hangs is waited for until %s, %v after the lease it renews ended (%s)",
			deadline.Format("15:04:05.000"), deadline.Sub(leaseEnd), leaseEnd.Format("15:04:05.000"))
	}
	// The next renewal renews it: the lease ends after the hung one.
	until := time.Now().Add(10 * time.Second)
	for {
		ds, err := st.ListDeliveries(ctx, store.DeliveryFilter{})
		if err == nil && len(ds) == 1 && ds[0].LeaseExpiresAt.After(leaseEnd) {
			break
		}
		if time.Now().After(until) {
			t.Fatalf("no renewal after the one that hung: %v, %v", ds, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
}
