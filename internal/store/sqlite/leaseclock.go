package sqlite

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
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
//     lease period on its own monotonic clock, its lock file untouched
//     meanwhile (an owner stopped with Ctrl-Z or SIGSTOP still loses its
//     work, a live owner whose heartbeats renew it at least every quarter lease
//     never does, whatever the wall clocks say). Each heartbeat touches
//     the owner's lock file (its modification time) before it renews the
//     leases, so a live owner whose renewals the store refuses (a full
//     disk, which refuses every process's writes) keeps its work too: its
//     lease lapsed, and once space was back the other processes' first
//     claim took it and sent again what the owner had sent and was about
//     to record;
//   - an owner without a lock file (an older hookctl, a platform without
//     flock, a directory it could not write) keeps the wall-clock rule.
//
// The directory and the files get their modes from the store file's (a
// store its group may write makes them the group's too) and, made by
// root for another user's store (`sudo hookctl worker`), its owner: else
// that user's processes could not take their locks nor probe root's, and
// silently fell back to the wall clock. A process that cannot take its
// lock says so once on stderr (SetWarnings). Each Store sweeps, when it
// takes its first lock, the files of dead owners that no pending
// delivery names any more (processes killed with nothing leased: after a
// crash only their leases keep them), so the directory does not grow with
// every process ever killed.
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
	dir   string                 // STORE-leases; "" where there are no locks
	store string                 // the store file (its owner and modes: storeLockPerms)
	mono  func() time.Duration   // monotonic clock (tests replace it)
	mu    sync.Mutex             // guards the fields below
	mine  map[string]*ownerLock  // owners of this Store → their lock (nil: none could be taken)
	seen  map[int64]stalledLease // live owners' leases seen expired, by delivery seq
	dead  []string               // dead owners found by the last scan
	scan  time.Duration          // when (mono) the last scan ran; 0: never
	// closed: the Store was closed; no lock is taken any more.
	closed bool
	perms  *lockPerms // the directory's and files' (read at the first lock)
	swept  bool       // the dead owners' files were swept
	warn   io.Writer  // where a lock that cannot be taken is said (nil: nowhere)
	warned bool       // it was said
}

// LockProblem is why a process could not take its lease lock: its leases
// fall back to the wall clock.
type LockProblem struct {
	Dir   string
	Err   error
	Owner string      // the directory's owner, when known
	Mode  fs.FileMode // and mode
	Hint  string
}

func (p *LockProblem) Error() string {
	why := p.Err.Error()
	var pe *fs.PathError
	if errors.As(p.Err, &pe) {
		why = pe.Err.Error()
	}
	if p.Owner != "" {
		why += fmt.Sprintf("; the directory is %s's, mode %04o", p.Owner, p.Mode)
	}
	return fmt.Sprintf("cannot take a lease lock in %s (%s): this process's leases fall back to the wall clock "+
		"(a killed process's deliveries wait for their lease to end; a clock step can send one twice)", p.Dir, why)
}

// stalledLease is a lease of a live owner seen expired: since when (on
// this process's monotonic clock) it has had that end.
type stalledLease struct {
	owner    string
	until    int64
	beat     int64 // the owner's lock file's modification time then
	since    time.Duration
	lastSeen time.Duration
}

func newLeaseLocks(storePath string) *leaseLocks {
	start := time.Now()
	l := &leaseLocks{store: storePath, mono: func() time.Duration { return time.Since(start) }, mine: map[string]*ownerLock{}, seen: map[int64]stalledLease{}}
	if lockSupported && storePath != "" && !strings.HasPrefix(storePath, ":memory:") {
		l.dir = storePath + "-leases"
	}
	return l
}

// lockName is owner's lock file name: hex, so that any owner (host:pid:rand,
// colons and all) is a file name on every system.
func lockName(owner string) string { return hex.EncodeToString([]byte(owner)) }

// hold takes owner's lock, once per owner and Store, before the first
// lease it writes: its leases are never visible without it. It reports
// whether this was the Store's first lock (its caller sweeps the dead
// owners' files then).
func (l *leaseLocks) hold(owner string) (first bool) {
	if l == nil || l.dir == "" || owner == "" {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.mine[owner]; ok || l.closed {
		return false // a goroutine still claiming after Close makes no file
	}
	if l.perms == nil {
		p := storeLockPerms(l.store)
		l.perms = &p
	}
	lk, problem := takeOwnerLock(l.dir, lockName(owner), *l.perms)
	l.mine[owner] = lk
	if problem != nil && !l.warned && l.warn != nil {
		l.warned = true
		fmt.Fprintf(l.warn, "hookctl: warning: %v\n", problem)
		if problem.Hint != "" {
			fmt.Fprintf(l.warn, "hookctl: hint: %s\n", problem.Hint)
		}
	}
	first = lk != nil && !l.swept
	if first {
		l.swept = true
	}
	return first
}

// SetWarnings makes the Store say on w (once) when this process cannot
// take its lease lock (the commands pass their stderr).
func (s *Store) SetWarnings(w io.Writer) {
	s.locks.mu.Lock()
	s.locks.warn = w
	s.locks.mu.Unlock()
}

// holdLock takes owner's lock (leaseLocks.hold) and, at this Store's
// first, removes the files of dead owners no pending delivery names: a
// worker, trigger or replay killed while it held nothing, or whose
// leases were all taken over since. Their files are free (no process
// holds their lock: removeDeadLock takes it first) and no lease of theirs
// is left to take over faster by them, so nothing is lost; a dead owner
// still named keeps its file until a claim takes its leases (ClaimDue's
// forget). One directory listing and one indexed read per process.
func (s *Store) holdLock(owner string) {
	if !s.locks.hold(owner) {
		return
	}
	_, dead := s.locks.owners()
	if len(dead) == 0 {
		return
	}
	list, err := json.Marshal(dead)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT lease_owner FROM deliveries INDEXED BY deliveries_due
		WHERE status = 'pending' AND lease_owner IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return
	}
	named := map[string]bool{}
	for rows.Next() {
		var o string
		if rows.Scan(&o) == nil {
			named[o] = true
		}
	}
	if rows.Close() != nil || rows.Err() != nil {
		return
	}
	for _, o := range dead {
		if !named[o] {
			s.locks.forget(o)
		}
	}
}

// LeaseLocks counts the files in the store's lease lock directory: of
// running processes (their lock held), and of dead ones whose deliveries
// are still leased to them (free: the next claim takes them over and
// removes the file). dir is "" where there are no lock files.
func (s *Store) LeaseLocks() (dir string, running, dead int, err error) {
	if s.locks == nil || s.locks.dir == "" {
		return "", 0, 0, nil
	}
	if _, err := os.Stat(s.locks.dir); errors.Is(err, fs.ErrNotExist) {
		return s.locks.dir, 0, 0, nil
	}
	names, err := readLockDir(s.locks.dir)
	if err != nil {
		return s.locks.dir, 0, 0, err
	}
	for _, name := range names {
		switch probeOwnerLock(filepath.Join(s.locks.dir, name)) {
		case ownerLive:
			running++
		case ownerDead:
			dead++
		}
	}
	return s.locks.dir, running, dead, nil
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
			s.holdLock(d.LeaseOwner)
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
	st, _ := l.probe(owner)
	return st
}

// probe is state and, for a live owner, its heartbeat (probeOwnerBeat).
func (l *leaseLocks) probe(owner string) (ownerState, int64) {
	if l == nil || l.dir == "" || owner == "" || l.holding(owner) {
		return ownerUnknown, 0
	}
	return probeOwnerBeat(filepath.Join(l.dir, lockName(owner)))
}

// beat touches owner's lock file, when this Store holds it: owner's
// heartbeat is running (ExtendLeases, before it writes). Other
// processes see a live owner's lease expired and not renewed only as
// stalled while the file is not touched (stalled).
func (l *leaseLocks) beat(owner string) {
	if l == nil || l.dir == "" {
		return
	}
	l.mu.Lock()
	lk := l.mine[owner]
	l.mu.Unlock()
	lk.beat()
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
// been seen so, unchanged and its owner's heartbeat not beating (beat:
// its lock file's modification time, probeOwnerBeat), for at least lease
// on this process's monotonic clock; it records the sighting.
func (l *leaseLocks) stalled(seq int64, owner string, until, beat int64, lease time.Duration) bool {
	now := l.mono()
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.seen[seq]
	if !ok || s.owner != owner || s.until != until || s.beat != beat {
		s = stalledLease{owner: owner, until: until, beat: beat, since: now}
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
