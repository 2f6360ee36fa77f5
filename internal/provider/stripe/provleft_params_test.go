package stripe_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestProvleftUnknownQueryParams: Stripe answers a parameter it does not
// know 400 parameter_unknown, in the query of a GET or DELETE as in a
// POST's body. serve refused them in bodies only: ?limt=5 listed ten,
// ?starting_afer=we_… answered the first page again (a hand-written pager
// looped on it), ?typ=invoice.paid listed every event, and a POST's
// misspelt query parameter was dropped.
func TestProvleftUnknownQueryParams(t *testing.T) {
	e := servetest.Start(t, nil)
	key := map[string]string{"Authorization": "Bearer sk_test_k"}
	form := map[string]string{"Authorization": "Bearer sk_test_k", "Content-Type": "application/x-www-form-urlencoded"}
	code, body := e.Do("POST", "/v1/webhook_endpoints", form, "url="+e.Recv.URL+"&enabled_events[]=*")
	if code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}
	var we struct{ ID string }
	json.Unmarshal(body, &we)
	code, body = e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "invoice.paid", "provider": "stripe"})
	if code != 201 {
		t.Fatalf("trigger: %d %s", code, body)
	}
	for _, tc := range []struct{ method, path, param, want string }{
		{"GET", "/v1/webhook_endpoints?limt=5", "limt", "Did you mean limit?"},
		{"GET", "/v1/webhook_endpoints?starting_afer=" + we.ID, "starting_afer", "Did you mean starting_after?"},
		{"GET", "/v1/webhook_endpoints/" + we.ID + "?foo=1", "foo", ""},
		{"GET", "/v1/events?typ=invoice.paid", "typ", "Did you mean type?"},
		{"GET", "/v1/events?created[gtee]=1", "created[gtee]", ""},
		{"GET", "/v1/events/evt_x?limit=1", "limit", ""},
		{"POST", "/v1/webhook_endpoints/" + we.ID + "?descripton=x", "descripton", "Did you mean description?"},
		{"DELETE", "/v1/webhook_endpoints/" + we.ID + "?force=true", "force", ""},
	} {
		hdr := key
		if tc.method == "POST" {
			hdr = form
		}
		code, body := e.Do(tc.method, tc.path, hdr, nil)
		var got struct {
			Error struct{ Type, Code, Param, Message string }
		}
		json.Unmarshal(body, &got)
		if code != 400 || got.Error.Code != "parameter_unknown" || got.Error.Param != tc.param ||
			!strings.Contains(got.Error.Message, "Received unknown parameter: "+tc.param) || !strings.Contains(got.Error.Message, tc.want) {
			t.Errorf("%s %s: %d %s; want 400 parameter_unknown naming %s", tc.method, tc.path, code, body, tc.param)
		}
	}
	// What Stripe takes is still taken (an expand is refused as Stripe
	// refuses it: TestSvixleftExpandIsRefused).
	for _, p := range []string{"/v1/webhook_endpoints?limit=1&expand[]=", "/v1/webhook_endpoints/" + we.ID,
		"/v1/events?limit=1&type=invoice.paid&created[gte]=1&delivery_success=true", "/v1/events?types[0]=invoice.paid&types[1]=charge.succeeded"} {
		if code, body := e.Do("GET", p, key, nil); code != 200 {
			t.Errorf("GET %s: %d %s", p, code, body)
		}
	}
}
