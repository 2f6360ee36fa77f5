//go:build unix

package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
)

// TestTriggerReaderGoneStopsCleanly: `hookctl trigger … --count N | head
// -1` — the reader took its line and left. The next write to the closed
// pipe ended trigger with SIGPIPE in the middle of its attempts: requests
// the receiver got were never recorded (README: every request your
// receiver got is an attempt in the log), the rest stayed leased. Now a
// closed stdout stops the run as Ctrl-C does: the attempts in flight are
// finished and recorded, the rest stays pending, stderr says so, and the
// exit status is 141, the one a shell shows for SIGPIPE.
func TestTriggerReaderGoneStopsCleanly(t *testing.T) {
	c := newCrashEnv(t)
	rec := newCountingReceiver(t, http.StatusOK, 20*time.Millisecond)
	cmd := c.cmd("hookctl", "trigger", "card.created", "--url", rec.URL+"/h", "--count", "2000",
		"--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncbuf.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.Contains(line, "--> card.created") {
		t.Fatalf("first line %q: %v\n%s", line, err, stderr.String())
	}
	// The reader leaves in the middle of the run: trigger writes its
	// first event alone, then the next ones in a batch, so once a second
	// request arrived the batch is in the store with most of it unsent.
	// Left at once, the reader was sometimes gone before that batch
	// (race-built beside two CPU hogs): the run stopped after its first
	// event, rightly, with nothing left pending to check.
	rec.waitRequests(t, 2)
	out.Close() // head -1 has its line
	err = cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode() // -1 when a signal (SIGPIPE) ended it
	} else if err != nil {
		t.Fatal(err)
	}
	if code != 141 {
		t.Fatalf("exit %d (%v), want 141\nstderr: %s", code, err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "hookctl: stdout is closed (its reader left): the run stopped as on Ctrl-C after ") {
		t.Errorf("stderr does not say why the run stopped:\n%s", stderr.String())
	}

	var ds []struct {
		Status       string `json:"status"`
		AttemptCount int    `json:"attempt_count"`
	}
	if err := json.Unmarshal(c.hookctl(0, "deliveries", "list", "--limit", "0", "-o", "json"), &ds); err != nil {
		t.Fatal(err)
	}
	attempts, pending := 0, 0
	for _, d := range ds {
		attempts += d.AttemptCount
		if d.Status == "pending" {
			pending++
		}
	}
	got, _ := rec.requests(time.Time{})
	if got != attempts {
		t.Errorf("the receiver got %d requests, the log has %d attempts: every request must be an attempt", got, attempts)
	}
	if len(ds) >= 2000 || pending == 0 {
		t.Errorf("%d deliveries, %d pending: want the run stopped early with the rest pending", len(ds), pending)
	}
}

// TestReplayReaderGoneStopsCleanly: `hookctl replay --failed --yes |
// head -1`, as trigger: the replay stops as on Ctrl-C (what it requeued
// and did not send goes back to failed), every request the receiver got
// is recorded, exit 141; SIGPIPE ended it mid-attempt.
func TestReplayReaderGoneStopsCleanly(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	down := newCountingReceiver(t, http.StatusInternalServerError, 0)
	c.hookctl(1, "trigger", "card.created", "--url", down.URL+"/h", "--count", "1000", "--no-retry",
		"--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	rec := newCountingReceiver(t, http.StatusOK, 20*time.Millisecond)
	cmd := c.cmd("hookctl", "replay", "--failed", "--yes", "--to", rec.URL+"/h")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncbuf.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.Contains(line, "<-- [200]") {
		t.Fatalf("first line %q: %v\n%s", line, err, stderr.String())
	}
	out.Close()
	err = cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code != 141 {
		t.Fatalf("exit %d (%v), want 141\nstderr: %s", code, err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "hookctl: stdout is closed (its reader left): the replay stopped as on Ctrl-C") {
		t.Errorf("stderr does not say why the replay stopped:\n%s", stderr.String())
	}
	var ds []struct {
		Status       string `json:"status"`
		AttemptCount int    `json:"attempt_count"`
	}
	if err := json.Unmarshal(c.hookctl(0, "deliveries", "list", "--limit", "0", "-o", "json"), &ds); err != nil {
		t.Fatal(err)
	}
	replayAttempts, failed := 0, 0
	for _, d := range ds {
		replayAttempts += d.AttemptCount - 1 // the trigger's one attempt each
		if d.Status == "failed" {
			failed++
		}
		if d.Status == "pending" {
			t.Errorf("a delivery left pending: the replay's unsent ones go back to failed")
		}
	}
	got, _ := rec.requests(time.Time{})
	if got != replayAttempts {
		t.Errorf("the receiver got %d requests, the log has %d replay attempts: every request must be an attempt", got, replayAttempts)
	}
	if failed == 0 {
		t.Errorf("no delivery left failed: want the replay stopped early")
	}
}
