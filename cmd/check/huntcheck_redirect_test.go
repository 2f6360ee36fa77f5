package check_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/check"
)

// TestRedirectHintNamesWhere: a redirect's hint names the whole URL it
// leads to, read against the probe's URL (the Location "/webhooks/" was
// given as it is, not a URL to give a provider), and a redirect to the
// URL itself is called a loop instead of asking to give the provider
// the URL it was already given ("give them the URL the receiver
// redirects to (/webhooks)").
func TestRedirectHintNamesWhere(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		location func(srv string) string // the Location the receiver answers
		want     func(srv string) string // in every hint
		not      string
	}{
		{"relative", func(string) string { return "/webhooks/" },
			func(srv string) string { return "give them the URL the receiver redirects to (" + srv + "/webhooks/)" }, ""},
		{"to-itself", func(string) string { return "/webhooks" },
			func(string) string { return "the receiver redirects the URL to itself" }, "give them the URL"},
		{"to-itself-absolute", func(srv string) string { return srv + "/webhooks" },
			func(string) string { return "the receiver redirects the URL to itself" }, "give them the URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var loc string
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				if r.URL.Path == "/webhooks/" {
					// The route itself (check asks where the redirect
					// leads: a redirect there too is a loop).
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				w.Header().Set("Location", loc)
				w.WriteHeader(http.StatusTemporaryRedirect)
			}))
			// loc is set before the server starts serving: set after, the
			// handler's read of it raced with the write (go test -race).
			loc = tc.location("http://" + srv.Listener.Addr().String())
			srv.Start()
			defer srv.Close()
			r := hookctl(t, nil, "check", srv.URL+"/webhooks", "--provider", "bond", "--secret", bondSecret,
				"--only", "accepts-valid,rejects-wrong-secret,survives-burst", "--burst", "3", "-o", "json")
			if r.code != 1 || r.report == nil || len(r.verdicts(check.Fail)) != 3 {
				t.Fatalf("want exit 1 and 3 FAILs, got\n%s", r.dump())
			}
			want := tc.want(srv.URL)
			for _, c := range r.report.Checks {
				if !strings.Contains(c.Hint, want) || tc.not != "" && strings.Contains(c.Hint, tc.not) {
					t.Errorf("%s: hint %q, want it to say %q", c.ID, c.Hint, want)
				}
				if !strings.Contains(c.Detail, "307 in") || !strings.Contains(c.Detail, "to "+loc) {
					t.Errorf("%s: evidence %q, want the 307 and its Location as sent", c.ID, c.Detail)
				}
			}
		})
	}
}
