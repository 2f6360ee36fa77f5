//go:build unix

package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// leaseclockReceiver answers webhooks at once, except those of the events
// in hold: it keeps them open until release is closed. It counts the
// requests of each event.
type leaseclockReceiver struct {
	mu       sync.Mutex
	arrivals map[string]int
	changed  chan struct{} // closed and replaced at each arrival
	hold     map[string]bool
	release  chan struct{}
	once     sync.Once
}

// free lets the held requests go (once).
func (r *leaseclockReceiver) free() { r.once.Do(func() { close(r.release) }) }

func newLeaseclockReceiver(hold ...string) *leaseclockReceiver {
	r := &leaseclockReceiver{arrivals: map[string]int{}, changed: make(chan struct{}), hold: map[string]bool{}, release: make(chan struct{})}
	for _, id := range hold {
		r.hold[id] = true
	}
	return r
}

func (r *leaseclockReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var p struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(body, &p)
	r.mu.Lock()
	r.arrivals[p.ID]++
	close(r.changed)
	r.changed = make(chan struct{})
	held := r.hold[p.ID]
	r.mu.Unlock()
	if held {
		select {
		case <-r.release:
		case <-req.Context().Done():
		}
	}
	w.WriteHeader(http.StatusOK)
}

// waitArrivals waits until event id arrived n times.
func (r *leaseclockReceiver) waitArrivals(t *testing.T, id string, n int, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for {
		r.mu.Lock()
		got, ch := r.arrivals[id], r.changed
		r.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("%s arrived %d times in %v, want %d", id, got, within, n)
		}
	}
}

func (r *leaseclockReceiver) count(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.arrivals[id]
}

// leaseclockSetup makes a SQLite store with one subscription to rcv.
func leaseclockSetup(t *testing.T, rcv http.Handler) (string, store.Store, *store.Subscription) {
	t.Helper()
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "hookctl.db")
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sub := &store.Subscription{CallbackURL: srv.URL + "/webhooks", Events: []string{"*"}, Status: store.StatusEnabled,
		Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "standard"}
	if err := st.CreateSubscription(context.Background(), sub); err != nil {
		t.Fatal(err)
	}
	return path, st, sub
}

// leaseclockEnqueue adds event id with one delivery to sub, due at due.
func leaseclockEnqueue(t *testing.T, st store.Store, sub *store.Subscription, id string, due time.Time) string {
	t.Helper()
	e := &store.Event{ID: id, Type: "card.created", Provider: "standard", ContentType: "application/json",
		Payload: []byte(`{"id":"` + id + `","type":"card.created"}`)}
	d := &store.Delivery{SubscriptionID: sub.ID, URL: sub.CallbackURL, MaxAttempts: 1, NextAttemptAt: due}
	if err := st.CreateEvent(context.Background(), e, []*store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	return d.ID
}

// leaseclockWorker starts `hookctl worker` on the store, its wall clock
// ahead by ahead; it is stopped (SIGCONT, SIGINT, then SIGKILL) at the
// end of the test. Its output goes to a file, shown if it fails.
func leaseclockWorker(t *testing.T, path string, ahead time.Duration) *exec.Cmd {
	t.Helper()
	c := exec.Command("hookctl", "worker", "--timeout", "30s", "--poll", "20ms", "-o", "json")
	c.Env = append(os.Environ(), "HOOKCTL_STORE="+path, "NO_COLOR=1", "HOME="+t.TempDir(), "HOOKCTL_CONFIG_DIR="+t.TempDir())
	if ahead != 0 {
		c.Env = append(c.Env, leaseclockClockEnv+"="+ahead.String())
	}
	log, err := os.Create(filepath.Join(t.TempDir(), "worker.log"))
	if err != nil {
		t.Fatal(err)
	}
	c.Stdout, c.Stderr = log, log
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Process.Signal(syscall.SIGCONT)
		_ = c.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = c.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = c.Process.Kill()
			<-done
		}
		log.Close()
		if t.Failed() {
			b, _ := os.ReadFile(log.Name())
			t.Logf("worker pid %d (clock ahead %v):\n%s", c.Process.Pid, ahead, tailBytes(b, 2000))
		}
	})
	return c
}

// TestLeaseclockWorkerClockStepNoDuplicate: a `hookctl worker` is sending
// a delivery (the receiver keeps it open) when the wall clock of a
// second worker on the same SQLite store steps an hour forward: to it,
// every lease looks expired. It used to claim the delivery and send it
// a second time while its owner was still sending it. Now the owner's
// lock says it is alive and its heartbeats keep renewing the lease, so
// the second worker leaves it, though it polls the store for longer
// than a whole lease meanwhile (it delivers two later events, the
// second one due 2.5 s after the first by its own clock), and the
// delivery is sent once.
func TestLeaseclockWorkerClockStepNoDuplicate(t *testing.T) {
	t.Parallel()
	rcv := newLeaseclockReceiver("evt_slow")
	path, st, sub := leaseclockSetup(t, rcv)
	ctx := context.Background()
	slow := leaseclockEnqueue(t, st, sub, "evt_slow", time.Time{})
	leaseclockWorker(t, path, 0)
	rcv.waitArrivals(t, "evt_slow", 1, 20*time.Second)

	const ahead = time.Hour
	leaseclockWorker(t, path, ahead)
	t.Cleanup(rcv.free)
	// Due for the stepped worker only (the first one's clock is an hour
	// behind): that worker delivers them, and so has polled the store
	// with evt_slow's lease expired by its clock, in the same claims.
	now := time.Now()
	leaseclockEnqueue(t, st, sub, "evt_probe1", now.Add(ahead/2))
	leaseclockEnqueue(t, st, sub, "evt_probe2", now.Add(ahead+2500*time.Millisecond))
	rcv.waitArrivals(t, "evt_probe1", 1, 20*time.Second)
	rcv.waitArrivals(t, "evt_probe2", 1, 20*time.Second)
	if n := rcv.count("evt_slow"); n != 1 {
		t.Errorf("evt_slow was sent %d times while its first attempt was in flight, want 1 (a second worker whose clock stepped an hour forward took it over)", n)
	}
	// A replay of it from a process whose clock stepped too is refused,
	// as one from an accurate clock is: it is being sent.
	rp := exec.Command("hookctl", "replay", slow)
	rp.Env = append(os.Environ(), "HOOKCTL_STORE="+path, "NO_COLOR=1", "HOME="+t.TempDir(), "HOOKCTL_CONFIG_DIR="+t.TempDir(),
		leaseclockClockEnv+"="+ahead.String())
	out, err := rp.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "is being sent by another process") {
		t.Errorf("replay of evt_slow in flight, by a clock an hour ahead: %v, want exit 1 and a refusal\n%s", err, out)
	}
	if n := rcv.count("evt_slow"); n != 1 {
		t.Errorf("evt_slow was sent %d times after the replay, want 1", n)
	}

	rcv.free()
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err := st.GetDelivery(ctx, slow)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status == store.DeliverySucceeded {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("evt_slow not delivered: %+v", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
	atts, err := st.ListAttempts(ctx, slow)
	if err != nil {
		t.Fatal(err)
	}
	if len(atts) != 1 || rcv.count("evt_slow") != 1 {
		t.Errorf("evt_slow: %d attempts recorded, %d requests received; want 1 and 1", len(atts), rcv.count("evt_slow"))
	}
}

// TestLeaseclockStoppedOwnerTakenOver: a worker stopped with SIGSTOP
// (Ctrl-Z) while sending a delivery is alive (its lock is held) but no
// longer renews its lease: another worker still takes the delivery over
// and sends it.
func TestLeaseclockStoppedOwnerTakenOver(t *testing.T) {
	t.Parallel()
	rcv := newLeaseclockReceiver("evt_stopped")
	path, st, sub := leaseclockSetup(t, rcv)
	ctx := context.Background()
	id := leaseclockEnqueue(t, st, sub, "evt_stopped", time.Time{})
	workers := []*exec.Cmd{leaseclockWorker(t, path, 0), leaseclockWorker(t, path, 0)}
	t.Cleanup(rcv.free) // before the workers stop (cleanups run last first)
	rcv.waitArrivals(t, "evt_stopped", 1, 20*time.Second)
	d, err := st.GetDelivery(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var owner *exec.Cmd
	for _, w := range workers {
		if strings.Contains(d.LeaseOwner, ":"+strconv.Itoa(w.Process.Pid)+":") {
			owner = w
		}
	}
	if owner == nil {
		t.Fatalf("evt_stopped is in flight, leased to %q, not to a worker", d.LeaseOwner)
	}
	leaseclockStopOutsideWrite(t, path, owner)
	stopped := time.Now()
	rcv.waitArrivals(t, "evt_stopped", 2, 20*time.Second)
	t.Logf("taken over from the stopped worker after %v", time.Since(stopped).Round(time.Millisecond))
}

// leaseclockStopOutsideWrite stops w (SIGSTOP, as Ctrl-Z does) at a
// moment it does not hold the store's write lock. Stopped inside one of
// its write transactions (a lease heartbeat, a claim: a few milliseconds
// each, longer on a loaded machine) it holds SQLite's one write lock, and
// no other process can write until it continues: what these tests are
// about (its leases taken over) cannot happen then. So when a write
// transaction on another connection cannot start within 200 ms, w is
// continued and stopped again a little later.
func leaseclockStopOutsideWrite(t *testing.T, path string, w *exec.Cmd) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_busy_timeout=200&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for i := 0; ; i++ {
		if err := w.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		tx, err := db.Begin()
		if err == nil {
			tx.Rollback()
			return
		}
		if i == 50 {
			t.Fatalf("worker %d held the store's write lock at each of 50 stops: %v", w.Process.Pid, err)
		}
		w.Process.Signal(syscall.SIGCONT)
		time.Sleep(time.Duration(10+i*7%40) * time.Millisecond)
	}
}
