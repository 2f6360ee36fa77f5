package delivery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// expungeCheck is how often, at most, an engine reads the store's expunge
// mark (store.ExpungeMarker) while it sends: once it changed, every event
// copy the engine read before it saw the change (cached, or carried by a
// queued job) is read again before it is sent. So an expunge made by
// another process — serve's Svix API beside a `hookctl worker` — stops
// every attempt that starts more than about this long after it. Without
// it a worker sent the payload it held: a delivery claimed (or handed
// over) before the expunge and queued behind slow attempts went out after
// it, the store's failing of the delivery notwithstanding (the lease it
// took is noticed only when the attempt is recorded). The cost is one
// point query per expungeCheck while the engine sends, and one read per
// event held when an expunge happens; reading every event again at send
// time instead cost a read per delivery in a saturated run (+15-40 % CPU
// in BenchmarkDriveSQLite, whose handed-over queue waits longer).
const expungeCheck = 100 * time.Millisecond

// cachedEvent is an event in the engine's cache and when it was read.
type cachedEvent struct {
	ev *store.Event
	at time.Time
}

// putEvent caches ev as read now.
func (e *Engine) putEvent(ev *store.Event) {
	e.events.put(ev.ID, cachedEvent{ev: ev, at: time.Now()})
}

// expungeState is what the engine knows of the store's expunge mark.
type expungeState struct {
	checking bool
	checked  time.Time // when the mark was last read (the read began)
	mark     int64
	// since: a copy of an event read before this may predate an expunge
	// (the time the engine saw the mark change, or its first reading).
	since time.Time
}

// suspect reports whether a copy of an event read at read may predate an
// expunge, reading the store's mark when it was last read expungeCheck
// ago or more (one caller at a time; the others go on with what is
// known). A store without a mark (tests' memory stores) has no expunge.
func (e *Engine) suspect(ctx context.Context, read time.Time) bool {
	m, ok := e.Store.(store.ExpungeMarker)
	if !ok {
		return false
	}
	e.expMu.Lock()
	x := &e.exp
	if x.checking || time.Since(x.checked) < expungeCheck {
		since := x.since
		e.expMu.Unlock()
		return read.Before(since)
	}
	x.checking = true
	e.expMu.Unlock()
	began := time.Now()
	qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	mark, err := m.ExpungeMark(qctx)
	cancel()
	seen := time.Now()
	e.expMu.Lock()
	defer e.expMu.Unlock()
	x.checking = false
	if err == nil {
		e.markReads.Add(1)
		if x.checked.IsZero() || mark != x.mark {
			// Changed (or first read: what was read before is unknown):
			// every copy read before now is read again once.
			x.since = seen
		}
		x.mark, x.checked = mark, began
	}
	// A store that did not answer: the copies are used as they are (it
	// went away; the attempt's record waits for it anyway).
	return read.Before(x.since)
}

// fresh reads again an event whose copy (stale) may predate an expunge.
// When the store cannot answer right now the copy is used, as above; an
// event no longer stored (pruned) is an error, as a first read's.
func (e *Engine) fresh(ctx context.Context, stale *store.Event) (*store.Event, error) {
	e.eventRereads.Add(1)
	ev, err := e.Store.GetEvent(ctx, stale.ID)
	switch {
	case err == nil:
		e.putEvent(ev)
		return ev, nil
	case errors.Is(err, store.ErrNotFound):
		return nil, fmt.Errorf("reading event: %w", err)
	default:
		return stale, nil
	}
}

// EventRereads is how many events this engine read again before sending
// them because the store's expunge mark changed after it read them, and
// how many times it read the mark.
func (e *Engine) EventRereads() (events, marks int64) {
	return e.eventRereads.Load(), e.markReads.Load()
}
