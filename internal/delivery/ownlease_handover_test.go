package delivery

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// handoverRaceStore is the real SQLite store with one of the engine's
// claims interleaved with an Enqueue as a loaded machine can: the claim
// runs its query once the Enqueue's write has committed and returns
// before the Enqueue goes on (holds and hands the deliveries over).
// clockFirst: the claim read its clock before the Enqueue read its own
// (race-built on the loaded VM). Otherwise the write took longer than the
// lease (slowWrite) and the claim reads its clock after it.
type handoverRaceStore struct {
	*sqlite.Store
	clockFirst bool
	slowWrite  time.Duration
	armed      atomic.Bool
	entered    chan struct{} // the armed claim has its clock reading
	written    chan struct{} // the Enqueue's write committed
	claimed    chan struct{} // the armed claim returned
}

func (s *handoverRaceStore) ClaimDue(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, runID string) ([]*store.Delivery, error) {
	if !s.armed.CompareAndSwap(true, false) {
		return s.Store.ClaimDue(ctx, owner, now, lease, limit, runID)
	}
	defer close(s.claimed)
	close(s.entered)
	<-s.written
	return s.Store.ClaimDue(ctx, owner, now, lease, limit, runID)
}

func (s *handoverRaceStore) CreateEvents(ctx context.Context, events []*store.Event, deliveries [][]*store.Delivery) error {
	time.Sleep(s.slowWrite)
	err := s.Store.CreateEvents(ctx, events, deliveries)
	if err != nil {
		return err
	}
	if !s.clockFirst {
		s.armed.Store(true)
		<-s.entered
	}
	close(s.written)
	select {
	case <-s.claimed:
	case <-time.After(10 * time.Second):
	}
	// The claim's engine goes on (adopt, the workers) first.
	time.Sleep(50 * time.Millisecond)
	return nil
}

// TestOwnleaseHandOverSentOnce: deliveries handed over by Enqueue while
// one of the engine's own claims runs are sent once. clockFirst: the claim
// read its clock before the Enqueue did, so the fresh leases end (by
// microseconds) further ahead than its own, the SQLite claim's rule for
// an owner whose clock is ahead, and it took them back as its own.
// slowWrite: the write outlasted the lease (a store slow to commit), the
// claim found them ended and took them. Either way the engine did not yet
// know it held them (held only after the write) and each was sent by the
// claim and again from the hand-over queue; race-built on the loaded VM
// TestEnqueueHandsOverLeased saw the first. Now a claim does not take its
// owner's live lease back, and the engine holds them before the write, so
// a claim of one only renews it.
func TestOwnleaseHandOverSentOnce(t *testing.T) {
	for _, tc := range []struct {
		name       string
		clockFirst bool
		slowWrite  time.Duration
	}{
		{"claim read its clock first", true, 0},
		{"write outlasted the lease", false, 400 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int32
			// Each answer takes 300 ms: a copy the claim sent is still in
			// flight (not recorded, so not seen settled) when the
			// hand-over's would be sent.
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				time.Sleep(300 * time.Millisecond)
			}))
			defer srv.Close()
			inner, err := sqlite.OpenStore(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer inner.Close()
			st := &handoverRaceStore{Store: inner, clockFirst: tc.clockFirst, slowWrite: tc.slowWrite,
				entered: make(chan struct{}), written: make(chan struct{}), claimed: make(chan struct{})}
			runID := NewRunID()
			e := newEngine(st, runID, 8)
			if tc.slowWrite > 0 {
				e.Lease = tc.slowWrite / 2
			}
			plan := Plan{Schedule: Schedule{0}, RunID: runID}
			var all []*store.Delivery
			out, err := Drive(context.Background(), e, 20*time.Second, func(ctx context.Context, add func(int)) error {
				var evs []*store.Event
				var dss [][]*store.Delivery
				for i := range 3 {
					evs = append(evs, &store.Event{ID: fmt.Sprintf("evt_own_%d", i), Type: "card.created", Provider: "standard", Payload: []byte(`{}`)})
					d := plan.AdHoc(srv.URL, "", "", time.Now())
					dss = append(dss, []*store.Delivery{d})
					all = append(all, d)
				}
				if tc.clockFirst {
					// Created (due) before the claim reads its clock;
					// the Enqueue reads its own after.
					st.armed.Store(true)
					select {
					case <-st.entered:
					case <-time.After(10 * time.Second):
						return fmt.Errorf("the engine made no claim")
					}
				}
				if err := e.Enqueue(ctx, evs, dss); err != nil {
					return err
				}
				add(3)
				return nil
			})
			if err != nil || out.TimedOut {
				t.Fatalf("Drive: %+v %v", out, err)
			}
			for _, d := range all {
				as, err := inner.ListAttempts(context.Background(), d.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(as) != 1 {
					t.Errorf("delivery %s has %d attempts, want 1 (sent once)", d.ID, len(as))
				}
			}
			if h := hits.Load(); h != 3 {
				t.Errorf("the receiver got %d requests for 3 deliveries handed over", h)
			}
		})
	}
}
