package delivery

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// claimHookStore is a real SQLite store whose claims can be intercepted:
// before (when set) runs first, and an error from it is the claim's (it
// claims nothing); after (when set) runs once a claim has been made,
// before the engine sees what it took.
type claimHookStore struct {
	*sqlite.Store
	mu     sync.Mutex
	before func() error
	after  func(ctx context.Context, ds []*store.Delivery) error
	deaf   atomic.Bool // lease extensions fail (a store that stalls)
}

func (s *claimHookStore) ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) ([]string, error) {
	if s.deaf.Load() {
		return nil, context.DeadlineExceeded
	}
	return s.Store.ExtendLeases(ctx, owner, ids, until)
}

func (s *claimHookStore) ClaimDue(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, runID string) ([]*store.Delivery, error) {
	s.mu.Lock()
	before, after := s.before, s.after
	s.mu.Unlock()
	if before != nil {
		if err := before(); err != nil {
			return nil, err
		}
	}
	ds, err := s.Store.ClaimDue(ctx, owner, now, lease, limit, runID)
	if err == nil && after != nil {
		err = after(ctx, ds)
	}
	return ds, err
}

func (s *claimHookStore) setBefore(f func() error) {
	s.mu.Lock()
	s.before = f
	s.mu.Unlock()
}

func (s *claimHookStore) setAfter(f func(ctx context.Context, ds []*store.Delivery) error) {
	s.mu.Lock()
	s.after = f
	s.mu.Unlock()
}

// holdFirst answers the first request only once release is called (the
// others at once) and counts them all.
type holdFirst struct {
	n        atomic.Int32
	arrived  chan struct{}
	released chan struct{}
	once     sync.Once
}

func newHoldFirst(t *testing.T) (*holdFirst, string) {
	h := &holdFirst{arrived: make(chan struct{}), released: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.n.Add(1) == 1 {
			close(h.arrived)
			<-h.released
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(h.release) // before srv.Close, which waits for the handler
	return h, srv.URL
}

func (h *holdFirst) release() { h.once.Do(func() { close(h.released) }) }

func openClaimHookStore(t *testing.T) *claimHookStore {
	t.Helper()
	st, err := sqlite.OpenStore(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &claimHookStore{Store: st}
}

func waitChan(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(30 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// A claim that takes back a delivery the engine is sending (its lease
// looked over: heartbeats stalled for a lease under load, or one renewed
// it just after the claim read its clock) must not send it again when
// the attempt in flight is recorded between the claim and the engine's
// look at what it holds. The engine sent the claim's stale copy a second
// time: the receiver got the request twice, and the second attempt,
// recorded under a lost lease, left the delivery's count at one.
func TestReplayflakeClaimRacingRecordSendsOnce(t *testing.T) {
	st := openClaimHookStore(t)
	rcv, url := newHoldFirst(t)
	ctx := context.Background()
	d := Plan{}.AdHoc(url, "", "", time.Now())
	if err := Enqueue(ctx, st, &store.Event{ID: "evt_race", Type: "x", Payload: []byte("{}")}, []*store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	e := newEngine(st, "", 2)
	e.Lease = time.Hour // no heartbeat runs during the test
	var ahead atomic.Int64
	e.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	settled := make(chan struct{})
	var settleOnce sync.Once
	e.OnResult = func(r Result) {
		if r.Delivery.ID == d.ID {
			settleOnce.Do(func() { close(settled) })
		}
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(rctx, nil)
	}()
	waitChan(t, rcv.arrived, "the first request")

	// The lease looks over to the next claim, which takes the delivery;
	// its attempt in flight is answered and recorded before the engine
	// looks at what the claim took.
	took := make(chan struct{})
	next := make(chan struct{})
	var phase atomic.Int32
	st.setAfter(func(_ context.Context, ds []*store.Delivery) error {
		switch {
		case phase.Load() == 0 && slices.ContainsFunc(ds, func(c *store.Delivery) bool { return c.ID == d.ID }):
			phase.Store(1)
			rcv.release()
			<-settled
			close(took)
		case phase.Load() == 1:
			phase.Store(2)
			close(next) // the engine dealt with the last claim's deliveries
		}
		return nil
	})
	ahead.Store(int64(2 * time.Hour))
	e.Wake()
	waitChan(t, took, "the claim of the delivery in flight")
	waitChan(t, next, "the claim after it")
	cancel()
	waitChan(t, done, "Run to stop")
	if n := rcv.n.Load(); n != 1 {
		t.Errorf("the receiver got %d requests, want 1", n)
	}
	got, err := st.GetDelivery(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.DeliverySucceeded || got.AttemptCount != 1 {
		t.Errorf("delivery %s with %d attempts, want succeeded with 1", got.Status, got.AttemptCount)
	}
}

// A delivery handed over by a requeue (a replay) whose lease runs short
// before a worker is free (heartbeats stalled under load) was given back
// to the claim path: let go, still pending and leased to the engine. Run
// stopping then (Ctrl-C) neither sent it nor handed it to Unsent, so an
// interrupted replay left it pending and due now for any worker, not as
// before the replay (TestInterruptedReplayOfIDsLeavesUnsentAsBeforeSQLite
// under I/O load: 40 such deliveries). Each is now sent or handed back:
// its lease renewed and sent, or, when the store does not renew it,
// handed to Unsent with the queued ones.
func TestReplayflakeShortLeaseHandedOverIsSentOrUnsent(t *testing.T) {
	t.Run("renewed", func(t *testing.T) { testShortLeaseHandedOver(t, false) })
	t.Run("not renewed", func(t *testing.T) { testShortLeaseHandedOver(t, true) })
}

func testShortLeaseHandedOver(t *testing.T, deaf bool) {
	st := openClaimHookStore(t)
	st.deaf.Store(deaf)
	rcv, url := newHoldFirst(t)
	ctx := context.Background()
	ids := enqueueDueInAnHour(t, ctx, st, url, url, url)
	e := newEngine(st, "", 1)
	e.Lease = time.Hour // no heartbeat runs during the test
	var ahead atomic.Int64
	e.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	var mu sync.Mutex
	sent := map[string]bool{}
	unsent := map[string]bool{}
	e.OnResult = func(r Result) {
		mu.Lock()
		sent[r.Delivery.ID] = !r.NotSent && r.Err == nil && !r.LeaseLost
		mu.Unlock()
	}
	e.Unsent = func(_ context.Context, ds []*store.Delivery) error {
		mu.Lock()
		for _, d := range ds {
			unsent[d.ID] = true
		}
		mu.Unlock()
		return nil
	}
	cancel, done := startRun(t, ctx, e, false)
	requeueAll(t, ctx, e, ids, e.Now())
	waitChan(t, rcv.arrived, "the first request")
	// The leases of the two still queued now look close to their end;
	// Ctrl-C comes as the engine starts its next claim.
	ahead.Store(int64(2 * time.Hour))
	st.setBefore(func() error {
		cancel()
		return context.Canceled
	})
	rcv.release()
	waitChan(t, done, "Run to stop")
	mu.Lock()
	defer mu.Unlock()
	for _, id := range ids {
		if !sent[id] && !unsent[id] {
			d, _ := st.GetDelivery(ctx, id)
			t.Errorf("delivery %s neither sent nor handed back unsent at the stop: %s, leased to %q", id, d.Status, d.LeaseOwner)
		}
	}
}
