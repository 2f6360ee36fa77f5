package delivery

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/store"
)

// Enqueue writes events with their deliveries to the outbox (one
// transaction when the store can) and, while Run runs, hands the
// deliveries straight to the workers: they are created leased to this
// engine, so no claim round trip is needed and no other worker takes
// them. A crash leaves them in the outbox, claimable once the lease ends.
func (e *Engine) Enqueue(ctx context.Context, events []*store.Event, deliveries [][]*store.Delivery) error {
	return e.enqueue(ctx, events, deliveries, false)
}

// EnqueueManual is Enqueue for deliveries somebody asked for (a resend
// to an endpoint the event never went to, an edited resend): the first
// attempt of each it hands to the workers is recorded as manual
// (store.Attempt.Manual). One left to a claim (Run not running, not due
// yet) is recorded as the schedule's.
func (e *Engine) EnqueueManual(ctx context.Context, events []*store.Event, deliveries [][]*store.Delivery) error {
	return e.enqueue(ctx, events, deliveries, true)
}

func (e *Engine) enqueue(ctx context.Context, events []*store.Event, deliveries [][]*store.Delivery, manual bool) error {
	e.init()
	var leased []job
	if e.running.Load() {
		now := e.Now()
		until := now.Add(e.Lease)
		// Room in the hand-over queue: past maxOwned (the receivers do
		// not keep up) deliveries are written free, due now, and claimed
		// as the workers catch up, so the queue (each job holds its
		// event's payload) does not grow with the backlog. A manual one
		// (asked for in the inspector) is always handed over.
		room := e.maxOwned() - e.ownedLen()
		for i, ds := range deliveries {
			for _, d := range ds {
				// Only what is due now (a schedule may start later).
				if d.LeaseOwner == "" && !d.NextAttemptAt.After(now) && (manual || room > 0) {
					d.LeaseOwner, d.LeaseExpiresAt = e.Owner, until
					leased = append(leased, job{d: d, ev: events[i], read: time.Now(), manual: manual})
					room--
				}
			}
		}
	}
	// Held before they are written (with their IDs, given here as the
	// store would give them), as handRequeued's are: a claim of this
	// engine's that runs between the write and the hold and takes them
	// (their lease ended during a write slower than the lease; on SQLite
	// also one that read its clock before this Enqueue did, before the
	// store stopped taking an owner's own live leases) only renews them
	// (adopt). Held only after the write, the claim's copy was not known
	// as held, and each was sent by the claim and again from the
	// hand-over queue (TestEnqueueHandsOverLeased, race-built;
	// TestOwnleaseHandOverSentOnce). Heartbeats meanwhile renew none of
	// the rows not yet written and keep their lease end.
	held := make([]*store.Delivery, len(leased))
	for i, j := range leased {
		if j.d.ID == "" {
			j.d.ID = uuid.NewString() // as the store would (store.PrepareEvent): held by it
		}
		held[i] = j.d
	}
	e.hold(held)
	if err := EnqueueBatch(ctx, e.Store, events, deliveries); err != nil {
		// Nothing was written: the caller may try again (trigger does,
		// without a subscription deleted meanwhile), leased afresh.
		for _, j := range leased {
			e.release(j.d.ID)
			j.d.LeaseOwner, j.d.LeaseExpiresAt = "", time.Time{}
		}
		return err
	}
	if len(leased) < len(events) {
		for _, ev := range events {
			e.Prime(ev)
		}
	}
	e.hand(leased)
	return nil
}

// hand queues deliveries leased to this engine for its workers.
func (e *Engine) hand(jobs []job) {
	if len(jobs) == 0 {
		return
	}
	e.ownedMu.Lock()
	e.owned = append(e.owned, jobs...)
	e.ownedMu.Unlock()
	if !e.running.Load() { // Run stopped meanwhile (Ctrl-C, --wait)
		e.releaseOwned()
		return
	}
	e.Wake()
}

// releaseOwned gives the deliveries still queued for the workers back to
// the outbox when Run stops before sending them (Ctrl-C, --wait): free
// and due now with their attempt budget unchanged, so a worker or a
// replay takes them at once instead of after the lease.
func (e *Engine) releaseOwned() {
	e.ownedMu.Lock()
	jobs := e.owned[e.ownedHead:]
	e.owned, e.ownedHead = nil, 0
	letGo := e.letGo
	e.letGo = nil
	e.ownedMu.Unlock()
	// Given back to the claim path and not claimed back (then it would be
	// held: queued, in flight or waiting to be recorded): still leased
	// here and unsent, it goes to Unsent too. (The store puts back only
	// what is still leased here and unsent.)
	var back []*store.Delivery
	for id, d := range letGo {
		if !e.holding(id) {
			back = append(back, d)
		}
	}
	if len(jobs) == 0 && len(back) == 0 {
		return
	}
	if e.Unsent != nil {
		ds := make([]*store.Delivery, len(jobs), len(jobs)+len(back))
		for i, j := range jobs {
			e.release(j.d.ID)
			ds[i] = j.d
		}
		ds = append(ds, back...)
		ctx, cancel := context.WithTimeout(context.Background(), e.putBackPatience())
		defer cancel()
		putBack(ctx, func(ctx context.Context) error { return e.Unsent(ctx, ds) })
		return
	}
	// The default release is one try: a failure leaves them leased here,
	// and a worker takes them when the lease ends (not retried: a store
	// Requeue takes a delivery whoever holds it by then).
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	byBudget := map[int][]string{}
	for _, j := range jobs {
		e.release(j.d.ID)
		left := max(j.d.MaxAttempts-j.d.AttemptCount, 1)
		byBudget[left] = append(byBudget[left], j.d.ID)
	}
	for left, ids := range byBudget {
		e.Store.Requeue(ctx, ids, store.Requeue{ExtraAttempts: left, Now: e.Now()})
	}
}

// putBackPatience bounds how long a stopped Run tries to hand what it was
// handed and did not send to Unsent (releaseOwned): the patience the run gives
// a store that went away (StoreWait's; DefaultStorePatience without
// one), the bound of every other write it waits for. It was a fixed 5 s,
// which a store slow to answer (another process holding SQLite's write
// lock; a race-built replay at load ~40) ran out: the put-back was
// dropped without a word, and an interrupted replay left what it had not
// sent pending, leased to it and then due for any worker. A second
// Ctrl-C still quits at once.
func (e *Engine) putBackPatience() time.Duration {
	if e.StoreWait != nil && e.StoreWait.Patience > 0 {
		return e.StoreWait.Patience
	}
	return DefaultStorePatience
}

// putBack runs f until it succeeds, fails otherwise than transiently (a
// store that cannot be reached or is locked: store.IsTransient), or ctx
// ends, waiting between tries as StoreWait does. f must be safe to run
// again after a failure (Unsent puts back only what is still leased here
// and unsent).
func putBack(ctx context.Context, f func(ctx context.Context) error) {
	for tries := 0; ; tries++ {
		err := f(ctx)
		if err == nil || !store.IsTransient(err) || ctx.Err() != nil {
			return
		}
		sleep(ctx, min(100*time.Millisecond<<min(tries, 5), 2*time.Second))
	}
}

// Requeue puts deliveries back in the outbox for a replay run
// (store.Requeue) and returns how many it requeued. While Run runs and the
// store can lease them as it requeues them (store.LeasingRequeuer: SQLite
// and PostgreSQL), they are handed straight to the workers like
// Enqueue's, and the attempt made of each is recorded as manual
// (store.Attempt.Manual). Otherwise they wait in the outbox for a claim,
// by this engine or another process, and that attempt is recorded as the
// schedule's: the claim does not know it was asked for.
func (e *Engine) Requeue(ctx context.Context, ids []string, r store.Requeue) (int, error) {
	got, err := e.RequeueIDs(ctx, ids, r)
	return len(got), err
}

// RequeueIDs is Requeue returning the IDs requeued, in the order asked.
func (e *Engine) RequeueIDs(ctx context.Context, ids []string, r store.Requeue) ([]string, error) {
	e.init()
	if r.Unheld {
		ids = e.notHeld(ids)
	}
	ctx, cancel, err := requeueContext(ctx)
	if err != nil {
		return nil, err
	}
	defer cancel()
	lr, ok := e.Store.(store.LeasingRequeuer)
	if !ok || !e.running.Load() {
		got, err := e.Store.Requeue(ctx, ids, r)
		e.Wake()
		return got, err
	}
	ds, err := lr.RequeueLeased(ctx, ids, r, e.Owner, e.Now().Add(e.Lease))
	if err != nil {
		return nil, err
	}
	got := make([]string, len(ds))
	for i, d := range ds {
		got[i] = d.ID
	}
	e.handRequeued(ctx, ds)
	return got, nil
}

// notHeld leaves out of ids the deliveries this engine holds: it is
// sending them, or has them queued for its workers. A replay asked of the
// engine that is sending the delivery (serve's resend and replay
// endpoints, the inspector's Replay: Unheld) leaves it to that attempt:
// the store tells other processes' live leases (on SQLite by their lock
// files, whatever the clocks say), not the engine's own, whose lease looks
// expired to its own wall clock once that steps forward; it was requeued
// and sent a second time while its first attempt was in flight.
func (e *Engine) notHeld(ids []string) []string {
	if e.extender == nil {
		return ids
	}
	e.heldMu.Lock()
	defer e.heldMu.Unlock()
	if len(e.held) == 0 {
		return ids
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, ok := e.held[id]; !ok {
			out = append(out, id)
		}
	}
	return out
}

// requeueContext is the context of one requeue statement: ctx's values,
// not its cancellation. A requeue that Ctrl-C cut short could still be
// committed by the server (PostgreSQL runs the statement the client
// stopped waiting for) while the caller saw an error: its deliveries,
// requeued and leased to this engine, were never handed over nor given
// back, and a worker sent them once the lease ran out. Started, it runs
// to its end (bounded), and what it requeued is handed over or, when Run
// has stopped, released (Engine.Unsent). A ctx already done requeues
// nothing.
func requeueContext(ctx context.Context) (context.Context, context.CancelFunc, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	return c, cancel, nil
}

// handRequeued hands deliveries requeued leased to this engine to its
// workers, each with its event (read in one query). The attempt made of
// each now is manual (asked for); its retries, claimed later, are the
// schedule's.
func (e *Engine) handRequeued(ctx context.Context, ds []*store.Delivery) {
	// One this engine holds (in flight, queued) is not handed twice: a
	// bulk requeue that took it (its lease looked expired to a clock
	// that stepped forward) leaves it to the attempt under way. The rest
	// are held at once, before their events are read: held only after
	// (as before), their lease, renewed by no heartbeat meanwhile, could
	// end during a slow read, and this engine's own claim took and sent
	// them, then they were handed over and sent again, or put back by
	// Unsent at a Ctrl-C while the claim's copy was in flight.
	ds = e.holdNew(ds)
	jobs := make([]job, len(ds))
	evs := e.requeuedEvents(ctx, ds)
	read := time.Now()
	for i, d := range ds {
		jobs[i] = job{d: d, ev: evs[d.EventID], read: read, manual: true}
	}
	e.hand(jobs)
}

// RequeueMatching is Requeue for a bulk replay on a store that selects and
// requeues in one statement (store.MatchRequeuer, which the store must
// implement): the next (at most) limit deliveries f selects after
// f.AfterSeq, handed to the workers with their events like Requeue's. It
// returns how many it requeued and the store's cursor and more.
func (e *Engine) RequeueMatching(ctx context.Context, f store.DeliveryFilter, limit int, r store.Requeue) (n int, next int64, more bool, err error) {
	e.init()
	ctx, cancel, err := requeueContext(ctx)
	if err != nil {
		return 0, 0, false, err
	}
	defer cancel()
	mr := e.Store.(store.MatchRequeuer)
	if !e.running.Load() {
		ds, next, more, err := mr.RequeueMatching(ctx, f, limit, r, "", time.Time{})
		e.Wake()
		return len(ds), next, more, err
	}
	ds, next, more, err := mr.RequeueMatching(ctx, f, limit, r, e.Owner, e.Now().Add(e.Lease))
	if err != nil {
		return 0, 0, false, err
	}
	e.handRequeued(ctx, ds)
	return len(ds), next, more, nil
}

// dispatchOwned hands up to n owned deliveries to the workers and returns
// how many it handed. One whose lease is close to its end is left to the
// claim path (which renews the lease first): sending it now could overlap
// another worker's claim.
func (e *Engine) dispatchOwned(work chan<- job, n int) int {
	e.ownedMu.Lock()
	k := min(n, len(e.owned)-e.ownedHead)
	if k == 0 {
		e.ownedMu.Unlock()
		return 0
	}
	jobs := make([]job, k)
	copy(jobs, e.owned[e.ownedHead:])
	clear(e.owned[e.ownedHead : e.ownedHead+k])
	e.ownedHead += k
	switch {
	case e.ownedHead == len(e.owned):
		e.owned, e.ownedHead = e.owned[:0], 0
	case e.ownedHead >= 256 && 2*e.ownedHead >= len(e.owned):
		// A queue that never empties (a steady hand-over) would grow by
		// a slot per delivery: move the rest to the front, reusing the
		// dispatched jobs' room (amortised: at least as much was
		// dispatched as is moved).
		n := copy(e.owned, e.owned[e.ownedHead:])
		clear(e.owned[n:])
		e.owned, e.ownedHead = e.owned[:n], 0
	}
	e.ownedMu.Unlock()
	margin := e.Now().Add(e.Lease / 2)
	sent := 0
	var late []job
	for _, j := range jobs {
		if e.leaseEnd(j.d).Before(margin) {
			if e.extender != nil {
				// Renew the lease first (heartbeats missed it: the
				// store or the machine stalled). Given back to the
				// claim path instead, a pending one was let go while
				// still leased here, and a Run stopped before its lease
				// ended (Ctrl-C) neither sent it nor handed it to
				// Unsent: an interrupted replay left it pending and due
				// now for any worker. One leased in place
				// (store.MatchRequeuer) is not pending: no claim would
				// take it back at all.
				late = append(late, j)
				continue
			}
			e.giveBack(j) // the claim path takes it once the lease ends
			continue
		}
		work <- j
		sent++
	}
	if len(late) > 0 {
		if now := e.Now(); now.Before(e.lateRetry) {
			// The store did not answer the last renewal, or could not
			// look at some of its rows: not again before a heartbeat's
			// interval has passed.
			if e.lateBusy {
				e.waitLate(late)
			} else {
				e.notRenewed(late)
			}
		} else {
			sent += e.renewLate(work, late)
		}
	}
	e.claimed.Add(int64(sent))
	return sent
}

// giveBack leaves a handed-over delivery whose lease could not be renewed
// to the claim path (this engine's, or another process's once the lease
// ends). With Unsent, a pending one is noted (letGo) until claimed back:
// a Run that stops first hands it to Unsent with the queued ones.
func (e *Engine) giveBack(j job) {
	e.release(j.d.ID)
	e.gaveBack.Add(1)
	if e.Unsent == nil || j.d.Status != store.DeliveryPending {
		return
	}
	e.ownedMu.Lock()
	if e.letGo == nil {
		e.letGo = map[string]*store.Delivery{}
	}
	e.letGo[j.d.ID] = j.d
	e.ownedMu.Unlock()
}

// claimedBack forgets the deliveries a claim took back (giveBack).
func (e *Engine) claimedBack(ds []*store.Delivery) {
	e.ownedMu.Lock()
	if len(e.letGo) > 0 {
		for _, d := range ds {
			delete(e.letGo, d.ID)
		}
	}
	e.ownedMu.Unlock()
}

// notRenewed deals with late jobs whose lease the store did not renew:
// the pending ones are given back to the claim path (giveBack: a store
// that stays away must not keep them queued here for ever; a run's
// back-pressure counts them as taken), the others (leased in place: no
// claim takes them back) go back to the head of the owned queue.
func (e *Engine) notRenewed(late []job) {
	var kept []job
	for _, j := range late {
		if j.d.Status == store.DeliveryPending {
			e.giveBack(j)
		} else {
			kept = append(kept, j)
		}
	}
	if len(kept) > 0 {
		e.requeueLate(kept)
	}
}

// waitLate puts late jobs the store could not look at (busy: another
// transaction had their rows locked) back at the end of the owned queue,
// still held: they are this engine's as far as it knows, so they are
// neither sent (their lease is not confirmed: another process may have
// taken it) nor given back (a pending one would wait for its lease to end
// and a claim; one leased in place would never be sent). The heartbeat
// renews them once the rows are free, or the next renewal (renewLate)
// finds them taken. At the end: the jobs behind them are not held up.
func (e *Engine) waitLate(late []job) {
	e.ownedMu.Lock()
	e.owned = append(e.owned, late...)
	e.ownedMu.Unlock()
}

// requeueLate puts late jobs back at the head of the owned queue.
func (e *Engine) requeueLate(late []job) {
	e.ownedMu.Lock()
	e.owned = append(late, e.owned[e.ownedHead:]...)
	e.ownedHead = 0
	e.ownedMu.Unlock()
}

// renewLate extends the leases of handed-over deliveries whose lease is
// close to its end (heartbeats failed: the store was away) and hands
// those still this engine's to the workers; one another process took
// since is forgotten. When the store does not answer, notRenewed deals
// with them, and the next renewal waits a heartbeat's interval (only the
// dispatching goroutine calls it). One the store could not look at (busy:
// its row locked by another transaction) is not another process's: it
// waits in the queue (waitLate), and so do the late ones until the next
// renewal, a heartbeat's interval later. Taken for another process's, it
// was forgotten while still leased here: a pending one waited for its
// lease to end and a claim (and an interrupted replay did not put it
// back), one leased in place was never sent.
func (e *Engine) renewLate(work chan<- job, late []job) int {
	ids := make([]string, len(late))
	for i, j := range late {
		ids[i] = j.d.ID
	}
	until := e.Now().Add(e.Lease)
	ctx, cancel := context.WithTimeout(context.Background(), max(e.Lease/4, time.Second))
	got, busy, err := e.extend(ctx, ids, until)
	cancel()
	if err != nil {
		e.lateRetry, e.lateBusy = e.Now().Add(max(e.Lease/4, 10*time.Millisecond)), false
		e.notRenewed(late)
		return 0
	}
	ours := make(map[string]bool, len(got))
	e.heldMu.Lock()
	for _, id := range got {
		ours[id] = true
		if _, ok := e.held[id]; ok {
			e.held[id] = until
		}
	}
	e.heldMu.Unlock()
	var waiting map[string]bool
	if len(busy) > 0 {
		waiting = make(map[string]bool, len(busy))
		for _, id := range busy {
			waiting[id] = true
		}
		e.lateRetry, e.lateBusy = e.Now().Add(max(e.Lease/4, 10*time.Millisecond)), true
	}
	sent := 0
	var wait []job
	for _, j := range late {
		switch {
		case ours[j.d.ID]:
			work <- j
			sent++
		case waiting[j.d.ID]:
			wait = append(wait, j)
		default:
			e.release(j.d.ID)
			e.gaveBack.Add(1)
		}
	}
	if len(wait) > 0 {
		e.waitLate(wait)
	}
	return sent
}

// maxOwned is how many deliveries Enqueue queues for the workers at most:
// twice the lead a trigger or replay run keeps (Drive), which such a run
// never reaches; serve, whose requests have no such back-pressure, does
// when its receivers are slower than its API (a receiver that hangs: the
// queue, with every pending event's payload, grew by 100 deliveries a
// second in the soak).
func (e *Engine) maxOwned() int { return 2 * Lead(e.Concurrency) }

func (e *Engine) ownedLen() int {
	e.ownedMu.Lock()
	defer e.ownedMu.Unlock()
	return len(e.owned) - e.ownedHead
}

// requeuedEvents reads the events of requeued deliveries in one query when
// the store can (store.EventsGetter), so the workers need no read per
// delivery; the jobs carry them, like Enqueue's, whatever the cache holds.
// A failure (or a store without it) leaves them to the per-delivery read.
func (e *Engine) requeuedEvents(ctx context.Context, ds []*store.Delivery) map[string]*store.Event {
	eg, ok := e.Store.(store.EventsGetter)
	if !ok || len(ds) < 2 {
		return nil
	}
	ids := make([]string, 0, len(ds))
	seen := make(map[string]bool, len(ds))
	for _, d := range ds {
		if !seen[d.EventID] {
			seen[d.EventID] = true
			ids = append(ids, d.EventID)
		}
	}
	evs, err := eg.GetEvents(ctx, ids)
	if err != nil {
		return nil
	}
	out := make(map[string]*store.Event, len(evs))
	for _, ev := range evs {
		out[ev.ID] = ev
	}
	return out
}
