package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// testAttemptInFlightAtDelete: a delivery whose attempt was in flight
// when its subscription was deleted stays failed ("subscription
// deleted", no lease), but the attempt that was really sent is counted:
// AttemptCount 1 and LastStatus its response's, whether it is recorded
// alone (RecordAttempt) or in a batch (RecordAttempts). Before, the
// attempt row was kept but AttemptCount stayed 0: `deliveries show` and
// serve's /_hookctl/deliveries said no attempt was made although the
// receiver got the request. Another worker's result is never touched: a
// lease-lost attempt of a delivery someone else recorded since (or is
// sending) changes neither its count nor its status.
func testAttemptInFlightAtDelete(t *testing.T, s store.Store) {
	sub := newSub("http://127.0.0.1/inflight", "*")
	must(t, s.CreateSubscription(ctx, sub))
	one, batched, taken := newDelivery(sub.CallbackURL), newDelivery(sub.CallbackURL), newDelivery(sub.CallbackURL)
	one.SubscriptionID, batched.SubscriptionID = sub.ID, sub.ID
	must(t, s.CreateEvent(ctx, newEvent("evt_inflight1", "card.created"), []*store.Delivery{one, batched, taken}))
	claimed, err := s.ClaimDue(ctx, "w", base.Add(time.Hour), time.Minute, 10, "")
	must(t, err)
	if len(claimed) != 3 {
		t.Fatalf("claimed %d", len(claimed))
	}
	var seq = map[string]int64{}
	for _, d := range claimed {
		seq[d.ID] = d.Seq
	}
	must(t, s.DeleteSubscription(ctx, sub.ID))

	// The engine's attempt, numbered AttemptCount+1 at its claim, with
	// the update it would have applied had it kept its lease.
	attempt := func(d *store.Delivery) *store.Attempt {
		return &store.Attempt{DeliveryID: d.ID, DeliverySeq: seq[d.ID], Number: 1, StartedAt: base, Duration: 3 * time.Millisecond,
			RequestURL: d.URL, RequestMethod: "POST", ResponseStatus: 200}
	}
	ok := store.DeliveryUpdate{Status: store.DeliverySucceeded, LastStatus: 200}
	if err := s.RecordAttempt(ctx, "w", attempt(one), ok); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("RecordAttempt after the delete: %v, want ErrLeaseLost", err)
	}
	if br, isBatch := s.(store.BatchRecorder); isBatch {
		errs, err := br.RecordAttempts(ctx, "w", []*store.Attempt{attempt(batched)}, []store.DeliveryUpdate{ok})
		must(t, err)
		if !errors.Is(errs[0], store.ErrLeaseLost) {
			t.Errorf("RecordAttempts after the delete: %v, want ErrLeaseLost", errs[0])
		}
	} else if err := s.RecordAttempt(ctx, "w", attempt(batched), ok); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("RecordAttempt (no batches) after the delete: %v, want ErrLeaseLost", err)
	}
	for name, d := range map[string]*store.Delivery{"RecordAttempt": one, "RecordAttempts": batched} {
		got, err := s.GetDelivery(ctx, d.ID)
		must(t, err)
		if got.Status != store.DeliveryFailed || got.LastError != "subscription deleted" || got.LeaseOwner != "" {
			t.Errorf("%s: delivery %s %q leased to %q; want failed, subscription deleted, no lease", name, got.Status, got.LastError, got.LeaseOwner)
		}
		as, err := s.ListAttempts(ctx, d.ID)
		must(t, err)
		if len(as) != 1 || as[0].Number != 1 || as[0].ResponseStatus != 200 {
			t.Fatalf("%s: attempts %+v; want the one sent", name, as)
		}
		if got.AttemptCount != len(as) || got.LastStatus != 200 {
			t.Errorf("%s: AttemptCount %d, LastStatus %d; want %d attempt (it was sent), 200", name, got.AttemptCount, got.LastStatus, len(as))
		}
		// The same attempt recorded again (a batch sent again) is not
		// counted twice.
		again := attempt(d)
		if err := s.RecordAttempt(ctx, "w", again, ok); !errors.Is(err, store.ErrLeaseLost) {
			t.Errorf("%s: recorded again: %v, want ErrLeaseLost", name, err)
		}
		if got, _ := s.GetDelivery(ctx, d.ID); got.AttemptCount != 1 {
			t.Errorf("%s: AttemptCount %d after a stale attempt numbered 1 again, want 1", name, got.AttemptCount)
		}
	}

	// taken: w's lease expires and w2 takes it and sends it (in flight);
	// w's late attempt does not count on w2's behalf nor change its
	// delivery; once w2 records, another late attempt of w's is kept but
	// leaves w2's result (and count) alone.
	if c, err := s.ClaimDue(ctx, "w2", base.Add(3*time.Hour), time.Minute, 10, ""); err != nil || len(c) != 1 || c[0].ID != taken.ID {
		t.Fatalf("w2 claimed %v (%v)", c, err)
	}
	if err := s.RecordAttempt(ctx, "w", attempt(taken), ok); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("w's attempt of w2's delivery: %v, want ErrLeaseLost", err)
	}
	if got, _ := s.GetDelivery(ctx, taken.ID); got.AttemptCount != 0 || got.Status != store.DeliveryPending || got.LeaseOwner != "w2" {
		t.Errorf("w2's delivery after w's late attempt: count %d, %s, leased to %q; want 0, pending, w2", got.AttemptCount, got.Status, got.LeaseOwner)
	}
	must(t, s.RecordAttempt(ctx, "w2", &store.Attempt{DeliveryID: taken.ID, Number: 1, StartedAt: base, ResponseStatus: 500},
		store.DeliveryUpdate{Status: store.DeliveryFailed, LastError: "HTTP 500", LastStatus: 500}))
	before, err := s.GetDelivery(ctx, taken.ID)
	must(t, err)
	if err := s.RecordAttempt(ctx, "w", attempt(taken), ok); !errors.Is(err, store.ErrLeaseLost) {
		t.Errorf("w's second late attempt: %v, want ErrLeaseLost", err)
	}
	if got, _ := s.GetDelivery(ctx, taken.ID); got.AttemptCount != before.AttemptCount || got.Status != store.DeliveryFailed ||
		got.LastStatus != 500 || got.LastError != "HTTP 500" {
		t.Errorf("w2's result after w's late attempt: count %d, %s %d %q; want %d, failed 500 HTTP 500", got.AttemptCount, got.Status, got.LastStatus, got.LastError, before.AttemptCount)
	}
}
