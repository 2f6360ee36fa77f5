package stripe_test

import (
	"strings"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v85"
	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store"
)

// TestGoneDisablesEndpoint pins hookctl's rule for a Stripe-style
// endpoint whose URL answers 410 Gone: the delivery fails at once (no
// retries) and the endpoint is disabled, as for every provider hookctl
// serves (the Standard Webhooks rule; Stripe publishes no rule of its own
// for 410, and hookctl does not invent one). The endpoint reads back
// status "disabled", later events do not go to it, and disabled=false
// turns it back on.
func TestGoneDisablesEndpoint(t *testing.T) {
	e := servetest.Start(t, nil)
	sc := client(e)
	ctx := t.Context()
	we, err := sc.V1WebhookEndpoints.Create(ctx, &stripego.WebhookEndpointCreateParams{
		URL: stripego.String(e.Recv.URL + "/gone"), EnabledEvents: stripego.StringSlice([]string{"payment_intent.succeeded"})})
	if err != nil {
		t.Fatal(err)
	}
	e.Recv.SetStatus(410)
	trigger := func() (int, []byte) {
		return e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "payment_intent.succeeded", "provider": "stripe"})
	}
	code, body := trigger()
	if code != 201 {
		t.Fatalf("trigger: %d %s", code, body)
	}
	id := gjson.GetBytes(body, "event.id").String()
	e.Recv.Next(t, 5*time.Second)
	ds := settled(t, e, id, 1)
	if ds[0].Status != store.DeliveryFailed || ds[0].AttemptCount != 1 || !strings.Contains(ds[0].LastError, "410") {
		t.Fatalf("the delivery answered 410: %+v, want failed after 1 attempt", ds[0])
	}
	e.Recv.None(t, 300*time.Millisecond) // no retry
	// The engine disables the endpoint once the attempt is recorded.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		got, err := sc.V1WebhookEndpoints.Retrieve(ctx, we.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == "disabled" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the endpoint after a 410: status %q, want disabled", got.Status)
		}
	}
	if code, body := trigger(); code != 422 {
		t.Fatalf("a trigger with the only endpoint disabled: %d %s, want 422 (no endpoint takes it)", code, body)
	}
	e.Recv.SetStatus(200)
	if up, err := sc.V1WebhookEndpoints.Update(ctx, we.ID, &stripego.WebhookEndpointUpdateParams{Disabled: stripego.Bool(false)}); err != nil || up.Status != "enabled" {
		t.Fatalf("enable: %+v %v", up, err)
	}
	if code, body := trigger(); code != 201 {
		t.Fatalf("trigger after enabling: %d %s", code, body)
	}
	e.Recv.Next(t, 5*time.Second)
}
