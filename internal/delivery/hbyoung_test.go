package delivery

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// hbyoungExtender records each lease a heartbeat renews that was taken
// or renewed less than 3/16 of the lease before (its end, in the store,
// further than 13/16 of the lease ahead).
type hbyoungExtender struct {
	store.Store
	lease   time.Duration
	calls   atomic.Int32
	renewed atomic.Int32
	mu      sync.Mutex
	young   []string
}

func (h *hbyoungExtender) ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) ([]string, error) {
	h.calls.Add(1)
	now := time.Now()
	for _, id := range ids {
		d, err := h.Store.GetDelivery(ctx, id)
		if err != nil || d.LeaseOwner != owner {
			continue
		}
		if left := d.LeaseExpiresAt.Sub(now); left > h.lease-3*h.lease/16 {
			h.mu.Lock()
			h.young = append(h.young, fmt.Sprintf("%s (%v of the %v lease left)", id, left.Round(time.Millisecond), h.lease))
			h.mu.Unlock()
		}
	}
	got, err := h.Store.(store.LeaseExtender).ExtendLeases(ctx, owner, ids, until)
	h.renewed.Add(int32(len(got)))
	return got, err
}

// TestHbyoungHeartbeatRenewsOnlyLeasesThatAged: the heartbeat leaves a
// lease taken a moment ago to a later beat. It renewed every held lease
// at every beat, most of them just taken and settled before they needed
// it: a PostgreSQL replay's ~3,000 held rows, renewed once or twice each,
// were 36–42k of its ~240k row updates for 100k deliveries. Deliveries
// arrive every 40 ms for a receiver that takes 150 ms with two workers,
// so there is always a lease just taken when a beat comes, and a backlog
// whose leases age and must be renewed (and are: none is lost).
func TestHbyoungHeartbeatRenewsOnlyLeasesThatAged(t *testing.T) {
	const n = 30
	const lease = 1600 * time.Millisecond
	rcv := &receiver{delay: 150 * time.Millisecond}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	h := &hbyoungExtender{Store: openSQLite(t), lease: lease}
	e := newEngine(h, "", 2)
	e.Lease = lease
	var results, lost atomic.Int32
	e.OnResult = func(r Result) {
		results.Add(1)
		if r.LeaseLost || r.Err != nil {
			lost.Add(1)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(ctx, func() bool { return results.Load() >= n })
	}()
	for i := range n {
		if err := Enqueue(ctx, h, &store.Event{ID: fmt.Sprintf("evt_young_%02d", i), Type: "x", Payload: []byte("{}")},
			[]*store.Delivery{Plan{}.AdHoc(srv.URL, "", "", time.Now())}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(40 * time.Millisecond)
	}
	<-done
	if results.Load() < n || lost.Load() != 0 {
		t.Fatalf("%d results of %d, %d lost their lease", results.Load(), n, lost.Load())
	}
	if len(rcv.reqs) != n {
		t.Errorf("%d requests for %d deliveries", len(rcv.reqs), n)
	}
	if h.renewed.Load() == 0 {
		t.Errorf("no lease renewed in %d heartbeats, with a backlog of deliveries held up to %v", h.calls.Load(), n*rcv.delay/2)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.young) > 0 {
		t.Errorf("%d leases renewed less than 3/16 of the lease after they were taken, e.g. %s", len(h.young), h.young[0])
	}
}
