package mambu_test

import (
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestServeleftV2NeedsItsAcceptHeader: Mambu serves API v1 and v2 under
// one /api and picks the version by the Accept header (its docs:
// "Versioning is supported in API requests via the Accept header",
// every v2 request sends application/vnd.mambu.v2+json). A v2 operation
// asked without it (or with v1's, or application/json) is API v1's, which
// has no such URI: v1's INVALID_API_OPERATION (code 3) in v1's envelope,
// saying which header to send. Serve answered it as v2. The v2 type
// among others, with parameters, in another case, is v2; v1's paths
// need no Accept.
func TestServeleftV2NeedsItsAcceptHeader(t *testing.T) {
	e := servetest.Start(t, nil)
	for _, accept := range []string{"", "*/*", "application/json", "application/vnd.mambu.v1+json"} {
		for _, req := range []struct{ method, path, body string }{
			{"POST", "/api/communications/messages:search", "{}"},
			{"GET", "/api/communications/messages/8a19c1b2", ""},
			{"POST", "/api/communications/messages:resend", `{"messages":["8a19c1b2"]}`},
			// v1 has no such URI whatever the method: not v2's 405.
			{"GET", "/api/communications/messages:search", ""},
			{"POST", "/api/communications/other", "{}"},
		} {
			code, body := e.Do(req.method, req.path, map[string]string{"apiKey": "k", "Accept": accept}, req.body)
			m := servetest.JSON(t, body)
			src, _ := m["errorSource"].(string)
			if code != 404 || m["returnCode"] != 3.0 || m["returnStatus"] != "INVALID_API_OPERATION" || m["errors"] != nil ||
				!strings.Contains(src, "Accept: application/vnd.mambu.v2+json") {
				t.Errorf("%s %s with Accept %q: %d %s\nwant 404 {returnCode: 3, returnStatus: INVALID_API_OPERATION} naming the v2 Accept header", req.method, req.path, accept, code, body)
			}
		}
	}
	for _, accept := range []string{"application/vnd.mambu.v2+json", "application/json, application/vnd.mambu.v2+json;q=0.9", "Application/Vnd.Mambu.V2+JSON"} {
		if code, body := e.Do("POST", "/api/communications/messages:search", map[string]string{"apiKey": "k", "Accept": accept}, "{}"); code != 200 {
			t.Errorf("v2 search with Accept %q: %d %s, want 200", accept, code, body)
		}
	}
	// Without credentials either: API v1 answers, in its envelope.
	code, body := e.Do("POST", "/api/communications/messages:search", map[string]string{"Accept": ""}, "{}")
	if m := servetest.JSON(t, body); code != 401 || m["returnStatus"] != "INVALID_CREDENTIALS" || m["returnCode"] != 2.0 {
		t.Errorf("v2 search without Accept nor credentials: %d %s, want 401 INVALID_CREDENTIALS in v1's envelope", code, body)
	}
	if code, body := e.Do("POST", "/api/notifications/messages/search", map[string]string{"apiKey": "k"}, "{}"); code != 200 {
		t.Errorf("v1 search without Accept: %d %s, want 200", code, body)
	}
}
