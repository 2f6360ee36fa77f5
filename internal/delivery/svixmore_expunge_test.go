package delivery

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// An event whose payload was expunged (store.ContentExpunger) is not
// sent again by a replay: the attempt is recorded unsent with
// store.ExpungedError and the delivery fails. Both for an engine of
// another process (it reads the event from the store) and for the engine
// that sent it before and cached it, once told (ForgetEvent, which
// serve's store wrapper calls): without that it sent the cached payload.
func TestSvixmoreEngineSendsNoExpungedEvent(t *testing.T) {
	rcv := &receiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	st := openSQLite(t)
	x := st.(store.ContentExpunger)
	ctx := context.Background()
	ev := &store.Event{ID: "evt_x1", Type: "card.created", Provider: "standard", Payload: []byte(`{"card":"4242"}`), Source: store.SourceTriggered}
	d := Plan{}.AdHoc(srv.URL, "github", "s3cret", time.Now())
	if err := Enqueue(ctx, st, ev, []*store.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	run := func(e *Engine) {
		t.Helper()
		rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		done := func() bool {
			n, err := st.CountDeliveries(ctx, store.DeliveryFilter{Status: store.DeliveryPending})
			return err == nil && n[store.DeliveryPending] == 0
		}
		if err := e.Run(rctx, done); err != nil {
			t.Fatal(err)
		}
		if !done() {
			t.Fatal("deliveries still pending")
		}
	}
	sender := newEngine(st, "", 2)
	run(sender)
	if len(rcv.reqs) != 1 || rcv.reqs[0].body != `{"card":"4242"}` {
		t.Fatalf("first send: %+v", rcv.reqs)
	}
	if err := x.ExpungeEvent(ctx, ev.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	check := func(who string, attempts int) {
		t.Helper()
		if len(rcv.reqs) != 1 {
			t.Fatalf("%s: the receiver got %d requests, want 1 (the expunged event was sent again: %q)", who, len(rcv.reqs), rcv.reqs[len(rcv.reqs)-1].body)
		}
		got, err := st.GetDelivery(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		atts, err := st.ListAttempts(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != store.DeliveryFailed || got.LastError != store.ExpungedError || len(atts) != attempts || atts[attempts-1].Error != store.ExpungedError {
			t.Errorf("%s: delivery %s %q, %d attempts; want failed, %q, %d", who, got.Status, got.LastError, len(atts), store.ExpungedError, attempts)
		}
	}
	// Another process's engine (hookctl replay).
	if _, err := st.Requeue(ctx, []string{d.ID}, store.Requeue{Force: true}); err != nil {
		t.Fatal(err)
	}
	run(newEngine(st, "", 2))
	check("another engine", 2)
	// The engine that sent it, told.
	sender.ForgetEvent(ev.ID)
	if _, err := st.Requeue(ctx, []string{d.ID}, store.Requeue{Force: true}); err != nil {
		t.Fatal(err)
	}
	run(sender)
	check("the engine that cached it", 3)
}
