package main

import (
	"bytes"
	"database/sql"
	"errors"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestFlakehunt2InterruptedReplayStoreSlowPutsBack: Ctrl-C stops a replay
// of delivery IDs while its store is slow to answer (here another process
// holds SQLite's write lock for 8 s; under load a race-built replay's
// statements took as long). What it requeued and did not send is still
// put back as before the replay once the store answers. The engine gave
// that put-back a fixed 5 s and dropped it silently when the store took
// longer: every unsent delivery stayed pending, leased to the dead replay
// and due for any worker after the Ctrl-C that meant "stop" (seen once as
// "555 deliveries left pending" in TestInterruptedReplayOfIDs, race-built
// at load ~40), and the replay did not say so.
func TestFlakehunt2InterruptedReplayStoreSlowPutsBack(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	const n = 60
	// The first request is answered, the others held until the put-back
	// is done: the replay is surely mid-run when interrupted, and sends
	// nothing more before it sees the interrupt.
	app := newCountingReceiver(t, http.StatusOK, 0, holdAfter(1))
	app.fail.Store(true)
	c.hookctl(1, "trigger", "card.created", "--count", strconv.Itoa(n), "--url", app.URL+"/h", "--no-retry")
	app.fail.Store(false)
	before := c.deliveryStates()
	// The held requests wait for the receiver, not for their timeout.
	args := []string{"replay", "--no-retry", "--concurrency", "4", "--timeout", "2m"}
	for id, d := range before {
		if d.Status != "failed" {
			t.Fatalf("delivery %s %s before the replay, want failed", id, d.Status)
		}
		args = append(args, id)
	}

	rp := c.cmd("hookctl", args...)
	var out, errb bytes.Buffer
	rp.Stdout, rp.Stderr = &out, &errb
	if err := rp.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- rp.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if got, _ := app.requests(time.Time{}); got >= 2 {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("replay ended (%v) before sending 2 requests\n%s", err, errb.String())
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replay sent fewer than 2 requests in 60s\n%s", errb.String())
		}
	}
	// The store stops answering writes, then Ctrl-C: the put-back of the
	// unsent deliveries waits for the store, for longer than the 5 s the
	// engine gave it.
	unlock := flakehunt2HoldWriteLock(t, filepath.Join(c.dir, "hookctl.db"))
	rp.Process.Signal(syscall.SIGINT)
	time.Sleep(8 * time.Second) // how long the store is away (the fault, not a wait for an event)
	unlock()
	app.release() // the requests in flight end and are recorded
	var err error
	select {
	case err = <-exited:
	case <-time.After(90 * time.Second):
		rp.Process.Kill()
		t.Fatalf("the interrupted replay still runs 90 s after the store answered again\n%s", errb.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("interrupted replay: %v, want exit 130\n%s", err, errb.String())
	}
	stderr := errb.String()

	var again, notSent, wrong int
	for id, d := range c.deliveryStates() {
		b := before[id]
		switch {
		case d.AttemptCount == b.AttemptCount+1 && d.Status == "succeeded":
			again++
		case d.AttemptCount == b.AttemptCount && d.Status == b.Status && d.MaxAttempts == b.MaxAttempts && d.RunID == b.RunID:
			notSent++
		default:
			if wrong++; wrong <= 3 {
				t.Errorf("delivery %s is %+v after the interrupted replay, want sent once more and succeeded, or as before %+v", id, d, b)
			}
		}
	}
	if wrong > 0 {
		t.Errorf("%d of %d deliveries neither sent once more nor as before the replay", wrong, n)
	}
	if sent, _ := app.requests(time.Time{}); again != sent || notSent == 0 {
		t.Errorf("%d deliveries sent again (the receiver got %d), %d as before; want every request recorded and some not sent\n%s", again, sent, notSent, stderr)
	}
	if !regexp.MustCompile(`\n` + strconv.Itoa(notSent) + ` deliveries not sent: they are as before the replay`).MatchString("\n" + stderr) {
		t.Errorf("stderr does not say the %d deliveries not sent are as before:\n%s", notSent, stderr)
	}
}

// flakehunt2HoldWriteLock is sigflakeHoldWriteLock trying again while the
// store is busy (the replay's own writes: under load one can hold the
// lock when the test asks for it) instead of failing at once.
func flakehunt2HoldWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		tx, err := db.Begin()
		if err == nil {
			if _, err = tx.Exec(`CREATE TABLE lock_holder (x)`); err == nil {
				done := false
				release = func() {
					if !done {
						done = true
						tx.Rollback()
					}
				}
				t.Cleanup(release)
				return release
			}
			tx.Rollback()
		}
		if time.Now().After(deadline) {
			t.Fatalf("could not take the store's write lock in 60s: %v", err)
		}
	}
}
