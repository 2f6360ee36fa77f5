package delivery

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// claimCounter counts what the engine had to claim from the store, and
// which deliveries.
type claimCounter struct {
	store.Store
	claimed atomic.Int64
	mu      sync.Mutex
	ids     map[string]int // delivery ID → times claimed
}

func (c *claimCounter) ClaimDue(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, runID string) ([]*store.Delivery, error) {
	ds, err := c.Store.ClaimDue(ctx, owner, now, lease, limit, runID)
	c.mu.Lock()
	if c.ids == nil {
		c.ids = map[string]int{}
	}
	for _, d := range ds {
		c.ids[d.ID]++
	}
	c.mu.Unlock()
	c.claimed.Add(int64(len(ds)))
	return ds, err
}

// times is how many times the delivery id was claimed.
func (c *claimCounter) times(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ids[id]
}

// Deliveries enqueued through a running engine are written leased to it
// and sent without a claim; ones due later are written free and claimed
// when due. While an attempt is in flight the store shows the lease, so no
// other worker can take the delivery.
func TestEnqueueHandsOverLeased(t *testing.T) {
	gate := make(chan struct{})
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-gate
	}))
	defer srv.Close()
	defer func() {
		select {
		case <-gate:
		default:
			close(gate)
		}
	}()
	cc := &claimCounter{Store: openSQLite(t)}
	ctx := context.Background()
	runID := NewRunID()
	e := newEngine(cc, runID, 8)
	// Due later: after the checks below on most runs. Those made after
	// they fell due (race-built on the loaded 2-core VM, the five sends
	// took more than 3 s once) cannot tell a claim of a due-later one
	// from its due claim: they check what holds whenever they run (no
	// handed-over delivery is ever claimed; a due-later one is not leased
	// before it is due), and the end checks each due-later one was
	// claimed once.
	const laterBy = 3 * time.Second
	now, later := Plan{Schedule: Schedule{0}, RunID: runID}, Plan{Schedule: Schedule{laterBy}, RunID: runID}
	var dueNow, dueLater []*store.Delivery
	created := time.Now() // the due-later ones are due at created+laterBy or after
	out, err := Drive(ctx, e, 10*time.Second, func(ctx context.Context, add func(int)) error {
		var evs []*store.Event
		var dss [][]*store.Delivery
		for i := range 5 {
			evs = append(evs, &store.Event{ID: fmt.Sprintf("evt_%d", i), Type: "card.created", Provider: "standard", Payload: []byte(`{}`)})
			a, b := now.AdHoc(srv.URL, "", "", time.Now()), later.AdHoc(srv.URL, "", "", time.Now())
			dss = append(dss, []*store.Delivery{a, b})
			dueNow, dueLater = append(dueNow, a), append(dueLater, b)
		}
		if err := e.Enqueue(ctx, evs, dss); err != nil {
			return err
		}
		add(10)
		// The due-now ones reach the receiver (and wait there), unclaimed.
		for deadline := time.Now().Add(30 * time.Second); hits.Load() < 5; {
			if time.Now().After(deadline) {
				return fmt.Errorf("only %d of 5 due deliveries were sent", hits.Load())
			}
			time.Sleep(time.Millisecond)
		}
		for _, d := range dueNow {
			got, err := cc.GetDelivery(ctx, d.ID)
			if err != nil {
				return err
			}
			if got.LeaseOwner != e.OwnerID() || !got.LeaseExpiresAt.After(time.Now()) {
				return fmt.Errorf("in-flight delivery %s: lease %q until %v, want ours", d.ID, got.LeaseOwner, got.LeaseExpiresAt)
			}
		}
		for _, d := range dueLater {
			got, err := cc.GetDelivery(ctx, d.ID)
			read := time.Now() // the lease was read before this
			if err != nil {
				return err
			}
			if got.LeaseOwner != "" && read.Before(created.Add(laterBy)) {
				return fmt.Errorf("delivery %s due later is leased to %q before it is due", d.ID, got.LeaseOwner)
			}
		}
		for _, d := range dueNow {
			if n := cc.times(d.ID); n != 0 {
				return fmt.Errorf("handed-over delivery %s was claimed %d times, want none", d.ID, n)
			}
		}
		if n := cc.claimed.Load(); n != 0 && time.Since(created) < laterBy {
			return fmt.Errorf("%d deliveries were claimed before any was due, want none", n)
		}
		close(gate)
		return nil
	})
	if err != nil || out.TimedOut {
		t.Fatalf("Drive: %+v %v", out, err)
	}
	c, err := CountRun(ctx, cc, runID)
	if err != nil || c.Succeeded != 10 {
		t.Fatalf("counts %+v (%v), want 10 succeeded", c, err)
	}
	if n := cc.claimed.Load(); n != 5 {
		t.Errorf("claimed %d deliveries from the store, want the 5 due later", n)
	}
	for _, d := range dueLater {
		if n := cc.times(d.ID); n != 1 {
			t.Errorf("delivery %s due later was claimed %d times, want once", d.ID, n)
		}
	}
	if h := hits.Load(); h != 10 {
		t.Errorf("receiver saw %d requests, want 10 (each delivery once)", h)
	}
}

// Deliveries handed over but not yet sent when the run stops (Ctrl-C)
// go back to the outbox free and due, not leased until the lease ends.
func TestStoppedRunReleasesHandedOver(t *testing.T) {
	gate := make(chan struct{})
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-gate
	}))
	defer srv.Close()
	st := openSQLite(t)
	runID := NewRunID()
	e := newEngine(st, runID, 1)
	plan := Plan{Schedule: Schedule{0, time.Second}, RunID: runID}
	ctx, cancel := context.WithCancel(context.Background())
	var ds []*store.Delivery
	_, err := Drive(ctx, e, 0, func(pctx context.Context, add func(int)) error {
		var evs []*store.Event
		var dss [][]*store.Delivery
		for i := range 6 {
			evs = append(evs, &store.Event{ID: fmt.Sprintf("evt_stop_%d", i), Type: "card.created", Provider: "standard", Payload: []byte(`{}`)})
			d := plan.AdHoc(srv.URL, "", "", time.Now())
			dss = append(dss, []*store.Delivery{d})
			ds = append(ds, d)
		}
		if err := e.Enqueue(pctx, evs, dss); err != nil {
			return err
		}
		add(6)
		for hits.Load() < 1 {
			time.Sleep(time.Millisecond)
		}
		cancel() // Ctrl-C with one attempt in flight and five queued
		close(gate)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	free := 0
	for _, d := range ds {
		got, err := st.GetDelivery(context.Background(), d.ID)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case got.Status == store.DeliverySucceeded:
		case got.Status == store.DeliveryPending && got.LeaseOwner == "" && got.MaxAttempts == 2 && got.AttemptCount == 0:
			free++
		default:
			t.Errorf("delivery %s after the stop: status %s, lease %q, attempts %d/%d", d.ID, got.Status, got.LeaseOwner, got.AttemptCount, got.MaxAttempts)
		}
	}
	if free < 4 {
		t.Errorf("%d deliveries released to the outbox, want the ones never sent (>= 4)", free)
	}
	claimed, err := st.ClaimDue(context.Background(), "worker", time.Now(), time.Minute, 10, "")
	if err != nil || len(claimed) != free {
		t.Errorf("a worker claimed %d (%v), want the %d released at once", len(claimed), err, free)
	}
}

// deafExtender is a store whose lease-extension statements fail (a
// store too slow to answer heartbeats in time): leases of deliveries
// queued for the workers are not renewed.
type deafExtender struct{ store.Store }

func (deafExtender) ExtendLeases(context.Context, string, []string, time.Time) ([]string, error) {
	return nil, errors.New("heartbeat timed out")
}

// A trigger whose queued deliveries outlived half their lease (heartbeats
// failed) and were taken over by another worker still finishes: the
// deliveries the engine gave back count as progress for the producer's
// back-pressure, which waited for this engine to claim them and hung the
// run for ever (seen under -race).
func TestDriveFinishesWhenQueuedDeliveriesAreTakenOver(t *testing.T) {
	gate := make(chan struct{})
	var first atomic.Bool
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if first.CompareAndSwap(false, true) {
			<-gate
		}
	}))
	defer srv.Close()
	defer func() {
		select {
		case <-gate:
		default:
			close(gate)
		}
	}()
	raw := openSQLite(t)
	runID := NewRunID()
	const lease = 400 * time.Millisecond
	a := newEngine(deafExtender{raw}, runID, 1)
	a.Lease = lease
	// The stuck attempt waits for the gate, not for newEngine's 2 s HTTP
	// timeout: race-built on the loaded VM the other worker took longer
	// than that, and the attempt timed out with the queue half taken.
	a.Sender.Client = NewHTTPClient(time.Minute, 1)
	lead := Lead(1)
	total := lead + 40
	plan := Plan{Schedule: Schedule{0}, RunID: runID}
	// The run is stopped when it makes no progress, not at a fixed time:
	// the hang this test is about makes none at all (the producer waits
	// for ever, nothing is sent), while race-built beside two CPU hogs
	// the run took 21–44 s, sending all along, and a 20 s budget failed
	// it at its deadline (5 runs in 17). Progress is a request received,
	// a delivery enqueued or taken off the engine's queue; the longest
	// pause between two there was 3.5 s.
	const stallAfter = 30 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var enqueued atomic.Int64
	var stalled atomic.Bool
	var longest time.Duration // the longest pause in the progress (the watcher's until watchDone)
	stopWatch := make(chan struct{})
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		last, since := int64(-1), time.Now()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopWatch:
				return
			case <-tick.C:
			}
			longest = max(longest, time.Since(since))
			if p := int64(hits.Load()) + enqueued.Load() + a.taken(); p != last {
				last, since = p, time.Now()
			} else if time.Since(since) > stallAfter {
				stalled.Store(true)
				cancel()
				return
			}
		}
	}()
	var other *Engine
	otherDone := make(chan struct{})
	driven := make(chan struct{}) // Drive returned
	go func() {
		defer close(otherDone)
		// Once the first attempt is stuck and the queued leases have
		// run out, another worker takes every queued delivery.
		for hits.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(lease + 100*time.Millisecond)
		other = newEngine(raw, "", 8)
		// Its attempts are not what is tested: newEngine's 2 s timeout
		// failed one (a single-attempt schedule) at load ~40.
		other.Sender.Client = NewHTTPClient(time.Minute, 8)
		octx, ocancel := context.WithCancel(ctx)
		defer ocancel()
		go func() {
		wait:
			for other.Finished() < int64(lead-1) {
				select {
				case <-driven:
					break wait
				case <-ctx.Done():
					break wait
				case <-time.After(5 * time.Millisecond):
				}
			}
			close(gate) // the stuck attempt answers; the engine dispatches its stale queue
			select {
			case <-time.After(2 * time.Second):
			case <-driven:
			}
			ocancel()
		}()
		other.Run(octx, nil)
	}()
	out, err := Drive(ctx, a, 0, func(pctx context.Context, add func(int)) error {
		for i := 0; i < total; i += 20 {
			var evs []*store.Event
			var dss [][]*store.Delivery
			for j := i; j < min(i+20, total); j++ {
				evs = append(evs, &store.Event{ID: fmt.Sprintf("evt_takeover_%d", j), Type: "card.created", Provider: "standard", Payload: []byte(`{}`)})
				dss = append(dss, []*store.Delivery{plan.AdHoc(srv.URL, "", "", time.Now())})
			}
			if err := a.Enqueue(pctx, evs, dss); err != nil {
				return err
			}
			enqueued.Add(int64(len(evs)))
			add(len(evs))
		}
		return nil
	})
	close(stopWatch)
	<-watchDone
	close(driven)
	<-otherDone
	t.Logf("the longest pause in the run's progress: %v", longest.Round(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if out.Cancelled || out.Enqueued != int64(total) {
		why := "stopped at the test's deadline"
		if stalled.Load() {
			why = fmt.Sprintf("it hung: no progress for %v", stallAfter)
		}
		t.Fatalf("run: %+v; want every one of %d enqueued and the run finished (%s; %d requests received, the engine took %d)", out, total, why, hits.Load(), a.taken())
	}
	n, err := raw.CountDeliveries(context.Background(), store.DeliveryFilter{RunID: runID})
	if err != nil || n[store.DeliverySucceeded] != int64(total) {
		t.Errorf("deliveries by status: %v (%v), want %d succeeded", n, err, total)
		failed, _ := raw.ListDeliveries(context.Background(), store.DeliveryFilter{RunID: runID, Status: store.DeliveryFailed})
		for _, d := range failed {
			t.Logf("failed: %s after %d attempts: %s", d.ID, d.AttemptCount, d.LastError)
		}
	}
}
