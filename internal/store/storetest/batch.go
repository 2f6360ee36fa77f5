package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// batchTests are the conformance tests of the optional store
// capabilities (capability.go); a store without one skips its test.
var batchTests = []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}{
	{"UpdateSubscriptionFunc", testUpdateSubscriptionFunc},
	{"RecordAttempts", testRecordAttempts},
	{"CreateEvents", testCreateEvents},
	{"RequeueLeased", testRequeueLeased},
	{"RequeueMatching", testRequeueMatching},
	{"RequeueMatchingReclaim", testRequeueMatchingReclaim},
	{"PruneKeepsReplayInFlight", testPruneKeepsReplayInFlight},
	{"PruneHistoryObjects", testPruneHistoryObjects},
	{"ExtendLeases", testExtendLeases},
	{"GetEvents", testGetEvents},
	{"ClaimDueEvents", testClaimDueEvents},
	{"WriteRecords", testWriteRecords},
}

type fnError struct{ msg string }

func (e *fnError) Error() string { return e.msg }

func testUpdateSubscriptionFunc(t *testing.T, s store.Store) {
	if _, ok := s.(store.SubscriptionUpdater); !ok {
		t.Skip("no store.SubscriptionUpdater")
	}
	sub := newSub("http://127.0.0.1/x", "card.created")
	sub.Headers = map[string]string{"X-A": "1"}
	must(t, s.CreateSubscription(ctx, sub))
	// Twenty concurrent read-modify-writes, each adding an event and a
	// header: none is lost.
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := store.UpdateSubscriptionFunc(ctx, s, sub.ID[:8], func(cur *store.Subscription) error {
				cur.Events = append(cur.Events, fmt.Sprintf("card.e%02d", i))
				h := map[string]string{}
				for k, v := range cur.Headers {
					h[k] = v
				}
				h[fmt.Sprintf("X-H%02d", i)] = "v"
				cur.Headers = h
				return nil
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	got, err := s.GetSubscription(ctx, sub.ID)
	must(t, err)
	if len(got.Events) != 21 || len(got.Headers) != 21 {
		t.Errorf("after 20 concurrent updates: %d events, %d headers, want 21 and 21: %v", len(got.Events), len(got.Headers), got.Events)
	}
	if !got.UpdatedAt.After(sub.UpdatedAt) && !got.UpdatedAt.Equal(sub.UpdatedAt) {
		t.Errorf("UpdatedAt went back: %v < %v", got.UpdatedAt, sub.UpdatedAt)
	}
	// An error from fn aborts the update and comes back as is.
	_, err = store.UpdateSubscriptionFunc(ctx, s, sub.ID, func(cur *store.Subscription) error {
		cur.Status = store.StatusDisabled
		return &fnError{"no"}
	})
	var fe *fnError
	if !errors.As(err, &fe) {
		t.Errorf("fn error: got %v (%T)", err, err)
	}
	// ErrNoChange writes nothing and returns the current row.
	cur, err := store.UpdateSubscriptionFunc(ctx, s, sub.ID, func(cur *store.Subscription) error {
		cur.Description = "changed"
		return store.ErrNoChange
	})
	must(t, err)
	if cur == nil || cur.ID != sub.ID {
		t.Fatalf("ErrNoChange returned %+v", cur)
	}
	again, err := s.GetSubscription(ctx, sub.ID)
	must(t, err)
	if again.Status != store.StatusEnabled || again.Description == "changed" || !again.UpdatedAt.Equal(got.UpdatedAt) {
		t.Errorf("aborted updates wrote: %+v", again)
	}
	_, err = store.UpdateSubscriptionFunc(ctx, s, "00000000-nope", func(*store.Subscription) error { return nil })
	isNotFound(t, "update of an unknown subscription", err)
}

func testRecordAttempts(t *testing.T, s store.Store) {
	br, ok := s.(store.BatchRecorder)
	if !ok {
		t.Skip("no store.BatchRecorder")
	}
	var ds []*store.Delivery
	for i := range 3 {
		d := newDelivery("http://127.0.0.1/x")
		must(t, s.CreateEvent(ctx, newEvent(fmt.Sprintf("evt_%d", i), "card.created"), []*store.Delivery{d}))
		ds = append(ds, d)
	}
	now := base.Add(time.Hour)
	// w holds d0 and d2; other holds d1.
	claim := func(owner string, n int) {
		got, err := s.ClaimDue(ctx, owner, now, time.Minute, n, "")
		must(t, err)
		if len(got) != n {
			t.Fatalf("%s claimed %d, want %d", owner, len(got), n)
		}
	}
	claim("w", 1)
	claim("other", 1)
	claim("w", 1)
	// A lease-lost attempt of d2 (by "late") takes number 1 first.
	if err := s.RecordAttempt(ctx, "late", &store.Attempt{DeliveryID: ds[2].ID, Number: 1, StartedAt: now}, store.DeliveryUpdate{Status: store.DeliveryFailed}); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("late record: %v", err)
	}
	next := now.Add(time.Second)
	as := []*store.Attempt{
		{DeliveryID: ds[0].ID, DeliverySeq: ds[0].Seq, Number: 1, StartedAt: now, Duration: time.Millisecond, RequestURL: "http://127.0.0.1/x",
			RequestMethod: "POST", RequestHeaders: map[string][]string{"A": {"1"}}, ResponseStatus: 200, ResponseBody: []byte("ok\x00")},
		{DeliveryID: ds[1].ID, DeliverySeq: ds[1].Seq, Number: 1, StartedAt: now, ResponseStatus: 200},
		{DeliveryID: ds[2].ID, DeliverySeq: ds[2].Seq, Number: 1, StartedAt: now, ResponseStatus: 503, ResponseHeaders: map[string][]string{"Retry-After": {"1"}}},
		{DeliveryID: "00000000-0000-4000-8000-000000000000", Number: 1, StartedAt: now},
	}
	us := []store.DeliveryUpdate{
		{Status: store.DeliverySucceeded, LastStatus: 200},
		{Status: store.DeliverySucceeded, LastStatus: 200},
		{Status: store.DeliveryPending, NextAttemptAt: next, LastError: "HTTP 503", LastStatus: 503},
		{Status: store.DeliverySucceeded},
	}
	errs, err := br.RecordAttempts(ctx, "w", as, us)
	must(t, err)
	if errs[0] != nil || !errors.Is(errs[1], store.ErrLeaseLost) || errs[2] != nil || !errors.Is(errs[3], store.ErrNotFound) {
		t.Fatalf("errs = %v", errs)
	}
	d0, _ := s.GetDelivery(ctx, ds[0].ID)
	d1, _ := s.GetDelivery(ctx, ds[1].ID)
	d2, _ := s.GetDelivery(ctx, ds[2].ID)
	if d0.Status != store.DeliverySucceeded || d0.AttemptCount != 1 || d0.LeaseOwner != "" {
		t.Errorf("d0 = %+v", d0)
	}
	if d1.Status != store.DeliveryPending || d1.AttemptCount != 0 || d1.LeaseOwner != "other" {
		t.Errorf("d1 (another's lease) changed: %+v", d1)
	}
	if d2.Status != store.DeliveryPending || d2.AttemptCount != 1 || d2.LastStatus != 503 || d2.LeaseOwner != "" {
		t.Errorf("d2 = %+v", d2)
	}
	sameTime(t, "d2 NextAttemptAt", d2.NextAttemptAt, next)
	a0, _ := s.ListAttempts(ctx, ds[0].ID)
	a1, _ := s.ListAttempts(ctx, ds[1].ID)
	a2, _ := s.ListAttempts(ctx, ds[2].ID)
	if len(a0) != 1 || a0[0].Number != 1 || string(a0[0].ResponseBody) != "ok\x00" || a0[0].RequestHeaders["A"][0] != "1" || a0[0].Duration != time.Millisecond {
		t.Errorf("d0 attempts: %+v", a0)
	}
	if len(a1) != 1 || as[1].Number != 1 {
		t.Errorf("the lease-lost attempt is kept: %+v", a1)
	}
	if len(a2) != 2 || a2[1].Number != 2 || as[2].Number != 2 || a2[1].ResponseHeaders["Retry-After"][0] != "1" {
		t.Errorf("d2 attempts (number 1 was taken): %+v, reported number %d", a2, as[2].Number)
	}
}

func testCreateEvents(t *testing.T, s store.Store) {
	bc, ok := s.(store.BatchCreator)
	if !ok {
		t.Skip("no store.BatchCreator")
	}
	must(t, s.CreateEvent(ctx, newEvent("evt_old", "card.created"), []*store.Delivery{newDelivery("http://127.0.0.1/0")}))
	lease := base.Add(time.Hour)
	evs := []*store.Event{newEvent("evt_a", "card.created"), newEvent("evt_old", "card.created"), newEvent("evt_b", "card.updated")}
	evs[0].Headers = map[string][]string{"X": {"1", "2"}}
	evs[0].Verdict = "valid"
	var dss [][]*store.Delivery
	for i := range evs {
		d1, d2 := newDelivery(fmt.Sprintf("http://127.0.0.1/%d", i)), newDelivery("http://127.0.0.1/y")
		d1.LeaseOwner, d1.LeaseExpiresAt = "me", lease
		d2.Headers = map[string]string{"H": "v"}
		d2.Kind, d2.OriginID = store.KindEdited, "orig"
		dss = append(dss, []*store.Delivery{d1, d2})
	}
	must(t, bc.CreateEvents(ctx, evs, dss))
	var last int64
	for _, ds := range dss {
		for _, d := range ds {
			if d.ID == "" || d.Seq <= last {
				t.Fatalf("deliveries not numbered in order: %+v (last seq %d)", d, last)
			}
			last = d.Seq
			got, err := s.GetDelivery(ctx, d.ID)
			must(t, err)
			if got.Seq != d.Seq || got.LeaseOwner != d.LeaseOwner || got.Kind != d.Kind || got.OriginID != d.OriginID || got.Headers["H"] != d.Headers["H"] {
				t.Errorf("delivery stored as %+v, want %+v", got, d)
			}
			if d.LeaseOwner != "" {
				sameTime(t, "LeaseExpiresAt", got.LeaseExpiresAt, lease)
			}
		}
	}
	e, err := s.GetEvent(ctx, "evt_a")
	must(t, err)
	if e.Verdict != "valid" || !slices.Equal(e.Headers["X"], []string{"1", "2"}) {
		t.Errorf("event stored as %+v", e)
	}
	n, err := s.CountDeliveries(ctx, store.DeliveryFilter{EventID: "evt_old"})
	must(t, err)
	if n[store.DeliveryPending] != 3 {
		t.Errorf("existing event: %v deliveries, want 3 (its new ones are written)", n)
	}
	// Leased ones are not claimable by others; the rest are.
	got, err := s.ClaimDue(ctx, "other", base.Add(time.Minute), time.Minute, 100, "")
	must(t, err)
	if len(got) != 4 {
		t.Errorf("claimed %d, want the 4 unleased", len(got))
	}
}

// claimedDeliveries creates n events with a delivery each (evt_0…) and
// lets worker "w" claim the first claim of them an hour after base; it
// returns the delivery IDs in order and the claim's time.
func claimedDeliveries(t *testing.T, s store.Store, n, claim int) ([]string, time.Time) {
	t.Helper()
	var ids []string
	for i := range n {
		d := newDelivery("http://127.0.0.1/x")
		must(t, s.CreateEvent(ctx, newEvent(fmt.Sprintf("evt_%d", i), "card.created"), []*store.Delivery{d}))
		ids = append(ids, d.ID)
	}
	now := base.Add(time.Hour)
	_, err := s.ClaimDue(ctx, "w", now, time.Minute, claim, "")
	must(t, err)
	return ids, now
}

func testRequeueLeased(t *testing.T, s store.Store) {
	lr, ok := s.(store.LeasingRequeuer)
	if !ok {
		t.Skip("no store.LeasingRequeuer")
	}
	ids, now := claimedDeliveries(t, s, 3, 3)
	var err error
	for i, id := range ids {
		st := store.DeliveryFailed
		if i == 1 {
			st = store.DeliverySucceeded
		}
		must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: id, Number: 1, StartedAt: now}, store.DeliveryUpdate{Status: st}))
	}
	until := now.Add(time.Minute)
	// A missing ID fails the whole requeue.
	_, err = lr.RequeueLeased(ctx, append(slices.Clone(ids), "00000000-0000-4000-8000-000000000000"), store.Requeue{ExtraAttempts: 2, Now: now}, "me", until)
	isNotFound(t, "requeue with a missing delivery", err)
	if d, _ := s.GetDelivery(ctx, ids[0]); d.Status != store.DeliveryFailed {
		t.Errorf("a failed requeue changed %+v", d)
	}
	rev := []string{ids[2], ids[1], ids[0]}
	got, err := lr.RequeueLeased(ctx, rev, store.Requeue{ExtraAttempts: 2, Now: now, RunID: "r1", URL: "http://127.0.0.1/new"}, "me", until)
	must(t, err)
	if len(got) != 2 || got[0].ID != ids[2] || got[1].ID != ids[0] {
		t.Fatalf("requeued %+v, want %s then %s (the succeeded one skipped)", got, ids[2], ids[0])
	}
	for _, d := range got {
		if d.Status != store.DeliveryPending || d.LeaseOwner != "me" || d.RunID != "r1" || d.URL != "http://127.0.0.1/new" || d.MaxAttempts != 3 {
			t.Errorf("requeued as %+v", d)
		}
		sameTime(t, "LeaseExpiresAt", d.LeaseExpiresAt, until)
	}
	if c, _ := s.ClaimDue(ctx, "other", now, time.Minute, 10, ""); len(c) != 0 {
		t.Errorf("another claimed %d deliveries leased by the requeue", len(c))
	}
}

func testRequeueMatching(t *testing.T, s store.Store) {
	mr, ok := s.(store.MatchRequeuer)
	if !ok {
		t.Skip("no store.MatchRequeuer")
	}
	ids, now := claimedDeliveries(t, s, 5, 4)
	// 0, 2 and 4 failed, 1 succeeded, 3 still pending (and 4 not claimed:
	// record it failed after a claim of its own).
	for i, id := range ids[:3] {
		st := store.DeliveryFailed
		if i == 1 {
			st = store.DeliverySucceeded
		}
		must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: id, Number: 1, StartedAt: now}, store.DeliveryUpdate{Status: st}))
	}
	must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: ids[3], Number: 1, StartedAt: now}, store.DeliveryUpdate{Status: store.DeliveryPending, NextAttemptAt: now.Add(time.Hour)}))
	_, err := s.ClaimDue(ctx, "w", now, time.Minute, 4, "")
	must(t, err)
	must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: ids[4], Number: 1, StartedAt: now}, store.DeliveryUpdate{Status: store.DeliveryFailed}))

	f := store.DeliveryFilter{Status: store.DeliveryFailed}
	until := now.Add(time.Minute)
	r := store.Requeue{ExtraAttempts: 2, Now: now, RunID: "r1", URL: "http://127.0.0.1/new"}
	var got []*store.Delivery
	for round := 0; ; round++ {
		if round > 5 {
			t.Fatal("RequeueMatching does not end")
		}
		ds, next, more, err := mr.RequeueMatching(ctx, f, 2, r, "me", until)
		must(t, err)
		if len(ds) > 2 {
			t.Fatalf("requeued %d with a limit of 2", len(ds))
		}
		got = append(got, ds...)
		if !more {
			break
		}
		f.AfterSeq = next
	}
	if len(got) != 3 || got[0].ID != ids[0] || got[1].ID != ids[2] || got[2].ID != ids[4] {
		t.Fatalf("requeued %+v, want the three failed ones in order", got)
	}
	for _, d := range got {
		// Requeued (pending, in the run), or leased in place: failed
		// still, and in its old run until the attempt is recorded.
		inPlace := d.Status == store.DeliveryFailed && d.RunID != "r1"
		if (d.Status != store.DeliveryPending || d.RunID != "r1") && !inPlace ||
			d.LeaseOwner != "me" || d.URL != "http://127.0.0.1/new" || d.MaxAttempts != d.AttemptCount+2 {
			t.Errorf("requeued as %+v", d)
		}
		sameTime(t, "LeaseExpiresAt", d.LeaseExpiresAt, until)
		if g, _ := s.GetDelivery(ctx, d.ID); g == nil || g.Status != d.Status || g.LeaseOwner != "me" {
			t.Errorf("stored as %+v, returned as %+v", g, d)
		}
	}
	// A second replay, even one that takes over what others hold, does
	// not take what this one is sending.
	if ds, _, _, err := mr.RequeueMatching(ctx, store.DeliveryFilter{Status: store.DeliveryFailed}, 10, r, "other", until); err != nil || len(ds) != 0 {
		t.Errorf("another replay requeued %d of the deliveries leased to the first (err %v)", len(ds), err)
	}
	// Recorded, each is in the run, whatever the requeue did with it.
	must(t, s.RecordAttempt(ctx, "me", &store.Attempt{DeliveryID: got[0].ID, Number: got[0].AttemptCount + 1, StartedAt: now},
		store.DeliveryUpdate{Status: store.DeliverySucceeded, RunID: "r1"}))
	if g, _ := s.GetDelivery(ctx, got[0].ID); g.Status != store.DeliverySucceeded || g.RunID != "r1" || g.LeaseOwner != "" {
		t.Errorf("recorded as %+v, want succeeded in run r1", g)
	}
	for i, want := range []string{store.DeliverySucceeded, store.DeliveryPending} {
		if d, _ := s.GetDelivery(ctx, ids[1+2*i]); d.Status != want || d.RunID == "r1" {
			t.Errorf("a delivery the filter does not select was changed: %+v", d)
		}
	}
	if c, _ := s.ClaimDue(ctx, "other", now, time.Minute, 10, ""); len(c) != 0 {
		t.Errorf("another claimed %d deliveries leased by the requeue", len(c))
	}
	// Nothing left: no delivery, no more.
	ds, _, more, err := mr.RequeueMatching(ctx, store.DeliveryFilter{Status: store.DeliveryFailed}, 10, r, "me", until)
	must(t, err)
	if len(ds) != 0 || more {
		t.Errorf("a second walk requeued %d (more %v), want none", len(ds), more)
	}
}

// testPruneKeepsReplayInFlight: a failed delivery a bulk replay leased in
// place (still failed, being sent) keeps its event from a prune, as a
// pending one does: the replay is delivering it, and deleting it lost the
// attempt the receiver got ('not recorded: delivery not found'). Once its
// attempt is recorded, the event goes.
func testPruneKeepsReplayInFlight(t *testing.T, s store.Store) {
	mr, ok := s.(store.MatchRequeuer)
	if !ok {
		t.Skip("no store.MatchRequeuer")
	}
	p, ok := s.(store.Pruner)
	if !ok {
		t.Skip("not a Pruner")
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	e := newEvent("evt_replayed", "card.created")
	e.CreatedAt = now.Add(-2 * time.Hour)
	d := newDelivery("http://127.0.0.1/x")
	d.NextAttemptAt = e.CreatedAt
	must(t, s.CreateEvent(ctx, e, []*store.Delivery{d}))
	if c, err := s.ClaimDue(ctx, "w", now, time.Minute, 10, ""); err != nil || len(c) != 1 {
		t.Fatalf("claimed %d: %v", len(c), err)
	}
	must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: e.CreatedAt}, store.DeliveryUpdate{Status: store.DeliveryFailed}))
	ds, _, _, err := mr.RequeueMatching(ctx, store.DeliveryFilter{Status: store.DeliveryFailed}, 10,
		store.Requeue{ExtraAttempts: 1, Now: now, RunID: "r1"}, "me", now.Add(time.Minute))
	must(t, err)
	if len(ds) != 1 {
		t.Fatalf("requeued %d, want 1", len(ds))
	}
	cut := now.Add(-time.Hour)
	want := store.PruneCounts{KeptPending: 1}
	if c, err := p.Prune(ctx, cut, 0, true); err != nil || c != want {
		t.Errorf("dry run during the replay: %+v %v, want %+v", c, err, want)
	}
	if c, err := p.Prune(ctx, cut, 0, false); err != nil || c != want {
		t.Errorf("prune during the replay: %+v %v, want %+v", c, err, want)
	}
	if err := s.RecordAttempt(ctx, "me", &store.Attempt{DeliveryID: d.ID, Number: 2, StartedAt: now},
		store.DeliveryUpdate{Status: store.DeliverySucceeded, RunID: "r1"}); err != nil {
		t.Fatalf("the replay's attempt after a prune: %v", err)
	}
	if as, err := s.ListAttempts(ctx, d.ID); err != nil || len(as) != 2 {
		t.Errorf("attempts after the replay: %d %v, want 2", len(as), err)
	}
	want = store.PruneCounts{Events: 1, Deliveries: 1, Attempts: 2}
	if c, err := p.Prune(ctx, cut, 0, false); err != nil || c != want {
		t.Errorf("prune after the replay: %+v %v, want %+v", c, err, want)
	}
}

// A RequeueMatching whose answer was lost (the connection cut after the
// commit) leased its batch in place all the same. The walk's retry
// (store.Requeue.Reclaim) takes that batch again, never another owner's
// and never a pending delivery; a retry without it skips the batch,
// which then stays failed under a lease nobody sends.
func testRequeueMatchingReclaim(t *testing.T, s store.Store) {
	mr, ok := s.(store.MatchRequeuer)
	if !ok {
		t.Skip("no store.MatchRequeuer")
	}
	ids, now := claimedDeliveries(t, s, 4, 4)
	for _, id := range ids {
		must(t, s.RecordAttempt(ctx, "w", &store.Attempt{DeliveryID: id, Number: 1, StartedAt: now}, store.DeliveryUpdate{Status: store.DeliveryFailed}))
	}
	f := store.DeliveryFilter{Status: store.DeliveryFailed}
	until := now.Add(time.Minute)
	r := store.Requeue{ExtraAttempts: 1, Now: now, RunID: "r1", Unheld: true}
	lost, _, _, err := mr.RequeueMatching(ctx, f, 2, r, "me", until) // its answer "lost"
	must(t, err)
	if len(lost) != 2 || lost[0].ID != ids[0] || lost[1].ID != ids[1] {
		t.Fatalf("first batch %+v", lost)
	}
	// Another replay does not take them, reclaiming or not.
	other := r
	other.Reclaim = true
	if ds, _, _, err := mr.RequeueMatching(ctx, f, 10, other, "other", until); err != nil || len(ds) != 2 || ds[0].ID != ids[2] {
		t.Fatalf("another replay took %d (%v), want the two not leased", len(ds), err)
	}
	// Give those two back to nobody (as the other replay's records
	// would): failed and free.
	for _, id := range ids[2:] {
		must(t, s.RecordAttempt(ctx, "other", &store.Attempt{DeliveryID: id, Number: 2, StartedAt: now}, store.DeliveryUpdate{Status: store.DeliveryFailed}))
	}
	// The retry with Reclaim takes the lost batch again, in order.
	retry := r
	retry.Reclaim = true
	ds, next, _, err := mr.RequeueMatching(ctx, f, 2, retry, "me", until.Add(time.Minute))
	must(t, err)
	if len(ds) != 2 || ds[0].ID != ids[0] || ds[1].ID != ids[1] || next != ds[1].Seq {
		t.Fatalf("the retry requeued %+v, want the lost batch %s, %s", ds, ids[0], ids[1])
	}
	for _, d := range ds {
		if d.LeaseOwner != "me" {
			t.Errorf("reclaimed as %+v", d)
		}
		sameTime(t, "LeaseExpiresAt", d.LeaseExpiresAt, until.Add(time.Minute))
	}
	// Without Reclaim the same call skips them (what the retry did
	// before): the two others come first.
	if ds, _, _, err := mr.RequeueMatching(ctx, f, 2, r, "me", until); err != nil || len(ds) != 2 || ds[0].ID != ids[2] {
		t.Fatalf("without Reclaim: %d (%v), want the batch after the lost one", len(ds), err)
	}
	// A pending delivery the owner holds (its claim path's) is never
	// reclaimed: it may be in flight.
	d := newDelivery("http://127.0.0.1/x")
	must(t, s.CreateEvent(ctx, newEvent("evt_p", "card.created"), []*store.Delivery{d}))
	if c, err := s.ClaimDue(ctx, "me", now, time.Minute, 10, ""); err != nil || len(c) != 1 || c[0].ID != d.ID {
		t.Fatalf("claim of the pending one: %d (%v)", len(c), err)
	}
	if ds, _, _, err := mr.RequeueMatching(ctx, store.DeliveryFilter{}, 10, retry, "me", until); err != nil {
		t.Fatal(err)
	} else {
		for _, x := range ds {
			if x.ID == d.ID {
				t.Errorf("a pending delivery the owner holds was reclaimed")
			}
		}
	}
}

func testExtendLeases(t *testing.T, s store.Store) {
	le, ok := s.(store.LeaseExtender)
	if !ok {
		t.Skip("no store.LeaseExtender")
	}
	var ids []string
	for i := range 3 {
		d := newDelivery("http://127.0.0.1/x")
		must(t, s.CreateEvent(ctx, newEvent(fmt.Sprintf("evt_%d", i), "card.created"), []*store.Delivery{d}))
		ids = append(ids, d.ID)
	}
	now := base.Add(time.Hour)
	_, err := s.ClaimDue(ctx, "w", now, time.Second, 2, "")
	must(t, err)
	_, err = s.ClaimDue(ctx, "other", now, time.Second, 1, "")
	must(t, err)
	until := now.Add(time.Minute)
	got, err := le.ExtendLeases(ctx, "w", ids, until)
	must(t, err)
	slices.Sort(got)
	want := slices.Clone(ids[:2])
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("extended %v, want %v", got, want)
	}
	// Past the original lease: w's are still held, other's is free.
	c, err := s.ClaimDue(ctx, "thief", now.Add(2*time.Second), time.Second, 10, "")
	must(t, err)
	if len(c) != 1 || c[0].ID != ids[2] {
		t.Errorf("after the heartbeat another claimed %+v, want only %s", c, ids[2])
	}
	if got, err := le.ExtendLeases(ctx, "w", nil, until); err != nil || len(got) != 0 {
		t.Errorf("empty extend: %v %v", got, err)
	}
}

func testGetEvents(t *testing.T, s store.Store) {
	eg, ok := s.(store.EventsGetter)
	if !ok {
		t.Skip("no store.EventsGetter")
	}
	for i := range 3 {
		e := newEvent(fmt.Sprintf("evt_%d", i), "card.created")
		e.Headers = map[string][]string{"X": {"1"}}
		must(t, s.CreateEvent(ctx, e, []*store.Delivery{newDelivery("http://127.0.0.1/x")}))
	}
	got, err := eg.GetEvents(ctx, []string{"evt_2", "evt_0", "evt_missing"})
	must(t, err)
	ids := []string{}
	for _, e := range got {
		ids = append(ids, e.ID)
		if e.Type != "card.created" || e.Headers["X"][0] != "1" || string(e.Payload) == "" {
			t.Errorf("event read as %+v", e)
		}
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"evt_0", "evt_2"}) {
		t.Errorf("GetEvents returned %v", ids)
	}
}

// recordsWriter is the listen recorder's batch path (both stores).
type recordsWriter interface {
	WriteRecords(ctx context.Context, recs []store.Record) error
}

func testWriteRecords(t *testing.T, s store.Store) {
	w, ok := s.(recordsWriter)
	if !ok {
		t.Skip("no WriteRecords")
	}
	e := newEvent("evt_w", "card.created")
	e.Source = store.SourceReceived
	d := newDelivery("http://127.0.0.1/app")
	d.ID, d.EventID, d.Status, d.AttemptCount, d.Kind = "00000000-0000-4000-8000-00000000000a", e.ID, store.DeliverySucceeded, 1, store.KindForward
	d.CreatedAt, d.UpdatedAt = base, base
	a := &store.Attempt{DeliveryID: d.ID, Number: 1, StartedAt: base, ResponseStatus: 200}
	must(t, w.WriteRecords(ctx, []store.Record{{Event: e}, {Delivery: d}, {Attempt: a}, {Event: e}}))
	if d.Seq <= 0 {
		t.Errorf("delivery seq not set: %d", d.Seq)
	}
	got, err := s.GetDelivery(ctx, d.ID)
	must(t, err)
	if got.Status != store.DeliverySucceeded || got.Kind != store.KindForward || got.Seq != d.Seq {
		t.Errorf("delivery written as %+v", got)
	}
	as, err := s.ListAttempts(ctx, d.ID)
	must(t, err)
	if len(as) != 1 || as[0].ResponseStatus != 200 {
		t.Errorf("attempts %+v", as)
	}
	// A failing record (an attempt of a missing delivery) writes nothing.
	e2 := newEvent("evt_w2", "card.created")
	err = w.WriteRecords(ctx, []store.Record{{Event: e2}, {Attempt: &store.Attempt{DeliveryID: "00000000-0000-4000-8000-00000000000b", Number: 1, StartedAt: base}}})
	if err == nil {
		t.Fatal("writing an attempt of a missing delivery succeeded")
	}
	if _, err := s.GetEvent(ctx, "evt_w2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a failed batch kept its event: %v", err)
	}
}
