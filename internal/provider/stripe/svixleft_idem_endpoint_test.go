package stripe_test

import (
	"encoding/json"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestSvixleftIdempotencyKeyOnAnotherEndpoint: a key first used to create
// a webhook endpoint, then sent to update it, is Stripe's 400
// idempotency_error saying the key belongs to another endpoint, both
// paths named, first the one it was used for (Stripe's own words, as
// clients have recorded them: "…only be used for the same endpoint they
// were first used for ('/v1/subscriptions' vs '/v1/subscriptions/sub_…')").
// Serve said the parameters differed. The same key with other parameters
// on the same path keeps the "same parameters" words.
func TestSvixleftIdempotencyKeyOnAnotherEndpoint(t *testing.T) {
	e := servetest.Start(t, nil)
	hdr := map[string]string{"Authorization": "Bearer sk_test_idem", "Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": "key-1"}
	code, body := e.Do("POST", "/v1/webhook_endpoints", hdr, "url="+e.Recv.URL+"&enabled_events[]=*")
	if code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}
	id := servetest.JSON(t, body)["id"].(string)
	errOf := func(b []byte) (typ, msg string) {
		var v struct {
			Error struct {
				Type    string `json:"type"`
				Message string `json:"message"`
			} `json:"error"`
		}
		json.Unmarshal(b, &v)
		return v.Error.Type, v.Error.Message
	}
	code, body = e.Do("POST", "/v1/webhook_endpoints/"+id, hdr, "description=other")
	want := "Keys for idempotent requests can only be used for the same endpoint they were first used for ('/v1/webhook_endpoints' vs '/v1/webhook_endpoints/" + id +
		"'). Try using a key other than 'key-1' if you meant to execute a different request."
	if typ, msg := errOf(body); code != 400 || typ != "idempotency_error" || msg != want {
		t.Errorf("the key on another endpoint: %d %s\nwant 400 idempotency_error %q", code, body, want)
	}
	code, body = e.Do("POST", "/v1/webhook_endpoints", hdr, "url="+e.Recv.URL+"/other&enabled_events[]=*")
	want = "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than 'key-1' if you meant to execute a different request."
	if typ, msg := errOf(body); code != 400 || typ != "idempotency_error" || msg != want {
		t.Errorf("the key with other parameters: %d %s\nwant 400 idempotency_error %q", code, body, want)
	}
}
