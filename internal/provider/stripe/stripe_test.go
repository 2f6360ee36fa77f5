package stripe_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"

	stripeprov "github.com/hookctl/hookctl/internal/provider/stripe"
	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
)

var (
	bearer = map[string]string{"Authorization": "Bearer sk_test_123"}
	formH  = map[string]string{"Authorization": "Bearer sk_test_123", "Content-Type": "application/x-www-form-urlencoded"}
)

// client is the official stripe-go client pointed at the server.
func client(e *servetest.Env) *stripego.Client {
	url := e.URL
	b := stripego.NewBackendsWithConfig(&stripego.BackendConfig{URL: &url, MaxNetworkRetries: stripego.Int64(0)})
	return stripego.NewClient("sk_test_123", stripego.WithBackends(b))
}

func TestOfficialGoClientEndToEnd(t *testing.T) {
	e := servetest.Start(t, nil)
	sc := client(e)
	ctx := t.Context()
	we, err := sc.V1WebhookEndpoints.Create(ctx, &stripego.WebhookEndpointCreateParams{
		URL:           stripego.String(e.Recv.URL + "/stripe"),
		EnabledEvents: stripego.StringSlice([]string{"payment.succeeded", "subscription.created"}),
		Description:   stripego.String("billing"),
		Params:        stripego.Params{Metadata: map[string]string{"team": "payments"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(we.ID, "we_") || !strings.HasPrefix(we.Secret, "whsec_") || we.Status != "enabled" || we.Livemode ||
		we.Metadata["team"] != "payments" || we.Object != "webhook_endpoint" {
		t.Fatalf("created: %+v", we)
	}
	got, err := sc.V1WebhookEndpoints.Retrieve(ctx, we.ID, nil)
	if err != nil || got.Secret != "" || got.URL != we.URL || len(got.EnabledEvents) != 2 {
		t.Fatalf("retrieve (no secret after create): %+v %v", got, err)
	}
	up, err := sc.V1WebhookEndpoints.Update(ctx, we.ID, &stripego.WebhookEndpointUpdateParams{Disabled: stripego.Bool(true)})
	if err != nil || up.Status != "disabled" {
		t.Fatalf("update: %+v %v", up, err)
	}
	if _, err = sc.V1WebhookEndpoints.Update(ctx, we.ID, &stripego.WebhookEndpointUpdateParams{Disabled: stripego.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for ep, err := range sc.V1WebhookEndpoints.List(ctx, &stripego.WebhookEndpointListParams{}).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if ep.ID == we.ID {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("list saw the endpoint %d times", n)
	}

	// An event is delivered, Stripe-signed with the secret from create,
	// and the receiver can fetch it back.
	code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "payment.succeeded", "provider": "saas"})
	if code != 201 {
		t.Fatalf("trigger: %d %s", code, body)
	}
	rec := e.Recv.Next(t, 5*time.Second)
	if err := webhook.ValidatePayload(rec.Body, rec.Header.Get("Stripe-Signature"), we.Secret); err != nil {
		t.Fatalf("stripe-go does not verify the delivery: %v (%s)", err, rec.Header.Get("Stripe-Signature"))
	}
	var sent struct{ ID string }
	json.Unmarshal(rec.Body, &sent)
	ev, err := sc.V1Events.Retrieve(ctx, sent.ID, nil)
	if err != nil || ev.ID != sent.ID || ev.Type != "payment.succeeded" {
		t.Fatalf("events retrieve: %+v %v", ev, err)
	}
	seen := false
	for ev, err := range sc.V1Events.List(ctx, &stripego.EventListParams{}).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		seen = seen || ev.ID == sent.ID
	}
	if !seen {
		t.Fatal("events list misses the event")
	}

	del, err := sc.V1WebhookEndpoints.Delete(ctx, we.ID, nil)
	if err != nil || !del.Deleted {
		t.Fatalf("delete: %+v %v", del, err)
	}
	_, err = sc.V1WebhookEndpoints.Retrieve(ctx, we.ID, nil)
	var se *stripego.Error
	if !errorsAs(err, &se) || se.HTTPStatusCode != 404 || se.Code != "resource_missing" {
		t.Fatalf("retrieve after delete: %v", err)
	}
}

func errorsAs(err error, se **stripego.Error) bool {
	e, ok := err.(*stripego.Error)
	if ok {
		*se = e
	}
	return ok
}

func TestFormArraysAndShapes(t *testing.T) {
	e := servetest.Start(t, nil)
	// stripe-node sends indexed arrays; curl users send [].
	code, body := e.Do("POST", "/v1/webhook_endpoints", formH, "url="+e.Recv.URL+"&enabled_events[1]=payment.failed&enabled_events[0]=payment.succeeded&metadata[k]=v")
	if code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}
	servetest.Golden(t, "webhook_endpoint_create", body)
	m := servetest.JSON(t, body)
	if strings.Join(toStrings(m["enabled_events"]), ",") != "payment.succeeded,payment.failed" {
		t.Fatalf("indexed arrays in index order: %v", m["enabled_events"])
	}
	id := m["id"].(string)
	code, body = e.Do("POST", "/v1/webhook_endpoints/", formH, "url="+e.Recv.URL+"/2&enabled_events[]=*")
	if code != 200 || strings.Join(toStrings(servetest.JSON(t, body)["enabled_events"]), ",") != "*" {
		t.Fatalf("create with []: %d %s", code, body)
	}
	code, body = e.Do("GET", "/v1/webhook_endpoints/"+id+"/", bearer, nil)
	if code != 200 {
		t.Fatalf("get: %d %s", code, body)
	}
	servetest.Golden(t, "webhook_endpoint", body)
	code, body = e.Do("GET", "/v1/webhook_endpoints?limit=1", bearer, nil)
	l := servetest.JSON(t, body)
	if code != 200 || l["has_more"] != true || l["object"] != "list" || l["url"] != "/v1/webhook_endpoints" {
		t.Fatalf("list: %d %s", code, body)
	}
	servetest.Golden(t, "list", body)
	first := l["data"].([]any)[0].(map[string]any)["id"].(string)
	code, body = e.Do("GET", "/v1/webhook_endpoints?limit=1&starting_after="+first, bearer, nil)
	l = servetest.JSON(t, body)
	if code != 200 || l["has_more"] != false || l["data"].([]any)[0].(map[string]any)["id"] == first {
		t.Fatalf("second page: %d %s", code, body)
	}
	code, body = e.Do("DELETE", "/v1/webhook_endpoints/"+id, bearer, nil)
	if code != 200 {
		t.Fatalf("delete: %d %s", code, body)
	}
	servetest.Golden(t, "deleted", body)
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestBadInput(t *testing.T) {
	e := servetest.Start(t, func(o *serve.Options) { o.APIKey = "sk_test_123" })
	for _, tc := range []struct {
		name, method, path string
		hdr                map[string]string
		body               any
		status             int
		msg                string
	}{
		{"no key", "GET", "/v1/webhook_endpoints", nil, nil, 401, "did not provide an API key"},
		{"wrong key", "GET", "/v1/webhook_endpoints", map[string]string{"Authorization": "Bearer sk_test_other"}, nil, 401, "Invalid API Key"},
		{"empty bearer", "GET", "/v1/webhook_endpoints", map[string]string{"Authorization": "Bearer "}, nil, 401, "did not provide an API key"},
		{"wrong basic key", "GET", "/v1/webhook_endpoints", map[string]string{"Authorization": "Basic c2tfdGVzdF9vdGhlcjo="}, nil, 401, "Invalid API Key"},
		{"missing url", "POST", "/v1/webhook_endpoints", formH, "enabled_events[]=*", 400, "Missing required param: url"},
		{"missing events", "POST", "/v1/webhook_endpoints", formH, "url=http://x.test", 400, "enabled_events"},
		{"bad url", "POST", "/v1/webhook_endpoints", formH, "url=nope&enabled_events[]=*", 400, "Invalid url"},
		{"bad pattern", "POST", "/v1/webhook_endpoints", formH, "url=http://x.test&enabled_events[]=a*b", 400, "Invalid enabled_events"},
		{"misspelt event", "POST", "/v1/webhook_endpoints", formH, "url=http://x.test&enabled_events[]=payment_intent.succeded", 400, `did you mean \"payment_intent.succeeded\"`},
		{"another provider's event", "POST", "/v1/webhook_endpoints", formH, "url=http://x.test&enabled_events[]=card.created", 400, "Invalid enabled_events"},
		{"empty event", "POST", "/v1/webhook_endpoints", formH, "url=http://x.test&enabled_events[]=", 400, "You passed an empty string for 'enabled_events'"},
		{"credentials in url", "POST", "/v1/webhook_endpoints", formH, "url=http://u:p@x.test&enabled_events[]=*", 400, "Invalid url"},
		{"pattern matching nothing", "POST", "/v1/webhook_endpoints", formH, "url=http://x.test&enabled_events[]=nope.*", 400, "Invalid enabled_events"},
		{"bad form", "POST", "/v1/webhook_endpoints", formH, "url=%zz", 400, "form-encoded"},
		{"misspelt param", "POST", "/v1/webhook_endpoints", formH, "url=http://x.test&enabled_events[]=*&descripton=x", 400, "Received unknown parameter: descripton. Did you mean description?"},
		{"unknown param", "POST", "/v1/webhook_endpoints", formH, "url=http://x.test&enabled_events[]=*&filter[x]=1", 400, "Received unknown parameter: filter"},
		{"unknown endpoint", "GET", "/v1/webhook_endpoints/we_nope", bearer, nil, 404, "No such webhook endpoint: 'we_nope'"},
		{"bad limit", "GET", "/v1/webhook_endpoints?limit=0", bearer, nil, 400, "limit"},
		{"both cursors", "GET", "/v1/webhook_endpoints?starting_after=we_a&ending_before=we_b", bearer, nil, 400, "Received both starting_after and ending_before parameters"},
		{"both event cursors", "GET", "/v1/events?starting_after=evt_a&ending_before=evt_b", bearer, nil, 400, "Received both starting_after and ending_before parameters"},
		{"bad disabled", "POST", "/v1/webhook_endpoints/we_nope", formH, "disabled=maybe", 404, "No such"},
		{"unknown event", "GET", "/v1/events/evt_nope", bearer, nil, 404, "No such event"},
		{"unknown route", "GET", "/v1/charges", bearer, nil, 404, "Unrecognized request URL"},
		{"too large", "POST", "/v1/webhook_endpoints", formH, "url=" + strings.Repeat("x", 1<<20+10), 413, "too large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := e.Do(tc.method, tc.path, tc.hdr, tc.body)
			if code != tc.status || !strings.Contains(string(body), tc.msg) {
				t.Fatalf("got %d %s; want %d containing %q", code, body, tc.status, tc.msg)
			}
			m := servetest.JSON(t, body)
			if er, ok := m["error"].(map[string]any); !ok || er["type"] != "invalid_request_error" || er["message"] == "" {
				t.Fatalf("not Stripe's envelope: %s", body)
			}
			// A CLI flag means nothing to an API caller.
			if strings.Contains(string(body), "--provider bond") || strings.Contains(string(body), "--events") || strings.Contains(string(body), "--header") {
				t.Fatalf("a CLI flag in the answer: %s", body)
			}
		})
	}
	// Stripe's own curl examples send the key as basic auth's user.
	if code, body := e.Do("GET", "/v1/webhook_endpoints", map[string]string{"Authorization": "Basic c2tfdGVzdF8xMjM6"}, nil); code != 200 {
		t.Fatalf("curl -u sk_test_123: with --api-key sk_test_123: %d %s", code, body)
	}
	code, body := e.Do("GET", "/v1/webhook_endpoints/we_nope", bearer, nil)
	if code == 404 {
		servetest.Golden(t, "error_404", body)
	}
	// An update with a parameter Stripe does not take (status=disabled
	// for disabled=true) is refused, not answered 200 with nothing
	// changed.
	code, body = e.Do("POST", "/v1/webhook_endpoints", formH, "url=http://x.test&enabled_events[]=*&metadata[a]=b")
	if code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}
	id := servetest.JSON(t, body)["id"].(string)
	code, body = e.Do("POST", "/v1/webhook_endpoints/"+id, formH, "status=disabled")
	if er, _ := servetest.JSON(t, body)["error"].(map[string]any); code != 400 || er["code"] != "parameter_unknown" || er["param"] != "status" {
		t.Fatalf("update with status=disabled: %d %s, want 400 parameter_unknown", code, body)
	}
	if code, body = e.Do("GET", "/v1/webhook_endpoints/"+id, bearer, nil); !strings.Contains(string(body), `"status":"enabled"`) {
		t.Fatalf("after the refused update: %d %s", code, body)
	}
	// metadata= unsets every key (the endpoint was created with a=b).
	if code, body = e.Do("POST", "/v1/webhook_endpoints/"+id, formH, "metadata="); code != 200 || !strings.Contains(string(body), `"metadata":{}`) {
		t.Fatalf("metadata=: %d %s, want no metadata", code, body)
	}
	// Older stripe-python (Debian's python3-stripe) sends a Python bool
	// as "True"/"False", which Stripe takes: it was 'Invalid boolean'.
	for v, want := range map[string]string{"True": "disabled", "False": "enabled"} {
		if code, body = e.Do("POST", "/v1/webhook_endpoints/"+id, formH, "disabled="+v); code != 200 || !strings.Contains(string(body), `"status":"`+want+`"`) {
			t.Fatalf("disabled=%s: %d %s, want status %s", v, code, body, want)
		}
	}
}

// A webhook endpoint created through the API takes Stripe's own events
// (the stripe catalog: payment_intent.succeeded, …) as well as the
// Stripe-like saas ones, and no other provider's; /v1/events lists both.
// Endpoints were of the saas provider only, so 'hookctl trigger
// payment_intent.succeeded' found no subscription for them.
func TestEndpointsTakeStripeEvents(t *testing.T) {
	e := servetest.Start(t, nil)
	sc := client(e)
	ctx := t.Context()
	we, err := sc.V1WebhookEndpoints.Create(ctx, &stripego.WebhookEndpointCreateParams{
		URL: stripego.String(e.Recv.URL + "/pi"), EnabledEvents: stripego.StringSlice([]string{"payment_intent.succeeded"})})
	if err != nil {
		t.Fatal(err)
	}
	all, err := sc.V1WebhookEndpoints.Create(ctx, &stripego.WebhookEndpointCreateParams{
		URL: stripego.String(e.Recv.URL + "/all"), EnabledEvents: stripego.StringSlice([]string{"*"})})
	if err != nil {
		t.Fatal(err)
	}
	code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "payment_intent.succeeded"})
	if code != 201 || len(servetest.JSON(t, body)["deliveries"].([]any)) != 2 {
		t.Fatalf("trigger payment_intent.succeeded: %d %s", code, body)
	}
	secret := map[string]string{"/pi": we.Secret, "/all": all.Secret}
	var id string
	for range 2 {
		rec := e.Recv.Next(t, 5*time.Second)
		ev, err := webhook.ConstructEvent(rec.Body, rec.Header.Get("Stripe-Signature"), secret[rec.Path])
		if err != nil || ev.Type != "payment_intent.succeeded" {
			t.Fatalf("%s: stripe-go: %v %s", rec.Path, err, ev.Type)
		}
		id = ev.ID
	}
	if code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "payment.succeeded", "provider": "saas"}); code != 201 {
		t.Fatalf("saas event: %d %s", code, body)
	}
	rec := e.Recv.Next(t, 5*time.Second)
	if rec.Path != "/all" {
		t.Fatalf("saas event went to %s", rec.Path)
	}
	// In the Stripe events' API version, the one an endpoint may name:
	// stripe-go takes it (it refused the saas events' 2024-06-20).
	saasEv, err := webhook.ConstructEvent(rec.Body, rec.Header.Get("Stripe-Signature"), all.Secret)
	if err != nil || saasEv.APIVersion != stripeprov.APIVersion {
		t.Fatalf("stripe-go on the saas event: %v (api_version %q, want %s)", err, saasEv.APIVersion, stripeprov.APIVersion)
	}
	if got, err := sc.V1Events.Retrieve(ctx, saasEv.ID, nil); err != nil || got.APIVersion != stripeprov.APIVersion {
		t.Fatalf("/v1/events/%s: %+v %v, want api_version %s", saasEv.ID, got, err, stripeprov.APIVersion)
	}
	pinned, err := sc.V1WebhookEndpoints.Create(ctx, &stripego.WebhookEndpointCreateParams{URL: stripego.String(e.Recv.URL + "/pinned"),
		EnabledEvents: stripego.StringSlice([]string{"payment.succeeded"}), APIVersion: stripego.String(saasEv.APIVersion)})
	if err != nil || pinned.APIVersion != saasEv.APIVersion {
		t.Fatalf("an endpoint in the saas events' version: %+v %v", pinned, err)
	}
	if _, err := sc.V1WebhookEndpoints.Delete(ctx, pinned.ID, nil); err != nil {
		t.Fatal(err)
	}
	if code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "card.created"}); code == 201 {
		t.Fatalf("a Bond event went to a Stripe endpoint: %s", body)
	}
	bond := map[string]string{"Identity": "i", "Authorization": "k"}
	if code, body := e.Do("POST", "/api/v0/webhooks", bond, map[string]any{"events": []string{"card.created"}, "callback_url": e.Recv.URL + "/bond"}); code != 200 {
		t.Fatalf("bond: %d %s", code, body)
	}
	code, body = e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "card.created"})
	if code != 201 {
		t.Fatalf("ad hoc Bond event: %d %s", code, body)
	}
	e.Recv.Next(t, 5*time.Second)
	bondID := servetest.JSON(t, body)["event"].(map[string]any)["id"].(string)
	if code, body := e.Do("GET", "/v1/events/"+bondID, bearer, nil); code != 404 {
		t.Fatalf("GET /v1/events/<a Bond event>: %d %s", code, body)
	}
	if ev, err := sc.V1Events.Retrieve(ctx, id, nil); err != nil || ev.Type != "payment_intent.succeeded" {
		t.Fatalf("retrieve: %v", err)
	}
	n := 0
	for ev, err := range sc.V1Events.List(ctx, &stripego.EventListParams{}).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if ev.ID == id {
			n++
		}
	}
	if n != 1 {
		t.Fatal("/v1/events does not list the stripe event")
	}
}

// An empty enabled_events is Stripe's invalid_request_error on
// enabled_events, at create and at update, however it is encoded:
// stripe-go sends an empty slice as enabled_events= (Stripe takes an
// empty string for an attempt to unset it, which it cannot be), and
// enabled_events[]= is the same. The endpoint is left as it was. Before,
// an update with it was accepted as a no-op.
func TestEmptyEnabledEventsRefused(t *testing.T) {
	e := servetest.Start(t, nil)
	sc := client(e)
	ctx := t.Context()
	we, err := sc.V1WebhookEndpoints.Create(ctx, &stripego.WebhookEndpointCreateParams{
		URL: stripego.String(e.Recv.URL + "/stripe"), EnabledEvents: stripego.StringSlice([]string{"payment.succeeded"})})
	if err != nil {
		t.Fatal(err)
	}
	wantEmpty := func(what string, err error) {
		t.Helper()
		var se *stripego.Error
		if !errorsAs(err, &se) || se.HTTPStatusCode != 400 || se.Type != stripego.ErrorTypeInvalidRequest ||
			se.Param != "enabled_events" || se.Code != "parameter_invalid_empty" {
			t.Fatalf("%s: %v, want an invalid_request_error on enabled_events", what, err)
		}
	}
	_, err = sc.V1WebhookEndpoints.Update(ctx, we.ID, &stripego.WebhookEndpointUpdateParams{EnabledEvents: stripego.StringSlice([]string{})})
	wantEmpty("stripe-go update with an empty list", err)
	_, err = sc.V1WebhookEndpoints.Create(ctx, &stripego.WebhookEndpointCreateParams{
		URL: stripego.String(e.Recv.URL + "/stripe"), EnabledEvents: stripego.StringSlice([]string{})})
	wantEmpty("stripe-go create with an empty list", err)
	for _, form := range []string{"enabled_events=", "enabled_events[]=", "enabled_events[]", "enabled_events[0]=", "description=x&enabled_events="} {
		code, body := e.Do("POST", "/v1/webhook_endpoints/"+we.ID, formH, form)
		if code != 400 || !strings.Contains(string(body), `"param": "enabled_events"`) && !strings.Contains(string(body), `"param":"enabled_events"`) ||
			!strings.Contains(string(body), "invalid_request_error") {
			t.Fatalf("update %s: %d %s, want Stripe's invalid_request_error on enabled_events", form, code, body)
		}
		code, body = e.Do("POST", "/v1/webhook_endpoints", formH, "url=https://example.com/h&"+form)
		if code != 400 || !strings.Contains(string(body), "enabled_events") || !strings.Contains(string(body), "invalid_request_error") {
			t.Fatalf("create %s: %d %s, want Stripe's invalid_request_error on enabled_events", form, code, body)
		}
	}
	code, body := e.Do("POST", "/v1/webhook_endpoints/"+we.ID, formH, "enabled_events[0]=payment.succeeded&enabled_events[1]=")
	if code != 400 || !strings.Contains(string(body), "enabled_events[1]") {
		t.Fatalf("an empty name among others: %d %s, want 400 naming enabled_events[1]", code, body)
	}
	got, err := sc.V1WebhookEndpoints.Retrieve(ctx, we.ID, nil)
	if err != nil || len(got.EnabledEvents) != 1 || got.EnabledEvents[0] != "payment.succeeded" || got.Description != "" {
		t.Fatalf("after the refused updates: %+v %v, want it unchanged", got, err)
	}
}
