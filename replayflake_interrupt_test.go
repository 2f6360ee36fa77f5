//go:build !windows

package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// Ctrl-C while a replay of delivery IDs has requests at the receiver: the
// requests whose bytes left hookctl before the signal are finished and
// recorded (an attempt each, the delivery succeeded), and only the
// deliveries never sent are put back as before the replay. The receiver
// holds every replayed request until the replay has answered the signal
// (what it did not send is back as before in the store), so the window
// between a send and its record that
// TestInterruptedReplayOfIDsLeavesUnsentAsBeforeSQLite hits only by
// chance is open on every run.
func TestReplayflakeInterruptWithRequestsAtReceiverSQLite(t *testing.T) {
	t.Parallel()
	testReplayflakeInterruptHeld(t, newCrashEnv(t))
}

// TestReplayflakeInterruptWithRequestsAtReceiverPostgres is the same on
// PostgreSQL.
func TestReplayflakeInterruptWithRequestsAtReceiverPostgres(t *testing.T) {
	t.Parallel()
	testReplayflakeInterruptHeld(t, pgEnv(t, pgtest.URL(t)))
}

func testReplayflakeInterruptHeld(t *testing.T, c *crashEnv) {
	const failed, succeeded, conc = 60, 30, 8
	// The trigger's successes pass; every request after them (the
	// replay's) is held until release.
	app := newCountingReceiver(t, http.StatusOK, 0, holdAfter(succeeded))
	app.fail.Store(true)
	c.hookctl(1, "trigger", "card.created", "--count", strconv.Itoa(failed), "--url", app.URL+"/h", "--no-retry")
	app.fail.Store(false)
	c.hookctl(0, "trigger", "card.created", "--count", strconv.Itoa(succeeded), "--url", app.URL+"/h", "--no-retry")
	before := c.deliveryStates()
	args := []string{"replay", "--force", "--no-retry", "--concurrency", strconv.Itoa(conc), "--timeout", "120s", "-o", "json"}
	for id := range before {
		args = append(args, id)
	}
	rp := c.start(args...)
	app.waitRequests(t, succeeded+conc) // every worker's request is at the receiver
	if err := rp.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	// The replay answers the signal by putting back what it did not
	// send: then only the requests held here are still pending.
	deadline := time.Now().Add(60 * time.Second)
	for {
		pending := 0
		for _, d := range c.deliveries() {
			if d.Status == "pending" {
				pending++
			}
		}
		if pending <= conc {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("%d deliveries still pending 60 s after Ctrl-C, want the %d in flight", pending, conc)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	app.release()
	err := rp.wait(t, 120*time.Second)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("interrupted replay: %v, want exit 130\n%s", err, rp.stderr.String())
	}
	got, _ := app.requests(time.Time{})
	if got != succeeded+conc {
		t.Errorf("the receiver got %d requests, want %d (the trigger's %d and the %d in flight at Ctrl-C)", got, succeeded+conc, succeeded, conc)
	}
	after := c.deliveryStates()
	var again, asBefore int
	for id, d := range after {
		b := before[id]
		switch {
		case d.AttemptCount == b.AttemptCount+1 && d.Status == "succeeded":
			again++
		case d.AttemptCount == b.AttemptCount && d.Status == b.Status && d.MaxAttempts == b.MaxAttempts && d.RunID == b.RunID:
			asBefore++
		default:
			t.Errorf("delivery %s is %+v, was %+v: neither sent once more and succeeded nor as before", id, d, b)
		}
	}
	if again != got-succeeded || asBefore != len(before)-again {
		t.Errorf("%d deliveries recorded as sent again (the receiver got %d replayed requests), %d as before; bodies received n times: %v",
			again, got-succeeded, asBefore, app.histogram())
	}
	var doc struct {
		Interrupted bool `json:"interrupted"`
		NotSent     int  `json:"not_sent"`
		Replayed    int  `json:"replayed"`
	}
	if err := json.Unmarshal(rp.stdout.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, rp.stdout.String())
	}
	if !doc.Interrupted || doc.NotSent != len(before)-conc || doc.Replayed != conc {
		t.Errorf("JSON %+v, want interrupted, not_sent %d, replayed %d\n%s", doc, len(before)-conc, conc, rp.stderr.String())
	}
}
