package delivery

import (
	"context"

	"github.com/hookctl/hookctl/internal/store"
)

// claim leases up to limit due deliveries to this engine and caches their
// events, and returns the ones to send, held, and how many it leased in
// all. One the engine holds already (queued or in flight: heartbeats
// missed its lease, or one renewed it after the claim read its clock) is
// not returned: the claim only renewed its lease. Nor is one whose
// attempt in flight was recorded while the claim ran: the claim read it
// before the record (pending, leased here) and the record then released
// it, so the copy at hand is stale. It was sent a second time: the
// receiver got the request twice and the store kept the second attempt
// under a lost lease, the delivery counting one (found under load by
// TestInterruptedReplayOfIDsLeavesUnsentAsBeforeSQLite: more requests
// than recorded replays).
func (e *Engine) claim(ctx context.Context, limit int) (fresh []*store.Delivery, all int, err error) {
	e.beginClaim()
	defer e.endClaim()
	ds, err := e.claimDue(ctx, limit)
	if err != nil {
		return nil, 0, err
	}
	e.claimedBack(ds)
	return e.adopt(ds), len(ds), nil
}

// claimDue is the claim itself: in one round trip when the store returns
// the events with the claim (store.EventClaimer), else a claim and one
// read of the events not cached (primeClaimed).
func (e *Engine) claimDue(ctx context.Context, limit int) ([]*store.Delivery, error) {
	if ec, ok := e.Store.(store.EventClaimer); ok {
		ds, evs, err := ec.ClaimDueEvents(ctx, e.Owner, e.Now(), e.Lease, limit, e.RunID)
		for _, ev := range evs {
			e.putEvent(ev)
		}
		return ds, err
	}
	ds, err := e.Store.ClaimDue(ctx, e.Owner, e.Now(), e.Lease, limit, e.RunID)
	if err == nil {
		e.primeClaimed(ctx, ds)
	}
	return ds, err
}

// claimAhead is how many rounds of sends (times Concurrency) a claim may
// take beyond the free slots when the engine's leases are kept alive by
// heartbeats: the rest wait in the owned queue, and one claim statement
// serves several rounds.
const claimAhead = 4

// prefetch is a claim run in the background while the workers send what
// the last claim brought: with a store across the network a claim is a
// round trip, and a claim made only once the queue is empty leaves the
// workers idle meanwhile. Only Run's goroutine calls start and wait.
type prefetch struct {
	done chan struct{} // non-nil while one runs; closed when it is over
}

// start claims in the background when the engine's queue runs low and
// its leases are kept alive by heartbeats (a queued delivery's lease must
// not end before it is sent). At most one runs at a time.
func (p *prefetch) start(ctx context.Context, e *Engine) {
	if p.done != nil || e.extender == nil {
		return
	}
	// Low water: one round of sends queued; a claim as large as the
	// foreground's (a statement costs the server far more than a row).
	queued := e.ownedLen()
	if queued >= e.Concurrency {
		return
	}
	limit := (claimAhead+1)*e.Concurrency - queued
	done := make(chan struct{})
	p.done = done
	go func() {
		defer close(done)
		ds, _, err := e.claim(ctx, limit)
		if err != nil || len(ds) == 0 {
			return // the next claim in the foreground reports it
		}
		ahead := make([]job, 0, len(ds))
		for _, d := range ds {
			ahead = append(ahead, job{d: d})
		}
		e.ownedMu.Lock()
		e.owned = append(e.owned, ahead...)
		e.ownedMu.Unlock()
	}()
}

// wait waits for the background claim, if one runs, and reports whether
// there was one.
func (p *prefetch) wait() bool {
	if p.done == nil {
		return false
	}
	<-p.done
	p.done = nil
	return true
}
