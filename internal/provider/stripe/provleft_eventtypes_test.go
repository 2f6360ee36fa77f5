package stripe_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestProvleftAnyStripeEventType: an endpoint may enable any event type
// Stripe sends (stripe-go v85's EventType list), as at Stripe, whether or
// not hookctl's catalog has a fixture to send for it: serve refused the
// ~210 it has none of (radar.early_fraud_warning.created,
// account.application.authorized, customer.source.created …) with
// "unknown event", so an app whose code creates its endpoint with them
// failed its setup here. A name Stripe does not send is still refused,
// with the Stripe event it is a typo of; and a catalog event is delivered
// as before to an endpoint that lists both.
func TestProvleftAnyStripeEventType(t *testing.T) {
	e := servetest.Start(t, nil)
	form := map[string]string{"Authorization": "Bearer sk_test_k", "Content-Type": "application/x-www-form-urlencoded"}
	code, body := e.Do("POST", "/v1/webhook_endpoints", form, "url="+e.Recv.URL+
		"&enabled_events[]=radar.early_fraud_warning.created&enabled_events[]=account.application.authorized&enabled_events[]=invoice.paid")
	if code != 200 {
		t.Fatalf("create with Stripe events the catalog has no fixture of: %d %s", code, body)
	}
	var we struct {
		ID            string
		EnabledEvents []string `json:"enabled_events"`
	}
	json.Unmarshal(body, &we)
	if !slices.Equal(we.EnabledEvents, []string{"radar.early_fraud_warning.created", "account.application.authorized", "invoice.paid"}) {
		t.Errorf("enabled_events %v", we.EnabledEvents)
	}
	code, body = e.Do("POST", "/v1/webhook_endpoints/"+we.ID, form, "enabled_events[]=customer.source.created&enabled_events[]=invoice.paid")
	if code != 200 || !strings.Contains(string(body), `"customer.source.created"`) {
		t.Errorf("update to customer.source.created: %d %s", code, body)
	}
	for _, tc := range []struct{ ev, want string }{
		{"radar.early_fraud_warning.creatd", `did you mean \"radar.early_fraud_warning.created\"`},
		{"invoice.payed", `did you mean \"invoice.paid\"`},
		{"no.such.event", "unknown event"},
	} {
		code, body := e.Do("POST", "/v1/webhook_endpoints", form, "url="+e.Recv.URL+"&enabled_events[]="+tc.ev)
		if code != 400 || !strings.Contains(string(body), "enabled_events[0]") || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s: %d %s, want 400 with %s", tc.ev, code, body, tc.want)
		}
	}
	code, body = e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "invoice.paid", "provider": "stripe"})
	if code != 201 {
		t.Fatalf("trigger: %d %s", code, body)
	}
	if got := e.Recv.Next(t, 10*time.Second); !strings.Contains(string(got.Body), `"type": "invoice.paid"`) && !strings.Contains(string(got.Body), `"type":"invoice.paid"`) {
		t.Errorf("delivered: %.200s", got.Body)
	}
}
