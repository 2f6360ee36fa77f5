//go:build unix

package main

import (
	"database/sql"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// migwaitOldStore makes the env's store a store of schema 10 holding n
// deliveries, whose next open rebuilds its delivery table (schema 11).
func migwaitOldStore(t *testing.T, c *crashEnv, n int) string {
	t.Helper()
	c.hookctl(0, "store", "migrate")
	db := filepath.Join(c.dir, "hookctl.db")
	raw, err := sql.Open("sqlite", "file:"+db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{
		`INSERT INTO events (id, type, payload, created_at) VALUES ('evt_1', 'card.created', '{}', 1)`,
		fmt.Sprintf(`WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < %d)
			INSERT INTO deliveries (id, event_id, event_seq, url, status, created_at, updated_at)
			SELECT 'd' || i, 'evt_1', 1, 'http://x', 'succeeded', i, i FROM k`, n),
		`PRAGMA user_version = 10`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%.80s: %v", q, err)
		}
	}
	return db
}

// migwaitPoll polls cond every 20 ms for up to d.
func migwaitPoll(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// migwaitUpgrading starts `hookctl store migrate` on the env's old store
// and stops it (SIGSTOP) in the middle of its upgrade, holding the store's
// write lock for as long as the test wants; resume continues it and
// returns its error.
func migwaitUpgrading(t *testing.T, c *crashEnv) (pid int, resume func() error) {
	t.Helper()
	var errb lockedBuffer
	m := c.cmd("hookctl", "store", "migrate")
	m.Stderr = &errb
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Wait() }()
	resumed := false
	t.Cleanup(func() {
		if !resumed {
			m.Process.Signal(syscall.SIGCONT)
			m.Process.Kill()
			<-done
		}
	})
	if !migwaitPoll(60*time.Second, func() bool { return strings.Contains(errb.String(), "hookctl: upgrading store") }) {
		t.Fatalf("the migration did not start: %q", errb.String())
	}
	if err := m.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	return m.Process.Pid, func() error {
		resumed = true
		m.Process.Signal(syscall.SIGCONT)
		select {
		case err := <-done:
			if err != nil {
				return fmt.Errorf("%v: %s", err, errb.String())
			}
			if !strings.Contains(errb.String(), "hookctl: store upgraded to schema 16") {
				return fmt.Errorf("the migration did not say it ended: %q", errb.String())
			}
			return nil
		case <-time.After(5 * time.Minute):
			m.Process.Kill()
			return errors.New("the migration did not end within 5 minutes")
		}
	}
}

// TestMigwaitCommandWaitsForUpgrade: a command started while another
// hookctl upgrades the store (here the rebuild of schema 11, held for
// longer than SQLite's 10 s busy timeout) waited out the busy timeout and
// failed (exit 3, "locked by another process", with a hint naming store
// prune and sqlite3 shells). Now it says once that the store is being
// upgraded by that process, waits for the upgrade past the busy timeout,
// and then runs on the upgraded store: every delivery is listed, and a
// worker started meanwhile runs on and stops cleanly.
func TestMigwaitCommandWaitsForUpgrade(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("holds an upgrade for 12 s")
	}
	c := newCrashEnv(t)
	const n = 60000
	migwaitOldStore(t, c, n)
	pid, resume := migwaitUpgrading(t, c)

	var out, errb lockedBuffer
	l := c.cmd("hookctl", "deliveries", "list", "--limit", "0", "-o", "json")
	l.Stdout, l.Stderr = &out, &errb
	start := time.Now()
	if err := l.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Wait() }()
	defer func() {
		l.Process.Kill()
		<-done
	}()
	// A worker started meanwhile waits too, and then runs.
	var werr lockedBuffer
	wk := c.cmd("hookctl", "worker")
	wk.Stderr = &werr
	if err := wk.Start(); err != nil {
		t.Fatal(err)
	}
	wdone := make(chan error, 1)
	go func() { wdone <- wk.Wait() }()
	defer func() {
		wk.Process.Kill()
		<-wdone
	}()
	want := fmt.Sprintf("is being upgraded by another hookctl (PID %d)", pid)
	exited := func() bool {
		select {
		case err := <-done:
			done <- err
			return true
		default:
			return false
		}
	}
	if !migwaitPoll(60*time.Second, func() bool { return strings.Contains(errb.String(), want) || exited() }) || !strings.Contains(errb.String(), want) {
		t.Fatalf("deliveries list started during an upgrade: stderr %q, want it to say %q", errb.String(), want)
	}
	// Past SQLite's busy timeout (10 s) it still waits.
	if migwaitPoll(time.Until(start.Add(12*time.Second)), exited) {
		t.Fatalf("deliveries list ended while the upgrade held the store: %v\nstderr: %s", <-done, errb.String())
	}
	if err := resume(); err != nil {
		t.Fatalf("store migrate: %v", err)
	}
	var err error
	select {
	case err = <-done:
		done <- err
	case <-time.After(2 * time.Minute):
		t.Fatal("deliveries list did not end within 2 minutes of the upgrade")
	}
	if err != nil {
		t.Fatalf("deliveries list: %v\nstderr: %s", err, errb.String())
	}
	if k := strings.Count(errb.String(), "being upgraded"); k != 1 {
		t.Errorf("stderr says the upgrade %d times, want once: %q", k, errb.String())
	}
	if k := strings.Count(out.String(), `"id"`); k < n {
		t.Errorf("%d deliveries listed after the upgrade, want %d", k, n)
	}
	if !migwaitPoll(60*time.Second, func() bool { return strings.Contains(werr.String(), "ended after") }) {
		t.Fatalf("worker stderr %q does not say it waited for the upgrade and went on", werr.String())
	}
	wk.Process.Signal(syscall.SIGINT)
	select {
	case err := <-wdone:
		wdone <- err
		if err != nil || strings.Count(werr.String(), "being upgraded") != 1 || strings.Contains(werr.String(), "error") {
			t.Errorf("worker: %v, stderr %q; want exit 0 having said the upgrade once", err, werr.String())
		}
	case <-time.After(time.Minute):
		t.Errorf("worker did not stop on SIGINT: %q", werr.String())
	}
}

// TestMigwaitInterruptedWait: ^C while a command waits for another
// process's upgrade ends it at once with a clear message; the upgrade
// goes on and loses nothing.
func TestMigwaitInterruptedWait(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	const n = 60000
	migwaitOldStore(t, c, n)
	pid, resume := migwaitUpgrading(t, c)

	var out, errb lockedBuffer
	l := c.cmd("hookctl", "subscriptions", "list")
	l.Stdout, l.Stderr = &out, &errb
	if err := l.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Wait() }()
	defer func() {
		l.Process.Kill()
		<-done
	}()
	want := fmt.Sprintf("is being upgraded by another hookctl (PID %d)", pid)
	if !migwaitPoll(60*time.Second, func() bool { return strings.Contains(errb.String(), want) }) {
		t.Fatalf("stderr %q, want it to say %q", errb.String(), want)
	}
	l.Process.Signal(syscall.SIGINT)
	var err error
	select {
	case err = <-done:
		done <- err
	case <-time.After(5 * time.Second): // well under the busy timeout
		t.Fatalf("subscriptions list did not stop on SIGINT while waiting\nstderr: %s", errb.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Errorf("subscriptions list interrupted: %v, want exit 130", err)
	}
	if !strings.HasSuffix(errb.String(), "hookctl: error: interrupted\n") {
		t.Errorf("stderr %q does not end saying it was interrupted", errb.String())
	}
	if err := resume(); err != nil {
		t.Fatalf("store migrate: %v", err)
	}
	if k := strings.Count(string(c.hookctl(0, "deliveries", "list", "--limit", "0", "-o", "json")), `"id"`); k < n {
		t.Errorf("%d deliveries listed after the upgrade, want %d", k, n)
	}
}
