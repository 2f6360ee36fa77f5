package serve_test

import (
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestHuntprovJSONBodyNotUTF8: a JSON body holding bytes that are not
// UTF-8 (a client sending Latin-1: "Zo\xeb") is refused with a 4xx in the
// API's envelope saying so, as the providers refuse it (JSON is UTF-8)
// and as serve refuses such bytes in a URL or a form field. Before, Go's
// decoder replaced them with U+FFFD and the request succeeded: Bond's
// description and Svix's application name were stored as "Zo\uFFFD", a
// trigger's set sent it to the receivers, and a Mambu search compared it.
func TestHuntprovJSONBodyNotUTF8(t *testing.T) {
	e := servetest.Start(t, nil)
	subscribe(t, e, "*")
	hdr := map[string]string{"Authorization": "Bearer k", "apiKey": "k", "Identity": "i", "Content-Type": "application/json"}
	bond := map[string]string{"Authorization": "k", "Identity": "i"}
	for _, tc := range []struct {
		path  string
		hdr   map[string]string
		body  string
		shape string
	}{
		{"/api/v0/webhooks", bond, `{"events":["card.created"],"callback_url":"` + e.Recv.URL + `/b","description":"Zo` + "\xeb" + `"}`, `"Code":"invalid_request"`},
		{"/api/v0.1/simulate/kyc-pass", bond, `{"customer_id":"c` + "\xff" + `"}`, `"Code":"invalid_request"`},
		{"/api/v1/app", hdr, `{"name":"Zo` + "\xeb" + `"}`, `"code":"validation"`},
		{"/_hookctl/trigger", nil, `{"type":"card.created","set":{"card.last_four":"4` + "\xff" + `"}}`, `"code":"invalid_request"`},
		{"/api/communications/messages:search", hdr, `{"filterCriteria":[{"field":"event","operator":"EQUALS","value":"A` + "\xff" + `"}]}`, `"errorReason":"INVALID_PARAMETERS"`},
		{"/api/notifications/messages", hdr, `{"action":"RESEND","identifiers":["` + "\xff" + `"]}`, `"returnStatus":"INVALID_PARAMETERS"`},
	} {
		code, body := e.Do("POST", tc.path, tc.hdr, tc.body)
		if code/100 != 4 || !strings.Contains(string(body), tc.shape) || !strings.Contains(string(body), "UTF-8") {
			t.Errorf("POST %s %q: %d %s\nwant a 4xx with %s saying the body is not UTF-8", tc.path, tc.body, code, body, tc.shape)
		}
	}
	if got := e.Recv.Drain(); len(got) != 0 {
		t.Errorf("%d deliveries sent", len(got))
	}
}
