package delivery

import (
	"context"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// HeartbeatLease is the lease of an engine whose store can extend leases
// (store.LeaseExtender, both backends): short, because a live engine
// renews the leases of everything it holds every HeartbeatLease/4, so a
// crashed worker's deliveries are taken over within about this long while
// a slow but live attempt keeps its owner for as long as it runs.
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

// startHeartbeat extends every held lease once per interval, in one
// statement, until the returned func is called.
func (e *Engine) startHeartbeat(ctx context.Context) func() {
	if e.extender == nil {
		return func() {}
	}
	interval := max(e.Lease/4, 10*time.Millisecond)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		var ids []string
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			ids = ids[:0]
			e.heldMu.Lock()
			for id := range e.held {
				ids = append(ids, id)
			}
			e.heldMu.Unlock()
			if len(ids) == 0 {
				continue
			}
			until := e.Now().Add(e.Lease)
			// Bounded by the interval: a store that does not answer
			// in time gets another chance at the next tick.
			hctx, cancel := context.WithTimeout(ctx, max(interval, time.Second))
			// One the store could not look at (busy: locked by another
			// transaction) keeps its lease end here, and is tried again
			// at the next tick.
			got, _, err := e.extend(hctx, ids, until)
			cancel()
			e.heartbeats.Add(1)
			if err != nil {
				continue
			}
			e.heldMu.Lock()
			for _, id := range got {
				if _, ok := e.held[id]; ok {
					e.held[id] = until
				}
			}
			e.heldMu.Unlock()
		}
	}()
	return func() {
		close(stop)
		<-done
	}
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
