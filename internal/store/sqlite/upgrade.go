package sqlite

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// UpgradeWait is how long a command waits for another process's upgrade
// of the store (a rebuild of 1,000,000 deliveries took 25 s on a busy
// 2-core machine) before it gives up.
const UpgradeWait = 15 * time.Minute

// upgradeWait is UpgradeWait, shorter in tests.
var upgradeWait = UpgradeWait

// upgradePoll is how often a waiting command looks whether the upgrade
// ended.
const upgradePoll = 100 * time.Millisecond

// upgradeMarker is the file beside the store that says, while a process
// migrates the store, that an upgrade is under way: a command that finds
// the store's write lock taken by an upgrade says so and waits for it,
// instead of giving up after the busy timeout with the store "locked by
// another process". The upgrading process holds an exclusive flock on
// it for the whole upgrade (createLocked, as a lease owner's lock file):
// the lock, not the PID the file holds, says whether the upgrade is
// under way, so a marker left by a process that died (kill -9: SQLite
// undoes its upgrade) is ignored also once its PID is another live
// process's, and one of a process in another PID namespace (a container
// sharing the volume: its PID means nothing here, or this process's own)
// is waited for. The PID is only named in the messages. Where there is
// no flock (Windows) the marker is a plain file and its PID, alive or
// not, says it, as it did everywhere before. It is only a name: the
// write lock is what keeps a second process from migrating or writing
// meanwhile.
func upgradeMarker(path string) string { return path + "-upgrading" }

// markersHeld are the upgrade markers this process holds the lock of: a
// lock held is another process's upgrade unless it is one of these.
var markersHeld sync.Map // marker path → struct{}

// markUpgrade writes the marker of this process's upgrade of the store
// (whose write lock it holds), locked, and returns what removes it and
// lets the lock go.
func (s *Store) markUpgrade() func() {
	m := upgradeMarker(s.path)
	pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
	if f, err := createLocked(m, 0o600, pid, nil); err == nil {
		markersHeld.Store(m, struct{}{})
		return func() {
			os.Remove(m)
			markersHeld.Delete(m)
			f.Close()
		}
	}
	if err := os.WriteFile(m, pid, 0o600); err != nil {
		return func() {} // only a name: the upgrade goes on without it
	}
	return func() { os.Remove(m) }
}

// upgrader returns the PID of another process upgrading the store (as
// its marker names it: -1 when it names none), or 0.
func (s *Store) upgrader() int {
	m := upgradeMarker(s.path)
	b, err := os.ReadFile(m)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		pid = -1
	}
	switch probeOwnerLock(m) {
	case ownerLive:
		if _, mine := markersHeld.Load(m); mine {
			return 0
		}
		return pid
	case ownerDead:
		return 0 // its process is gone, whatever now has its PID
	}
	// No flock here, or the marker cannot be probed: its PID says.
	if pid <= 0 || pid == os.Getpid() || !processAlive(pid) {
		return 0
	}
	return pid
}

// waitUpgrade waits, while another live process upgrades the store, for
// its upgrade to end (the store's schema reaching latest, or the marker
// gone), saying once on store.Notices(ctx) that it waits and, after, that
// it goes on. It returns at once when no upgrade is under way, ctx's
// error when interrupted, and an error naming the process when the
// upgrade outlasts upgradeWait.
func (s *Store) waitUpgrade(ctx context.Context, from, latest int) error {
	pid := s.upgrader()
	if pid == 0 {
		return nil
	}
	w := store.Notices(ctx)
	if w == nil {
		w = io.Discard
	}
	start := time.Now()
	fmt.Fprintf(w, "hookctl: store %s is being upgraded by another hookctl (PID %d) from schema %d to %d; waiting for it to finish (up to %s; Ctrl-C to stop waiting, which leaves the upgrade running)\n",
		s.path, pid, from, latest, upgradeWait)
	t := time.NewTicker(upgradePoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		var version int
		if err := s.r.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err == nil && version >= latest {
			break
		}
		if p := s.upgrader(); p == 0 {
			break
		} else {
			pid = p
		}
		if time.Since(start) >= upgradeWait {
			return &store.EnvironmentError{
				Err:  fmt.Errorf("store %s is still being upgraded by another hookctl (PID %d) after %s", s.path, pid, upgradeWait),
				Hint: fmt.Sprintf("let that upgrade finish (or stop PID %d: its upgrade is undone and starts over at the next command), then run the command again", pid),
			}
		}
	}
	fmt.Fprintf(w, "hookctl: the upgrade of store %s ended after %s; going on\n", s.path, time.Since(start).Round(100*time.Millisecond))
	return nil
}
