package main

import (
	"encoding/json"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/testutil/syncbuf"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// A worker's exit summary tells what became of the deliveries it handled,
// including what other processes did meanwhile. Worker 1 makes the first
// attempt of 20 deliveries (all fail, a retry is due in 2 s) and idles;
// one subscription is disabled; worker 2 sends the retries of the other's
// 10 (they succeed) and fails the disabled one's 10 without a request.
// Worker 1 said "20 to retry" for deliveries worker 2 had finished, and
// worker 2 counted its 10 unsent failures as attempts ("20 attempts").
func TestWorkerSummaryCountsOtherWorkersSQLite(t *testing.T) {
	t.Parallel()
	testWorkerSummary(t, newCrashEnv(t))
}

// TestWorkerSummaryCountsOtherWorkersPostgres is the same on PostgreSQL.
func TestWorkerSummaryCountsOtherWorkersPostgres(t *testing.T) {
	t.Parallel()
	testWorkerSummary(t, pgEnv(t, pgtest.URL(t)))
}

func testWorkerSummary(t *testing.T, c *crashEnv) {
	app := newCountingReceiver(t, http.StatusOK, 0)
	app.fail.Store(true)
	c.hookctl(0, "subscribe", "--url", app.URL+"/a", "--events", "card.*")
	c.hookctl(0, "subscribe", "--url", app.URL+"/b", "--events", "card.*")
	var subs []struct {
		ID  string `json:"webhook_id"`
		URL string `json:"callback_url"`
	}
	if err := json.Unmarshal(c.hookctl(0, "subscriptions", "list", "-o", "json"), &subs); err != nil {
		t.Fatal(err)
	}
	// The first attempts are due in 200 ms: the trigger leaves them all.
	tr := c.cmd("hookctl", "trigger", "card.created", "--count", "10", "--retry-schedule", "200ms,2s,1h", "--wait", "1ms")
	if out, err := tr.CombinedOutput(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok { // (exit 1: left pending)
			t.Fatalf("trigger: %v\n%s", err, out)
		}
	}
	time.Sleep(300 * time.Millisecond)

	start := func(args ...string) (*syncbuf.Buffer, func() string) {
		w := c.cmd("hookctl", append([]string{"worker"}, args...)...)
		out, errb := &syncbuf.Buffer{}, &syncbuf.Buffer{}
		w.Stdout, w.Stderr = out, errb
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		stop := func() string {
			w.Process.Signal(syscall.SIGINT)
			if err := w.Wait(); err != nil {
				t.Errorf("worker: %v\n%s", err, errb.String())
			}
			return errb.String()
		}
		t.Cleanup(func() { w.Process.Kill() })
		return out, stop
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// Worker 1 polls once an hour: after the first attempts it idles.
	out1, stop1 := start("--poll", "1h", "-o", "json")
	waitFor("worker 1's first attempts", func() bool { return strings.Count(out1.String(), "\n") == 20 })

	app.fail.Store(false)
	for _, s := range subs {
		if strings.HasSuffix(s.URL, "/b") {
			c.hookctl(0, "subscriptions", "disable", s.ID)
		}
	}
	_, stop2 := start("--poll", "20ms")
	waitFor("worker 2 to finish them", func() bool {
		n := 0
		for _, d := range c.deliveryStates() {
			if d.Status != "pending" {
				n++
			}
		}
		return n == 20
	})
	if sum := stop2(); !strings.Contains(sum, ": 10 attempts; deliveries: 10 succeeded, 10 failed (10 of them not sent), 0 to retry\n") {
		t.Errorf("worker 2's summary:\n%s", sum)
	}
	if sum := stop1(); !strings.Contains(sum, ": 20 attempts; deliveries: 0 succeeded, 0 failed, 0 to retry, 20 finished by another process\n") {
		t.Errorf("worker 1's summary:\n%s", sum)
	}
}
