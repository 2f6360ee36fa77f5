package delivery

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// A stopped Run hands what it did not send to Unsent; when the store's
// answer is a transient failure (locked by another process, away for a
// moment), the engine calls Unsent again with the same deliveries until
// it succeeds, within the store's patience, instead of one try bounded
// by a fixed 5 s (TestFlakehunt2InterruptedReplayStoreSlowPutsBack in the
// root package is the end-to-end case). Any other failure is not retried.
func TestFlakehunt2UnsentRetriedWhileStoreTransient(t *testing.T) {
	for _, tc := range []struct {
		name  string
		err   error
		fails int
		calls int
	}{
		{"transient", &store.EnvironmentError{Err: errors.New("database is locked"), Transient: true}, 3, 4},
		{"other", errors.New("constraint failed"), 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := openClaimHookStore(t)
			rcv, url := newHoldFirst(t)
			ctx := context.Background()
			ids := enqueueDueInAnHour(t, ctx, st, url, url, url)
			e := newEngine(st, "", 1)
			e.StoreWait = &StoreWait{Patience: time.Minute}
			var mu sync.Mutex
			var calls [][]string
			e.Unsent = func(ctx context.Context, ds []*store.Delivery) error {
				mu.Lock()
				defer mu.Unlock()
				var got []string
				for _, d := range ds {
					got = append(got, d.ID)
				}
				calls = append(calls, got)
				if len(calls) <= tc.fails {
					return tc.err
				}
				return nil
			}
			cancel, done := startRun(t, ctx, e, true)
			requeueAll(t, ctx, e, ids, time.Now())
			// One in flight at the receiver, two queued: Ctrl-C.
			waitChan(t, rcv.arrived, "the first request")
			cancel()
			rcv.release()
			waitChan(t, done, "Run to stop")
			mu.Lock()
			defer mu.Unlock()
			if len(calls) != tc.calls {
				t.Fatalf("Unsent called %d times, want %d (%d failures %v)", len(calls), tc.calls, tc.fails, tc.err)
			}
			for i, c := range calls {
				if len(c) != 2 || len(calls[0]) != 2 || c[0] != calls[0][0] || c[1] != calls[0][1] {
					t.Errorf("try %d put back %v, want the 2 queued deliveries as at the first %v", i+1, c, calls[0])
				}
			}
		})
	}
}
