package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/ui"
)

// DefaultStorePatience is how long trigger and replay wait for a store
// that went away (a PostgreSQL restart or failover) before giving up.
const DefaultStorePatience = time.Minute

// StoreWait decides whether work that failed because the store cannot be
// reached now (store.IsTransient) is tried again: for up to Patience from
// the outage's first failure, with a back-off from 100 ms to 2 s. Notify
// hears the first failure of each outage; Recovered, its end.
type StoreWait struct {
	Patience  time.Duration
	Notify    func(err error)
	Recovered func(down time.Duration)
	// IsDown, when set, reports whether an outage is going on for any
	// StoreWait sharing this one's notice (StoreNotice.Wait sets it).
	IsDown func() bool
	since  time.Time
	tries  int
}

// Waiting reports whether a run is waiting for its store now (any
// StoreWait sharing this one's notice is retrying).
func (w *StoreWait) Waiting() bool {
	return w != nil && (w.IsDown != nil && w.IsDown())
}

// Retry sleeps before the next try and reports true when err is a
// transient store failure within Patience (and ctx is not done); false
// means: give up, return err.
func (w *StoreWait) Retry(ctx context.Context, err error) bool {
	if w == nil || w.Patience <= 0 || !store.IsTransient(err) || ctx.Err() != nil {
		return false
	}
	if w.tries == 0 {
		w.since = time.Now()
		if w.Notify != nil {
			w.Notify(err)
		}
	}
	if time.Since(w.since) > w.Patience {
		return false
	}
	w.tries++
	sleep(ctx, min(100*time.Millisecond<<min(w.tries-1, 5), 2*time.Second))
	return ctx.Err() == nil
}

// Down notes a failure that the caller waits out by itself (a worker's
// claims, which never give up): the first transient one of an outage is
// notified, as Retry does, and Ok ends it. Other errors are not noted.
func (w *StoreWait) Down(err error) {
	if w == nil || !store.IsTransient(err) {
		return
	}
	if w.tries == 0 {
		w.since = time.Now()
		if w.Notify != nil {
			w.Notify(err)
		}
	}
	w.tries++
}

// Ok ends an outage (a try succeeded).
func (w *StoreWait) Ok() {
	if w == nil || w.tries == 0 {
		return
	}
	if w.Recovered != nil {
		w.Recovered(time.Since(w.since))
	}
	w.tries = 0
}

// StoreNotice tells the user, once per outage however many StoreWaits
// share it, that a run is waiting for its store, and when it is back.
type StoreNotice struct {
	W        io.Writer
	Patience time.Duration
	mu       sync.Mutex  // orders the notices
	down     atomic.Bool // read before every send (Engine.process): no lock
}

// Wait returns a StoreWait with the notice's patience that reports to it.
func (n *StoreNotice) Wait() *StoreWait {
	return &StoreWait{Patience: n.Patience, Notify: n.notify, Recovered: n.recovered, IsDown: n.isDown}
}

func (n *StoreNotice) isDown() bool { return n.down.Load() }

func (n *StoreNotice) notify(err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.down.Load() {
		return
	}
	n.down.Store(true)
	fmt.Fprintf(n.W, "hookctl: warning: %v; waiting for the store (up to %s)\n", err, ui.FormatDuration(n.Patience))
}

func (n *StoreNotice) recovered(d time.Duration) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.down.Load() {
		return
	}
	n.down.Store(false)
	fmt.Fprintf(n.W, "hookctl: the store is back after %s; the run goes on\n", ui.FormatDuration(d.Round(100*time.Millisecond)))
}

// Stored reports whether the events of a batch whose write failed are in
// the store anyway (the store committed it and went away before saying
// so): a batch is one transaction, so its first event tells.
func Stored(ctx context.Context, st store.Store, events []*store.Event) (bool, error) {
	if len(events) == 0 {
		return false, nil
	}
	_, err := st.GetEvent(ctx, events[0].ID)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	}
	return false, err
}
