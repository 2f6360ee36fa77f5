package delivery

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// countingInspector counts the rows asked for by ID.
type countingInspector struct {
	store.Inspector
	rows int
}

func (c *countingInspector) InspectByIDs(ctx context.Context, ids []string) ([]*store.DeliveryRow, error) {
	c.rows += len(ids)
	return c.Inspector.InspectByIDs(ctx, ids)
}

// retryAt records the next attempt of delivery id, a failure leaving it
// pending with its retry due at at (as attempt does, claimed by a worker
// of its own).
func (f *tailFixture) retryAt(id string, at time.Time) {
	f.t.Helper()
	d, err := f.st.GetDelivery(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	f.claims++
	owner := fmt.Sprintf("w%d", f.claims)
	if _, err := f.st.ClaimDue(f.ctx, owner, time.Now().Add(time.Duration(f.claims)*time.Hour), time.Minute, 1000, ""); err != nil {
		f.t.Fatal(err)
	}
	a := &store.Attempt{DeliveryID: id, Number: d.AttemptCount + 1, StartedAt: time.Now(), Duration: time.Millisecond,
		RequestURL: d.URL, RequestMethod: "POST", ResponseStatus: 500}
	u := store.DeliveryUpdate{Status: store.DeliveryPending, LastStatus: 500, LastError: "HTTP 500", NextAttemptAt: at}
	if err := f.st.RecordAttempt(f.ctx, owner, a, u); err != nil {
		f.t.Fatal(err)
	}
}

// TestTailReadsPendingWhenDue: a followed pending delivery whose retry is
// not due is not read again at every tick (no attempt can be made of it
// before then): a tail following many deliveries behind a receiver that
// is down costs what changes, not what it follows. One requeued (replay
// --pending) is read at the tick that reads its requeue, and its attempt
// reported.
func TestTailReadsPendingWhenDue(t *testing.T) {
	f := newTailFixture(t)
	insp := &countingInspector{Inspector: f.st.(store.Inspector)}
	tl := f.tailer(func(tl *Tailer) { tl.Lines = 0; tl.Insp = insp })
	var ids []string
	var want []string
	for i := range 20 {
		typ := fmt.Sprintf("card.n%02d", i)
		ids = append(ids, f.deliver(typ, "", 3))
		want = append(want, typ+" delivery sent")
	}
	wantItems(t, "new deliveries", f.step(tl), want...)
	want = want[:0]
	for i, id := range ids {
		f.retryAt(id, time.Now().Add(time.Hour))
		want = append(want, fmt.Sprintf("card.n%02d #1 500 pending", i))
	}
	wantItems(t, "their first attempts", f.step(tl), want...)
	insp.rows = 0
	for range 3 {
		wantItems(t, "waiting for their retries", f.step(tl))
	}
	if insp.rows != 0 {
		t.Errorf("three ticks read %d pending deliveries whose retry is an hour away, want none", insp.rows)
	}

	f.replay(ids[3], 1)
	f.attempt(ids[3], 200, store.DeliverySucceeded)
	wantItems(t, "requeued and sent: read at the tick that reads its requeue", f.step(tl), "card.n03 #2 200 succeeded")
	wantItems(t, "the tick after", f.step(tl))
	if insp.rows > 3 {
		t.Errorf("read %d rows for one requeued delivery", insp.rows)
	}
}
