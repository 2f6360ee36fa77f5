package stripe_test

import (
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v85"
	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
)

// settled waits until none of the event's deliveries is pending.
func settled(t *testing.T, e *servetest.Env, eventID string, want int) []*store.Delivery {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ds, err := e.Store.ListDeliveries(t.Context(), store.DeliveryFilter{EventID: eventID})
		if err != nil {
			t.Fatal(err)
		}
		done := len(ds) == want
		for _, d := range ds {
			done = done && d.Status != store.DeliveryPending
		}
		if done {
			return ds
		}
		if time.Now().After(deadline) {
			t.Fatalf("the deliveries of %s did not settle: %+v", eventID, ds)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPendingWebhooks: an event's pending_webhooks is the number of
// endpoints it goes to in the body sent (2 here, the same bytes on a
// replay), and, read back with GET /v1/events/{id} or the list, the
// number of endpoints that have not received it yet (1 while one fails,
// 0 once a replay there succeeded). It was the fixture's constant 1.
func TestPendingWebhooks(t *testing.T) {
	e := servetest.Start(t, nil)
	failing := servetest.NewReceiver(t)
	failing.SetStatus(500)
	sc := client(e)
	ctx := t.Context()
	for _, url := range []string{e.Recv.URL + "/ok", failing.URL + "/down"} {
		_, err := sc.V1WebhookEndpoints.Create(ctx, &stripego.WebhookEndpointCreateParams{
			URL: stripego.String(url), EnabledEvents: stripego.StringSlice([]string{"payment_intent.succeeded"})})
		if err != nil {
			t.Fatal(err)
		}
	}
	code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "payment_intent.succeeded", "provider": "stripe"})
	if code != 201 {
		t.Fatalf("trigger: %d %s", code, body)
	}
	id := gjson.GetBytes(body, "event.id").String()
	sent := e.Recv.Next(t, 5*time.Second).Body
	if n := gjson.GetBytes(sent, "pending_webhooks").Int(); n != 2 {
		t.Fatalf("the body sent says pending_webhooks %d, want 2 (two endpoints):\n%s", n, sent)
	}
	if other := failing.Next(t, 5*time.Second).Body; string(other) != string(sent) {
		t.Fatalf("the two endpoints got different bodies:\n%s\n%s", sent, other)
	}
	ds := settled(t, e, id, 2)

	readBack := func(want int64) {
		t.Helper()
		ev, err := sc.V1Events.Retrieve(ctx, id, nil)
		if err != nil || ev.PendingWebhooks != want {
			t.Fatalf("GET /v1/events/%s: pending_webhooks %d (%v), want %d", id, ev.PendingWebhooks, err, want)
		}
		_, raw := e.Do("GET", "/v1/events?limit=1", bearer, nil)
		if got := gjson.GetBytes(raw, "data.0.pending_webhooks").Int(); got != want || gjson.GetBytes(raw, "data.0.id").String() != id {
			t.Fatalf("GET /v1/events: pending_webhooks %d, want %d: %s", got, want, raw)
		}
	}
	readBack(1)

	var failed string
	for _, d := range ds {
		if d.Status == store.DeliveryFailed && d.SubscriptionID != "" {
			failed = d.ID
		}
	}
	if failed == "" {
		t.Fatalf("no failed delivery: %+v", ds)
	}
	failing.Drain() // the attempts that failed (all settled)
	failing.SetStatus(200)
	if code, body := e.Do("POST", "/_hookctl/replay", nil, map[string]any{"ids": []string{failed}}); code != 200 {
		t.Fatalf("replay: %d %s", code, body)
	}
	if again := failing.Next(t, 5*time.Second).Body; string(again) != string(sent) {
		t.Fatalf("the replay sent other bytes than the first send:\n%s\n%s", sent, again)
	}
	settled(t, e, id, 2)
	readBack(0)
}
