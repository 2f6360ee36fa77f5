package delivery

import (
	"context"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// enqueueDueInAnHour stores one delivery to each of urls (an event each),
// due in an hour: only a requeue makes them due. It returns their IDs.
func enqueueDueInAnHour(t *testing.T, ctx context.Context, st store.Store, urls ...string) []string {
	t.Helper()
	ids := make([]string, 0, len(urls))
	for _, url := range urls {
		d := Plan{}.AdHoc(url, "", "", time.Now().Add(time.Hour))
		if err := Enqueue(ctx, st, &store.Event{ID: "evt_" + d.ID, Type: "x", Payload: []byte("{}")}, []*store.Delivery{d}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	return ids
}

// startRun runs e in the background until cancel (done closes when Run
// returned) and, when running is set, waits until Run runs.
func startRun(t *testing.T, ctx context.Context, e *Engine, running bool) (cancel context.CancelFunc, done <-chan struct{}) {
	t.Helper()
	rctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		e.Run(rctx, nil)
	}()
	for deadline := time.Now().Add(30 * time.Second); running && !e.running.Load(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("Run did not start in 30s")
		}
	}
	return cancel, ch
}

// requeueAll requeues ids through e (one more attempt, due now), all of them.
func requeueAll(t *testing.T, ctx context.Context, e *Engine, ids []string, now time.Time) {
	t.Helper()
	if got, err := e.RequeueIDs(ctx, ids, store.Requeue{ExtraAttempts: 1, Schedule: "0s", Now: now}); err != nil || len(got) != len(ids) {
		t.Fatalf("requeued %v, %v", got, err)
	}
}
