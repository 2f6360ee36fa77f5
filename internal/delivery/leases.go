package delivery

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// HeartbeatLease is the lease of an engine whose store can extend leases
// (store.LeaseExtender, both backends): short, because a live engine
// renews the lease of everything it holds at least every quarter of it (a
// heartbeat every HeartbeatLease/16 renews the leases taken or renewed
// 3/16 of it ago or more: startHeartbeat), so a crashed worker's
// deliveries are taken over within about this long while a slow but live
// attempt keeps its owner for as long as it runs.
const HeartbeatLease = 2 * time.Second

// held tracks the deliveries leased to this engine and not yet settled
// (queued for the workers, being sent, or waiting to be recorded), with
// the lease's current end.

// hold records leases this engine took.
func (e *Engine) hold(ds []*store.Delivery) {
	if e.extender == nil || len(ds) == 0 {
		return
	}
	e.heldMu.Lock()
	for _, d := range ds {
		e.held[d.ID] = d.LeaseExpiresAt
	}
	e.heldMu.Unlock()
}

// holdNew holds those of ds the engine does not hold yet and returns
// them; one it holds already (in flight, queued) is left out. Without
// heartbeats (no held map) it returns ds.
func (e *Engine) holdNew(ds []*store.Delivery) []*store.Delivery {
	if e.extender == nil || len(ds) == 0 {
		return ds
	}
	out := ds[:0:0]
	e.heldMu.Lock()
	for _, d := range ds {
		if _, ok := e.held[d.ID]; !ok {
			e.held[d.ID] = d.LeaseExpiresAt
			out = append(out, d)
		}
	}
	e.heldMu.Unlock()
	return out
}

// holding reports whether the engine already holds id (a claim that
// re-leased one of its own in-flight deliveries must not send it again).
func (e *Engine) holding(id string) bool {
	if e.extender == nil {
		return false
	}
	e.heldMu.Lock()
	_, ok := e.held[id]
	e.heldMu.Unlock()
	return ok
}

// holdsNone reports whether the engine holds no lease: nothing queued,
// in flight or waiting to be recorded.
func (e *Engine) holdsNone() bool {
	if e.extender == nil {
		return true
	}
	e.heldMu.Lock()
	defer e.heldMu.Unlock()
	return len(e.held) == 0
}

// leaseEnd is the current end of a held lease (after heartbeats).
func (e *Engine) leaseEnd(d *store.Delivery) time.Time {
	if e.extender == nil {
		return d.LeaseExpiresAt
	}
	e.heldMu.Lock()
	t, ok := e.held[d.ID]
	e.heldMu.Unlock()
	if !ok {
		return d.LeaseExpiresAt
	}
	return t
}

// beginClaim starts noting the deliveries settled while a claim runs
// (settled); endClaim stops it once no claim runs.
func (e *Engine) beginClaim() {
	e.heldMu.Lock()
	e.claiming++
	if e.settledDuring == nil {
		e.settledDuring = map[string]int{}
	}
	e.heldMu.Unlock()
}

func (e *Engine) endClaim() {
	e.heldMu.Lock()
	if e.claiming--; e.claiming == 0 {
		e.settledDuring = nil
	}
	e.heldMu.Unlock()
}

// settled forgets the lease of a delivery whose attempt was settled, and
// notes, while a claim runs, the attempt count a recorded attempt left it
// with: a copy the claim read before has fewer (adopt).
func (e *Engine) settled(id string, count int, recorded bool) {
	e.heldMu.Lock()
	delete(e.held, id)
	if recorded && e.claiming > 0 {
		e.settledDuring[id] = count
	}
	e.heldMu.Unlock()
}

// adopt sorts what a claim leased, at once with the settles (heldMu): one
// the engine holds already gets the claim's lease end and is left out,
// one settled since the claim began with more attempts than the claim's
// copy is left out (its record released the lease), the rest are held and
// returned.
func (e *Engine) adopt(ds []*store.Delivery) []*store.Delivery {
	out := ds[:0:0]
	e.heldMu.Lock()
	defer e.heldMu.Unlock()
	for _, d := range ds {
		if _, ok := e.held[d.ID]; ok {
			e.held[d.ID] = d.LeaseExpiresAt
			continue
		}
		if n, ok := e.settledDuring[d.ID]; ok && d.AttemptCount < n {
			continue
		}
		if e.held != nil {
			e.held[d.ID] = d.LeaseExpiresAt
		}
		out = append(out, d)
	}
	return out
}

// release forgets a lease: the delivery was recorded (its lease released
// by the store), requeued, or left to expire.
func (e *Engine) release(ids ...string) {
	if e.extender == nil {
		return
	}
	e.heldMu.Lock()
	for _, id := range ids {
		delete(e.held, id)
	}
	e.heldMu.Unlock()
}

// startHeartbeat renews, every heartbeat interval (lease/16), in one
// statement, each held lease taken or renewed 3/16 of the lease ago or
// more, until the returned func is called.
//
// So a renewal still starts with ¾ of the lease left or more (3/16 plus
// an interval at most has gone: the margin the store's skew tolerance
// and renewLimit count on), while a lease younger than that is left to a
// later beat. Renewing every held lease at every beat (every quarter
// lease, as before) renewed the many that are settled within a moment of
// being leased: a PostgreSQL replay holds ~3,000 rows (the queue ahead of
// its workers and the attempts waiting for their batched write) for a few
// tenths of a second each, and renewed most of them once or twice —
// 36–42k of its ~240k row updates for 100k deliveries, a fifth of its
// wall time (bench/README). A lease held long is renewed every 3/16 to
// 1/4 of the lease, a little more often than before.
func (e *Engine) startHeartbeat(ctx context.Context) func() {
	if e.extender == nil {
		return func() {}
	}
	interval := max(e.Lease/16, 10*time.Millisecond)
	// young: a lease ending after now+young was taken or renewed less
	// than 3/16 of the lease ago (the held ends are on this engine's
	// clock, computed before the statement that set them: a lease is
	// never younger on the store than it looks here).
	young := e.Lease - 3*e.Lease/16
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		var ids []string
		var busyBefore map[string]bool
		var waiters sync.WaitGroup
		defer waiters.Wait()
		wctx, wcancel := context.WithCancel(ctx)
		defer wcancel()
		// After a beat the store failed, the next waits a quarter lease
		// (the old cadence), so a store that is away is not asked four
		// times as often as before.
		var retryAt time.Time
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			if e.Now().Before(retryAt) {
				continue
			}
			ids = ids[:0]
			fresh := e.Now().Add(young)
			e.heldMu.Lock()
			for id, end := range e.held {
				if !end.After(fresh) {
					ids = append(ids, id)
				}
			}
			e.heldMu.Unlock()
			if len(ids) == 0 {
				continue
			}
			beat := e.Now()
			until := beat.Add(e.Lease)
			// Bounded: a store that does not answer in time gets
			// another chance (renewLimit).
			hctx, cancel := context.WithTimeout(ctx, renewLimit(e.Lease, interval))
			// A beat not answered in an eighth of the lease (one
			// statement, a millisecond or so) is most likely held up
			// by a table lock: the rows are held from then (holdLeases), not
			// only once the beat timed out, a second later, which was
			// after the end of a lease that had less than that left
			// when the lock was taken; a claim waiting for the same
			// lock took it when the lock went.
			fired := make(chan struct{})
			early := time.AfterFunc(max(e.Lease/8, 5*time.Millisecond), func() {
				defer close(fired)
				e.holdLeases(wctx, &waiters, ids)
			})
			// One the store could not look at (busy: locked by another
			// transaction) keeps its lease end here, and is tried again
			// at the next tick, or waited for (waitBusy).
			got, busy, err := e.extend(hctx, ids, until)
			late := hctx.Err() != nil
			cancel()
			if !early.Stop() {
				<-fired
			}
			e.heartbeats.Add(1)
			if err != nil {
				if late {
					e.holdLeases(wctx, &waiters, ids)
				}
				retryAt = beat.Add(e.Lease / 4)
				continue
			}
			e.renewed(got, until)
			// Waits for a busy lease ending within half a lease, as
			// when the beat came every quarter lease.
			busyBefore = e.waitBusy(wctx, &waiters, busy, busyBefore, e.Lease/4)
		}
	}()
	return func() {
		close(stop)
		<-done
	}
}

// renewLimit is how long one heartbeat's renewal may take (every
// heartbeat interval, lease/16): a second, or the interval when longer —
// but never more than half the lease. A renewal starts with ¾ of the
// lease left or more (startHeartbeat); a renewal given a second with a
// lease under 1.33 s ran past the end of the leases it was renewing (a connection that hung: nothing was tried
// again meanwhile, the ticks dropped), and another worker's claim took
// them while they were being sent. Half the lease is the default lease's
// own proportion (a second of 2 s), so that lease keeps its limit.
func renewLimit(lease, interval time.Duration) time.Duration {
	return max(interval, min(time.Second, lease/2))
}

// renewed moves the lease end of the held ones of ids to until.
func (e *Engine) renewed(ids []string, until time.Time) {
	e.heldMu.Lock()
	for _, id := range ids {
		if _, ok := e.held[id]; ok {
			e.held[id] = until
		}
	}
	e.heldMu.Unlock()
}

// maxBusyWaits is how many busy leases an engine waits for at once (each
// waiting renewal holds one of the store's connections).
const maxBusyWaits = 4

// waitBusy starts a renewal waiting for the row lock (store.LeaseWaiter)
// of each busy delivery of a heartbeat (its row locked by another
// transaction: a large UPDATE, a prune, a requeue) that was busy at the
// heartbeat before too, or whose lease would end before the next one; it
// stops the waits of deliveries no longer held (settled), and returns the
// busy ones, for the next heartbeat.
//
// Passed over at every heartbeat, a row locked for longer than the rest
// of its lease saw its lease end on the server while its owner was alive
// and sending it; once the lock went, another worker's claim (or this
// engine's) took it and sent it again. A renewal waiting for the lock is
// queued on the row: while it waits a claim skips the row (it is locked),
// and when the lock is released the renewal, first in the row's queue,
// renews it, unless the holder changed its owner (then it is lost, as
// before). It waits with no time limit (stopped when the delivery is
// settled or the heartbeats stop): waits bounded by a heartbeat's
// interval left a gap between one and the next, and a lock released in
// that gap left the ended lease to the first claim. The heartbeat goes on
// meanwhile for everything else. A store that cannot wait (no
// LeaseWaiter) leaves them to the next heartbeat.
func (e *Engine) waitBusy(ctx context.Context, wg *sync.WaitGroup, busy []string, before map[string]bool, interval time.Duration) map[string]bool {
	if e.waiter == nil {
		return nil
	}
	now := make(map[string]bool, len(busy))
	soon := e.Now().Add(2 * interval)
	e.heldMu.Lock()
	defer e.heldMu.Unlock()
	for id, stop := range e.waiting {
		if _, ok := e.held[id]; !ok {
			(*stop)()
			delete(e.waiting, id)
		}
	}
	for _, id := range busy {
		end, ok := e.held[id]
		if !ok {
			continue
		}
		now[id] = true
		if _, ok := e.waiting[id]; ok || !(before[id] || end.Before(soon)) || len(e.waiting) >= maxBusyWaits {
			continue
		}
		if e.waiting == nil {
			e.waiting = map[string]*context.CancelFunc{}
		}
		wctx, stop := context.WithCancel(ctx)
		mine := &stop
		e.waiting[id] = mine
		e.busyWaits.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			until := e.Now().Add(e.Lease)
			renewed, _, err := e.waiter.WaitRenewLease(wctx, e.Owner, id, e.Lease, 0)
			if err == nil && renewed {
				e.renewed([]string{id}, until)
			}
			e.heldMu.Lock()
			if e.waiting[id] == mine {
				delete(e.waiting, id)
			}
			e.heldMu.Unlock()
			stop()
		}()
	}
	return now
}

// holdLeases starts, unless one runs, a renewal of ids that holds their
// rows and waits as long as it takes (store.LeaseWaiter's
// HoldRenewLeases), while a heartbeat is slow to answer (half an
// interval), and again after one that did not end in time: a table
// lock held it up (PostgreSQL's `store import` locks the deliveries
// table until it commits), and every lease held may end meanwhile. The
// claims of the other workers wait for the same lock, and when it went
// the first to run took the leases that had ended, and sent those
// deliveries again while this engine was sending them. The rows this
// renewal holds are skipped by those claims, and renewed once the lock
// goes. A store that is away fails it at once (the heartbeat goes on).
func (e *Engine) holdLeases(ctx context.Context, wg *sync.WaitGroup, ids []string) {
	if e.waiter == nil || !e.guarding.CompareAndSwap(false, true) {
		return
	}
	ids = append([]string(nil), ids...)
	e.heldGuards.Add(1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer e.guarding.Store(false)
		until := e.Now().Add(e.Lease)
		got, err := e.waiter.HoldRenewLeases(ctx, e.Owner, ids, e.Lease)
		if err == nil {
			e.renewed(got, until)
		}
	}()
}

// extend extends the leases of ids to until, one extension at a time
// (extendMu): the IDs renewed and, when the store tells them apart
// (store.LeaseRenewer), the busy ones it could not look at, still this
// engine's as far as it knows. The rest are no longer this engine's.
func (e *Engine) extend(ctx context.Context, ids []string, until time.Time) (renewed, busy []string, err error) {
	e.extendMu.Lock()
	defer e.extendMu.Unlock()
	if e.renewer != nil {
		return e.renewer.RenewLeases(ctx, e.Owner, ids, until)
	}
	renewed, err = e.extender.ExtendLeases(ctx, e.Owner, ids, until)
	return renewed, nil, err
}

// Heartbeats is the number of lease-extension statements this engine ran.
func (e *Engine) Heartbeats() int64 { return e.heartbeats.Load() }

// LeaseHeld reports whether another live process holds d right now: it
// is pending under a lease that has not expired, and its owner is not a
// process of this host that is gone (owners are host:pid:random, see
// NewOwner; a process on another host is taken as alive until its lease
// expires). replay leaves such a delivery to its holder instead of
// sending a second copy at the same time.
func LeaseHeld(d *store.Delivery, now time.Time) bool {
	if d.Status != store.DeliveryPending || d.LeaseOwner == "" || !d.LeaseExpiresAt.After(now) {
		return false
	}
	host, rest, ok := strings.Cut(d.LeaseOwner, ":")
	if !ok {
		return true
	}
	pidText, _, _ := strings.Cut(rest, ":")
	pid, err := strconv.Atoi(pidText)
	if me, _ := os.Hostname(); err != nil || pid <= 0 || host != me {
		return true
	}
	return ProcessAlive(pid)
}

// LeaseHeldOn is LeaseHeld on st: a pending delivery whose lease looks
// over by now is still held while st knows its owner to be alive
// (store.OwnerLiveness: SQLite's owner locks), as after a step forward
// of this machine's wall clock.
func LeaseHeldOn(st store.Store, d *store.Delivery, now time.Time) bool {
	if LeaseHeld(d, now) {
		return true
	}
	ol, ok := st.(store.OwnerLiveness)
	return ok && d.Status == store.DeliveryPending && d.LeaseOwner != "" && ol.OwnerAlive(d.LeaseOwner)
}
