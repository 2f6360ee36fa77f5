package stripe_test

import (
	"context"
	"strings"
	"testing"

	stripego "github.com/stripe/stripe-go/v85"
	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// GET /v1/events?delivery_success= filters as Stripe documents it: true
// keeps the events every endpoint received, false those some endpoint
// has not received (failed or still pending). It was ignored: both
// listed every event, so a suite asking "what was not delivered?" was
// told "everything".
func TestHuntserveEventsDeliverySuccess(t *testing.T) {
	huntserveEventsDeliverySuccess(t, servetest.Start(t, nil))
}

func TestHuntserveEventsDeliverySuccessPostgres(t *testing.T) {
	pgtest.ServerURL(t)
	st, err := postgres.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	huntserveEventsDeliverySuccess(t, servetest.StartWith(t, st, nil))
}

func huntserveEventsDeliverySuccess(t *testing.T, e *servetest.Env) {
	failing := servetest.NewReceiver(t)
	failing.SetStatus(500)
	sc := client(e)
	ctx := t.Context()
	for _, ep := range []struct {
		url    string
		events []string
	}{
		{e.Recv.URL + "/ok", []string{"payment_intent.succeeded", "charge.succeeded"}},
		{failing.URL + "/down", []string{"payment_intent.succeeded"}},
	} {
		if _, err := sc.V1WebhookEndpoints.Create(ctx, &stripego.WebhookEndpointCreateParams{
			URL: stripego.String(ep.url), EnabledEvents: stripego.StringSlice(ep.events)}); err != nil {
			t.Fatal(err)
		}
	}
	ids := map[string]string{}
	for _, typ := range []string{"payment_intent.succeeded", "charge.succeeded"} {
		code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": typ, "provider": "stripe"})
		if code != 201 {
			t.Fatalf("trigger %s: %d %s", typ, code, body)
		}
		ids[typ] = gjson.GetBytes(body, "event.id").String()
	}
	settled(t, e, ids["payment_intent.succeeded"], 2) // one failed
	settled(t, e, ids["charge.succeeded"], 1)         // succeeded

	list := func(p *stripego.EventListParams) string {
		t.Helper()
		var got []string
		for ev, err := range sc.V1Events.List(ctx, p).All(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, string(ev.Type))
		}
		return strings.Join(got, ",")
	}
	for _, tc := range []struct {
		name    string
		success *bool
		want    string
	}{
		{"absent", nil, "charge.succeeded,payment_intent.succeeded"},
		{"true", stripego.Bool(true), "charge.succeeded"},
		{"false", stripego.Bool(false), "payment_intent.succeeded"},
	} {
		if got := list(&stripego.EventListParams{DeliverySuccess: tc.success}); got != tc.want {
			t.Errorf("delivery_success %s: %s, want %s", tc.name, got, tc.want)
		}
	}
	// Paged one at a time, with another filter.
	if got := list(&stripego.EventListParams{DeliverySuccess: stripego.Bool(false), Type: stripego.String("payment_intent.*"),
		ListParams: stripego.ListParams{Limit: stripego.Int64(1)}}); got != "payment_intent.succeeded" {
		t.Errorf("delivery_success=false, type=payment_intent.*, limit=1: %s", got)
	}
	if code, body := e.Do("GET", "/v1/events?delivery_success=maybe", bearer, nil); code != 400 ||
		gjson.GetBytes(body, "error.code").String() != "parameter_invalid_boolean" || gjson.GetBytes(body, "error.param").String() != "delivery_success" {
		t.Errorf("delivery_success=maybe: %d %s, want 400 parameter_invalid_boolean", code, body)
	}
}
