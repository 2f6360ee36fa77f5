package check_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hookctl/hookctl/internal/check"
)

// TestRedirectLoopNamed: a receiver that redirects /webhooks to
// /webhooks/ and /webhooks/ back to /webhooks (two trailing-slash rules
// that disagree) fails every check with a hint that names the loop. The
// hint was "give them the URL the receiver redirects to
// (…/webhooks/)": that URL redirects back, and a check of it failed
// the same way the other way round. The URL it redirects to is asked
// once, without a body or signature; a redirect that is not a loop
// keeps its hint.
func TestRedirectLoopNamed(t *testing.T) {
	t.Parallel()
	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/webhooks":
			w.Header().Set("Location", "/webhooks/")
		case "/webhooks/":
			asked.Add(1)
			if len(body) > 0 || r.Header.Get("Webhook-Signature") != "" {
				t.Errorf("the redirect's target was sent a body (%d bytes) or a signature", len(body))
			}
			w.Header().Set("Location", "/webhooks")
		case "/self":
			w.Header().Set("Location", "/self/")
		case "/self/":
			w.Header().Set("Location", "/self/")
		case "/old":
			w.Header().Set("Location", "/new")
		case "/new":
			w.WriteHeader(http.StatusUnauthorized) // a real route: no loop
			return
		}
		w.WriteHeader(http.StatusPermanentRedirect)
	}))
	defer srv.Close()
	r := hookctl(t, nil, "check", srv.URL+"/webhooks", "--scheme", "standard", "--secret", stdSecret,
		"--only", "accepts-valid,rejects-wrong-secret,survives-burst", "--burst", "3", "-o", "json")
	if r.code != 1 || r.report == nil || len(r.verdicts(check.Fail)) != 3 {
		t.Fatalf("want exit 1 and 3 FAILs, got\n%s", r.dump())
	}
	want := "the receiver redirects the URL to " + srv.URL + "/webhooks/ and that URL back (a loop"
	for _, c := range r.report.Checks {
		if !strings.Contains(c.Hint, want) || strings.Contains(c.Hint, "give them the URL") {
			t.Errorf("%s: hint %q, want it to name the loop: %q", c.ID, c.Hint, want)
		}
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("the redirect's target was asked %d times, want once", n)
	}
	r = hookctl(t, nil, "check", srv.URL+"/old", "--scheme", "standard", "--secret", stdSecret, "--only", "accepts-valid", "-o", "json")
	if r.code != 1 || r.report == nil || !strings.Contains(r.report.Checks[0].Hint, "give them the URL the receiver redirects to ("+srv.URL+"/new)") {
		t.Errorf("a redirect to a route that answers: want the give-them hint, got\n%s", r.dump())
	}
	r = hookctl(t, nil, "check", srv.URL+"/self", "--scheme", "standard", "--secret", stdSecret, "--only", "accepts-valid", "-o", "json")
	if r.code != 1 || r.report == nil || !strings.Contains(r.report.Checks[0].Hint, "redirects the URL to "+srv.URL+"/self/ and that URL to itself (a loop") {
		t.Errorf("a redirect to a URL that redirects to itself: want the loop named, got\n%s", r.dump())
	}
}
