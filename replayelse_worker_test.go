//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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

// replay's human output reports every attempt of the deliveries it
// replays, whoever made them, and none from before the replay. A
// trigger fails a delivery (attempt 1); the replay makes attempt 2 (a
// 500) and is stopped (SIGSTOP) before its retry is due; a hookctl
// worker sharing the store makes attempts 3 (a 500) and 4 (succeeded);
// the replay, continued, sees its delivery final. Its lines (piped) said
// attempt 2/4 and the summary: attempts 3 and 4, which the store and -o
// json have, were missing.
func TestReplayelseReplayPrintsOtherWorkersAttemptsSQLite(t *testing.T) {
	t.Parallel()
	testReplayelseOtherWorker(t, newCrashEnv(t), false)
}

// The worker makes attempt 3 only, then stops; the replay, continued,
// makes attempt 4 itself: its line for attempt 4 is preceded by the
// worker's attempt 3 (read when attempt 4's number skipped it).
func TestReplayelseReplayPrintsAnAttemptBetweenItsOwn(t *testing.T) {
	t.Parallel()
	testReplayelseOtherWorker(t, newCrashEnv(t), true)
}

// TestReplayelseReplayPrintsOtherWorkersAttemptsPostgres is the same on
// PostgreSQL.
func TestReplayelseReplayPrintsOtherWorkersAttemptsPostgres(t *testing.T) {
	t.Parallel()
	testReplayelseOtherWorker(t, pgEnv(t, pgtest.URL(t)), false)
}

func testReplayelseOtherWorker(t *testing.T, c *crashEnv, between bool) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if k := n.Add(1); k <= 3 {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "boom %d", k)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	sub := trigoutSubscribe(t, c, srv.URL+"/hooks")
	c.hookctl(1, "trigger", "card.created", "--retry-schedule", "0s")
	var ds []struct {
		ID           string `json:"id"`
		Status       string `json:"status"`
		AttemptCount int    `json:"attempt_count"`
	}
	if err := json.Unmarshal(c.hookctl(0, "deliveries", "list", "-o", "json"), &ds); err != nil || len(ds) != 1 || ds[0].Status != "failed" {
		t.Fatalf("after the trigger: %+v %v", ds, err)
	}
	id := ds[0].ID

	// The retry is due 8 s after the replay's attempt: time enough to
	// stop the replay once its first line is out, on a loaded machine.
	sch := "0s,8s,100ms"
	if between {
		sch = "0s,8s,5s" // the worker stops before attempt 4 is due
	}
	rp := c.cmd("hookctl", "replay", id, "--retry-schedule", sch)
	var out, errb syncbuf.Buffer
	rp.Stdout, rp.Stderr = &out, &errb
	if err := rp.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- rp.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if stopped {
			rp.Process.Signal(syscall.SIGCONT)
		}
		rp.Process.Kill()
		<-done
	})
	trigoutWaitFor(t, 60*time.Second, "the replay's first attempt line", func() bool { return strings.Contains(out.String(), "attempt 2/4") })
	trigoutStopQuiet(t, c, rp.Process, sub)
	stopped = true

	w := c.cmd("hookctl", "worker")
	var wout, werr syncbuf.Buffer
	w.Stdout, w.Stderr = &wout, &werr
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	wdone := make(chan error, 1)
	go func() { wdone <- w.Wait() }()
	t.Cleanup(func() { w.Process.Kill(); <-wdone })
	if between {
		trigoutWaitFor(t, 60*time.Second, "the worker's attempt 3", func() bool { return strings.Contains(wout.String(), "attempt 3/4") })
	} else {
		// The fourth request, then its attempt recorded (the delivery final).
		trigoutWaitFor(t, 60*time.Second, "the worker's last attempt", func() bool {
			if n.Load() < 4 {
				return false
			}
			return json.Unmarshal(c.hookctl(0, "deliveries", "list", "-o", "json"), &ds) == nil && len(ds) == 1 && ds[0].Status != "pending"
		})
	}
	w.Process.Signal(syscall.SIGINT)
	select {
	case <-wdone:
		wdone <- nil
	case <-time.After(60 * time.Second):
		t.Fatalf("worker did not stop\n%s", werr.String())
	}

	if between && strings.Contains(wout.String(), "attempt 4/4") {
		t.Skip("the worker made attempt 4 too (a loaded machine): the other test covers that")
	}
	rp.Process.Signal(syscall.SIGCONT)
	stopped = false
	var err error
	select {
	case err = <-done:
		done <- err
	case <-time.After(60 * time.Second):
		t.Fatalf("replay did not end\nstdout: %s\nstderr: %s", out.String(), errb.String())
	}
	if ee, ok := err.(*exec.ExitError); ok {
		t.Fatalf("replay exit %d, want 0\nstdout: %s\nstderr: %s", ee.ExitCode(), out.String(), errb.String())
	} else if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	at := 0
	for _, re := range []string{
		`<-- \[500\] POST http://127\.0\.0\.1:\d+/hooks \([^)]+\) attempt 2/4 retry in [^:]+: HTTP 500 Internal Server Error: boom 2  card\.created \[`,
		`<-- \[500\] POST http://127\.0\.0\.1:\d+/hooks \([^)]+\) attempt 3/4 retry in [^:]+: HTTP 500 Internal Server Error: boom 3  card\.created \[`,
		`<-- \[200\] POST http://127\.0\.0\.1:\d+/hooks \([^)]+\) attempt 4/4 succeeded  card\.created \[`,
		`\nreplayed 1 delivery: 1 succeeded, 0 failed, 0 pending`,
	} {
		loc := regexp.MustCompile(re).FindStringIndex(got[at:])
		if loc == nil {
			t.Fatalf("replay's output has no %s after offset %d (in order):\n%s\nstderr: %s", re, at, got, errb.String())
		}
		at += loc[1]
	}
	// Each attempt of the replay's run once; attempt 1 (the trigger's,
	// before the replay) is not the replay's.
	if strings.Count(got, "attempt ") != 3 || strings.Contains(got, "attempt 1/") {
		t.Errorf("want each of the replay's 3 attempts once, not the trigger's:\n%s", got)
	}
	if err := json.Unmarshal(c.hookctl(0, "deliveries", "list", "-o", "json"), &ds); err != nil || len(ds) != 1 || ds[0].AttemptCount != 4 {
		t.Fatalf("store: %+v %v", ds, err)
	}
}
