//go:build unix

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
)

// trigger's human output reports every attempt of the deliveries it
// created, whoever made them. The trigger makes the first attempt (a 500)
// and is stopped (SIGSTOP) before its retry is due; a hookctl worker
// sharing the store makes the retries; the trigger, continued, sees its
// delivery final. Its lines (piped) said attempt 1/3 and the summary:
// attempts 2 and 3, which the store and -o json have, were missing.
func TestTrigoutTriggerPrintsOtherWorkersAttemptsSQLite(t *testing.T) {
	t.Parallel()
	t.Run("succeeds", func(t *testing.T) { testTrigoutOtherWorker(t, newCrashEnv(t), true, "worker") })
	t.Run("fails", func(t *testing.T) { testTrigoutOtherWorker(t, newCrashEnv(t), false, "worker") })
	// The inspector's in-process worker likewise.
	t.Run("ui", func(t *testing.T) {
		testTrigoutOtherWorker(t, newCrashEnv(t), true, "ui", "--no-open", "--addr", "127.0.0.1:0")
	})
}

// The worker makes attempt 2 only, then stops; the trigger, continued,
// makes attempt 3 itself: its line for attempt 3 is preceded by the
// worker's attempt 2 (read when attempt 3's number skipped it).
func TestTrigoutTriggerPrintsAnAttemptBetweenItsOwn(t *testing.T) {
	t.Parallel()
	testTrigoutAttemptBetween(t, newCrashEnv(t))
}

// TestTrigoutTriggerPrintsAnAttemptBetweenItsOwnPostgres is the same on
// PostgreSQL.
func TestTrigoutTriggerPrintsAnAttemptBetweenItsOwnPostgres(t *testing.T) {
	t.Parallel()
	testTrigoutAttemptBetween(t, pgEnv(t, pgtest.URL(t)))
}

func testTrigoutAttemptBetween(t *testing.T, c *crashEnv) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if k := n.Add(1); k <= 2 {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "boom %d", k)
		}
	}))
	t.Cleanup(srv.Close)
	sub := trigoutSubscribe(t, c, srv.URL+"/hooks")
	tr := c.cmd("hookctl", "trigger", "card.created", "--retry-schedule", "0s,8s,5s")
	var out, errb syncbuf.Buffer
	tr.Stdout, tr.Stderr = &out, &errb
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- tr.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if stopped {
			tr.Process.Signal(syscall.SIGCONT)
		}
		tr.Process.Kill()
		<-done
	})
	trigoutWaitFor(t, 60*time.Second, "trigger's first attempt line", func() bool { return strings.Contains(out.String(), "attempt 1/3") })
	trigoutStopQuiet(t, c, tr.Process, sub)
	stopped = true
	w := c.cmd("hookctl", "worker")
	var wout syncbuf.Buffer
	w.Stdout = &wout
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	wdone := make(chan error, 1)
	go func() { wdone <- w.Wait() }()
	t.Cleanup(func() { w.Process.Kill(); <-wdone })
	trigoutWaitFor(t, 60*time.Second, "the worker's attempt 2", func() bool { return strings.Contains(wout.String(), "attempt 2/3") })
	w.Process.Signal(syscall.SIGINT)
	select {
	case err := <-wdone:
		wdone <- err
	case <-time.After(60 * time.Second):
		t.Fatal("worker did not stop")
	}
	if strings.Contains(wout.String(), "attempt 3/3") {
		t.Skip("the worker made attempt 3 too (a loaded machine): the other test covers that")
	}
	tr.Process.Signal(syscall.SIGCONT)
	stopped = false
	var err error
	select {
	case err = <-done:
		done <- err
	case <-time.After(60 * time.Second):
		t.Fatalf("trigger did not end\nstdout: %s", out.String())
	}
	got := out.String()
	at := 0
	for _, re := range []string{
		`attempt 1/3 retry in [^:]+: HTTP 500 Internal Server Error: boom 1  card\.created \[`,
		`attempt 2/3 retry in [^:]+: HTTP 500 Internal Server Error: boom 2  card\.created \[`,
		`<-- \[200\] POST http://127\.0\.0\.1:\d+/hooks \([^)]+\) attempt 3/3 succeeded  card\.created \[`,
		`\n1 delivery: 1 succeeded, 0 failed, 0 pending`,
	} {
		loc := regexp.MustCompile(re).FindStringIndex(got[at:])
		if loc == nil {
			t.Fatalf("trigger's output has no %s after offset %d (in order):\n%s\nstderr: %s", re, at, got, errb.String())
		}
		at += loc[1]
	}
	if err != nil || strings.Count(got, "attempt ") != 3 {
		t.Errorf("exit %v; want 0 and each attempt once:\n%s", err, got)
	}
}

// TestTrigoutTriggerPrintsOtherWorkersAttemptsPostgres is the same on
// PostgreSQL.
func TestTrigoutTriggerPrintsOtherWorkersAttemptsPostgres(t *testing.T) {
	t.Parallel()
	testTrigoutOtherWorker(t, pgEnv(t, pgtest.URL(t)), true, "worker")
}

func testTrigoutOtherWorker(t *testing.T, c *crashEnv, succeed bool, worker ...string) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		k := n.Add(1)
		if k <= 2 || !succeed {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "boom %d", k)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	sub := trigoutSubscribe(t, c, srv.URL+"/hooks")

	// The retry is due 8 s after the first attempt: time enough to stop
	// the trigger once its first line is out, on a loaded machine.
	tr := c.cmd("hookctl", "trigger", "card.created", "--retry-schedule", "0s,8s,100ms")
	var out, errb syncbuf.Buffer
	tr.Stdout, tr.Stderr = &out, &errb
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- tr.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if stopped {
			tr.Process.Signal(syscall.SIGCONT)
		}
		tr.Process.Kill()
		<-done
	})
	trigoutWaitFor(t, 60*time.Second, "trigger's first attempt line", func() bool { return strings.Contains(out.String(), "attempt 1/3") })
	trigoutStopQuiet(t, c, tr.Process, sub)
	stopped = true

	w := c.cmd("hookctl", worker...)
	var wout, werr syncbuf.Buffer
	w.Stdout, w.Stderr = &wout, &werr
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	wdone := make(chan error, 1)
	go func() { wdone <- w.Wait() }()
	t.Cleanup(func() { w.Process.Kill(); <-wdone })
	// The third request, then its attempt recorded (the delivery final).
	trigoutWaitFor(t, 60*time.Second, "the worker's last attempt", func() bool {
		if n.Load() < 3 {
			return false
		}
		var ds []struct {
			Status string `json:"status"`
		}
		return json.Unmarshal(c.hookctl(0, "deliveries", "list", "-o", "json"), &ds) == nil && len(ds) == 1 && ds[0].Status != "pending"
	})
	w.Process.Signal(syscall.SIGINT)
	select {
	case <-wdone:
		wdone <- nil
	case <-time.After(60 * time.Second):
		t.Fatalf("worker did not stop\n%s", werr.String())
	}

	tr.Process.Signal(syscall.SIGCONT)
	stopped = false
	var err error
	select {
	case err = <-done:
		done <- err
	case <-time.After(60 * time.Second):
		t.Fatalf("trigger did not end\nstdout: %s\nstderr: %s", out.String(), errb.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	want := []string{
		`<-- \[500\] POST http://127\.0\.0\.1:\d+/hooks \([^)]+\) attempt 1/3 retry in [^:]+: HTTP 500 Internal Server Error: boom 1  card\.created \[`,
		`<-- \[500\] POST http://127\.0\.0\.1:\d+/hooks \([^)]+\) attempt 2/3 retry in [^:]+: HTTP 500 Internal Server Error: boom 2  card\.created \[`,
	}
	wantCode := 0
	if succeed {
		want = append(want, `<-- \[200\] POST http://127\.0\.0\.1:\d+/hooks \([^)]+\) attempt 3/3 succeeded  card\.created \[`,
			`\n1 delivery: 1 succeeded, 0 failed, 0 pending`)
	} else {
		want = append(want, `<-- \[500\] POST http://127\.0\.0\.1:\d+/hooks \([^)]+\) attempt 3/3 failed: HTTP 500 Internal Server Error: boom 3  card\.created \[`,
			`\n1 delivery: 0 succeeded, 1 failed, 0 pending`)
		wantCode = 1
	}
	at := 0
	for _, re := range want {
		loc := regexp.MustCompile(re).FindStringIndex(got[at:])
		if loc == nil {
			t.Fatalf("trigger's output has no %s after offset %d (in order):\n%s\nstderr: %s", re, at, got, errb.String())
		}
		at += loc[1]
	}
	if code != wantCode {
		t.Fatalf("trigger exit %d, want %d\nstdout: %s\nstderr: %s", code, wantCode, got, errb.String())
	}
	if strings.Count(got, "attempt ") != 3 {
		t.Errorf("want each of the 3 attempts once:\n%s", got)
	}
	// The same attempts as the store has.
	var ds []struct {
		Status       string `json:"status"`
		AttemptCount int    `json:"attempt_count"`
	}
	if err := json.Unmarshal(c.hookctl(0, "deliveries", "list", "-o", "json"), &ds); err != nil || len(ds) != 1 || ds[0].AttemptCount != 3 {
		t.Fatalf("store: %+v %v", ds, err)
	}
}

func trigoutSubscribe(t *testing.T, c *crashEnv, url string) string {
	t.Helper()
	var s struct {
		ID string `json:"webhook_id"`
	}
	if err := json.Unmarshal(c.hookctl(0, "subscribe", "--url", url, "--events", "card.created", "-o", "json"), &s); err != nil {
		t.Fatal(err)
	}
	return s.ID
}

// trigoutStopQuiet stops p (SIGSTOP) where it holds no write lock of
// the store: stopped inside a transaction (a claim, a lease renewal), a
// SQLite store's writers would wait for it for ever. A write of the
// subscription's description must go through while p is stopped, else p
// is continued a moment and stopped again.
func trigoutStopQuiet(t *testing.T, c *crashEnv, p *os.Process, sub string) {
	t.Helper()
	for i := 0; i < 50; i++ {
		if err := p.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		probe := exec.CommandContext(ctx, "hookctl", "subscriptions", "update", sub, "--description", fmt.Sprintf("probe %d", i))
		probe.Env, probe.Dir = c.env, c.dir
		err := probe.Run()
		cancel()
		if err == nil {
			return
		}
		p.Signal(syscall.SIGCONT)
		time.Sleep(time.Duration(10+i) * time.Millisecond)
	}
	t.Fatal("the trigger held the store's write lock each time it was stopped")
}

func trigoutWaitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
