package delivery

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

func openSQLite(t testing.TB) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestDriveOnSQLite runs a trigger-like run and a replay-like run against
// the real SQLite store: events enqueued while the engine delivers, every
// delivery final, attempts recorded; then a requeue appends attempts to
// the same deliveries.
func TestDriveOnSQLite(t *testing.T) {
	t.Parallel()
	rcv := &receiver{statuses: []int{500, 500}}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	st := openSQLite(t)
	ctx := context.Background()
	sub := &store.Subscription{CallbackURL: srv.URL, Status: store.StatusEnabled, Events: []string{"*"}, Secret: "whsec_x", Scheme: "auto"}
	if err := st.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	runID := NewRunID()
	e := newEngine(st, runID, 4)
	plan := Plan{Schedule: Schedule{0, 10 * time.Millisecond, 10 * time.Millisecond}, RunID: runID}
	var seen atomic.Int32
	e.OnResult = func(Result) { seen.Add(1) }
	out, err := Drive(ctx, e, 10*time.Second, func(ctx context.Context, add func(int)) error {
		for i := range 50 {
			ev := &store.Event{ID: fmt.Sprintf("evt_%03d", i), Type: "card.created", Provider: "standard", Payload: []byte(`{"n":1}`), Source: store.SourceTriggered}
			ds := []*store.Delivery{plan.NewDelivery(sub, time.Now()), plan.AdHoc(srv.URL+"/adhoc", "", "", time.Now())}
			if err := Enqueue(ctx, st, ev, ds); err != nil {
				return err
			}
			add(len(ds))
		}
		return nil
	})
	if err != nil || out.TimedOut || out.Enqueued != 100 {
		t.Fatalf("Drive: %+v %v", out, err)
	}
	c, err := CountRun(ctx, st, runID)
	if err != nil || c.Succeeded != 100 || c.Total != 100 {
		t.Fatalf("counts %+v %v", c, err)
	}
	if n := seen.Load(); n != 102 { // two 500s retried
		t.Errorf("%d attempts, want 102", n)
	}

	// Replay three succeeded deliveries (forced) to another URL.
	rcv2 := &receiver{}
	srv2 := httptest.NewServer(rcv2)
	defer srv2.Close()
	var ids []string
	Walk(ctx, st, store.DeliveryFilter{RunID: runID, Limit: 3}, func(d *store.Delivery) error { ids = append(ids, d.ID); return nil })
	replayRun := NewRunID()
	e2 := newEngine(st, replayRun, 2)
	out, err = Drive(ctx, e2, 10*time.Second, func(ctx context.Context, add func(int)) error {
		got, err := st.Requeue(ctx, ids, store.Requeue{URL: srv2.URL, ExtraAttempts: 1, Schedule: "0s", RunID: replayRun, Force: true})
		add(len(got))
		return err
	})
	if err != nil || out.Enqueued != 3 || len(rcv2.reqs) != 3 {
		t.Fatalf("replay: %+v %v, %d requests", out, err, len(rcv2.reqs))
	}
	for _, id := range ids {
		atts, _ := st.ListAttempts(ctx, id)
		last := atts[len(atts)-1]
		if last.RequestURL != srv2.URL || last.ResponseStatus != 200 || last.Number != len(atts) {
			t.Errorf("replayed attempt not appended: %+v", last)
		}
	}
}

// TestLeaseTakeover: a delivery claimed by a dead owner is picked up by
// another engine once the lease expires.
func TestLeaseTakeover(t *testing.T) {
	rcv := &receiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	st := openSQLite(t)
	ctx := context.Background()
	ev := &store.Event{ID: "evt_1", Type: "x", Payload: []byte("{}")}
	Enqueue(ctx, st, ev, []*store.Delivery{Plan{}.AdHoc(srv.URL, "", "", time.Now())})
	// The lease runs from claimAt: the run below cannot end before
	// claimAt + 300ms unless the delivery was taken early (start taken
	// after the claim failed on a loaded machine, the claim itself late).
	claimAt := time.Now()
	claimed, err := st.ClaimDue(ctx, "dead-owner", claimAt, 300*time.Millisecond, 10, "")
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	e := newEngine(st, "", 1)
	runCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	e.Run(runCtx, func() bool {
		c, _ := st.CountDeliveries(ctx, store.DeliveryFilter{Status: store.DeliveryPending})
		return c[store.DeliveryPending] == 0
	})
	if len(rcv.reqs) != 1 {
		t.Fatalf("receiver saw %d requests, want 1", len(rcv.reqs))
	}
	if time.Since(claimAt) < 300*time.Millisecond {
		t.Errorf("delivery taken before the lease expired")
	}
}

// TestClaimedCopyFollowsMovedSubscription: a delivery claimed before its
// subscription's URL changed (a copy in this engine's memory) is sent to
// the new URL, as the store moved its row; one sent elsewhere on purpose
// (a replay's --to) still goes there. Both with the subscription cached
// from before the move and after.
func TestClaimedCopyFollowsMovedSubscription(t *testing.T) {
	st := openSQLite(t)
	ctx := context.Background()
	sub := &store.Subscription{CallbackURL: "http://127.0.0.1:1/old", Status: store.StatusEnabled, Events: []string{"*"}, Secret: "whsec_x", Scheme: "auto"}
	if err := st.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	runID := NewRunID()
	plan := Plan{Schedule: Schedule{0, time.Hour}, RunID: runID}
	ev := &store.Event{ID: "evt_moved", Type: "card.created", Provider: "standard", Payload: []byte(`{}`), Source: store.SourceTriggered}
	d, redirected := plan.NewDelivery(sub, time.Now()), plan.NewDelivery(sub, time.Now())
	if err := Enqueue(ctx, st, ev, []*store.Delivery{d, redirected}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Requeue(ctx, []string{redirected.ID}, store.Requeue{URL: "http://127.0.0.1:1/to", ExtraAttempts: 1}); err != nil {
		t.Fatal(err)
	}
	claimed, err := st.ClaimDue(ctx, "me", time.Now().Add(time.Minute), time.Minute, 10, "")
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claimed %d: %v", len(claimed), err)
	}
	e := newEngine(st, runID, 1)
	e.init()
	for _, c := range claimed {
		if _, tg, err := e.target(ctx, c, ev); err != nil || tg.URL != c.URL {
			t.Fatalf("before the move: %s %v", tg.URL, err)
		}
	}
	sub.CallbackURL = "http://127.0.0.1:1/new"
	if err := st.UpdateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * subscriptionTTL)
	for _, c := range claimed {
		want := map[string]string{d.ID: "http://127.0.0.1:1/new", redirected.ID: "http://127.0.0.1:1/to"}[c.ID]
		for range 2 { // the copy is refreshed once; then it agrees
			if _, tg, err := e.target(ctx, c, ev); err != nil || tg.URL != want {
				t.Errorf("delivery claimed before its subscription moved goes to %s (%v), want %s", tg.URL, err, want)
			}
		}
	}
}
