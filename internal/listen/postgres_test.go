package listen

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// On PostgreSQL (no batch writer) the recorder takes the import path
// (ImportBatch, one transaction per batch); the forwards still land as finished deliveries
// that no worker will send again.
func TestRecorderPostgres(t *testing.T) {
	ctx := context.Background()
	st, err := postgres.Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sub := &store.Subscription{CallbackURL: "http://127.0.0.1:1/", Events: []string{"*"}, Status: store.StatusEnabled, Secret: "s3cret", Scheme: "auto"}
	if err := st.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
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
