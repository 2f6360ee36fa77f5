package serve

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/store"
)

// resetGate keeps POST /_hookctl/reset apart from the in-process worker's
// sends, so a test suite that resets between two tests gets nothing of
// the first test after the reset's answer. The worker holds deliveries in
// memory (claimed, or handed over by a trigger) and a delay fault holds
// one for seconds: without the gate they were sent after the reset had
// emptied the store and answered, into the next test's receiver.
//
// A reset ends the delay faults, keeps new sends waiting, waits a moment
// (resetWait) for the sends in flight, and empties the store. A send
// that then finds its delivery gone sends nothing; nor does one a delay
// fault held while its subscription was deleted or disabled (removed).
// The wait is bounded: a receiver that hangs (a test of hookctl's
// timeout) holds its attempt up to --timeout, and a reset held that long
// failed a test suite's hook (Jest gives it 5 s); that request reached
// the receiver before the reset began.
type resetGate struct {
	mu       sync.Mutex
	inflight int           // sends past enter
	resume   chan struct{} // while a reset runs: closed when it ends
	one      sync.Mutex    // one reset at a time
	store    store.Store
	now      func() time.Time
	state    atomic.Pointer[gateState]
}

// resetWait bounds a reset's wait for the sends in flight (this
// process's, and other processes' workers': holdForReset).
const resetWait = 2 * time.Second

// holdForReset waits, until deadline, for the deliveries the workers of
// other processes hold (claimed: in flight, or queued in memory behind
// their sends; a CI fleet's `hookctl worker` beside `serve --no-worker`)
// to be sent and recorded, while no other delivery can be claimed
// (store.ResetHolder): they went out after the reset had emptied the
// store and answered, into the next test's receiver (a few a round of
// trigger-then-reset, TestHuntwebResetWithSeparateWorker). except is
// this process's own worker, which the gate stops. Past the deadline
// (a receiver that hangs) the reset goes on: a worker sends nothing it
// still holds once it sees the store's expunge mark move (the reset
// moves it), within delivery's expungeCheck; nor anything whose
// subscription is gone. The cost is one statement every 10 ms while a
// reset waits, none on a worker's sends.
func holdForReset(ctx context.Context, st store.Store, except string, deadline time.Time) {
	h, ok := st.(store.ResetHolder)
	if !ok {
		return
	}
	// The hold outlasts the wait by a margin for the reset itself; a
	// reset that fails only delays the deliveries by as much.
	until := deadline.Add(5 * time.Second)
	for {
		n, err := h.HoldForReset(ctx, except, until)
		if err != nil || n == 0 || !time.Now().Before(deadline) {
			return
		}
		t := time.NewTimer(10 * time.Millisecond)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
}

type gateState struct {
	resets int
	at     time.Time     // when the last reset ended
	begun  chan struct{} // closed when the next reset begins
}

func newResetGate(st store.Store, now func() time.Time) *resetGate {
	if now == nil {
		now = time.Now
	}
	g := &resetGate{store: st, now: now}
	g.state.Store(&gateState{begun: make(chan struct{})})
	return g
}

// errResetNotSent: the delivery was emptied out of the store by a reset
// before its request went out.
var errResetNotSent = errors.New("not sent: the store was reset (POST /_hookctl/reset) before it went out")

// enter counts a send in flight, once no reset runs.
func (g *resetGate) enter() {
	for {
		g.mu.Lock()
		ch := g.resume
		if ch == nil {
			g.inflight++
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		<-ch
	}
}

func (g *resetGate) leave() {
	g.mu.Lock()
	g.inflight--
	g.mu.Unlock()
}

// reset runs fn (the store's reset) with no send starting, once the
// sends in flight ended (or resetWait passed).
func (g *resetGate) reset(fn func() error) error {
	g.one.Lock()
	defer g.one.Unlock()
	resume := make(chan struct{})
	g.mu.Lock()
	g.resume = resume
	g.mu.Unlock()
	old := g.state.Load()
	close(old.begun) // ends the delay faults, which then send nothing
	for deadline := time.Now().Add(resetWait); ; time.Sleep(5 * time.Millisecond) {
		g.mu.Lock()
		n := g.inflight
		g.mu.Unlock()
		if n == 0 || !time.Now().Before(deadline) {
			break
		}
	}
	err := fn()
	g.state.Store(&gateState{resets: old.resets + 1, at: g.now(), begun: make(chan struct{})})
	g.mu.Lock()
	g.resume = nil
	g.mu.Unlock()
	close(resume)
	return err
}

// wrap is the engine's Intercept: next (the faults) around a send that
// checks, before it goes out, that no reset took its delivery.
func (g *resetGate) wrap(next func(context.Context, *store.Delivery, delivery.SendFunc) (*store.Attempt, http.Header, error)) func(context.Context, *store.Delivery, delivery.SendFunc) (*store.Attempt, http.Header, error) {
	return func(ctx context.Context, d *store.Delivery, send delivery.SendFunc) (*store.Attempt, http.Header, error) {
		before := g.state.Load()
		g.enter()
		defer g.leave()
		st := g.state.Load()
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-st.begun:
				cancel()
			case <-sctx.Done():
			}
		}()
		entered := time.Now()
		guarded := func() (*store.Attempt, http.Header, error) {
			err := error(nil)
			if g.taken(ctx, d, before, st) {
				err = errResetNotSent
			} else if time.Since(entered) > heldFor {
				err = g.removed(ctx, d)
			}
			if err != nil {
				return &store.Attempt{StartedAt: g.now(), RequestURL: d.URL, Error: err.Error()}, nil, err
			}
			return send()
		}
		return next(sctx, d, guarded)
	}
}

// heldFor is how long a send must have been held (by a delay fault)
// before its subscription is read again.
const heldFor = 10 * time.Millisecond

// removed is why a send held by a delay fault must not go out: its
// subscription was deleted or disabled meanwhile (nil: send it). The
// worker checks that before the attempt starts; a delay fault comes
// after that check, and its request went out to the removed endpoint
// when the delay ended.
func (g *resetGate) removed(ctx context.Context, d *store.Delivery) error {
	if d.SubscriptionID == "" {
		return nil
	}
	sub, err := g.store.GetSubscription(ctx, d.SubscriptionID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return errors.New("not sent: its subscription was deleted while a delay fault held it")
	case err == nil && sub.Status == store.StatusDisabled && sub.CallbackURL == d.URL && sub.Metadata["created_by"] != "listen":
		// (A stopped listen's subscription is disabled until it runs
		// again: the worker sends to it, and retries, as to any endpoint
		// that is down.)
		return errors.New("not sent: its subscription was disabled while a delay fault held it")
	}
	return nil
}

// taken reports whether a reset took d (or is about to): one began while
// the send waited (a delay fault), or one ended since d was made and the
// store no longer has it (the worker held it in memory across the reset).
func (g *resetGate) taken(ctx context.Context, d *store.Delivery, before, st *gateState) bool {
	select {
	case <-st.begun:
		return true
	default:
	}
	if st.resets == 0 {
		return false
	}
	// A delivery made after the last reset ended cannot have been taken
	// by it; the second of margin covers a store's own clock.
	if before == st && d.CreatedAt.After(st.at.Add(time.Second)) {
		return false
	}
	_, err := g.store.GetDelivery(ctx, d.ID)
	return errors.Is(err, store.ErrNotFound)
}
