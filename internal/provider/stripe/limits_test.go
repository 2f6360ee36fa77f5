package stripe_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	stripego "github.com/stripe/stripe-go/v85"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// Stripe's limits on an endpoint's metadata (50 keys, names up to 40
// characters, values up to 500, no square brackets) and strings (5,000
// characters) are a 400 naming the parameter, on create and update, and
// the endpoint is unchanged; they were all kept.
func TestMetadataAndStringLimits(t *testing.T) {
	e := servetest.Start(t, func(o *serve.Options) { o.APIKey = "sk_test_123" })
	base := "url=http://x.test&enabled_events[]=*"
	many := func(n int, prefix string) string {
		q := url.Values{}
		for i := range n {
			q.Set(fmt.Sprintf("metadata[%s%d]", prefix, i), "v")
		}
		return q.Encode()
	}
	for _, tc := range []struct{ body, param, msg string }{
		{base + "&metadata[" + strings.Repeat("k", 41) + "]=v", "metadata[" + strings.Repeat("k", 41) + "]", "1 to 40 characters"},
		{base + "&metadata[k]=" + strings.Repeat("v", 501), "metadata[k]", "up to 500"},
		{base + "&metadata[a[b]]=v", "metadata[a[b]]", "square brackets"},
		{base + "&" + many(51, "k"), "metadata", "up to 50 keys"},
		{base + "&description=" + strings.Repeat("d", 5001), "description", "up to 5000"},
	} {
		code, body := e.Do("POST", "/v1/webhook_endpoints", formH, tc.body)
		if code != 400 || !strings.Contains(string(body), `"param":"`+tc.param+`"`) || !strings.Contains(string(body), tc.msg) {
			t.Errorf("create %.80s…: %d %s", tc.body, code, body)
		}
	}
	// What Stripe takes: 40-character names, 500-character values, 50
	// keys (a multi-byte character counts once).
	code, body := e.Do("POST", "/v1/webhook_endpoints", formH, base+"&"+many(49, "k")+"&metadata["+strings.Repeat("é", 40)+"]="+strings.Repeat("☃", 500))
	if code != 200 {
		t.Fatalf("the limits themselves: %d %s", code, body)
	}
	id := servetest.JSON(t, body)["id"].(string)
	// An update that would leave 51 keys is refused whole.
	code, body = e.Do("POST", "/v1/webhook_endpoints/"+id, formH, "description=new&metadata[extra]=1")
	if code != 400 || !strings.Contains(string(body), "would leave 51") {
		t.Fatalf("update to 51 keys: %d %s", code, body)
	}
	ep, err := client(e).V1WebhookEndpoints.Retrieve(t.Context(), id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ep.Metadata) != 50 || ep.Description != "" {
		t.Fatalf("after refused updates: %d keys, description %q", len(ep.Metadata), ep.Description)
	}
	// Unsetting one and adding another in the same update stays at 50.
	if _, err := client(e).V1WebhookEndpoints.Update(t.Context(), id, &stripego.WebhookEndpointUpdateParams{
		Metadata: map[string]string{"k0": "", "extra": "1"}}); err != nil {
		t.Fatalf("swap one key: %v", err)
	}
}

// enabled_events takes exact event names or "*", as Stripe does: a prefix
// wildcard (payment_intent.*), which hookctl's own subscriptions take, is
// refused on create and update with Stripe's invalid_request_error on
// enabled_events. It was accepted, so an app's code that Stripe refuses
// passed against hookctl.
func TestEnabledEventsAreExactNames(t *testing.T) {
	e := servetest.Start(t, nil)
	code, body := e.Do("POST", "/v1/webhook_endpoints", formH, "url=http://x.test&enabled_events[]=payment_intent.succeeded")
	if code != 200 {
		t.Fatalf("an exact name: %d %s", code, body)
	}
	id := servetest.JSON(t, body)["id"].(string)
	refused := func(what string, code int, body []byte, param string) {
		t.Helper()
		er, _ := servetest.JSON(t, body)["error"].(map[string]any)
		if code != 400 || er["type"] != "invalid_request_error" || er["param"] != param || !strings.Contains(er["message"].(string), "payment_intent.*") {
			t.Errorf("%s: %d %s, want 400 invalid_request_error on %s", what, code, body, param)
		}
	}
	for events, param := range map[string]string{"enabled_events[]=payment_intent.*": "enabled_events[0]", "enabled_events[0]=customer.created&enabled_events[1]=payment_intent.*": "enabled_events[1]"} {
		code, body := e.Do("POST", "/v1/webhook_endpoints", formH, "url=http://x.test&"+events)
		refused("create "+events, code, body, param)
		code, body = e.Do("POST", "/v1/webhook_endpoints/"+id, formH, events)
		refused("update "+events, code, body, param)
	}
	code, body = e.Do("GET", "/v1/webhook_endpoints/"+id, formH, nil)
	if code != 200 || fmt.Sprint(servetest.JSON(t, body)["enabled_events"]) != "[payment_intent.succeeded]" {
		t.Errorf("after refused updates: %d %s", code, body)
	}
	if code, body := e.Do("POST", "/v1/webhook_endpoints/"+id, formH, "enabled_events[]=*"); code != 200 {
		t.Errorf(`update to "*": %d %s`, code, body)
	}
}

// An endpoint's api_version is what its deliveries carry: hookctl's
// Stripe events are in one version, sent with the same bytes to every
// endpoint, so an endpoint takes only that version (Stripe's
// invalid_request_error on api_version otherwise). Another version was
// kept and shown while the endpoint got events of the catalog's.
func TestEndpointAPIVersionIsTheCatalogs(t *testing.T) {
	e := servetest.Start(t, nil)
	code, body := e.Do("POST", "/v1/webhook_endpoints", formH, "url=http://x.test&enabled_events[]=customer.created&api_version=2020-08-27")
	er, _ := servetest.JSON(t, body)["error"].(map[string]any)
	if code != 400 || er["type"] != "invalid_request_error" || er["param"] != "api_version" || !strings.Contains(er["message"].(string), stripego.APIVersion) {
		t.Errorf("another version: %d %s, want 400 invalid_request_error on api_version naming %s", code, body, stripego.APIVersion)
	}
	code, body = e.Do("POST", "/v1/webhook_endpoints", formH, "url="+url.QueryEscape(e.Recv.URL)+"&enabled_events[]=customer.created&api_version="+stripego.APIVersion)
	if code != 200 || servetest.JSON(t, body)["api_version"] != stripego.APIVersion {
		t.Fatalf("the catalog's version: %d %s", code, body)
	}
	if code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "customer.created"}); code != 201 {
		t.Fatalf("trigger: %d %s", code, body)
	}
	got := e.Recv.Next(t, 5*time.Second)
	if v := servetest.JSON(t, got.Body)["api_version"]; v != stripego.APIVersion {
		t.Errorf("delivered api_version %v, want the endpoint's %s", v, stripego.APIVersion)
	}
}
