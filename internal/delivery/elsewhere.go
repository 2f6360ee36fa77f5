package delivery

import (
	"context"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// Elsewhere finds the attempts of a run's deliveries that another process
// made, for a run's live log to print them beside its own: a worker
// sharing the store (hookctl worker, serve, listen --ui, ui) may take a
// due retry of the run's deliveries, or a delivery the run gave back
// unsent. The run's -o json document read every attempt from the store;
// its human output printed only the engine's own, so a retry made by
// serve was missing from trigger's lines (the summary counted it).
//
// It keeps, for each delivery whose last attempt printed here left it
// pending, that attempt's number (deleted once it is final here), and
// one bit per delivery printed final here: memory stays small for any
// count (a run of 1M deliveries keeps about 125 KB of bits).
// Safe for concurrent use.
type Elsewhere struct {
	Store store.Store
	RunID string
	// Replay: the run's deliveries had attempts before it (a replay
	// requeued them). The run's first attempt of each is its own engine's
	// (the requeue leases them to it), so the attempt number a delivery's
	// run started from is the one before the first result seen here:
	// older attempts are not another process's of this run. Rest passes
	// over a delivery of the run never attempted here (given back
	// unsent: its attempts are from before the run).
	Replay bool

	mu      sync.Mutex
	open    map[string]int          // delivery id → last attempt number printed here, not final
	done    map[int64]*[64]uint64   // seq>>12 → a bit per seq: printed final here
	doneIDs map[string]struct{}     // final here, for a delivery with no seq
	final   int64                   // deliveries printed final here
	events  map[string]*store.Event // event heads read for the lines (bounded)
}

func (x *Elsewhere) isDone(d *store.Delivery) bool {
	if d.Seq <= 0 {
		_, ok := x.doneIDs[d.ID]
		return ok
	}
	c := x.done[d.Seq>>12]
	i := d.Seq & 4095
	return c != nil && c[i>>6]&(1<<(i&63)) != 0
}

func (x *Elsewhere) setDone(d *store.Delivery) {
	if d.Seq <= 0 {
		if x.doneIDs == nil {
			x.doneIDs = map[string]struct{}{}
		}
		x.doneIDs[d.ID] = struct{}{}
		return
	}
	if x.done == nil {
		x.done = map[int64]*[64]uint64{}
	}
	c := x.done[d.Seq>>12]
	if c == nil {
		c = new([64]uint64)
		x.done[d.Seq>>12] = c
	}
	i := d.Seq & 4095
	c[i>>6] |= 1 << (i & 63)
}

// Before is called with each of the engine's results before it is
// printed: it returns the attempts of the same delivery that another
// process made since the last one printed here (read from the store, in
// order, as results to print first), and notes res as printed. A result
// that recorded nothing (a lease lost, a store error) is not noted: the
// attempt of that number, if any, is another process's.
func (x *Elsewhere) Before(ctx context.Context, res Result) []Result {
	if x == nil || res.Delivery == nil || res.Attempt == nil || res.LeaseLost || res.Err != nil {
		return nil
	}
	d, n := res.Delivery, res.Attempt.Number
	x.mu.Lock()
	last, ok := x.open[d.ID]
	if x.Replay && !ok && !x.isDone(d) {
		last = n - 1 // the run's first attempt of d: it started from n-1
	}
	if res.Final || d.Status != store.DeliveryPending {
		delete(x.open, d.ID)
		if !x.isDone(d) {
			x.setDone(d)
			x.final++
		}
	} else {
		if x.open == nil {
			x.open = map[string]int{}
		}
		x.open[d.ID] = n
	}
	x.mu.Unlock()
	if n <= last+1 {
		return nil
	}
	atts, err := x.Store.ListAttempts(ctx, d.ID)
	if err != nil {
		return nil
	}
	var out []Result
	for i, a := range atts {
		if a.Number <= last || a.Number >= n {
			continue
		}
		var next *store.Attempt
		if i+1 < len(atts) {
			next = atts[i+1]
		}
		out = append(out, Result{Delivery: AttemptState(d, a, next), Event: res.Event, Attempt: a, At: a.StartedAt.Add(a.Duration)})
	}
	return out
}

// Rest reads, after the run, the attempts another process made that
// Before did not see: of deliveries finished elsewhere (or given back
// unsent and sent elsewhere), in the run's order. total is the run's
// number of deliveries (the store's count): when every one was printed
// final here, nothing is read.
func (x *Elsewhere) Rest(ctx context.Context, total int64, fn func(Result)) error {
	if x == nil {
		return nil
	}
	x.mu.Lock()
	skip := len(x.open) == 0 && x.final >= total
	x.mu.Unlock()
	if skip {
		return nil
	}
	return Walk(ctx, x.Store, store.DeliveryFilter{RunID: x.RunID}, func(d *store.Delivery) error {
		x.mu.Lock()
		printed, seen := x.open[d.ID]
		done := x.isDone(d)
		x.mu.Unlock()
		if done || d.AttemptCount <= printed || (x.Replay && !seen) {
			return nil
		}
		atts, err := x.Store.ListAttempts(ctx, d.ID)
		if err != nil {
			return err
		}
		ev := x.event(ctx, d.EventID)
		for i, a := range atts {
			if a.Number <= printed {
				continue
			}
			var next *store.Attempt
			if i+1 < len(atts) {
				next = atts[i+1]
			}
			st := AttemptState(d, a, next)
			fn(Result{Delivery: st, Event: ev, Attempt: a, At: a.StartedAt.Add(a.Duration),
				Final: next == nil && st.Status != store.DeliveryPending})
		}
		return nil
	})
}

// event is the head of event id for a line (its type and id), read once.
func (x *Elsewhere) event(ctx context.Context, id string) *store.Event {
	if ev, ok := x.events[id]; ok {
		return ev
	}
	ev := &store.Event{ID: id}
	if hs, err := x.Store.GetEventHeads(ctx, []string{id}); err == nil && len(hs) > 0 {
		ev.Type, ev.Provider = hs[0].Type, hs[0].Provider
	}
	if len(x.events) >= 1000 || x.events == nil {
		x.events = map[string]*store.Event{}
	}
	x.events[id] = ev
	return ev
}

// AttemptAt prints an attempt another process made, stamped with the time
// it ended (at) rather than now.
func (r *Reporter) AttemptAt(res Result, at time.Time) {
	if r == nil || r.W == nil {
		return
	}
	layout := "2006-01-02 15:04:05"
	if r.Fit != nil {
		layout = "15:04:05"
	}
	stamp := at.Local().Format(layout)
	if r.Fit != nil {
		r.write(r.Fit.AttemptLine(stamp, res) + "\n")
		return
	}
	r.write(AttemptLine(stamp, res) + "\n")
}
