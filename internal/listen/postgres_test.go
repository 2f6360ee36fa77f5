package listen

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// On PostgreSQL (no batch writer) the recorder takes the import path
// (ImportBatch, one transaction per batch); the forwards still land as finished deliveries
// that no worker will send again.
func TestRecorderPostgres(t *testing.T) {
	ctx := context.Background()
	st, sub := postgresWithSubscription(t)
	a, _ := app(t, 500)
	rec := newRecorder(t, st)
	srv, _, log := newTestServer(t, a.URL, func(c *Config) { c.Recorder = rec; c.SubscriptionID = sub.ID })
	for i := 0; i < 2; i++ {
		body := []byte(`{"id":"evt_pg","type":"payment.failed"}`)
		req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		sign(t, req, "s3cret", "", body)
		srv.ServeHTTP(httptest.NewRecorder(), req)
	}
	rec.Close(ctx)
	log.Close()
	ds, err := st.ListDeliveries(ctx, store.DeliveryFilter{EventID: "evt_pg"})
	if err != nil || len(ds) != 2 {
		t.Fatalf("deliveries %+v, %v", ds, err)
	}
	for _, d := range ds {
		if d.Status != store.DeliveryFailed || d.LastStatus != 500 || d.AttemptCount != 1 {
			t.Fatalf("delivery = %+v", d)
		}
	}
	if n, err := st.CountDeliveries(ctx, store.DeliveryFilter{Status: store.DeliveryPending}); err != nil || n[store.DeliveryPending] != 0 {
		t.Fatalf("pending = %v, %v", n, err)
	}
}

// A received event whose id or type PostgreSQL's text cannot hold (a NUL
// from "\u0000" in the body, a byte that is not UTF-8) is recorded like any
// other, and does not hold back the events received with it: before, its
// batch failed at every retry, every later event stayed in the journal
// (answered 200, never stored) and each store command failed importing it.
func TestRecorderPostgresUnstorableText(t *testing.T) {
	ctx := context.Background()
	st, sub := postgresWithSubscription(t)
	a, _ := app(t, 200)
	rec := newRecorder(t, st)
	srv, _, log := newTestServer(t, a.URL, func(c *Config) { c.Recorder = rec; c.SubscriptionID = sub.ID })
	bodies := []string{
		`{"id":"evt_nul","type":"a\u0000b"}`,
		"{\"id\":\"evt_\xff\",\"type\":\"c\xffd\"}",
		`{"id":"evt_ok","type":"payment.failed"}`,
	}
	for _, b := range bodies {
		body := []byte(b)
		req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		sign(t, req, "s3cret", "", body)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != 200 {
			t.Fatalf("%s: answered %d %s", b, w.Code, w.Body)
		}
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if left := rec.Close(cctx); left != 0 {
		t.Errorf("%d received events left in the journal", left)
	}
	log.Close()
	for _, id := range []string{"evt_nul", "evt_\xff", "evt_ok"} {
		e, err := st.GetEvent(ctx, id)
		if err != nil {
			t.Errorf("event %q: %v", id, err)
			continue
		}
		ds, err := st.ListDeliveries(ctx, store.DeliveryFilter{EventID: id})
		if err != nil || len(ds) != 1 || ds[0].Status != store.DeliverySucceeded {
			t.Errorf("event %q (type %q): deliveries %v, %v", id, e.Type, ds, err)
		}
	}
}

// postgresWithSubscription opens a throwaway PostgreSQL store (closed when
// the test ends) holding one enabled subscription, secret "s3cret".
func postgresWithSubscription(t *testing.T) (store.Store, *store.Subscription) {
	t.Helper()
	st, err := postgres.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sub := &store.Subscription{CallbackURL: "http://127.0.0.1:1/", Events: []string{"*"}, Status: store.StatusEnabled, Secret: "s3cret", Scheme: "auto"}
	if err := st.CreateSubscription(context.Background(), sub); err != nil {
		t.Fatal(err)
	}
	return st, sub
}
