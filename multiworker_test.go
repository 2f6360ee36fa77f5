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
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// multiWorkerEnv enables the multi-worker test (it takes ~30 s); .ci/test
// sets it.
const multiWorkerEnv = "HOOKCTL_MULTIWORKER"

// workerTimeout is the attempt timeout of the workers. Their lease is
// short (delivery.HeartbeatLease) and renewed while they live, so it
// bounds how long a killed worker's deliveries wait, not the timeout.
const workerTimeout = 2 * time.Second

// workerCommand is one `hookctl worker` process on the store.
func workerCommand(storeURL string) *exec.Cmd {
	c := exec.Command("hookctl", "worker", "--concurrency", "16", "--timeout", workerTimeout.String(), "--poll", "20ms", "-o", "json")
	c.Env = append(os.Environ(), "HOOKCTL_STORE="+storeURL, "NO_COLOR=1", "HOME="+os.TempDir(), "HOOKCTL_CONFIG_DIR="+os.TempDir())
	return c
}

// inflightReceiver accepts webhooks and checks that no event is being
// received twice at the same time.
type inflightReceiver struct {
	mu        sync.Mutex
	inflight  map[string]bool
	arrivals  map[string]int
	times     map[string][]time.Time // when each arrival of an event began
	overlaps  []string
	requests  atomic.Int64
	badHeader atomic.Int64
}

func (r *inflightReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var p struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.ID == "" {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	if req.Header.Get("webhook-id") != p.ID || req.Header.Get("webhook-signature") == "" {
		r.badHeader.Add(1)
	}
	r.mu.Lock()
	if r.inflight[p.ID] {
		r.overlaps = append(r.overlaps, p.ID)
	}
	r.inflight[p.ID] = true
	r.arrivals[p.ID]++
	if r.times != nil {
		r.times[p.ID] = append(r.times[p.ID], time.Now())
	}
	r.mu.Unlock()
	r.requests.Add(1)
	time.Sleep(2 * time.Millisecond) // widen the window an overlap would show in
	r.mu.Lock()
	delete(r.inflight, p.ID)
	r.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (r *inflightReceiver) distinct() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.arrivals)
}

// TestMultiWorkerPostgres: three `hookctl worker` processes share one PostgreSQL
// outbox of 5,000 events. Every event arrives, no event is sent twice at
// once, and killing one worker (kill -9) mid-run loses nothing: the
// deliveries it had claimed are taken over once its lease expires, within
// 3 s (its lease is short and kept alive by heartbeats while it lives).
func TestMultiWorkerPostgres(t *testing.T) {
	if os.Getenv(multiWorkerEnv) == "" {
		t.Skip("SKIPPING MULTI-WORKER TEST: set " + multiWorkerEnv + "=1 (and " + pgtest.EnvVar + "); .ci/test does")
	}
	runMultiWorker(t, pgtest.URL(t), 3, 5000)
}

// TestMultiWorkerPostgres6 is the same with six worker processes.
func TestMultiWorkerPostgres6(t *testing.T) {
	if os.Getenv(multiWorkerEnv) == "" {
		t.Skip("SKIPPING MULTI-WORKER TEST: set " + multiWorkerEnv + "=1 (and " + pgtest.EnvVar + "); .ci/test does")
	}
	runMultiWorker(t, pgtest.URL(t), 6, 6000)
}

// TestMultiWorkerSQLite: three worker processes on one SQLite file, one
// killed with SIGKILL; its deliveries are taken over within 3 s.
func TestMultiWorkerSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	runMultiWorker(t, filepath.Join(t.TempDir(), "hookctl.db"), 3, 2000)
}

func openStore(ctx context.Context, storeURL string) (store.Store, error) {
	if strings.HasPrefix(storeURL, "postgres") {
		return postgres.Open(ctx, storeURL)
	}
	return sqlite.Open(ctx, storeURL)
}

func runMultiWorker(t *testing.T, storeURL string, nworkers, events int) {
	ctx := context.Background()
	recv := &inflightReceiver{inflight: map[string]bool{}, arrivals: map[string]int{}, times: map[string][]time.Time{}}
	srv := httptest.NewServer(recv)
	defer srv.Close()

	st, err := openStore(ctx, storeURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sub := &store.Subscription{CallbackURL: srv.URL + "/webhooks", Events: []string{"*"}, Status: store.StatusEnabled,
		Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "standard"}
	if err := st.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < events; i += 8 {
				id := fmt.Sprintf("evt_%05d", i)
				e := &store.Event{ID: id, Type: "card.created", Provider: "standard", ContentType: "application/json",
					Payload: []byte(`{"id":"` + id + `","type":"card.created","data":{"n":` + strconv.Itoa(i) + `}}`)}
				d := &store.Delivery{SubscriptionID: sub.ID, URL: sub.CallbackURL, MaxAttempts: 5, Schedule: "0s,1s,2s,4s,8s"}
				if err := st.CreateEvent(ctx, e, []*store.Delivery{d}); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("enqueued %d events in %v", events, time.Since(start).Round(time.Millisecond))

	logDir := t.TempDir()
	var workers []*exec.Cmd
	for i := 0; i < nworkers; i++ {
		cmd := workerCommand(storeURL)
		logf, err := os.Create(filepath.Join(logDir, fmt.Sprintf("worker%d.log", i)))
		if err != nil {
			t.Fatal(err)
		}
		defer logf.Close()
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			t.Fatalf("start worker %d: %v", i, err)
		}
		workers = append(workers, cmd)
		defer func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() }()
	}
	start = time.Now()

	// Kill worker 0 with SIGKILL once a third of the events arrived.
	deadline := time.Now().Add(60 * time.Second)
	for recv.distinct() < events/3 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d events arrived before the kill", recv.distinct(), events)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The victim is the worker holding the most leases now: on a loaded
	// machine one of six may hold none at a given moment (it is between
	// claims, or not yet scheduled), and killing it would exercise nothing.
	// It is stopped (SIGSTOP) before its leases are counted, so it
	// cannot record its batch between the count and the kill: on a fast
	// machine a worker finishes a claimed batch in a few milliseconds,
	// and one that held leases when they were listed held none once
	// killed. One that holds none is let go on (SIGCONT) and the next
	// busiest is tried.
	//
	// Its leases are listed while it is stopped, not after the kill: on
	// SQLite a survivor takes a dead owner's leases at once (its lock file
	// is free), and may have re-leased or even delivered them by the time
	// a list made after the kill is read, so that list missed some of the
	// deliveries the victim had sent and never recorded (their second
	// arrival then counted as a redelivery beyond what it held).
	var vi int
	var leases map[string]time.Time // the victim's: delivery ID → lease end
	for tries := 0; ; tries++ {
		vi = busiestWorker(t, ctx, st, workers)
		w := workers[vi]
		if err := w.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		if leases = leasesOf(t, ctx, st, w); len(leases) > 0 {
			break
		}
		if err := w.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		if tries == 500 || time.Now().After(deadline) {
			t.Fatalf("no worker held a lease in %d tries (%d of %d events arrived)", tries+1, recv.distinct(), events)
		}
		time.Sleep(2 * time.Millisecond)
	}
	victim := workers[vi]
	survivors := append(append([]*exec.Cmd{}, workers[:vi]...), workers[vi+1:]...)
	if err := victim.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = victim.Process.Wait()
	killedAt := time.Now()
	victimOwner := func(owner string) bool {
		return strings.Contains(owner, ":"+strconv.Itoa(victim.Process.Pid)+":")
	}
	orphaned := len(leases)
	t.Logf("killed worker %d (pid %d) after %v with %d events arrived; it held %d leases",
		vi, victim.Process.Pid, killedAt.Sub(start).Round(time.Millisecond), recv.distinct(), orphaned)

	// Everything is delivered by the survivors.
	for {
		counts, err := st.CountDeliveries(ctx, store.DeliveryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if counts[store.DeliverySucceeded] == int64(events) && recv.distinct() == events {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %v in the store, %d of %d events arrived", time.Since(start).Round(time.Millisecond), counts, recv.distinct(), events)
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	all, err := st.ListDeliveries(ctx, store.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range all {
		if victimOwner(d.LeaseOwner) {
			t.Errorf("delivery %s still leased to the killed worker", d.ID)
		}
	}
	// The survivors took the victim's deliveries only after its lease
	// expired, and soon after the kill. An attempt started before the kill
	// is the victim's own: its last batch may still commit after the kill
	// (the server finishes a statement its client no longer waits for).
	// On SQLite a survivor takes them at once, lease or not: the victim's
	// lock file beside the store is free, so it is known to be dead
	// (leases are no longer trusted to wall clocks there).
	sqliteStore := !strings.HasPrefix(storeURL, "postgres")
	var takeover time.Duration
	taken := 0
	for id, until := range leases {
		as, err := st.ListAttempts(ctx, id)
		if err != nil || len(as) == 0 {
			t.Fatalf("attempts of %s: %v %v", id, as, err)
		}
		for _, a := range as {
			if a.StartedAt.Before(killedAt) {
				continue
			}
			if a.StartedAt.Before(until) && !sqliteStore {
				t.Errorf("delivery %s was sent at %v, before the killed worker's lease expired at %v", id, a.StartedAt, until)
			}
			takeover = max(takeover, a.StartedAt.Sub(killedAt))
			taken++
			break
		}
	}
	t.Logf("TAKEOVER: %d of the killed worker's %d leased deliveries were taken over, all within %v of the kill", taken, orphaned, takeover.Round(time.Millisecond))
	// Not under -race (.ci/test's race run checks this test for races and
	// lost deliveries): race-built workers on the loaded 2-core VM took
	// 5 s and 22 s.
	if takeover > 3*time.Second && !raceBuild {
		t.Errorf("takeover took %v, want ≤ 3s", takeover.Round(time.Millisecond))
	}

	// Stop the survivors like Ctrl-C: they finish in-flight attempts and exit 0.
	for _, w := range survivors {
		_ = w.Process.Signal(os.Interrupt)
	}
	for i, w := range workers {
		if i == vi {
			continue
		}
		if err := w.Wait(); err != nil {
			logs, _ := os.ReadFile(filepath.Join(logDir, fmt.Sprintf("worker%d.log", i)))
			t.Errorf("worker %d exit: %v\n%s", i, err, tailBytes(logs, 2000))
		}
	}

	recv.mu.Lock()
	defer recv.mu.Unlock()
	if len(recv.overlaps) > 0 {
		t.Errorf("%d events were being received twice at the same time, e.g. %v", len(recv.overlaps), recv.overlaps[:min(5, len(recv.overlaps))])
	}
	if n := recv.badHeader.Load(); n > 0 {
		t.Errorf("%d requests without the event id in webhook-id or without a signature", n)
	}
	dups := 0
	for _, n := range recv.arrivals {
		dups += n - 1
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Every delivery ended succeeded, so each recorded attempt beyond one
	// per event failed (an attempt that timed out on a loaded machine)
	// and was retried: a redelivery too.
	retried := max(int(info.Attempts)-events, 0)
	t.Logf("%d events delivered in %v by %d workers (one killed): %d requests, %d redelivered (at-least-once after the kill), %d attempts recorded (%d failed and retried)",
		events, elapsed.Round(time.Millisecond), nworkers, recv.requests.Load(), dups, info.Attempts, retried)
	if dups > orphaned+retried {
		t.Errorf("%d redeliveries, more than the %d leases the killed worker held and the %d failed attempts retried", dups, orphaned, retried)
		explainRedeliveries(t, all, leases, recv.times, start, killedAt, logDir, nworkers)
	}
	// Each surviving worker's JSON lines account for the attempts it made.
	lines := 0
	for i := 0; i < nworkers; i++ {
		if i == vi {
			continue
		}
		logs, _ := os.ReadFile(filepath.Join(logDir, fmt.Sprintf("worker%d.log", i)))
		lines += strings.Count(string(logs), `"delivery_id"`)
	}
	if lines == 0 {
		t.Errorf("the surviving workers reported no attempts")
	}
}

// explainRedeliveries names the events received more than once whose
// delivery the killed worker did not hold: when each arrival began
// (since the workers started; the kill's time too) and which workers'
// logs report an attempt of it.
func explainRedeliveries(t *testing.T, all []*store.Delivery, leases map[string]time.Time, times map[string][]time.Time, start, killedAt time.Time, logDir string, nworkers int) {
	t.Helper()
	logs := make([]string, nworkers)
	for i := range logs {
		b, _ := os.ReadFile(filepath.Join(logDir, fmt.Sprintf("worker%d.log", i)))
		logs[i] = string(b)
	}
	t.Logf("killed at +%v", killedAt.Sub(start).Round(time.Microsecond))
	shown := 0
	for _, d := range all {
		ts := times[d.EventID]
		if len(ts) < 2 {
			continue
		}
		_, held := leases[d.ID]
		var at []string
		for _, tm := range ts {
			at = append(at, "+"+tm.Sub(start).Round(time.Microsecond).String())
		}
		var in []string
		for i, l := range logs {
			if n := strings.Count(l, d.ID); n > 0 {
				in = append(in, fmt.Sprintf("worker%d×%d", i, n))
			}
		}
		if shown < 25 {
			t.Logf("delivery %s (event %s, seq %d): held by the killed worker %v; arrivals %v; in logs %v", d.ID, d.EventID, d.Seq, held, at, in)
		}
		shown++
	}
}

func tailBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// busiestWorker is the index of the worker holding the most leases of
// pending deliveries at this moment (0 when none holds any).
// leasesOf lists the pending deliveries leased to worker w: ID → the
// lease's end.
func leasesOf(t *testing.T, ctx context.Context, st store.Store, w *exec.Cmd) map[string]time.Time {
	t.Helper()
	pending, err := st.ListDeliveries(ctx, store.DeliveryFilter{Status: store.DeliveryPending})
	if err != nil {
		t.Fatal(err)
	}
	leases := map[string]time.Time{}
	for _, d := range pending {
		if strings.Contains(d.LeaseOwner, ":"+strconv.Itoa(w.Process.Pid)+":") {
			leases[d.ID] = d.LeaseExpiresAt
		}
	}
	return leases
}

func busiestWorker(t *testing.T, ctx context.Context, st store.Store, workers []*exec.Cmd) int {
	t.Helper()
	pending, err := st.ListDeliveries(ctx, store.DeliveryFilter{Status: store.DeliveryPending})
	if err != nil {
		t.Fatal(err)
	}
	best, most := 0, 0
	for i, w := range workers {
		n := 0
		for _, d := range pending {
			if strings.Contains(d.LeaseOwner, ":"+strconv.Itoa(w.Process.Pid)+":") {
				n++
			}
		}
		if n > most {
			best, most = i, n
		}
	}
	return best
}
