package stripe_test

import (
	"encoding/json"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestSvixleftExpandIsRefused: Stripe checks expand against the object's
// expandable fields and a webhook_endpoint or an event has none
// (application is a plain id), so expand[]=application is 400
// invalid_request_error "This property cannot be expanded (application)."
// on every call, the create's included (nothing is created). Serve took
// any expand and answered the object as it was.
func TestSvixleftExpandIsRefused(t *testing.T) {
	e := servetest.Start(t, nil)
	key := map[string]string{"Authorization": "Bearer sk_test_x"}
	form := map[string]string{"Authorization": "Bearer sk_test_x", "Content-Type": "application/x-www-form-urlencoded"}
	code, body := e.Do("POST", "/v1/webhook_endpoints", form, "url="+e.Recv.URL+"&enabled_events[]=*")
	if code != 200 {
		t.Fatalf("create: %d %s", code, body)
	}
	id := servetest.JSON(t, body)["id"].(string)
	if code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "invoice.paid", "provider": "stripe"}); code != 201 {
		t.Fatalf("trigger: %d %s", code, body)
	}
	for _, tc := range []struct{ method, path, body, prop string }{
		{"GET", "/v1/webhook_endpoints/" + id + "?expand[]=application", "", "application"},
		{"GET", "/v1/webhook_endpoints?expand[0]=data.application", "", "data.application"},
		{"GET", "/v1/events?expand[]=data.request", "", "data.request"},
		{"POST", "/v1/webhook_endpoints/" + id, "description=x&expand[]=application", "application"},
		{"POST", "/v1/webhook_endpoints", "url=" + e.Recv.URL + "/2&enabled_events[]=*&expand[0]=application", "application"},
		{"DELETE", "/v1/webhook_endpoints/" + id + "?expand[]=application", "", "application"},
	} {
		hdr := key
		var b any
		if tc.method == "POST" {
			hdr, b = form, tc.body
		}
		code, body := e.Do(tc.method, tc.path, hdr, b)
		var got struct {
			Error map[string]any `json:"error"`
		}
		json.Unmarshal(body, &got)
		if want := "This property cannot be expanded (" + tc.prop + ")."; code != 400 || got.Error["type"] != "invalid_request_error" || got.Error["message"] != want {
			t.Errorf("%s %s %s: %d %s, want 400 invalid_request_error %q", tc.method, tc.path, tc.body, code, body, want)
		}
	}
	// Nothing was created, changed or deleted.
	_, body = e.Do("GET", "/v1/webhook_endpoints", key, nil)
	var list struct {
		Data []struct {
			ID          string  `json:"id"`
			Description *string `json:"description"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &list) != nil || len(list.Data) != 1 || list.Data[0].ID != id || list.Data[0].Description != nil {
		t.Errorf("after the refused calls: %s, want %s alone, unchanged", body, id)
	}
}
