//go:build !windows

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// holdingReceiver answers each request only once release is called, so a
// test can act while an attempt is in flight; got receives a value per
// request (dropped when nobody reads), requests counts them. release is
// idempotent and runs at the test's end too.
type holdingReceiver struct {
	URL      string
	got      chan struct{}
	requests atomic.Int64
	release  func()
}

func newHoldingReceiver(t *testing.T) *holdingReceiver {
	t.Helper()
	h := &holdingReceiver{got: make(chan struct{}, 4)}
	held := make(chan struct{})
	var once sync.Once
	h.release = func() { once.Do(func() { close(held) }) }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.requests.Add(1)
		select {
		case h.got <- struct{}{}:
		default:
		}
		<-held
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(h.release) // runs before srv.Close: handlers return first
	h.URL = srv.URL
	return h
}

// SIGHUP (a closed terminal, a dropped SSH session) stops a worker as
// Ctrl-C does: the attempt in flight is finished and recorded, the worker
// exits 0. It killed the worker at once (exit 129): the receiver had the
// request, the log had no attempt, and the delivery was sent again after
// the lease expired.
func TestWorkerSIGHUPFinishesInFlight(t *testing.T) {
	t.Parallel()
	srv := newHoldingReceiver(t)
	got, release := srv.got, srv.release
	e := newPTYEnv(t)
	// Due in 1s, left pending for the worker.
	e.plain("trigger", "card.created", "--url", srv.URL+"/h", "--retry-schedule", "1s", "--wait", "1ms")

	w := e.command(nil, "worker", "--timeout", "60s")
	var stderr bytes.Buffer
	w.Stderr = &stderr
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- w.Wait() }()
	select {
	case <-got:
	case err := <-exited:
		t.Fatalf("worker exited before delivering: %v\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		w.Process.Kill()
		<-exited // stderr written to the end
		t.Fatalf("the worker did not deliver:\n%s", stderr.String())
	}
	if err := w.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	release()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("worker after SIGHUP: %v, want exit 0\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		w.Process.Kill()
		<-exited // stderr written to the end
		t.Fatalf("the worker did not stop after SIGHUP:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "1 succeeded") {
		t.Errorf("no summary with the finished attempt:\n%s", stderr.String())
	}
	if out := e.plain("deliveries", "list", "--status", "succeeded"); !strings.Contains(out, "\tsucceeded\t1/1\t200\t") {
		t.Errorf("the attempt in flight is not recorded as succeeded:\n%s", out)
	}
}

// replay ID of a delivery a trigger is sending right now is refused: it
// took the delivery over and sent a second copy at the same time (the
// receiver got two, both attempts numbered 1 and the count said 2 of 2
// with 3 attempts listed).
func TestReplayRefusesADeliveryInFlight(t *testing.T) {
	srv := newHoldingReceiver(t)
	got, release, requests := srv.got, srv.release, &srv.requests
	e := newPTYEnv(t)
	tr := e.command(nil, "trigger", "card.created", "--url", srv.URL+"/h", "--no-retry", "--timeout", "60s")
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- tr.Wait() }()
	select {
	case <-got:
	case err := <-exited:
		t.Fatalf("trigger exited before sending: %v", err)
	case <-time.After(30 * time.Second):
		tr.Process.Kill()
		t.Fatal("trigger did not send")
	}
	var ds []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(e.plain("deliveries", "list", "-o", "json")), &ds); err != nil || len(ds) != 1 {
		t.Fatalf("deliveries list: %v %v", ds, err)
	}
	rp := e.command(nil, "replay", ds[0].ID)
	var stderr bytes.Buffer
	rp.Stderr = &stderr
	err := rp.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "is being sent by another process") {
		t.Errorf("replay of a delivery in flight: %v, want exit 1 and a refusal\n%s", err, stderr.String())
	}
	release()
	if err := <-exited; err != nil {
		t.Fatalf("trigger: %v", err)
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("the receiver got %d requests, want 1", n)
	}
	if out := e.plain("deliveries", "list"); !strings.Contains(out, "\tsucceeded\t1/1\t200\t") {
		t.Errorf("want one succeeded attempt:\n%s", out)
	}
}

// replay --pending takes over what a dead process held, not a delivery a
// live worker is sending right now: it took that one too and sent a
// second copy at the same time (the worker's attempt then ended "lease
// lost").
func TestReplayPendingLeavesLiveLeases(t *testing.T) {
	t.Parallel()
	srv := newHoldingReceiver(t)
	got, release, requests := srv.got, srv.release, &srv.requests
	e := newPTYEnv(t)
	e.plain("trigger", "card.created", "--url", srv.URL+"/h", "--retry-schedule", "1s", "--wait", "1ms")
	w := e.command(nil, "worker", "--timeout", "60s")
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- w.Wait() }()
	defer func() {
		w.Process.Signal(syscall.SIGINT)
		<-exited
	}()
	select {
	case <-got:
	case <-time.After(30 * time.Second):
		t.Fatal("the worker did not deliver")
	}
	rp := e.command(nil, "replay", "--pending", "--yes", "--timeout", "60s")
	var stderr bytes.Buffer
	rp.Stderr = &stderr
	if err := rp.Run(); err != nil {
		t.Fatalf("replay --pending: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "1 delivery left to the trigger, worker or replay sending it right now") {
		t.Errorf("replay does not say it left the delivery to the worker:\n%s", stderr.String())
	}
	release()
	if n := requests.Load(); n != 1 {
		t.Errorf("the receiver got %d requests, want 1", n)
	}
}

// A second Ctrl-C ends a run at once. The first one lets trigger finish
// the attempts in flight, which can take up to --timeout; the second was
// ignored, so nothing short of kill -9 stopped a run stuck on a slow
// receiver. What was in flight stays pending, for a worker.
func TestTriggerSecondInterruptStopsAtOnce(t *testing.T) {
	t.Parallel()
	srv := newHoldingReceiver(t)
	got := srv.got
	e := newPTYEnv(t)
	tr := e.command(nil, "trigger", "card.created", "--url", srv.URL+"/h", "--no-retry", "--timeout", "120s")
	if err := tr.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- tr.Wait() }()
	select {
	case <-got:
	case <-time.After(30 * time.Second):
		tr.Process.Kill()
		t.Fatal("trigger did not send")
	}
	tr.Process.Signal(syscall.SIGINT)
	select {
	case err := <-exited:
		t.Fatalf("trigger exited on the first interrupt, with a request in flight: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	// Again (and again, should a loaded machine fold two signals into
	// one before the first was seen).
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for stopped := false; !stopped; {
		tr.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
			stopped = true
		case <-tick.C:
		case <-deadline:
			tr.Process.Kill()
			<-exited
			t.Fatal("a second interrupt did not stop trigger")
		}
	}
	if out := e.plain("deliveries", "list", "--status", "pending"); !strings.Contains(out, "\tpending\t0/1\t") {
		t.Errorf("the delivery in flight is not left pending:\n%s", out)
	}
}

// Two `replay --failed` runs at once (two people on a team store, two CI
// jobs) send each failed delivery once. Each read the failed deliveries and
// then requeued them: the later requeue took over deliveries the other run
// had just leased and was sending, so the receiver got two copies and the
// first run's results were lost ("lease lost"). The requeue now skips what a
// live process holds, in its own statement.
func TestConcurrentReplaysSendEachOnceSQLite(t *testing.T) {
	t.Parallel()
	testConcurrentReplays(t, newCrashEnv(t))
}

// TestConcurrentReplaysSendEachOncePostgres is the same on PostgreSQL.
func TestConcurrentReplaysSendEachOncePostgres(t *testing.T) {
	t.Parallel()
	testConcurrentReplays(t, pgEnv(t, pgtest.URL(t)))
}

func testConcurrentReplays(t *testing.T, c *crashEnv) {
	const n = 300
	app := newCountingReceiver(t, http.StatusOK, 2*time.Millisecond) // both runs overlap
	app.fail.Store(true)
	c.hookctl(1, "trigger", "card.created", "--count", strconv.Itoa(n), "--url", app.URL+"/h", "--no-retry")
	app.fail.Store(false)

	var wg sync.WaitGroup
	outs := make([]bytes.Buffer, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			cmd := c.cmd("hookctl", "replay", "--failed", "--yes", "--no-retry")
			cmd.Stderr = &outs[i]
			errs[i] = cmd.Run()
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replay %d: %v\n%s", i, err, outs[i].String())

		}
	}
	if got, twice := app.counts(); got != n || twice > 0 {
		t.Errorf("the receiver got %d of %d events, %d of them more than once\n%s\n%s", got, n, twice, outs[0].String(), outs[1].String())
	}
	var ds []struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(c.hookctl(0, "deliveries", "list", "--limit", "1000", "-o", "json"), &ds); err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Status != "succeeded" {
			t.Fatalf("a delivery ended %s after both replays", d.Status)
		}
	}
}

// Ctrl-C stops a replay of failed deliveries: what it had requeued but not
// sent is failed again, as before the replay. It was left pending and due
// now (the summary said "'hookctl worker' finishes them"), so a worker
// running anywhere on the store sent it all after the Ctrl-C that meant
// "stop".
func TestInterruptedReplayLeavesUnsentFailedSQLite(t *testing.T) {
	t.Parallel()
	testInterruptedReplay(t, newCrashEnv(t))
}

// TestInterruptedReplayLeavesUnsentFailedPostgres is the same on
// PostgreSQL.
func TestInterruptedReplayLeavesUnsentFailedPostgres(t *testing.T) {
	t.Parallel()
	testInterruptedReplay(t, pgEnv(t, pgtest.URL(t)))
}

func testInterruptedReplay(t *testing.T, c *crashEnv) {
	const n = 1500
	app := newCountingReceiver(t, http.StatusOK, 20*time.Millisecond)
	app.fail.Store(true)
	sent := func() int { all, _ := app.requests(time.Time{}); return all }
	c.hookctl(1, "trigger", "card.created", "--count", strconv.Itoa(n), "--url", app.URL+"/h", "--no-retry")
	app.fail.Store(false)

	stdout, stderr := c.interruptReplay(app, 39, "--failed", "--yes", "--no-retry")
	counts := c.statusCounts()
	if counts["pending"] != 0 || counts["succeeded"] != sent() || counts["failed"] != n-sent() || counts["failed"] == 0 {
		t.Errorf("after Ctrl-C: %v with %d sent, want every unsent delivery failed and none pending\n%s", counts, sent(), stderr)
	}
	// (Some were never requeued: the replay stopped reading.)
	if !regexp.MustCompile(`\n\d+ deliveries not sent: they are failed as before`).MatchString("\n" + stderr) {
		t.Errorf("stderr does not say what was not sent:\n%s", stderr)
	}
	if !strings.Contains(stdout, fmt.Sprintf("replayed %d deliveries: %d succeeded", sent(), sent())) {
		t.Errorf("the summary counts what was not sent:\n%s", stdout)
	}
}

// TestKilledReplayLeavesNothingPendingPostgres: a `replay --failed` on
// PostgreSQL killed with SIGKILL mid-run (an OOM kill, a CI timeout)
// leaves no delivery pending for a worker to send after it: the bulk
// requeue leases failed deliveries in place (failed until their attempt
// is recorded), as an interrupted replay leaves them. Once its leases end
// the next replay sends the rest, each once beyond what the killed one
// had sent without recording.
func TestKilledReplayLeavesNothingPendingPostgres(t *testing.T) {
	slowFaultTest(t, "a replay of 1,500 killed on PostgreSQL (~7 s)")
	c := pgEnv(t, pgtest.URL(t))
	const n = 1500
	app := newCountingReceiver(t, http.StatusOK, 20*time.Millisecond)
	app.fail.Store(true)
	c.hookctl(1, "trigger", "card.created", "--count", strconv.Itoa(n), "--url", app.URL+"/h", "--no-retry")
	app.fail.Store(false)

	rp := c.cmd("hookctl", "replay", "--failed", "--yes", "--no-retry", "--concurrency", "16")
	if err := rp.Start(); err != nil {
		t.Fatal(err)
	}
	app.waitRequests(t, 40)
	rp.Process.Kill()
	rp.Wait()
	sentBefore, _ := app.requests(time.Time{})
	counts := c.statusCounts()
	if counts["pending"] != 0 || counts["failed"] == 0 || counts["succeeded"] > sentBefore {
		t.Fatalf("after kill -9: %v with %d sent, want none pending and the unsent failed", counts, sentBefore)
	}
	// Its leases end within delivery.HeartbeatLease; then all the rest.
	time.Sleep(delivery.HeartbeatLease + 200*time.Millisecond)
	c.hookctl(0, "replay", "--failed", "--yes", "--no-retry")
	// Sent but not recorded at the kill (in flight, or in the recorder's
	// batch) may be sent again; nothing else.
	if events, twice := app.counts(); events != n || twice > sentBefore-counts["succeeded"] {
		t.Errorf("the receiver got %d of %d events, %d more than once (%d were sent but not recorded at the kill)", events, n, twice, sentBefore-counts["succeeded"])
	}
	if out := string(c.hookctl(0, "deliveries", "list", "--status", "failed", "--limit", "0")); strings.TrimSpace(out) != "" {
		t.Errorf("failed deliveries left after the second replay:\n%s", out)
	}
}

// statusCounts counts the store's deliveries by status.
func (c *crashEnv) statusCounts() map[string]int {
	c.t.Helper()
	counts := map[string]int{}
	for _, d := range c.deliveries() {
		counts[d.Status]++
	}
	return counts
}

// Ctrl-C stops a replay of delivery IDs: what it had requeued but not
// sent is put back exactly as before the replay — a failed delivery
// failed, a succeeded one (replayed with --force) succeeded, each with
// its budget and run — instead of pending and due now for any worker to
// send after the Ctrl-C.
func TestInterruptedReplayOfIDsLeavesUnsentAsBeforeSQLite(t *testing.T) {
	t.Parallel()
	testInterruptedReplayOfIDs(t, newCrashEnv(t), false)
}

// TestInterruptedReplayOfIDsLeavesUnsentAsBeforePostgres is the same on
// PostgreSQL, with -o json.
func TestInterruptedReplayOfIDsLeavesUnsentAsBeforePostgres(t *testing.T) {
	t.Parallel()
	testInterruptedReplayOfIDs(t, pgEnv(t, pgtest.URL(t)), true)
}

// interruptReplay runs replay with args, interrupts it once the receiver
// has counted more than after requests, and returns its output; it must
// exit 130.
func (c *crashEnv) interruptReplay(app *countingReceiver, after int, args ...string) (stdout, stderr string) {
	c.t.Helper()
	rp := c.cmd("hookctl", append([]string{"replay"}, args...)...)
	var out, errb bytes.Buffer
	rp.Stdout, rp.Stderr = &out, &errb
	if err := rp.Start(); err != nil {
		c.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if n, _ := app.requests(time.Time{}); n > after {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	rp.Process.Signal(syscall.SIGINT)
	err := rp.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		c.t.Fatalf("interrupted replay: %v, want exit 130\n%s", err, errb.String())
	}
	return out.String(), errb.String()
}

func testInterruptedReplayOfIDs(t *testing.T, c *crashEnv, asJSON bool) {
	const failed, succeeded = 400, 200
	app := newCountingReceiver(t, http.StatusOK, 20*time.Millisecond)
	app.fail.Store(true)
	c.hookctl(1, "trigger", "card.created", "--count", strconv.Itoa(failed), "--url", app.URL+"/h", "--no-retry")
	app.fail.Store(false)
	c.hookctl(0, "trigger", "card.created", "--count", strconv.Itoa(succeeded), "--url", app.URL+"/h", "--no-retry")
	before := c.deliveryStates()
	var fs, ss []string
	for id, d := range before {
		if d.Status == "failed" {
			fs = append(fs, id)
		} else {
			ss = append(ss, id)
		}
	}
	if len(fs) != failed || len(ss) != succeeded {
		t.Fatalf("%d failed and %d succeeded, want %d and %d", len(fs), len(ss), failed, succeeded)
	}
	// Both kinds all along the list: some of each are left unsent.
	args := []string{"--force", "--no-retry"}
	for i := range fs {
		args = append(args, fs[i])
		if i < len(ss) {
			args = append(args, ss[i])
		}
	}
	if asJSON {
		args = append(args, "-o", "json")
	}
	stdout, stderr := c.interruptReplay(app, succeeded+40, args...)
	sent, _ := app.requests(time.Time{})
	sent -= succeeded

	after := c.deliveryStates()
	var again, notSent int
	for id, d := range after {
		b := before[id]
		switch d.AttemptCount {
		case b.AttemptCount + 1:
			again++
			if d.Status != "succeeded" {
				t.Errorf("delivery %s sent again ended %s", id, d.Status)
			}
		case b.AttemptCount:
			notSent++
			if d.Status != b.Status || d.MaxAttempts != b.MaxAttempts || d.RunID != b.RunID {
				t.Errorf("delivery %s not sent is %+v, want as before the replay %+v", id, d, b)
			}
		default:
			t.Errorf("delivery %s: %d attempts, had %d", id, d.AttemptCount, b.AttemptCount)
		}
	}
	if again != sent || notSent == 0 {
		// Which events arrived more often than their deliveries have
		// attempts (a request sent but not recorded, or sent twice)?
		events, twice := app.counts()
		t.Errorf("%d deliveries sent again (the receiver got %d; %d events, %d of them more than once), %d not sent\n%s",
			again, sent, events, twice, notSent, stderr)
		// Each delivery's event arrived once per 2xx attempt: the trigger's
		// (the succeeded ones) and the replay's (those sent again). The
		// receiver counts ids (a body's hash without an id header), so compare
		// how many bodies arrived once, twice, ... with what the states
		// say: more twice than succeeded-and-replayed, or any three times,
		// is a request sent twice; more once than expected, a replay that
		// sent a failed one and did not record it.
		want := map[int]int{}
		for id, d := range after {
			b := before[id]
			n := 0
			if b.Status == "succeeded" {
				n++
			}
			if d.AttemptCount == b.AttemptCount+1 {
				n++
			}
			if n > 0 {
				want[n]++
			}
		}
		t.Errorf("bodies received n times (n: how many): got %v, the delivery states say %v", app.histogram(), want)
		// The store keeps an attempt recorded under a lost lease (the
		// request went out, then the delivery was put back as unsent or
		// taken by another claim): more attempts than its count says. A
		// body received more often with none such was not sent by the
		// replay (an attempt of the first trigger that gave up on its
		// timeout and reached the receiver late).
		stored := map[string][]*store.Attempt{}
		for _, r := range readDump(t, bytes.NewReader(c.hookctl(0, "store", "export"))) {
			if r.Attempt != nil {
				stored[r.Attempt.DeliveryID] = append(stored[r.Attempt.DeliveryID], r.Attempt)
			}
		}
		for id, d := range after {
			if as := stored[id]; len(as) > d.AttemptCount {
				last := as[0]
				for _, a := range as {
					if a.Number > last.Number {
						last = a
					}
				}
				t.Errorf("delivery %s: %d attempts stored, its count says %d (was %s %q); the last: manual %v, status %d, error %q",
					id, len(as), d.AttemptCount, before[id].Status, before[id].LastError, last.Manual, last.ResponseStatus, last.Error)
			}
		}
	}
	if asJSON {
		var doc struct {
			Interrupted bool `json:"interrupted"`
			NotSent     int  `json:"not_sent"`
			Replayed    int  `json:"replayed"`
		}
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("%v\n%s", err, stdout)
		}
		// (Some were never handed over: the replay stopped reading.)
		if !doc.Interrupted || doc.NotSent == 0 || doc.NotSent > notSent || doc.Replayed != sent {
			t.Errorf("JSON %+v, want interrupted, not_sent of the %d not sent, replayed %d", doc, notSent, sent)
		}
	} else if !strings.Contains(stdout, fmt.Sprintf("replayed %d deliveries: %d succeeded", sent, sent)) {
		t.Errorf("the summary counts what was not sent:\n%s", stdout)
	}
	if !regexp.MustCompile(`\n\d+ deliveries not sent: they are as before the replay`).MatchString("\n" + stderr) {
		t.Errorf("stderr does not say what was not sent:\n%s", stderr)
	}
}

// Ctrl-C stops replay --pending: a pending delivery it had requeued but
// not sent keeps its own retry time and budget (and run), instead of
// being due now with one attempt left for any worker to send at once.
func TestInterruptedReplayPendingKeepsScheduleSQLite(t *testing.T) {
	t.Parallel()
	testInterruptedReplayPending(t, newCrashEnv(t))
}

// TestInterruptedReplayPendingKeepsSchedulePostgres is the same on
// PostgreSQL.
func TestInterruptedReplayPendingKeepsSchedulePostgres(t *testing.T) {
	t.Parallel()
	testInterruptedReplayPending(t, pgEnv(t, pgtest.URL(t)))
}

func testInterruptedReplayPending(t *testing.T, c *crashEnv) {
	const n = 500
	app := newCountingReceiver(t, http.StatusOK, 20*time.Millisecond)
	app.fail.Store(true)
	// The first attempt fails; the next is due in an hour.
	tr := c.cmd("hookctl", "trigger", "card.created", "--count", strconv.Itoa(n), "--url", app.URL+"/h",
		"--retry-schedule", "0s,1h,2h", "--wait", "1ms")
	if out, err := tr.CombinedOutput(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("trigger: %v\n%s", err, out)
		}
	}
	// What the trigger left unsent: its first attempt, by a worker that
	// runs until every delivery made it. (It ran in 1 s windows for at
	// most 30 s: a race-built run at load ~19 made 146 of the 500 first
	// attempts in that time, most of each window spent starting.)
	w := c.cmd("hookctl", "worker")
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		k := 0
		for _, d := range c.deliveryStates() {
			if d.Status == "pending" && d.AttemptCount == 1 {
				k++
			}
		}
		if k == n {
			break
		}
		if time.Now().After(deadline) {
			w.Process.Kill()
			w.Wait()
			t.Fatalf("%d of %d deliveries pending after one attempt", k, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	w.Process.Signal(syscall.SIGINT)
	w.Wait()
	before := c.deliveryStates() // none is due for an hour: as the replay finds them
	app.fail.Store(false)
	_, stderr := c.interruptReplay(app, 40, "--pending", "--yes", "--no-retry")
	sent, _ := app.requests(time.Time{})

	after := c.deliveryStates()
	var again, notSent int
	soon := time.Now().Add(30 * time.Minute)
	for id, d := range after {
		b := before[id]
		switch {
		case d.AttemptCount == 2 && d.Status == "succeeded":
			again++
		case d.AttemptCount == 1:
			notSent++
			if d.Status != "pending" || d.MaxAttempts != b.MaxAttempts || d.RunID != b.RunID ||
				d.NextAttemptAt == nil || d.NextAttemptAt.Before(soon) {
				t.Errorf("delivery %s not sent is %+v, want as before the replay %+v (due in an hour)", id, d, b)
			}
		default:
			t.Errorf("delivery %s after the replay: %+v", id, d)
		}
	}
	if again != sent || notSent == 0 {
		// Which events arrived more often than their deliveries have
		// attempts (a request sent but not recorded, or sent twice)?
		events, twice := app.counts()
		t.Errorf("%d deliveries sent again (the receiver got %d; %d events, %d of them more than once), %d not sent\n%s",
			again, sent, events, twice, notSent, stderr)
	}
	if !regexp.MustCompile(`\n\d+ deliveries not sent: they are as before the replay`).MatchString("\n" + stderr) {
		t.Errorf("stderr does not say what was not sent:\n%s", stderr)
	}
}
