package delivery

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// noSlotStore fails claims with a transient store error (a PostgreSQL
// server with no connection left: SQLSTATE 53300) until released.
type noSlotStore struct {
	store.Store
	failing atomic.Bool
	failed  chan struct{} // closed at the first failed claim
	once    sync.Once
}

func (s *noSlotStore) ClaimDue(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, runID string) ([]*store.Delivery, error) {
	if s.failing.Load() {
		s.once.Do(func() { close(s.failed) })
		return nil, &store.EnvironmentError{Err: errors.New("claim deliveries: PostgreSQL store has no connection left: sorry, too many clients already"), Transient: true}
	}
	return s.Store.ClaimDue(ctx, owner, now, lease, limit, runID)
}

// A trigger-style run (claims and the recorder share one StoreNotice)
// whose claim failed because the store could not be reached for a moment,
// while it was handed deliveries of its own: the workers wait for the
// store before sending, holding every slot, and the claim that would have
// seen the store back needed a slot. The run hung for ever (its notice
// said "up to 1m"), renewing its leases, so no other worker could take
// them either. Now the claim is retried without waiting for a slot: the
// run resumes and sends everything once; and a store that is not back
// within the patience ends the run with its error, nothing more sent.
func TestClaimOutageWithHandedOverWork(t *testing.T) {
	t.Parallel()
	t.Run("back", func(t *testing.T) { claimOutage(t, true, false) })
	t.Run("not back", func(t *testing.T) { claimOutage(t, false, false) })
	// serve's engine: it never gives up on claims (OnClaimError).
	t.Run("serve", func(t *testing.T) { claimOutage(t, true, true) })
}

func claimOutage(t *testing.T, back, serveStyle bool) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	st := &noSlotStore{Store: openSQLite(t), failed: make(chan struct{})}
	st.failing.Store(true)
	runID := NewRunID()
	e := newEngine(st, runID, 2)
	var out syncBuilder
	notice := &StoreNotice{W: &out, Patience: time.Minute}
	if !back {
		notice.Patience = 500 * time.Millisecond
	}
	e.StoreWait, e.RecordWait = notice.Wait(), notice.Wait()
	if serveStyle {
		notice.Patience = 10 * time.Minute
		e.OnClaimError = func(error, time.Duration) {}
	}
	const n = 20
	type result struct {
		out Outcome
		err error
	}
	done := make(chan result, 1)
	go func() {
		o, err := Drive(context.Background(), e, 0, func(ctx context.Context, add func(int)) error {
			<-st.failed // the engine's first claim failed: the store is "down"
			plan := Plan{Schedule: Schedule{0}, RunID: runID}
			var evs []*store.Event
			var dss [][]*store.Delivery
			for i := range n {
				evs = append(evs, &store.Event{ID: fmt.Sprintf("evt_%d", i), Type: "card.created", Provider: "standard", Payload: []byte(`{}`)})
				dss = append(dss, []*store.Delivery{plan.AdHoc(srv.URL, "", "", time.Now())})
			}
			if err := e.Enqueue(ctx, evs, dss); err != nil {
				return err
			}
			add(n)
			// The workers take the handed-over deliveries and wait for
			// the store; then it has connections again.
			time.Sleep(300 * time.Millisecond)
			st.failing.Store(!back)
			return nil
		})
		done <- result{o, err}
	}()
	select {
	case r := <-done:
		if !back {
			if !store.IsTransient(r.err) || hits.Load() != 0 {
				t.Fatalf("the store not back within the patience: run error %v, %d requests; want the store's error, none sent", r.err, hits.Load())
			}
			return
		}
		if r.err != nil {
			t.Fatalf("run: %v", r.err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the run hung after a failed claim (%d of %d sent); stderr:\n%s", hits.Load(), n, out.String())
	}
	if got := hits.Load(); got != n {
		t.Errorf("%d requests, want %d", got, n)
	}
	if s := out.String(); strings.Count(s, "waiting for the store") != 1 || strings.Count(s, "the store is back") != 1 {
		t.Errorf("stderr:\n%s\nwant one waiting line and one back line", s)
	}
}

// syncBuilder is a strings.Builder safe for the engine's goroutines.
type syncBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuilder) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
