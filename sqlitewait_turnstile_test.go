//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// sqlitewaitTurnHeld reports whether another process holds the store's
// turnstile (the flock on STORE-turnstile a writer holds while it waits
// for SQLite's write lock); a free one is let go at once.
func sqlitewaitTurnHeld(t *testing.T, db string) bool {
	t.Helper()
	f, err := os.Open(db + "-turnstile")
	if err != nil {
		return false // not made yet
	}
	defer f.Close()
	for {
		switch err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); {
		case err == nil:
			syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			return false
		case errors.Is(err, syscall.EWOULDBLOCK):
			return true
		case !errors.Is(err, syscall.EINTR): // a signal to this process: try again
			t.Fatalf("flock %s: %v", f.Name(), err)
		}
	}
}

// sqlitewaitUntilStopped waits until every thread of process pid is
// stopped (state T in /proc; where there is no /proc, a moment).
func sqlitewaitUntilStopped(t *testing.T, pid int) {
	t.Helper()
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if err != nil || len(tasks) == 0 {
		time.Sleep(500 * time.Millisecond)
		return
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		running := ""
		for _, p := range tasks {
			b, err := os.ReadFile(p)
			if err != nil {
				continue // a thread that ended
			}
			// pid (comm) state …: comm may hold spaces and parentheses.
			if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) && b[i+2] != 'T' && b[i+2] != 't' {
				running = p
				break
			}
		}
		if running == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not stopped 30 s after SIGSTOP", running)
		}
	}
}

// A real hookctl write stopped (SIGSTOP, Ctrl-Z) while it waits for
// SQLite's write lock, holding the writers' turnstile, does not stall the
// store's other writers: another hookctl write started beside it passes
// the stopped holder once it has not beaten for 2 s and gets through
// within a bound (well under the 10 s after which it would have gone on
// without its turn anyway); continued, the stopped one finishes too, and
// both are stored. TestListenstartStoppedTurnstileHolder held a flock
// never beaten; this is the holder as it happens: a process that beat,
// then stopped.
func TestSqlitewaitStoppedTurnstileHolderProcess(t *testing.T) {
	c := newCrashEnv(t)
	c.hookctl(0, "store", "migrate")
	db := filepath.Join(c.dir, "hookctl.db")
	// An uncontended write, for the bound below: the start of a
	// process on this machine now.
	start := time.Now()
	c.hookctl(0, "subscribe", "--url", "http://127.0.0.1:1/base", "--events", "*")
	baseline := time.Since(start)

	release := sqlitewaitHold(t, db)
	var aErr bytes.Buffer
	a := c.cmd("hookctl", "subscribe", "--url", "http://127.0.0.1:1/stopped", "--events", "*")
	a.Stderr = &aErr
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	aDone := make(chan error, 1)
	go func() { aDone <- a.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if stopped {
			a.Process.Signal(syscall.SIGCONT)
		}
		a.Process.Kill()
		<-aDone
	})
	// A waits for the lock this test holds (up to its 10 s busy
	// timeout), holding the turnstile: stopped as soon as it holds it.
	for deadline := time.Now().Add(30 * time.Second); !sqlitewaitTurnHeld(t, db); time.Sleep(2 * time.Millisecond) {
		select {
		case err := <-aDone:
			t.Fatalf("the first write ended (%v) before it held the turnstile:\n%s", err, aErr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the first write did not take the turnstile within 30 s")
		}
	}
	if err := a.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped = true
	// kill returns before every thread has stopped: one still polling
	// SQLite's lock as the test lets it go would take it, and hold it
	// stopped (that stop, in the middle of a write, is another case:
	// nothing can write until it is continued).
	sqlitewaitUntilStopped(t, a.Process.Pid)
	// SQLite's lock is free now; the turnstile stays held by the stopped
	// process.
	release()
	if !sqlitewaitTurnHeld(t, db) {
		t.Fatal("the stopped process does not hold the turnstile")
	}
	start = time.Now()
	var bOut, bErr bytes.Buffer
	b := c.cmd("hookctl", "subscribe", "--url", "http://127.0.0.1:1/beside", "--events", "*")
	b.Stdout, b.Stderr = &bOut, &bErr
	bRun := b.Run()
	took := time.Since(start)
	if bRun != nil {
		t.Fatalf("the write beside the stopped holder: %v after %s:\n%s", bRun, took, bErr.String())
	}
	if err := a.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	stopped = false
	select {
	case err := <-aDone:
		aDone <- err
		if err != nil {
			t.Fatalf("the continued write: %v:\n%s", err, aErr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the continued write did not finish within 30 s")
	}
	// The same write uncontended again: the load may have changed.
	start = time.Now()
	c.hookctl(0, "subscribe", "--url", "http://127.0.0.1:1/after", "--events", "*")
	baseline = max(baseline, time.Since(start))
	// At most 2 s without a beat (turnStale) and some slack more than
	// an uncontended write (race-built at load 30 the process's start
	// alone took up to 3.7 s); a writer that waited for the stopped
	// holder until it went on without its turn would take the busy
	// timeout (10 s) more, or fail.
	bound := baseline + 2*time.Second + 3*time.Second
	t.Logf("uncontended write %s; beside the stopped holder %s (bound %s)", baseline.Round(time.Millisecond), took.Round(time.Millisecond), bound.Round(time.Millisecond))
	if took > bound {
		t.Errorf("the write beside the stopped holder took %s, want at most %s", took, bound)
	}
	var subs []struct {
		URL string `json:"callback_url"`
	}
	if err := json.Unmarshal(c.hookctl(0, "subscriptions", "list", "-o", "json"), &subs); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, s := range subs {
		got[s.URL] = true
	}
	for _, u := range []string{"http://127.0.0.1:1/base", "http://127.0.0.1:1/stopped", "http://127.0.0.1:1/beside", "http://127.0.0.1:1/after"} {
		if !got[u] {
			t.Errorf("subscription to %s lost; stored: %v", u, got)
		}
	}
}
