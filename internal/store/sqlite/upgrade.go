package sqlite

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
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

// upgradeMarker is the file beside the store that names, while it
// migrates the store, the process doing it (its PID): a command that finds
// the store's write lock taken by an upgrade says who holds it and waits
// for it, instead of giving up after the busy timeout with the store
// "locked by another process". It is only a name: the write lock is what
// keeps a second process from migrating or writing meanwhile, and a marker
// left by a process that died (kill -9: SQLite undoes its upgrade) is
// ignored.
func upgradeMarker(path string) string { return path + "-upgrading" }

// markUpgrade writes the marker of this process's upgrade of the store
// (whose write lock it holds) and returns what removes it.
func (s *Store) markUpgrade() func() {
	m := upgradeMarker(s.path)
	if err := os.WriteFile(m, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		return func() {} // only a name: the upgrade goes on without it
	}
	return func() { os.Remove(m) }
}

// upgrader returns the PID of another live process upgrading the store,
// or 0.
func (s *Store) upgrader() int {
	b, err := os.ReadFile(upgradeMarker(s.path))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 || pid == os.Getpid() || !processAlive(pid) {
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
