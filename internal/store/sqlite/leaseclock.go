package sqlite

import (
	"encoding/hex"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// Lease liveness on a SQLite store.
//
// A lease's end (lease_expires_at) is a wall-clock time written by its
// owner. Compared with another process's wall clock alone, a clock step
// (an NTP correction, a laptop waking, a VM resumed) made every live
// lease look expired, and another worker claimed and sent what its owner
// was still sending. All the processes of a SQLite store share one host,
// so the store asks the operating system instead: each process that takes
// leases holds an exclusive lock (flock) on a file of its own beside the
// store, STORE-leases/HEX(owner), for as long as it lives, and
//
//   - an owner whose lock is free is dead (killed, crashed): its leases are
//     taken over at once, expired or not (after a kill -9 this is faster
//     than waiting for the lease to end);
//   - an owner whose lock is held is alive: its lease is taken over only
//     once this process has seen it expired, and not renewed, for a full
//     lease period on its own monotonic clock (an owner stopped with
//     Ctrl-Z or SIGSTOP still loses its work, a live owner whose heartbeats
//     renew it every quarter lease never does, whatever the wall clocks
//     say);
//   - an owner without a lock file (an older hookctl, a platform without
//     flock, a directory it could not write) keeps the wall-clock rule.
//
// PostgreSQL needs none of this: its leases are compared with the
// server's clock.

// ownerState is what a lease owner's lock file says.
type ownerState int

const (
	ownerUnknown ownerState = iota // no lock file: the wall-clock rule
	ownerLive                      // its lock is held
	ownerDead                      // its lock file is there and free
)

// deadScanEvery bounds how often a claim lists the lock directory for
// dead owners (their unexpired leases are taken over at once).
const deadScanEvery = 100 * time.Millisecond

// leaseLocks is a Store's side of the owner locks.
type leaseLocks struct {
	dir  string                 // STORE-leases; "" where there are no locks
	mono func() time.Duration   // monotonic clock (tests replace it)
	mu   sync.Mutex             // guards the fields below
	mine map[string]*ownerLock  // owners of this Store → their lock (nil: none could be taken)
	seen map[int64]stalledLease // live owners' leases seen expired, by delivery seq
	dead []string               // dead owners found by the last scan
	scan time.Duration          // when (mono) the last scan ran; 0: never
	// closed: the Store was closed; no lock is taken any more.
	closed bool
}

// stalledLease is a lease of a live owner seen expired: since when (on
// this process's monotonic clock) it has had that end.
type stalledLease struct {
	owner    string
	until    int64
	since    time.Duration
	lastSeen time.Duration
}

func newLeaseLocks(storePath string) *leaseLocks {
	start := time.Now()
	l := &leaseLocks{mono: func() time.Duration { return time.Since(start) }, mine: map[string]*ownerLock{}, seen: map[int64]stalledLease{}}
	if lockSupported && storePath != "" && !strings.HasPrefix(storePath, ":memory:") {
		l.dir = storePath + "-leases"
	}
	return l
}

// lockName is owner's lock file name: hex, so that any owner (host:pid:rand,
// colons and all) is a file name on every system.
func lockName(owner string) string { return hex.EncodeToString([]byte(owner)) }

// hold takes owner's lock, once per owner and Store, before the first
// lease it writes: its leases are never visible without it.
func (l *leaseLocks) hold(owner string) {
	if l == nil || l.dir == "" || owner == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.mine[owner]; ok || l.closed {
		return // a goroutine still claiming after Close makes no file
	}
	l.mine[owner] = takeOwnerLock(l.dir, lockName(owner))
}

var _ store.OwnerLiveness = (*Store)(nil)

// OwnerAlive implements store.OwnerLiveness: owner's lock is held (by
// another Store: this one's owners are not asked about).
func (s *Store) OwnerAlive(owner string) bool { return s.locks.state(owner) == ownerLive }

// holdLeases takes the lock of the owners of deliveries created leased
// (an engine's handover).
func (s *Store) holdLeases(ds []*store.Delivery) {
	last := ""
	for _, d := range ds {
		if d.LeaseOwner != "" && d.LeaseOwner != last {
			s.locks.hold(d.LeaseOwner)
			last = d.LeaseOwner
		}
	}
}

// holding reports whether owner is one of this Store's.
func (l *leaseLocks) holding(owner string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.mine[owner]
	return ok
}

// state probes another owner's lock.
func (l *leaseLocks) state(owner string) ownerState {
	if l == nil || l.dir == "" || owner == "" || l.holding(owner) {
		return ownerUnknown
	}
	return probeOwnerLock(filepath.Join(l.dir, lockName(owner)))
}

// deadOwners lists the owners whose lock file is free (at most every
// deadScanEvery; the last list in between).
func (l *leaseLocks) deadOwners() []string {
	if l == nil || l.dir == "" {
		return nil
	}
	now := l.mono()
	l.mu.Lock()
	if l.scan != 0 && now-l.scan < deadScanEvery {
		dead := l.dead
		l.mu.Unlock()
		return dead
	}
	l.scan = max(now, 1)
	l.mu.Unlock()
	_, dead := l.owners()
	l.mu.Lock()
	l.dead = dead
	l.mu.Unlock()
	return dead
}

// owners probes every other owner's lock file.
func (l *leaseLocks) owners() (live, dead []string) {
	if l == nil || l.dir == "" {
		return nil, nil
	}
	names, _ := readLockDir(l.dir)
	for _, name := range names {
		b, err := hex.DecodeString(name)
		if err != nil || len(b) == 0 || l.holding(string(b)) {
			continue
		}
		switch probeOwnerLock(filepath.Join(l.dir, name)) {
		case ownerLive:
			live = append(live, string(b))
		case ownerDead:
			dead = append(dead, string(b))
		}
	}
	return live, dead
}

// forget removes the lock file of a dead owner that holds no lease any
// more (taken over, or it held none).
func (l *leaseLocks) forget(owner string) {
	if l == nil || l.dir == "" {
		return
	}
	removeDeadLock(filepath.Join(l.dir, lockName(owner)))
}

// stalled reports whether the lease of delivery seq, held by the live
// owner until until (already past by this process's wall clock), has
// been seen so, unchanged, for at least lease on this process's
// monotonic clock; it records the sighting.
func (l *leaseLocks) stalled(seq int64, owner string, until int64, lease time.Duration) bool {
	now := l.mono()
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.seen[seq]
	if !ok || s.owner != owner || s.until != until {
		s = stalledLease{owner: owner, until: until, since: now}
	}
	s.lastSeen = now
	l.seen[seq] = s
	return now-s.since >= lease
}

// pruneSeen forgets sightings not repeated for a while (the lease was
// renewed, released or taken).
func (l *leaseLocks) pruneSeen(keep time.Duration) {
	if l == nil {
		return
	}
	now := l.mono()
	l.mu.Lock()
	defer l.mu.Unlock()
	for seq, s := range l.seen {
		if now-s.lastSeen > keep {
			delete(l.seen, seq)
		}
	}
}

// close releases this Store's locks and removes their files (and the
// directory, when it is left empty).
func (l *leaseLocks) close() {
	if l == nil || l.dir == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	for owner, lk := range l.mine {
		lk.release()
		delete(l.mine, owner)
	}
	removeEmptyDir(l.dir)
}
