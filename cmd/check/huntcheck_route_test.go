package check_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/check"
)

// TestValidEventMissedTheRoute: a valid event answered 404, 405 or 415
// did not reach the webhook handler (a typo in the path, a GET-only
// route, a body parser for another type): accepts-valid's hint says so
// instead of "verify the signature over the raw body bytes with the
// subscription's secret", which sent the developer after a signature
// that was never looked at.
func TestValidEventMissedTheRoute(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /webhooks", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			http.Error(w, "want a form", http.StatusUnsupportedMediaType)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, tc := range []struct{ path, want string }{
		{"/webhook", "nothing takes the request at this URL (404 Not Found): is its path the app's webhook route?"},
		{"/status", "the URL does not take POST requests (405 Method Not Allowed): is its path the app's webhook route, and does that route take POST?"},
		{"/webhooks", "the receiver refused the content type application/json (415 Unsupported Media Type)"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			r := hookctl(t, nil, "check", srv.URL+tc.path, "--provider", "standard", "--secret", stdSecret,
				"--only", check.AcceptsValid, "-o", "json")
			if r.code != 1 || r.report == nil || len(r.report.Checks) != 1 {
				t.Fatalf("want accepts-valid to fail, got\n%s", r.dump())
			}
			if h := r.report.Checks[0].Hint; !strings.HasPrefix(h, tc.want) || strings.Contains(h, "signature") {
				t.Errorf("hint %q, want %q", h, tc.want)
			}
		})
	}
}
