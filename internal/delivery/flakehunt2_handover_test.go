package delivery

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// slowEventsStore is a claimHookStore whose batch read of events
// (store.EventsGetter, the read a requeue's hand-over makes) runs before
// first (when set, once).
type slowEventsStore struct {
	*claimHookStore
	once   sync.Once
	before func()
}

func (s *slowEventsStore) GetEvents(ctx context.Context, ids []string) ([]*store.Event, error) {
	if s.before != nil {
		s.once.Do(s.before)
	}
	return s.Store.GetEvents(ctx, ids)
}

// A requeue handed to the workers (a replay's, Engine.RequeueIDs) reads
// its deliveries' events before it holds them; under load that read
// outlasted their fresh lease, which no heartbeat renewed (not held yet),
// so the engine's own claim took them as expired and sent them — and the
// hand-over then queued them again: each was sent twice, or, when Ctrl-C
// came first, put back "as before the replay" by Unsent while the claim's
// copy was in flight, whose attempt was then stored under a lost lease
// (TestInterruptedReplayOfIDsLeavesUnsentAsBeforeSQLite, race-built at
// load ~25: "2 attempts stored, its count says 1 … manual false, status
// 200"). The deliveries are now held as soon as the requeue returns them.
func TestFlakehunt2RequeueHandOverNotClaimedTwice(t *testing.T) {
	base := openClaimHookStore(t)
	var mu sync.Mutex
	got := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got[r.URL.Path]++
		mu.Unlock()
	}))
	defer srv.Close()
	ctx := context.Background()
	ids := enqueueDueInAnHour(t, ctx, base, srv.URL+"/a", srv.URL+"/b")
	st := &slowEventsStore{claimHookStore: base}
	e := newEngine(st, "", 2)
	var ahead atomic.Int64
	e.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	claimed := make(chan struct{})
	var claimedOnce sync.Once
	base.setAfter(func(_ context.Context, ds []*store.Delivery) error {
		for _, d := range ds {
			if slices.Contains(ids, d.ID) {
				claimedOnce.Do(func() { close(claimed) })
			}
		}
		return nil
	})
	// The read of the events outlasts the requeue's lease: to the engine's
	// clock it has ended, and a claim runs meanwhile.
	st.before = func() {
		ahead.Store(int64(time.Hour))
		select {
		case <-claimed:
		case <-time.After(3 * time.Second): // the fixed engine's claim takes nothing
		}
	}
	cancel, done := startRun(t, ctx, e, true)
	requeueAll(t, ctx, e, ids, time.Now())
	// Until both are recorded and the engine holds nothing more.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		settled := 0
		for _, id := range ids {
			if d, err := base.GetDelivery(ctx, id); err == nil && d.Status != store.DeliveryPending {
				settled++
			}
		}
		if settled == len(ids) && e.holdsNone() && e.ownedLen() == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d deliveries settled in 30s", settled, len(ids))
		}
	}
	cancel()
	waitChan(t, done, "Run to stop")
	mu.Lock()
	defer mu.Unlock()
	for path, n := range got {
		if n != 1 {
			t.Errorf("delivery to %s sent %d times, want once", path, n)
		}
	}
	for _, id := range ids {
		d, _ := base.GetDelivery(ctx, id)
		if d.AttemptCount != 1 || d.Status != store.DeliverySucceeded {
			t.Errorf("delivery %s: %s with %d attempts, want succeeded with 1 (the replay's)", id, d.Status, d.AttemptCount)
		}
	}
}
