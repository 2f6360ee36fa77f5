package delivery

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// tailFixture is a SQLite store and helpers that write to it as trigger
// and a worker would, for a Tailer read step by step.
type tailFixture struct {
	t   *testing.T
	ctx context.Context
	st  store.Store
	sub *store.Subscription
	n   int
	got []string
	// claims counts the claims made (each by its own worker).
	claims int
}

func newTailFixture(t *testing.T) *tailFixture {
	return newTailFixtureOn(t, openSQLite(t))
}

// newTailFixtureOn is a tailFixture on st.
func newTailFixtureOn(t *testing.T, st store.Store) *tailFixture {
	f := &tailFixture{t: t, ctx: context.Background(), st: st}
	f.sub = &store.Subscription{CallbackURL: "http://127.0.0.1:1/hook", Status: store.StatusEnabled, Events: []string{"*"}, Secret: "whsec_x", Scheme: "auto"}
	if err := f.st.CreateSubscription(f.ctx, f.sub); err != nil {
		t.Fatal(err)
	}
	return f
}

// deliver stores an event of type typ with one delivery of up to max
// attempts (kind: "" or store.KindForward) and returns the delivery's ID.
func (f *tailFixture) deliver(typ, kind string, max int) string {
	f.t.Helper()
	f.n++
	ev := &store.Event{ID: fmt.Sprintf("evt_%03d", f.n), Type: typ, Provider: "standard", Payload: []byte(`{}`), Source: store.SourceTriggered}
	d := Plan{Schedule: Schedule{0, time.Millisecond, time.Millisecond, time.Millisecond}[:max]}.NewDelivery(f.sub, time.Now())
	d.Kind = kind
	if err := Enqueue(f.ctx, f.st, ev, []*store.Delivery{d}); err != nil {
		f.t.Fatal(err)
	}
	return d.ID
}

// attempt records the next attempt of delivery id with this answer,
// leaving it pending, succeeded or failed.
func (f *tailFixture) attempt(id string, code int, status string) {
	f.t.Helper()
	d, err := f.st.GetDelivery(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	// Claimed by a worker of its own an hour after the last claim: the
	// leases of the others it claimed then have expired.
	f.claims++
	owner := fmt.Sprintf("w%d", f.claims)
	ds, err := f.st.ClaimDue(f.ctx, owner, time.Now().Add(time.Duration(f.claims)*time.Hour), time.Minute, 1000, "")
	if err != nil {
		f.t.Fatal(err)
	}
	claimed := false
	for _, c := range ds {
		claimed = claimed || c.ID == id
	}
	if !claimed {
		f.t.Fatalf("delivery %s not claimed", id)
	}
	start := time.Now()
	a := &store.Attempt{DeliveryID: id, Number: d.AttemptCount + 1, StartedAt: start, Duration: time.Millisecond,
		RequestURL: d.URL, RequestMethod: "POST", ResponseStatus: code}
	u := store.DeliveryUpdate{Status: status, LastStatus: code}
	if status != store.DeliverySucceeded {
		u.LastError = fmt.Sprintf("HTTP %d", code)
	}
	if status == store.DeliveryPending {
		u.NextAttemptAt = time.Now().Add(-time.Second) // due again at once
	}
	if err := f.st.RecordAttempt(f.ctx, owner, a, u); err != nil {
		f.t.Fatal(err)
	}
}

func (f *tailFixture) tailer(tweak func(*Tailer)) *Tailer {
	tl := &Tailer{Store: f.st, Insp: f.st.(store.Inspector), Lines: 10, MaxWatch: DefaultTailWatch,
		Emit: func(it TailItem) error {
			f.got = append(f.got, describe(it))
			return nil
		}}
	if tweak != nil {
		tweak(tl)
	}
	tl.watch = map[string]*watched{}
	if err := tl.start(f.ctx); err != nil {
		f.t.Fatal(err)
	}
	return tl
}

// step runs one tick and returns what it reported.
func (f *tailFixture) step(tl *Tailer) []string {
	f.t.Helper()
	f.got = nil
	items, err := tl.step(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, it := range items {
		if err := tl.Emit(it); err != nil {
			f.t.Fatal(err)
		}
	}
	return f.got
}

// describe is an item as "TYPE delivery" or "TYPE #n CODE STATUS".
func describe(it TailItem) string {
	if it.Attempt == nil {
		return it.Row.EventType + " delivery " + it.Source
	}
	return fmt.Sprintf("%s #%d %d %s", it.Row.EventType, it.Attempt.Number, it.Attempt.ResponseStatus, it.State.Status)
}

func wantItems(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// TestTailFollowsAttemptsOnce: the last --lines deliveries first (oldest
// first, with their attempts), then a new delivery and each of its
// attempts exactly once, in order, with the state each left it in — also
// when two attempts were recorded between two reads.
func TestTailFollowsAttemptsOnce(t *testing.T) {
	t.Parallel()
	f := newTailFixture(t)
	old1 := f.deliver("card.old1", "", 2)
	f.attempt(old1, 200, store.DeliverySucceeded)
	old2 := f.deliver("card.old2", "", 3)
	f.attempt(old2, 500, store.DeliveryPending)
	f.deliver("card.old3", "", 2)
	tl := f.tailer(func(tl *Tailer) { tl.Lines = 2 })
	wantItems(t, "backlog", f.got, "card.old2 delivery sent", "card.old2 #1 500 pending", "card.old3 delivery sent")

	if got := f.step(tl); len(got) != 0 {
		t.Errorf("nothing new: %q", got)
	}
	id := f.deliver("card.created", "", 3)
	wantItems(t, "new delivery", f.step(tl), "card.created delivery sent")
	f.attempt(id, 500, store.DeliveryPending)
	wantItems(t, "first attempt", f.step(tl), "card.created #1 500 pending")
	if got := f.step(tl); len(got) != 0 {
		t.Errorf("reported again: %q", got)
	}
	// Two attempts between two reads, and the backlog's pending one.
	f.attempt(id, 503, store.DeliveryPending)
	f.attempt(old2, 200, store.DeliverySucceeded)
	f.attempt(id, 200, store.DeliverySucceeded)
	wantItems(t, "two attempts at once", f.step(tl), "card.created #2 503 pending", "card.old2 #2 200 succeeded", "card.created #3 200 succeeded")
	if got := f.step(tl); len(got) != 0 {
		t.Errorf("after it settled: %q", got)
	}
	if len(tl.watch) != 1 { // card.old3, still pending with no attempt
		t.Errorf("watching %d deliveries, want 1", len(tl.watch))
	}
}

// TestTailStatusFilter: a delivery is born pending; with --status failed
// it is reported when it failed, with all its attempts, and one that
// succeeded is never; with --status pending, what left it pending.
func TestTailStatusFilter(t *testing.T) {
	f := newTailFixture(t)
	tl := f.tailer(func(tl *Tailer) { tl.Status = store.DeliveryFailed })
	fail := f.deliver("card.failing", "", 2)
	ok := f.deliver("card.ok", "", 2)
	wantItems(t, "pending ones", f.step(tl))
	f.attempt(fail, 500, store.DeliveryPending)
	f.attempt(ok, 200, store.DeliverySucceeded)
	wantItems(t, "one settled, not failed", f.step(tl))
	f.attempt(fail, 500, store.DeliveryFailed)
	wantItems(t, "failed", f.step(tl), "card.failing delivery sent", "card.failing #1 500 pending", "card.failing #2 500 failed")
	wantItems(t, "after", f.step(tl))

	f2 := newTailFixture(t)
	tl = f2.tailer(func(tl *Tailer) { tl.Status = store.DeliveryPending })
	id := f2.deliver("card.created", "", 2)
	f2.attempt(id, 500, store.DeliveryPending)
	wantItems(t, "pending", f2.step(tl), "card.created delivery sent", "card.created #1 500 pending")
	f2.attempt(id, 200, store.DeliverySucceeded)
	wantItems(t, "settled", f2.step(tl))
}

// TestTailEventAndSourceFilters: --event and --source as deliveries list
// reads them (a listen forward is "received" even of a triggered event).
func TestTailEventAndSourceFilters(t *testing.T) {
	f := newTailFixture(t)
	tl := f.tailer(func(tl *Tailer) { tl.EventPattern = "card.*"; tl.Source = store.DeliveryReceived })
	f.deliver("card.created", "", 1)
	f.deliver("payment.done", store.KindForward, 1)
	f.deliver("card.updated", store.KindForward, 1)
	wantItems(t, "filtered", f.step(tl), "card.updated delivery received")
	// Nothing matches: the cursor still moves on.
	f.deliver("payment.done", "", 1)
	wantItems(t, "none", f.step(tl))
	f.deliver("card.created", store.KindForward, 1)
	wantItems(t, "next", f.step(tl), "card.created delivery received")
}

// TestTailWatchBound: beyond MaxWatch pending deliveries, a new one is
// reported without its later attempts, and the overflow is said once.
func TestTailWatchBound(t *testing.T) {
	f := newTailFixture(t)
	said := 0
	tl := f.tailer(func(tl *Tailer) { tl.MaxWatch = 1; tl.OnOverflow = func(int) { said++ } })
	a := f.deliver("card.a", "", 2)
	b := f.deliver("card.b", "", 2)
	f.deliver("card.c", "", 2)
	wantItems(t, "new", f.step(tl), "card.a delivery sent", "card.b delivery sent", "card.c delivery sent")
	f.attempt(a, 200, store.DeliverySucceeded)
	f.attempt(b, 200, store.DeliverySucceeded)
	wantItems(t, "followed", f.step(tl), "card.a #1 200 succeeded")
	if said != 1 {
		t.Errorf("overflow said %d times, want 1", said)
	}
}

// TestAttemptStateOfEarlierAttempts: an attempt followed by the
// schedule's retry left its delivery pending until that retry; one
// followed by a replay had settled it.
func TestAttemptStateOfEarlierAttempts(t *testing.T) {
	t0 := time.Now()
	d := &store.Delivery{Status: store.DeliverySucceeded, AttemptCount: 3, MaxAttempts: 3}
	a1 := &store.Attempt{Number: 1, ResponseStatus: 500, StartedAt: t0, ResponseBody: []byte(`{"error":"boom"}`)}
	a2 := &store.Attempt{Number: 2, ResponseStatus: 500, StartedAt: t0.Add(time.Second)}
	a3 := &store.Attempt{Number: 3, ResponseStatus: 200, StartedAt: t0.Add(time.Minute), Manual: true}
	s := AttemptState(d, a1, a2)
	if s.Status != store.DeliveryPending || !s.NextAttemptAt.Equal(a2.StartedAt) || s.LastError != `HTTP 500 Internal Server Error: {"error":"boom"}` {
		t.Errorf("after #1: %+v", s)
	}
	if s := AttemptState(d, a2, a3); s.Status != store.DeliveryFailed {
		t.Errorf("after #2 (replayed): %s, want failed", s.Status)
	}
	if s := AttemptState(d, a3, nil); s.Status != store.DeliverySucceeded {
		t.Errorf("after #3: %s", s.Status)
	}
}

// flakyInspector fails every read while fail is set.
type flakyInspector struct {
	store.Inspector
	fail  atomic.Bool
	fails atomic.Int32
}

func (f *flakyInspector) InspectDeliveries(ctx context.Context, q store.InspectQuery) (*store.InspectPage, error) {
	if f.fail.Load() {
		f.fails.Add(1)
		return nil, errors.New("connection refused")
	}
	return f.Inspector.InspectDeliveries(ctx, q)
}

// TestTailStoreOutage: reads that fail for a while are said once, their
// end once, and what was written meanwhile is shown after, once.
func TestTailStoreOutage(t *testing.T) {
	t.Parallel()
	f := newTailFixture(t)
	insp := &flakyInspector{Inspector: f.st.(store.Inspector)}
	items := make(chan string, 10)
	downs, backs := make(chan error, 10), make(chan time.Duration, 10)
	ready := make(chan struct{})
	tl := &Tailer{Store: f.st, Insp: insp, Interval: MinTailInterval,
		Emit:    func(it TailItem) error { items <- describe(it); return nil },
		OnError: func(err error) { downs <- err }, OnBack: func(d time.Duration) { backs <- d },
		OnReady: func() { close(ready) }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tl.Run(ctx) }()
	<-ready
	insp.fail.Store(true)
	f.deliver("card.created", "", 1)
	<-downs
	for insp.fails.Load() < 5 { // several failed ticks
		select {
		case err := <-done:
			t.Fatalf("tail ended: %v", err)
		case <-time.After(MinTailInterval):
		}
	}
	insp.fail.Store(false)
	<-backs
	if got := <-items; got != "card.created delivery sent" {
		t.Errorf("after the outage: %q", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if len(downs) != 0 || len(backs) != 0 || len(items) != 0 {
		t.Errorf("said %d more outages, %d more ends, %d more items", len(downs), len(backs), len(items))
	}
}

// TestTailFailedStepLosesNothing: a tick that fails after it read a
// watched delivery's new attempt (the range read failed) is undone: the
// next tick shows that attempt, once.
func TestTailFailedStepLosesNothing(t *testing.T) {
	t.Parallel()
	f := newTailFixture(t)
	insp := &flakyInspector{Inspector: f.st.(store.Inspector)}
	tl := f.tailer(func(tl *Tailer) { tl.Insp = insp })
	id := f.deliver("card.created", "", 2)
	wantItems(t, "new", f.step(tl), "card.created delivery sent")
	f.attempt(id, 500, store.DeliveryPending)
	insp.fail.Store(true)
	if _, err := tl.step(f.ctx); err == nil {
		t.Fatal("step: no error")
	}
	insp.fail.Store(false)
	wantItems(t, "after the failed tick", f.step(tl), "card.created #1 500 pending")
	wantItems(t, "then", f.step(tl))
}

// cancelingInspector cancels the tail's context once a range read of new
// deliveries returned rows: a signal arriving in the middle of a tick.
type cancelingInspector struct {
	store.Inspector
	cancel context.CancelFunc
}

func (c *cancelingInspector) InspectDeliveries(ctx context.Context, q store.InspectQuery) (*store.InspectPage, error) {
	pg, err := c.Inspector.InspectDeliveries(context.WithoutCancel(ctx), q)
	if err == nil && q.Tail && len(pg.Rows) > 0 {
		c.cancel()
	}
	return pg, err
}

// TestTailSignalMidTick: what a tick read before the signal is printed,
// then Run returns nil.
func TestTailSignalMidTick(t *testing.T) {
	f := newTailFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []string
	ready := make(chan struct{})
	tl := &Tailer{Store: f.st, Insp: &cancelingInspector{Inspector: f.st.(store.Inspector), cancel: cancel}, Interval: MinTailInterval,
		Emit:    func(it TailItem) error { got = append(got, describe(it)); return nil },
		OnReady: func() { close(ready) }}
	done := make(chan error, 1)
	go func() { done <- tl.Run(ctx) }()
	<-ready
	f.deliver("card.created", "", 1)
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	wantItems(t, "printed", got, "card.created delivery sent")
}

// TestTailFilteredFlood: with --event and --source, a tick that reads
// its five full pages of rows (all left out by --source) goes on from
// there, not from the newest delivery: the one that matches after them
// is shown.
func TestTailFilteredFlood(t *testing.T) {
	f := newTailFixture(t)
	tl := f.tailer(func(tl *Tailer) { tl.EventPattern = "card.*"; tl.Source = store.DeliveryReceived; tl.page = 2 })
	for range 5*2 + 1 {
		f.deliver("card.created", "", 1) // sent: left out
	}
	f.deliver("card.created", store.KindForward, 1)
	var got []string
	for range 3 {
		got = append(got, f.step(tl)...)
	}
	wantItems(t, "after the flood", got, "card.created delivery received")
}

// conflictErr is a statement the server aborted to break a deadlock.
type conflictErr struct{}

func (conflictErr) Error() string    { return "inspect deliveries: deadlock detected (SQLSTATE 40P01)" }
func (conflictErr) SQLState() string { return "40P01" }

// conflictInspector fails the next n reads with a deadlock.
type conflictInspector struct {
	store.Inspector
	n atomic.Int32
}

func (c *conflictInspector) InspectDeliveries(ctx context.Context, q store.InspectQuery) (*store.InspectPage, error) {
	if c.n.Add(-1) >= 0 {
		return nil, conflictErr{}
	}
	return c.Inspector.InspectDeliveries(ctx, q)
}

// TestTailConflictIsNoOutage: a read PostgreSQL aborted to break a
// deadlock (DROP SCHEMA under a running tail, a concurrent writer) is
// read again at once, not said as the store going away ("waiting for the
// store"): tail printed that, then ended on the dropped tables anyway.
func TestTailConflictIsNoOutage(t *testing.T) {
	f := newTailFixture(t)
	insp := &conflictInspector{Inspector: f.st.(store.Inspector)}
	items := make(chan string, 10)
	downs := make(chan error, 10)
	ready := make(chan struct{})
	tl := &Tailer{Store: f.st, Insp: insp, Interval: MinTailInterval,
		Emit:    func(it TailItem) error { items <- describe(it); return nil },
		OnError: func(err error) { downs <- err }, OnReady: func() { close(ready) }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tl.Run(ctx) }()
	<-ready
	insp.n.Store(2)
	f.deliver("card.created", "", 1)
	select {
	case got := <-items:
		if got != "card.created delivery sent" {
			t.Errorf("after the deadlocks: %q", got)
		}
	case err := <-downs:
		t.Errorf("a deadlock was said as an outage: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("nothing printed")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if len(downs) != 0 {
		t.Errorf("said %d outages", len(downs))
	}
}
