package stripe_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestSvixleftEveryAnswerHasARequestID: Stripe sends Request-Id: req_…
// with every answer, errors included (a 401, a 404, an unknown route),
// each its own, and the libraries hand it to their callers
// (StripeError.request_id), which apps log with a failure. Serve sent
// none.
func TestSvixleftEveryAnswerHasARequestID(t *testing.T) {
	e := servetest.Start(t, nil)
	reqID := regexp.MustCompile(`^req_[A-Za-z0-9]{14}$`)
	seen := map[string]bool{}
	for _, tc := range []struct {
		method, path, key string
		status            int
	}{
		{"GET", "/v1/webhook_endpoints", "sk_test_x", 200},
		{"GET", "/v1/webhook_endpoints", "sk_test_x", 200},
		{"GET", "/v1/webhook_endpoints/we_nope", "sk_test_x", 404},
		{"GET", "/v1/events/evt_nope", "sk_test_x", 404},
		{"GET", "/v1/webhook_endpoints", "", 401},
		{"POST", "/v1/webhook_endpoints", "sk_test_x", 400},
		{"GET", "/v1/charges", "sk_test_x", 404},
	} {
		req, _ := http.NewRequest(tc.method, e.URL+tc.path, strings.NewReader(""))
		if tc.key != "" {
			req.Header.Set("Authorization", "Bearer "+tc.key)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		id := resp.Header.Get("Request-Id")
		if resp.StatusCode != tc.status || !reqID.MatchString(id) || seen[id] {
			t.Errorf("%s %s: %d Request-Id %q, want %d and a fresh req_ id", tc.method, tc.path, resp.StatusCode, id, tc.status)
		}
		seen[id] = true
	}
}

// TestSvixleftReplayHasItsOwnRequestID: a POST replayed for its
// Idempotency-Key answers Idempotent-Replayed: true with a Request-Id of
// its own and the first answer's as Original-Request, as Stripe does;
// serve's replay copied the first answer's Request-Id.
func TestSvixleftReplayHasItsOwnRequestID(t *testing.T) {
	e := servetest.Start(t, nil)
	post := func() http.Header {
		req, _ := http.NewRequest("POST", e.URL+"/v1/webhook_endpoints", strings.NewReader("url="+e.Recv.URL+"&enabled_events[]=*"))
		req.Header.Set("Authorization", "Bearer sk_test_x")
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Idempotency-Key", "replay-1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("create: %d", resp.StatusCode)
		}
		return resp.Header
	}
	first, again := post(), post()
	if again.Get("Idempotent-Replayed") != "true" || again.Get("Original-Request") != first.Get("Request-Id") ||
		again.Get("Request-Id") == "" || again.Get("Request-Id") == first.Get("Request-Id") || first.Get("Original-Request") != "" {
		t.Errorf("first answer's Request-Id %q; the replay's Request-Id %q, Original-Request %q, Idempotent-Replayed %q",
			first.Get("Request-Id"), again.Get("Request-Id"), again.Get("Original-Request"), again.Get("Idempotent-Replayed"))
	}
}
