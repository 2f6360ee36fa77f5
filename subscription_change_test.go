package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
)

// countingReceiver counts the requests it gets per event id (Webhook-Id,
// or for Bond a hash of the body) and when each arrived; it answers status
// after delay. While fail is set it answers 500 and counts nothing. With
// holdAfter(n), the requests after the n-th are counted and then held
// unanswered until release.
type countingReceiver struct {
	URL  string
	fail atomic.Bool
	mu   sync.Mutex
	got  map[string]int
	at   []time.Time

	hold        int
	released    chan struct{}
	releaseOnce sync.Once
}

type receiverOption func(*countingReceiver)

// holdAfter holds the requests after the n-th until release: a run is
// surely still sending when the test changes something under it.
func holdAfter(n int) receiverOption {
	return func(r *countingReceiver) { r.hold = n }
}

func newCountingReceiver(t *testing.T, status int, delay time.Duration, opts ...receiverOption) *countingReceiver {
	t.Helper()
	r := &countingReceiver{got: map[string]int{}, released: make(chan struct{})}
	for _, o := range opts {
		o(r)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if r.fail.Load() {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		id := req.Header.Get("Webhook-Id")
		if id == "" {
			// Bond sends no id header (nor does hookctl): the same event
			// is the same body.
			sum := sha256.Sum256(body)
			id = hex.EncodeToString(sum[:])
		}
		r.mu.Lock()
		r.got[id]++
		r.at = append(r.at, time.Now())
		n := len(r.at)
		r.mu.Unlock()
		if r.hold > 0 && n > r.hold {
			<-r.released
		}
		time.Sleep(delay)
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(r.release) // before srv.Close, which waits for the held requests
	r.URL = srv.URL
	return r
}

// release answers the held requests, and holds none from now on.
func (r *countingReceiver) release() {
	r.releaseOnce.Do(func() { close(r.released) })
}

// requests is how many requests arrived in all, and after t.
func (r *countingReceiver) requests(after time.Time) (all, later int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, at := range r.at {
		if at.After(after) {
			later++
		}
	}
	return len(r.at), later
}

// histogram is, for each n, how many ids (Webhook-Ids, or bodies' hashes)
// arrived n times.
func (r *countingReceiver) histogram() map[int]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := map[int]int{}
	for _, k := range r.got {
		h[k]++
	}
	return h
}

// counts is how many events arrived, and how many of them more than once.
func (r *countingReceiver) counts() (events, twice int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range r.got {
		if k > 1 {
			twice++
		}
	}
	return len(r.got), twice
}

func (r *countingReceiver) waitRequests(t *testing.T, n int) {
	t.Helper()
	// Generous: race-built at load ~40 a trigger's first 100 requests
	// took over 30 s (its start, its first batch of events).
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if all, _ := r.requests(time.Time{}); all >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the receiver did not get %d requests", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// deliveryJSON is a delivery as deliveries list -o json shows it.
type deliveryJSON struct {
	ID            string     `json:"id"`
	Status        string     `json:"status"`
	LastError     string     `json:"last_error"`
	AttemptCount  int        `json:"attempt_count"`
	MaxAttempts   int        `json:"max_attempts"`
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	RunID         string     `json:"run_id"`
}

func (c *crashEnv) deliveries() []deliveryJSON {
	c.t.Helper()
	var ds []deliveryJSON
	if err := json.Unmarshal(c.hookctl(0, "deliveries", "list", "--limit", "0", "-o", "json"), &ds); err != nil {
		c.t.Fatal(err)
	}
	return ds
}

// inFlight is how many requests may still arrive after a change to a
// subscription was acknowledged: those the engine (its default 8 workers)
// had started before.
const inFlight = 8

// `subscriptions delete` or `disable` while `trigger --count 2000` sends to
// that subscription from another process: once the command has answered,
// the endpoint gets nothing more than the attempts already in flight, what
// was not sent ends failed at once (deleted: the trigger creates no more
// events for it and says so), the trigger exits 1, and nothing is left
// pending. The trigger sent on: its engine held hundreds of the
// subscription's deliveries (created leased to it, ahead of the sends) and
// sent every one — 664 requests after the delete answered, 687 after the
// disable, all recorded as succeeded over the delete's "subscription
// deleted" — and its next batch of events failed on the deleted
// subscription's foreign key: "hookctl: error: constraint failed: FOREIGN
// KEY constraint failed (787)".
func TestSubscriptionDeletedDuringTriggerSQLite(t *testing.T) {
	t.Parallel()
	testSubscriptionChangeDuringTrigger(t, newCrashEnv(t), "delete")
}

// TestSubscriptionDeletedDuringTriggerPostgres is the same on PostgreSQL.
func TestSubscriptionDeletedDuringTriggerPostgres(t *testing.T) {
	t.Parallel()
	testSubscriptionChangeDuringTrigger(t, pgEnv(t, pgtest.URL(t)), "delete")
}

// TestSubscriptionDisabledDuringTriggerSQLite: the same with `subscriptions
// disable` ("receives nothing until enabled").
func TestSubscriptionDisabledDuringTriggerSQLite(t *testing.T) {
	t.Parallel()
	testSubscriptionChangeDuringTrigger(t, newCrashEnv(t), "disable")
}

// TestSubscriptionDisabledDuringTriggerPostgres is the same on PostgreSQL.
func TestSubscriptionDisabledDuringTriggerPostgres(t *testing.T) {
	t.Parallel()
	testSubscriptionChangeDuringTrigger(t, pgEnv(t, pgtest.URL(t)), "disable")
}

func testSubscriptionChangeDuringTrigger(t *testing.T, c *crashEnv, action string) {
	const n = 2000
	// Held after 100 requests: the change comes while the run sends.
	rcv := newCountingReceiver(t, http.StatusOK, 5*time.Millisecond, holdAfter(100))
	var sub subJSON
	if err := json.Unmarshal(c.hookctl(0, "subscribe", "--url", rcv.URL+"/h", "--events", "card.*", "-o", "json"), &sub); err != nil {
		t.Fatal(err)
	}
	// A second attempt an hour later: what the change stopped must end
	// failed at once, not wait for it. The attempts held meanwhile must
	// not time out.
	tr := c.start("trigger", "card.created", "--count", strconv.Itoa(n), "--retry-schedule", "0s,1h", "--timeout", "60s")
	stderr := &tr.stderr
	rcv.waitRequests(t, 100)
	args := []string{"subscriptions", action, sub.ID}
	if action == "delete" {
		args = append(args, "--yes")
	}
	c.hookctl(0, args...)
	ack := time.Now()
	rcv.release()

	err := tr.wait(t, 60*time.Second)
	all, later := rcv.requests(ack)
	if later > inFlight {
		t.Errorf("%d of %d requests arrived after the %s answered (want at most the %d in flight)", later, all, action, inFlight)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("trigger: %v, want exit 1\n%s", err, stderr.String())
	}
	wants := []string{"hookctl: error: "}
	if action == "delete" {
		wants = []string{"hookctl: warning: subscription " + sub.ID + " was deleted: no more events for it in this run\n",
			"hookctl: error: the run stopped after "}
	}
	for _, want := range wants {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("trigger's stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "FOREIGN KEY") || strings.Contains(stderr.String(), "foreign key") {
		t.Errorf("trigger failed on the deleted subscription's foreign key:\n%s", stderr.String())
	}
	ds := c.deliveries()
	if action == "delete" && len(ds) >= n {
		t.Errorf("%d deliveries created: the trigger went on after the delete", len(ds))
	}
	// What was not sent ends failed, with why; nothing stays pending.
	why := map[string]string{"delete": "subscription deleted", "disable": "not sent: the subscription is disabled"}[action]
	ends := map[string]int{}
	for _, d := range ds {
		switch {
		case d.Status == "succeeded":
			ends["succeeded"]++
		case d.Status == "failed" && d.LastError == why:
			ends["stopped"]++
		default:
			ends[d.Status+" "+d.LastError]++
		}
	}
	if ends["succeeded"] > all || ends["stopped"] == 0 || ends["succeeded"]+ends["stopped"] != len(ds) {
		t.Errorf("the run's %d deliveries ended %v (the receiver got %d requests), want each succeeded or failed %q", len(ds), ends, all, why)
	}
}

// `subscriptions delete` while a `worker` retries that subscription's
// failing deliveries: nothing more is sent to the deleted endpoint and
// every delivery ends failed "subscription deleted". The attempts in
// flight at the delete were recorded over it (their lease survived the
// delete): a failure put the delivery back to pending and the worker went
// on retrying the deleted endpoint — 272 requests after the delete
// answered, 48 deliveries ending on "HTTP 500" instead.
func TestSubscriptionDeletedDuringWorkerSQLite(t *testing.T) {
	slowFaultTest(t, "a subscription deleted under a worker (~6 s)")
	testSubscriptionDeletedDuringWorker(t, newCrashEnv(t))
}

// TestSubscriptionDeletedDuringWorkerPostgres is the same on PostgreSQL.
func TestSubscriptionDeletedDuringWorkerPostgres(t *testing.T) {
	slowFaultTest(t, "a subscription deleted under a worker (~6 s)")
	testSubscriptionDeletedDuringWorker(t, pgEnv(t, pgtest.URL(t)))
}

func testSubscriptionDeletedDuringWorker(t *testing.T, c *crashEnv) {
	const n = 300
	rcv := newCountingReceiver(t, http.StatusInternalServerError, 50*time.Millisecond)
	var sub subJSON
	if err := json.Unmarshal(c.hookctl(0, "subscribe", "--url", rcv.URL+"/h", "--events", "card.*", "-o", "json"), &sub); err != nil {
		t.Fatal(err)
	}
	// Written, not sent (due in 500 ms): the worker sends them, each
	// retried every 300 ms while the receiver fails.
	c.hookctl(0, "trigger", "card.created", "--count", strconv.Itoa(n), "--retry-schedule", "500ms,300ms,300ms,300ms,300ms,300ms,300ms", "--wait", "1ms")
	w := c.cmd("hookctl", "worker")
	var stderr bytes.Buffer
	w.Stderr = &stderr
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- w.Wait() }()
	defer func() {
		w.Process.Kill()
		<-exited
	}()
	rcv.waitRequests(t, n+n/2) // every first attempt, half the retries
	c.hookctl(0, "subscriptions", "delete", sub.ID, "--yes")
	ack := time.Now()
	time.Sleep(2 * time.Second) // seven retry intervals
	all, later := rcv.requests(ack)
	if later > inFlight {
		t.Errorf("%d of %d requests arrived after the delete answered (want at most the %d in flight)", later, all, inFlight)
	}
	ends := map[string]int{}
	for _, d := range c.deliveries() {
		ends[d.Status+" "+d.LastError]++
	}
	if ends["failed subscription deleted"] != n {
		t.Errorf("after the delete, the deliveries are %v, want all %d failed \"subscription deleted\"", ends, n)
	}
	w.Process.Signal(os.Interrupt)
	select {
	case err := <-exited:
		exited <- err
		if err != nil {
			t.Errorf("worker: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		w.Process.Kill()
		err := <-exited // stderr written to the end
		exited <- err
		t.Errorf("the worker did not stop:\n%s", stderr.String())
	}
}

// `subscriptions update --url` while `trigger --count 2000` sends to that
// subscription: the events the trigger creates after the update go to the
// new URL. The trigger read its subscriptions once, at its start, and sent
// every event to the old URL (the new one got nothing).
func TestSubscriptionURLChangedDuringTrigger(t *testing.T) {
	t.Parallel()
	const n = 2000
	c := newCrashEnv(t)
	old := newCountingReceiver(t, http.StatusOK, 5*time.Millisecond, holdAfter(100))
	moved := newCountingReceiver(t, http.StatusOK, 0)
	var sub subJSON
	if err := json.Unmarshal(c.hookctl(0, "subscribe", "--url", old.URL+"/h", "--events", "card.*", "-o", "json"), &sub); err != nil {
		t.Fatal(err)
	}
	tr := c.start("trigger", "card.created", "--count", strconv.Itoa(n), "--timeout", "60s")
	stderr := &tr.stderr
	old.waitRequests(t, 100)
	c.hookctl(0, "subscriptions", "update", sub.ID, "--url", moved.URL+"/h")
	old.release()
	sent := func() int {
		a, _ := old.requests(time.Time{})
		b, _ := moved.requests(time.Time{})
		return a + b
	}
	status := func() string {
		a, _ := old.requests(time.Time{})
		b, _ := moved.requests(time.Time{})
		return fmt.Sprintf("%d requests at the old URL, %d at the new one", a, b)
	}
	// The trigger's pace is the machine's: race-built at load ~30 it sent
	// some 6 requests a second (2000 take minutes; 60 s for the whole run
	// failed it while it was sending); one stuck sends nothing at all.
	if err := tr.waitProgressing(t, 15*time.Second, 10*time.Minute, sent, status); err != nil {
		t.Fatalf("trigger: %v\n%s", err, stderr.String())
	}
	a, _ := old.requests(time.Time{})
	b, _ := moved.requests(time.Time{})
	if b == 0 || a+b != n {
		t.Errorf("the old URL got %d requests and the new one %d, want the events created after the update at the new one (%d in all)", a, b, n)
	}
}

// `subscriptions update --events` that leaves out the event a running
// `trigger --count` sends: it creates no more of them for that
// subscription, says so, and with no subscription left stops (exit 1). It
// went on sending all 2000 to a subscription that no longer took them.
func TestSubscriptionEventsChangedDuringTrigger(t *testing.T) {
	t.Parallel()
	const n = 2000
	c := newCrashEnv(t)
	rcv := newCountingReceiver(t, http.StatusOK, 5*time.Millisecond, holdAfter(100))
	var sub subJSON
	if err := json.Unmarshal(c.hookctl(0, "subscribe", "--url", rcv.URL+"/h", "--events", "card.*", "-o", "json"), &sub); err != nil {
		t.Fatal(err)
	}
	tr := c.start("trigger", "card.created", "--count", strconv.Itoa(n), "--timeout", "60s")
	stderr := &tr.stderr
	rcv.waitRequests(t, 100)
	c.hookctl(0, "subscriptions", "update", sub.ID, "--events", "kyc.*")
	rcv.release()
	err := tr.wait(t, 60*time.Second)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("trigger: %v, want exit 1\n%s", err, stderr.String())
	}
	for _, want := range []string{"hookctl: warning: subscription " + sub.ID + " no longer takes ",
		"hookctl: error: the run stopped after "} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("trigger's stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if ds := c.deliveries(); len(ds) >= n {
		t.Errorf("%d deliveries created: the trigger went on after the update", len(ds))
	}
}

// `listen` restarted (SIGTERM, then started again on its port) while
// `trigger --count` sends through it: listen disables its subscription on
// exit, and the trigger's deliveries in the gap are not sent to it but
// keep their retry schedule, so the restarted listen gets every event and
// the trigger ends with all delivered. (A subscription disabled otherwise
// fails its deliveries at once: TestSubscriptionDisabledDuringTrigger.)
func TestListenRestartedDuringTrigger(t *testing.T) {
	t.Parallel()
	const n = 2000
	c := newCrashEnv(t)
	app := newCountingReceiver(t, http.StatusOK, 2*time.Millisecond)
	port := mustFreePort(t)
	// listen starts listen on port and waits, at most limit, for its
	// /healthz; one that exits meanwhile fails the test at once, with its
	// stderr. It returns how long it took to answer.
	type bgListen struct {
		cmd    *exec.Cmd
		exited chan error
	}
	listen := func(limit time.Duration) (*bgListen, time.Duration) {
		t.Helper()
		cmd := c.cmd("hookctl", "listen", "--port", port, "--forward", app.URL+"/app", "-o", "json")
		stderr := &syncbuf.Buffer{}
		cmd.Stderr = stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		l := &bgListen{cmd, make(chan error, 1)}
		go func() { l.exited <- cmd.Wait() }()
		began := time.Now()
		for {
			resp, err := http.Get("http://127.0.0.1:" + port + "/healthz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					took := time.Since(began)
					t.Logf("listen answered after %s", took.Round(time.Millisecond))
					return l, took
				}
			}
			select {
			case err := <-l.exited:
				t.Fatalf("listen exited (%v) after %s, before it answered:\n%s", err, time.Since(began).Round(time.Millisecond), stderr.String())
			default:
			}
			if time.Since(began) > limit {
				cmd.Process.Kill()
				<-l.exited
				t.Fatalf("listen did not answer within %s:\n%s", limit.Round(time.Millisecond), stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// The first start is not what is tested (nothing else writes yet).
	l1, first := listen(time.Minute)
	tr := c.start("trigger", "card.created", "--count", strconv.Itoa(n), "--retry-schedule", "0s"+strings.Repeat(",500ms", 12))
	stderr := &tr.stderr
	app.waitRequests(t, 300)
	l1.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-l1.exited; err != nil {
		t.Fatalf("listen after SIGTERM: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	// The restart may take as long as the first start (the process's own
	// start-up: seconds race-built at load 30) and a few of the trigger's
	// transactions more: its first write (the subscription's upkeep)
	// waits its turn at the store's write lock. Before writers took turns
	// (internal/store/sqlite/turnstile.go), the trigger's writes kept the
	// lock from it: race-built beside two CPU hogs it answered after
	// 4.9–44.5 s, or exited after the 10 s busy timeout ("locked by
	// another process").
	l2, _ := listen(first + 5*time.Second)
	defer func() {
		l2.cmd.Process.Signal(syscall.SIGTERM)
		<-l2.exited
	}()
	// The trigger's pace is the machine's: race-built beside two CPU
	// hogs (load 15-20) 2000 events sent straight to a receiver took
	// 50 s, and through listen 55-80 s, sending all along; 60 s for the
	// run failed it while it was sending. One stuck sends nothing.
	sent := func() int {
		all, _ := app.requests(time.Time{})
		return all
	}
	status := func() string { return fmt.Sprintf("%d requests at the app", sent()) }
	if err := tr.waitProgressing(t, 15*time.Second, 10*time.Minute, sent, status); err != nil {
		t.Fatalf("trigger: %v\n%s", err, tail(stderr.String()))
	}
	app.mu.Lock()
	defer app.mu.Unlock()
	if len(app.got) != n {
		t.Errorf("the app got %d of %d events", len(app.got), n)
	}
}

// bgCmd is a hookctl command running in the background (crashEnv.start).
type bgCmd struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	done           chan error
}

// start runs hookctl with args in the background.
func (c *crashEnv) start(args ...string) *bgCmd {
	c.t.Helper()
	b := &bgCmd{cmd: c.cmd("hookctl", args...), done: make(chan error, 1)}
	b.cmd.Stdout, b.cmd.Stderr = &b.stdout, &b.stderr
	// Wait returns this long after the process ended even if a child of
	// it still holds the output pipes (then the buffers are no longer written).
	b.cmd.WaitDelay = 5 * time.Second
	if err := b.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() { b.done <- b.cmd.Wait() }()
	return b
}

// wait returns how the command ended; one still running after limit is
// killed and fails the test. Its stdout and stderr may be read once wait
// has returned (exec's goroutines write them until the command is waited for).
func (b *bgCmd) wait(t *testing.T, limit time.Duration) error {
	t.Helper()
	select {
	case err := <-b.done:
		return err
	case <-time.After(limit):
		b.cmd.Process.Kill()
		<-b.done // the output copied to the end: stderr is ours to read
		t.Fatalf("%s did not end within %v:\n%s", strings.Join(b.cmd.Args[1:min(3, len(b.cmd.Args))], " "), limit, tail(b.stderr.String()))
	}
	return nil
}
