package stripe_test

import (
	"errors"
	"fmt"
	"testing"

	stripego "github.com/stripe/stripe-go/v85"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// GET /v1/events takes type or types[], not both, and types[] holds up to
// 20 names, as stripe-go documents EventListParams.Types ("An array of up
// to 20 strings … You may pass either type or types, but not both"): both
// is Stripe's 400 invalid_request_error at types, as is a 21st name. Both
// were taken and intersected (an empty list, or a page of the wrong
// events, where Stripe says the request is wrong); 21 names were taken.
func TestProvfixEventsTypeOrTypes(t *testing.T) {
	e := servetest.Start(t, nil)
	if code, body := e.Do("POST", "/v1/webhook_endpoints", formH, "url="+e.Recv.URL+"&enabled_events[]=*"); code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "payment.succeeded", "provider": "saas"}); code != 201 {
		t.Fatalf("trigger: %d %s", code, body)
	}
	sc := client(e)
	list := func(p *stripego.EventListParams) (int, error) {
		n := 0
		for _, err := range sc.V1Events.List(t.Context(), p).All(t.Context()) {
			if err != nil {
				return n, err
			}
			n++
		}
		return n, nil
	}
	bad := func(name string, p *stripego.EventListParams) {
		t.Helper()
		n, err := list(p)
		var se *stripego.Error
		if !errors.As(err, &se) || se.HTTPStatusCode != 400 || se.Type != stripego.ErrorTypeInvalidRequest || se.Param != "types" {
			t.Errorf("%s: %d events, %v; want a 400 invalid_request_error at types", name, n, err)
		}
	}
	bad("type and types", &stripego.EventListParams{Type: stripego.String("payment.succeeded"), Types: stripego.StringSlice([]string{"payment.succeeded"})})
	var many []string
	for i := range 21 {
		many = append(many, fmt.Sprintf("payment.x%d", i))
	}
	bad("21 types", &stripego.EventListParams{Types: stripego.StringSlice(many)})
	// 20 names, or type alone, are fine.
	if n, err := list(&stripego.EventListParams{Types: stripego.StringSlice(append(many[:19], "payment.succeeded"))}); err != nil || n != 1 {
		t.Errorf("20 types: %d events, %v; want 1", n, err)
	}
	if n, err := list(&stripego.EventListParams{Type: stripego.String("payment.*")}); err != nil || n != 1 {
		t.Errorf("type payment.*: %d events, %v; want 1", n, err)
	}
}
