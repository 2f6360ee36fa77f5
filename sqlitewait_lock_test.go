//go:build !windows

package main

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// sqlitewaitHold takes the write lock of the SQLite store at path from
// this process (BEGIN IMMEDIATE on a connection of its own, as a sqlite3
// shell inside a transaction, a store import or a vacuum holds it) and
// returns what lets it go (COMMIT); the test's end lets it go too.
func sqlitewaitHold(t *testing.T, path string) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(30000)")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
				t.Errorf("letting the write lock go: %v", err)
			}
			conn.Close()
			db.Close()
		})
	}
	t.Cleanup(release)
	return release
}

// sqlitewaitReady waits for the -o json ready line of a long-running
// command started with startWaiting.
func sqlitewaitReady(t *testing.T, p *waitingProc) string {
	t.Helper()
	select {
	case u := <-p.ready:
		return u
	case <-p.done:
		t.Fatalf("%s exited (%v):\n%s", p.name, p.err, p.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("%s not ready 30 s after the lock was let go:\n%s", p.name, p.stderr.String())
	}
	return ""
}

// sqlitewaitStop ends a long-running command with SIGTERM and checks it
// said its wait once, its end once, and no error.
func sqlitewaitStop(t *testing.T, p *waitingProc) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.exit(t, 30*time.Second); code != 0 {
		t.Errorf("%s: exit %d after SIGTERM, want 0:\n%s", p.name, code, p.stderr.String())
	}
	out := p.stderr.String()
	if strings.Count(out, "waiting for the store") != 1 || strings.Count(out, "store reachable after") != 1 ||
		!strings.Contains(out, "is locked by another process") || strings.Contains(out, "error") {
		t.Errorf("%s did not say the wait for the lock once and its end once:\n%s", p.name, out)
	}
}

// listen started while another process holds the SQLite store's write
// lock past the busy timeout (a store import, a sqlite3 shell inside
// BEGIN IMMEDIATE) waits for it as for a PostgreSQL server not up yet:
// says so once, and once the lock is let go says "store reachable",
// takes its subscription and receives. Before, its first write (the
// subscription) gave up after the 10 s busy timeout: exit 3 at start.
func TestSqlitewaitListenWaitsForLockedStore(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	c.hookctl(0, "store", "migrate")
	release := sqlitewaitHold(t, filepath.Join(c.dir, "hookctl.db"))
	p := startWaiting(t, c, "listen")
	// Said after the busy timeout (10 s): the lock is held until then,
	// however slow the machine.
	p.untilSays(t, pgwaitSays+" 1m (--store-wait); Ctrl-C to stop")
	select {
	case u := <-p.ready:
		t.Fatalf("listen ready at %s while the store's write lock is held", u)
	default:
	}
	release()
	p.untilSays(t, "store reachable after")
	sqlitewaitReady(t, p)
	// It works: its subscription takes a triggered event (trigger exits
	// 0 only once listen answered 2xx).
	c.hookctl(0, "trigger", "card.created")
	sqlitewaitStop(t, p)
}

// A worker started on a store it must migrate (an older schema) while
// another process holds its write lock waits for the lock up to
// --store-wait, then migrates and delivers what is due. Before, opening
// the store gave up after the busy timeout: exit 3.
func TestSqlitewaitWorkerWaitsToMigrateLockedStore(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	app := newCountingReceiver(t, http.StatusOK, 0)
	app.fail.Store(true)
	c.hookctl(0, "subscribe", "--url", app.URL+"/hooks", "--events", "*", "--scheme", "standard")
	// Its first attempt fails (500): one delivery left pending, due
	// again a second later.
	c.hookctl(0, "trigger", "card.created", "--retry-schedule", "0s,1s,1s", "--wait", "300ms")
	db := filepath.Join(c.dir, "hookctl.db")
	raw, err := sql.Open("sqlite", "file:"+db)
	if err != nil {
		t.Fatal(err)
	}
	// Schema 10: opening it rebuilds the delivery and event tables
	// (schemas 11 and 12), under the write lock.
	if _, err := raw.Exec(`PRAGMA user_version = 10`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	app.fail.Store(false)
	release := sqlitewaitHold(t, db)
	p := startWaiting(t, c, "worker")
	p.untilSays(t, pgwaitSays+" 1m (--store-wait); Ctrl-C to stop")
	release()
	p.untilSays(t, "store reachable after")
	app.waitRequests(t, 1)
	sqlitewaitStop(t, p)
	if events, twice := app.counts(); events != 1 || twice != 0 {
		t.Errorf("the receiver got %d events (%d twice), want the pending one once", events, twice)
	}
}

// Past --store-wait, a long-running command still facing the lock exits
// 3 with the lock's error and hint, saying it gave up, about --store-wait
// after it said it waits (a try waits for the lock no longer than the
// wait has left, not another busy timeout). The one-shot commands do not
// wait: exit 3 after the busy timeout, as before.
func TestSqlitewaitGivesUp(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	c.hookctl(0, "store", "migrate")
	sqlitewaitHold(t, filepath.Join(c.dir, "hookctl.db"))
	t.Run("listen", func(t *testing.T) {
		t.Parallel()
		p := startWaiting(t, c, "listen", "--store-wait", "2s")
		p.untilSays(t, pgwaitSays+" 2s (--store-wait)")
		said := time.Now()
		code := p.exit(t, 60*time.Second)
		after := time.Since(said)
		out := p.stderr.String()
		// 2 s, and the start of a process at load 30; another try's
		// full busy timeout (10 s) is well above.
		if code != 3 || after > 8*time.Second {
			t.Errorf("exit %d %s after the notice, want 3 about 2 s (--store-wait) after it:\n%s", code, after, out)
		}
		for _, want := range []string{"is locked by another process", "(gave up after waiting 2s)",
			"hint: another hookctl command", "hint: to wait longer, raise --store-wait"} {
			if !strings.Contains(out, want) {
				t.Errorf("stderr lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "store reachable") || strings.Count(out, "waiting for the store") != 1 {
			t.Errorf("the wait said other than once, or its end said:\n%s", out)
		}
	})
	t.Run("one-shot", func(t *testing.T) {
		t.Parallel()
		var errb lockedBuffer
		cmd := c.cmd("hookctl", "subscribe", "--url", "http://127.0.0.1:1/x", "--events", "*")
		cmd.Stderr = &errb
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 3 || strings.Contains(errb.String(), "waiting") ||
			!strings.Contains(errb.String(), "is locked by another process") {
			t.Errorf("subscribe: %v, want exit 3 without waiting:\n%s", err, errb.String())
		}
	})
}
