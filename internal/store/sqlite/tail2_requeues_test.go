package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// TestRequeueLog: each requeue (Requeue, RequeueLeased) appends the
// delivery and its attempt count then to the requeue log, read by id
// (LastRequeue, RequeuesAfter); a delivery not requeued (succeeded,
// without Force) is not appended; the log keeps its last
// store.RequeueLogKeep entries.
func TestRequeueLog(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	defer s.Close()
	e := &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), Source: store.SourceTriggered}
	var ds []*store.Delivery
	for range 3 {
		ds = append(ds, &store.Delivery{URL: "http://127.0.0.1:1/", Status: store.DeliveryFailed, AttemptCount: 2, MaxAttempts: 2})
	}
	ds[2].Status = store.DeliverySucceeded
	if err := s.CreateEvent(ctx, e, ds); err != nil {
		t.Fatal(err)
	}
	if id, err := s.LastRequeue(ctx); err != nil || id != 0 {
		t.Fatalf("LastRequeue of an empty log = %d, %v", id, err)
	}
	if _, err := s.Requeue(ctx, []string{ds[0].ID, ds[2].ID}, store.Requeue{ExtraAttempts: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RequeueLeased(ctx, []string{ds[1].ID}, store.Requeue{ExtraAttempts: 1}, "w", time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := s.RequeuesAfter(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].DeliveryID != ds[0].ID || got[1].DeliveryID != ds[1].ID || got[0].Attempts != 2 || got[1].ID <= got[0].ID {
		t.Fatalf("RequeuesAfter(0) = %+v, want %s then %s, 2 attempts each", got, ds[0].ID, ds[1].ID)
	}
	if last, err := s.LastRequeue(ctx); err != nil || last != got[1].ID {
		t.Fatalf("LastRequeue = %d, %v, want %d", last, err, got[1].ID)
	}
	if after, err := s.RequeuesAfter(ctx, got[0].ID, 10); err != nil || len(after) != 1 || after[0].ID != got[1].ID {
		t.Fatalf("RequeuesAfter(%d) = %+v, %v", got[0].ID, after, err)
	}

	// A full log: the next requeue deletes the oldest.
	if _, err := s.w.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO requeues (delivery_id, attempts) SELECT 'x', 0 FROM n`, store.RequeueLogKeep); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Requeue(ctx, []string{ds[0].ID}, store.Requeue{ExtraAttempts: 1}); err != nil {
		t.Fatal(err)
	}
	var n, lo int64
	if err := s.r.QueryRowContext(ctx, `SELECT count(*), min(id) FROM requeues`).Scan(&n, &lo); err != nil {
		t.Fatal(err)
	}
	last, _ := s.LastRequeue(ctx)
	if n != store.RequeueLogKeep || lo != last-store.RequeueLogKeep+1 {
		t.Errorf("the log keeps %d entries from %d to %d, want the last %d", n, lo, last, store.RequeueLogKeep)
	}
}
