package stripe_test

import (
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestHuntserveJSONBodyRefused: a create or update sent as JSON
// (fetch or axios by hand, Content-Type: application/json) is Stripe's
// 400 asking for a form-encoded body, and changes nothing. Before, the
// JSON text was read as one form parameter: "Received unknown parameter:
// {\"url\":\"http://…\",\"enabled_events\":", naming no fix.
func TestHuntserveJSONBodyRefused(t *testing.T) {
	e := servetest.Start(t, nil)
	jsonH := map[string]string{"Authorization": "Bearer sk_test_123", "Content-Type": "application/json; charset=utf-8"}
	const want = "Invalid request (check that your POST content type is application/x-www-form-urlencoded)"
	code, body := e.Do("POST", "/v1/webhook_endpoints", jsonH, `{"url":"`+e.Recv.URL+`","enabled_events":["*"]}`)
	if code != 400 || !strings.Contains(string(body), want) || !strings.Contains(string(body), `"type":"invalid_request_error"`) {
		t.Fatalf("create as JSON: %d %s, want 400 %q", code, body, want)
	}
	code, body = e.Do("POST", "/v1/webhook_endpoints", formH, "url="+e.Recv.URL+"&enabled_events[]=*")
	if code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}
	id := servetest.JSON(t, body)["id"].(string)
	code, body = e.Do("POST", "/v1/webhook_endpoints/"+id, jsonH, `{"description":"new"}`)
	if code != 400 || !strings.Contains(string(body), want) {
		t.Fatalf("update as JSON: %d %s, want 400 %q", code, body, want)
	}
	_, body = e.Do("GET", "/v1/webhook_endpoints/"+id, bearer, nil)
	if d := servetest.JSON(t, body)["description"]; d != nil && d != "" {
		t.Fatalf("the refused update changed the description: %v", d)
	}
}
