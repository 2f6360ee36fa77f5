package delivery

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// The PostgreSQL store renews leases with FOR UPDATE SKIP LOCKED: a row
// another transaction has locked at that instant (a claim's, a requeue's,
// a prune's, an expunge's, a subscription's URL change) is passed over,
// although the delivery is still this engine's. These tests hold such a
// lock from a second connection (SELECT … FOR UPDATE in an open
// transaction) across the renewals of one of the engine's deliveries and
// watch what the engine does with it, through the store and a receiver
// that counts the requests.

// pgleaseStore is a PostgreSQL store that counts the lease renewals the
// engine's dispatcher made for handed-over deliveries whose lease ran low
// in the queue (renewLate), once each was answered.
type pgleaseStore struct {
	*postgres.DB
	lateRenewals atomic.Int32
	// busy counts the renewals that passed over a locked row still the
	// caller's (RenewLeases' busy).
	busy atomic.Int32
}

func (s *pgleaseStore) ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) ([]string, error) {
	defer s.noteLate()
	return s.DB.ExtendLeases(ctx, owner, ids, until)
}

func (s *pgleaseStore) RenewLeases(ctx context.Context, owner string, ids []string, until time.Time) ([]string, []string, error) {
	defer s.noteLate()
	renewed, busy, err := s.DB.RenewLeases(ctx, owner, ids, until)
	if len(busy) > 0 {
		s.busy.Add(1)
	}
	return renewed, busy, err
}

func (s *pgleaseStore) noteLate() {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for {
		f, more := frames.Next()
		if strings.HasSuffix(f.Function, ".(*Engine).renewLate") {
			s.lateRenewals.Add(1)
			return
		}
		if !more {
			return
		}
	}
}

// pgleaseReceiver answers 200 and counts the requests per path; the
// first request waits for gate (closed by the test) before answering.
type pgleaseReceiver struct {
	mu    sync.Mutex
	n     int
	count map[string]int
	first chan string
	gate  chan struct{}
}

func newPgleaseReceiver() *pgleaseReceiver {
	return &pgleaseReceiver{count: map[string]int{}, first: make(chan string, 1), gate: make(chan struct{})}
}

func (r *pgleaseReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	io.Copy(io.Discard, req.Body)
	r.mu.Lock()
	r.n++
	first := r.n == 1
	r.count[req.URL.Path]++
	r.mu.Unlock()
	if first {
		r.first <- req.URL.Path
		<-r.gate
	}
	w.WriteHeader(http.StatusOK)
}

func (r *pgleaseReceiver) requests(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count[path]
}

// pgleaseWait polls cond until it holds, failing the test after a
// generous timeout (a loaded machine).
func pgleaseWait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// pgleaseFixture: two failed deliveries (paths /a and /b) of one event,
// on a fresh PostgreSQL schema, a receiver, and an engine sending one at
// a time with a short lease.
type pgleaseFixture struct {
	ctx         context.Context
	url         string
	st          *pgleaseStore
	rcv         *pgleaseReceiver
	byPath      map[string]*store.Delivery
	e           *Engine
	final, lost atomic.Int32
}

func newPgleaseFixture(t *testing.T) *pgleaseFixture {
	ctx := context.Background()
	url := pgtest.URL(t)
	db, err := postgres.OpenDB(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &pgleaseFixture{ctx: ctx, url: url, st: &pgleaseStore{DB: db}, rcv: newPgleaseReceiver(), byPath: map[string]*store.Delivery{}}
	srv := httptest.NewServer(f.rcv)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		select {
		case <-f.rcv.gate:
		default:
			close(f.rcv.gate)
		}
	})
	now := time.Now()
	var ds []*store.Delivery
	for _, p := range []string{"/a", "/b"} {
		d := Plan{}.AdHoc(srv.URL+p, "", "", now)
		f.byPath[p] = d
		ds = append(ds, d)
	}
	if err := Enqueue(ctx, f.st, &store.Event{ID: "evt_pglease", Type: "x", Payload: []byte("{}")}, ds); err != nil {
		t.Fatal(err)
	}
	claimed, err := f.st.ClaimDue(ctx, "first", now, time.Minute, 2, "")
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claim: %d, %v", len(claimed), err)
	}
	for _, d := range claimed {
		if err := f.st.RecordAttempt(ctx, "first", &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: now, Error: "refused"},
			store.DeliveryUpdate{Status: store.DeliveryFailed, LastError: "refused"}); err != nil {
			t.Fatal(err)
		}
	}
	f.e = newEngine(f.st, "run_pglease", 1) // one at a time: the second waits in the queue
	f.e.Lease = 800 * time.Millisecond
	f.e.OnResult = func(r Result) {
		if r.LeaseLost || r.Err != nil {
			f.lost.Add(1)
		}
		if r.Final {
			f.final.Add(1)
		}
	}
	return f
}

// lockQueued waits for the first request (the engine's one worker is
// busy with it), locks the other delivery's row from a second
// connection, and waits until that delivery's lease, queued, ran low
// unrenewed (the heartbeats pass over the locked row). It returns the
// queued delivery and the transaction holding the lock.
func (f *pgleaseFixture) lockQueued(t *testing.T) (*store.Delivery, pgx.Tx) {
	t.Helper()
	var first string
	select {
	case first = <-f.rcv.first:
	case <-time.After(20 * time.Second):
		t.Fatal("no request reached the receiver")
	}
	queued := f.byPath["/a"]
	if first == "/a" {
		queued = f.byPath["/b"]
	}
	conn, err := pgx.Connect(f.ctx, f.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	tx, err := conn.Begin(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback(context.Background()) })
	var id string
	if err := tx.QueryRow(f.ctx, `SELECT id FROM deliveries WHERE id = $1 FOR UPDATE`, queued.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	e := f.e
	pgleaseWait(t, "the queued delivery's lease to run low", func() bool {
		e.heldMu.Lock()
		end, ok := e.held[queued.ID]
		e.heldMu.Unlock()
		return ok && end.Before(e.Now().Add(e.Lease/4))
	})
	if got, err := f.st.GetDelivery(f.ctx, queued.ID); err != nil || got.LeaseOwner != e.Owner {
		t.Fatalf("the queued delivery: %+v %v, want still leased to the engine", got, err)
	}
	return queued, tx
}

// TestPgleaseLockedRowInPlaceReplaySent: a replay (RequeueMatching: the
// failed deliveries leased in place) whose second delivery's row another
// transaction holds locked while its lease runs low in the queue sends
// it once the lock is gone, once. The renewal before sending it
// (renewLate) passed over the locked row and took the delivery for
// another process's: it forgot it, and no claim takes a failed delivery
// back, so the replay never sent it (the run did not finish).
func TestPgleaseLockedRowInPlaceReplaySent(t *testing.T) {
	f := newPgleaseFixture(t)
	e := f.e
	rctx, cancel := context.WithTimeout(f.ctx, 40*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(rctx, func() bool { return f.final.Load() == 2 })
	}()
	pgleaseWait(t, "the engine to run", e.running.Load)
	n, _, _, err := e.RequeueMatching(f.ctx, store.DeliveryFilter{Status: store.DeliveryFailed}, 10,
		store.Requeue{RunID: "run_pglease", ExtraAttempts: 1, Unheld: true, Now: time.Now()})
	if err != nil || n != 2 {
		t.Fatalf("requeue: %d, %v", n, err)
	}
	queued, tx := f.lockQueued(t)
	if got, _ := f.st.GetDelivery(f.ctx, queued.ID); got.Status != store.DeliveryFailed {
		t.Fatalf("requeued as %+v, want failed and leased in place", got)
	}
	close(f.rcv.gate) // the first is answered: the worker takes the queued one
	pgleaseWait(t, "a renewal of the queued delivery's low lease", func() bool { return f.st.lateRenewals.Load() > 0 })
	if err := tx.Rollback(f.ctx); err != nil {
		t.Fatal(err)
	}
	// Done once both are recorded; a timeout before is the failure.
	select {
	case <-done:
	case <-time.After(30 * time.Second):
	}
	if f.final.Load() != 2 {
		cancel()
		<-done
		got, _ := f.st.GetDelivery(f.ctx, queued.ID)
		t.Fatalf("the run did not finish: %d of 2 recorded; the locked one was sent %d times, is %s leased to %q",
			f.final.Load(), f.rcv.requests(queued.URL[strings.LastIndex(queued.URL, "/"):]), got.Status, got.LeaseOwner)
	}
	for p, d := range f.byPath {
		if n := f.rcv.requests(p); n != 1 {
			t.Errorf("%s sent %d times, want 1", p, n)
		}
		got, err := f.st.GetDelivery(f.ctx, d.ID)
		if err != nil || got.Status != store.DeliverySucceeded || got.RunID != "run_pglease" || got.LeaseOwner != "" || got.AttemptCount != 2 {
			t.Errorf("%s after the run: %+v %v, want succeeded in the run, 2 attempts", p, got, err)
		}
	}
	if f.lost.Load() != 0 {
		t.Errorf("%d results lost the lease or were not recorded", f.lost.Load())
	}
}

// TestPgleaseLockedRowInterruptedReplayPutBack: a replay of IDs (the
// deliveries requeued pending, leased to the engine) interrupted while
// its queued delivery's row is locked by another transaction and its
// lease ran low puts that delivery back as it was (Unsent: failed, its
// lease freed) and never sends it. The renewal that passed over the
// locked row forgot the delivery without noting it for Unsent: it stayed
// pending, due, for any worker once its lease ended.
func TestPgleaseLockedRowInterruptedReplayPutBack(t *testing.T) {
	f := newPgleaseFixture(t)
	e := f.e
	e.Unsent = func(ctx context.Context, ds []*store.Delivery) error {
		ids := make([]string, len(ds))
		for i, d := range ds {
			ids[i] = d.ID
		}
		if _, err := f.st.ReturnUnsent(ctx, e.Owner, ids); err != nil {
			t.Errorf("return unsent: %v", err)
		}
		return nil
	}
	rctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Run(rctx, nil)
	}()
	pgleaseWait(t, "the engine to run", e.running.Load)
	ids := []string{f.byPath["/a"].ID, f.byPath["/b"].ID}
	if got, err := e.RequeueIDs(f.ctx, ids, store.Requeue{RunID: "run_pglease", ExtraAttempts: 1, Now: time.Now()}); err != nil || len(got) != 2 {
		t.Fatalf("requeue: %v, %v", got, err)
	}
	queued, tx := f.lockQueued(t)
	close(f.rcv.gate)
	pgleaseWait(t, "a renewal of the queued delivery's low lease", func() bool { return f.st.lateRenewals.Load() > 0 })
	cancel() // Ctrl-C, the row still locked
	if err := tx.Rollback(f.ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the run did not stop")
	}
	path := queued.URL[strings.LastIndex(queued.URL, "/"):]
	if n := f.rcv.requests(path); n != 0 {
		t.Errorf("the queued delivery was sent %d times by an interrupted run, want 0", n)
	}
	got, err := f.st.GetDelivery(f.ctx, queued.ID)
	if err != nil || got.Status != store.DeliveryFailed || got.LeaseOwner != "" {
		t.Errorf("the queued delivery after the interrupted replay: %+v %v, want failed again, its lease freed", got, err)
	}
}

// TestPgleaseLockedRowInFlightKept pins what the engine does with a
// delivery in flight whose row another transaction holds locked across
// a heartbeat: the heartbeat passes over it (its lease is not moved, the
// store answers it busy) and tries again at the next tick, nothing takes it for lost, another
// engine polling the store does not take it over (the lease has not
// ended, and a claim passes over a locked row too), and once the lock is
// gone its lease is renewed and its attempt recorded, sent once. (A lock
// held past the lease's end, and then a claim before the next heartbeat,
// would let another worker send it again: a lease not renewed for a whole
// lease ends, whoever held the row.)
func TestPgleaseLockedRowInFlightKept(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	db, err := postgres.OpenDB(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := &pgleaseStore{DB: db}
	rcv := newPgleaseReceiver()
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	defer func() {
		select {
		case <-rcv.gate:
		default:
			close(rcv.gate)
		}
	}()
	d := Plan{}.AdHoc(srv.URL+"/a", "", "", time.Now())
	if err := Enqueue(ctx, db, &store.Event{ID: "evt_pglease_flight", Type: "x", Payload: []byte("{}")}, []*store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	// A long lease: the lock is held across one heartbeat (a quarter of
	// it), and the next renews it, far from its end on a loaded machine.
	const lease = 8 * time.Second
	a := newEngine(st, "", 1)
	a.Lease = lease
	a.Sender.Client = NewHTTPClient(30*time.Second, 1)
	var results, lost atomic.Int32
	a.OnResult = func(r Result) {
		if r.LeaseLost || r.Err != nil {
			lost.Add(1)
		}
		results.Add(1)
	}
	actx, acancel := context.WithTimeout(ctx, 40*time.Second)
	defer acancel()
	aDone := make(chan struct{})
	go func() {
		defer close(aDone)
		a.Run(actx, func() bool { return results.Load() > 0 })
	}()
	select {
	case <-rcv.first:
	case <-time.After(20 * time.Second):
		t.Fatal("no request reached the receiver")
	}
	b := newEngine(db, "", 4)
	b.Lease = lease
	bctx, bcancel := context.WithCancel(ctx)
	bDone := make(chan struct{})
	go func() {
		defer close(bDone)
		b.Run(bctx, nil)
	}()
	defer func() { bcancel(); <-bDone }()

	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	var id string
	if err := tx.QueryRow(ctx, `SELECT id FROM deliveries WHERE id = $1 FOR UPDATE`, d.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	locked, err := db.GetDelivery(ctx, d.ID)
	if err != nil || locked.LeaseOwner != a.Owner {
		t.Fatalf("in flight: %+v %v", locked, err)
	}
	pgleaseWait(t, "a heartbeat that passed over the locked row", func() bool { return st.busy.Load() > 0 })
	if got, err := db.GetDelivery(ctx, d.ID); err != nil || !got.LeaseExpiresAt.Equal(locked.LeaseExpiresAt) || got.LeaseOwner != a.Owner {
		t.Fatalf("the heartbeats renewed the locked row: lease %v → %+v %v", locked.LeaseExpiresAt, got, err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	pgleaseWait(t, "the lease renewed once the row is free", func() bool {
		got, err := db.GetDelivery(ctx, d.ID)
		return err == nil && got.LeaseExpiresAt.After(locked.LeaseExpiresAt)
	})
	close(rcv.gate)
	select {
	case <-aDone:
	case <-time.After(30 * time.Second):
		t.Fatal("the attempt was not recorded")
	}
	if n := rcv.requests("/a"); n != 1 || b.Claimed() != 0 {
		t.Errorf("sent %d times, the other engine claimed %d; want once, by its owner", n, b.Claimed())
	}
	if lost.Load() != 0 {
		t.Errorf("the result lost its lease or was not recorded")
	}
	got, err := db.GetDelivery(ctx, d.ID)
	if err != nil || got.Status != store.DeliverySucceeded || got.LeaseOwner != "" || got.AttemptCount != 1 {
		t.Errorf("after the run: %+v %v, want succeeded, one attempt", got, err)
	}
}
