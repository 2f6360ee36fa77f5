package delivery

import (
	"context"
	"errors"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/store"
)

// NewRunID returns a fresh run id for a trigger or replay run.
func NewRunID() string { return uuid.NewString() }

// Outcome is how a run ended.
type Outcome struct {
	Enqueued  int64 // deliveries the producer added to the run
	TimedOut  bool  // --wait elapsed with deliveries still pending
	Cancelled bool  // interrupted (Ctrl-C)
}

// Drive runs one trigger or replay run: produce adds deliveries to the
// engine's run (calling add with how many it added) while the engine
// delivers them. It returns when produce is done and every delivery of the
// run is final, when wait (> 0) elapses, or when ctx is cancelled; attempts
// in flight are always finished and recorded first. Memory stays flat:
// nothing is kept per delivery.
func Drive(ctx context.Context, e *Engine, wait time.Duration, produce func(ctx context.Context, add func(n int)) error) (Outcome, error) {
	e.init()
	if e.RunID == "" {
		return Outcome{}, errors.New("delivery: Drive needs a run id")
	}
	// The engine stops at --wait; the producer only on ctx (Ctrl-C), so
	// every event asked for is created even when the wait runs out.
	engCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if wait > 0 {
		var c2 context.CancelFunc
		engCtx, c2 = context.WithTimeout(engCtx, wait)
		defer c2()
	}
	var (
		enqueued   atomic.Int64
		prodDone   atomic.Bool
		engineDone = make(chan struct{})
		prodErr    error
		wg         sync.WaitGroup
	)
	start, taken0 := e.Finished(), e.taken()
	lead := int64(Lead(e.Concurrency))
	add := func(n int) {
		enqueued.Add(int64(n))
		e.Wake()
		// Back-pressure: stay at most lead deliveries ahead of what
		// the engine took off its queue (sent, or given back unsent:
		// another worker may send those), so memory and the event
		// cache stay small for any count.
		for enqueued.Load()-(e.taken()-taken0) > lead {
			select {
			case <-engineDone:
				return
			case <-ctx.Done():
				return
			case <-time.After(time.Millisecond):
			}
		}
	}
	e.running.Store(true) // Enqueue hands deliveries over from the start
	wg.Add(1)
	go func() {
		defer wg.Done()
		prodErr = produce(ctx, add)
		prodDone.Store(true)
		e.Wake()
	}()
	var lastCheck time.Time
	done := func() bool {
		if !prodDone.Load() {
			return false
		}
		if e.Finished()-start >= enqueued.Load() {
			return true
		}
		// Another process (a worker) may have finished some of ours.
		// A delivery leased in place (store.MatchRequeuer) joins the
		// run only when recorded: none may still be held.
		if time.Since(lastCheck) < 500*time.Millisecond {
			return false
		}
		lastCheck = time.Now()
		n, err := e.Store.CountDeliveries(engCtx, store.DeliveryFilter{RunID: e.RunID, Status: store.DeliveryPending})
		return err == nil && n[store.DeliveryPending] == 0 && e.holdsNone()
	}
	err := e.Run(engCtx, done)
	timedOut := errors.Is(engCtx.Err(), context.DeadlineExceeded)
	close(engineDone)
	wg.Wait()
	out := Outcome{Enqueued: enqueued.Load()}
	if ctx.Err() != nil {
		out.Cancelled = true
	} else if timedOut && wait > 0 {
		out.TimedOut = true
	}
	if err == nil && prodErr != nil && !errors.Is(prodErr, context.Canceled) {
		err = prodErr
	}
	return out, err
}

// Counts are a run's deliveries by final state.
type Counts struct {
	Total     int64 `json:"total"`
	Succeeded int64 `json:"succeeded"`
	Failed    int64 `json:"failed"`
	Pending   int64 `json:"pending"`
}

// CountRun counts a run's deliveries by status.
func CountRun(ctx context.Context, st store.Store, runID string) (Counts, error) {
	m, err := st.CountDeliveries(ctx, store.DeliveryFilter{RunID: runID})
	if err != nil {
		return Counts{}, err
	}
	c := Counts{Succeeded: m[store.DeliverySucceeded], Failed: m[store.DeliveryFailed], Pending: m[store.DeliveryPending]}
	c.Total = c.Succeeded + c.Failed + c.Pending
	return c, nil
}

// CountRun counts the deliveries of the engine's run (its RunID) by
// status, as the store has them and as the engine brought them to an end:
// each is a lower bound of the run's real count — deliveries deleted
// meanwhile (a `store prune` in another terminal; it deletes only final
// ones) are gone from the store, and the engine does not know the ones
// another process (a worker) finished — so each status takes the larger.
// A summary then counts what the run did, whatever another process
// deleted, instead of only what is left of it. Pending comes from the
// store (a prune keeps every event with a pending delivery).
func (e *Engine) CountRun(ctx context.Context) (Counts, error) {
	c, err := CountRun(ctx, e.Store, e.RunID)
	if err != nil {
		return Counts{}, err
	}
	c.Succeeded = max(c.Succeeded, e.succeeded.Load())
	c.Failed = max(c.Failed, e.failed.Load())
	c.Total = c.Succeeded + c.Failed + c.Pending
	return c, nil
}

// Walk streams the deliveries f selects in creation order through fn, a
// page at a time (memory stays flat for any number).
func Walk(ctx context.Context, st store.Store, f store.DeliveryFilter, fn func(*store.Delivery) error) error {
	const page = 500
	f.Newest = false
	limit := f.Limit
	seen := 0
	for {
		f.Limit = page
		if limit > 0 {
			f.Limit = min(page, limit-seen)
		}
		ds, err := st.ListDeliveries(ctx, f)
		if err != nil {
			return err
		}
		for _, d := range ds {
			if err := fn(d); err != nil {
				return err
			}
			f.AfterSeq = d.Seq
		}
		seen += len(ds)
		if len(ds) < f.Limit || (limit > 0 && seen >= limit) {
			return nil
		}
	}
}

// TuneGC makes the garbage collector lazier for a delivery run and returns
// the function that restores it. A run allocates a little per delivery and
// keeps almost nothing (memory is flat in the count), so the default GC
// target spends CPU collecting a tiny heap over and over; a higher target
// with a soft memory limit trades a few tens of MB for that CPU.
func TuneGC() (restore func()) {
	pct := debug.SetGCPercent(400)
	limit := debug.SetMemoryLimit(128 << 20)
	return func() {
		debug.SetGCPercent(pct)
		debug.SetMemoryLimit(limit)
	}
}
