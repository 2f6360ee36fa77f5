package check_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestCheckhuntHTTPSRedirectRejectHints: a receiver behind an
// HTTP-to-HTTPS rule answers every request 301 to https://: the
// rejects-* checks fail naming the redirect and accepts-valid, not
// "answer 400 or 401 to a request that fails verification" first (the
// request never reached the handler, which may verify correctly).
func TestCheckhuntHTTPSRedirectRejectHints(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://"+r.Host+r.URL.RequestURI(), http.StatusMovedPermanently)
	}))
	defer srv.Close()
	r := hookctl(t, nil, "check", srv.URL+"/webhooks", "--scheme", "standard", "--secret", stdSecret,
		"--only", "accepts-valid,rejects-wrong-secret,rejects-missing-signature", "-o", "json")
	if r.code != 1 || r.report == nil || len(r.verdicts("FAIL")) != 3 {
		t.Fatalf("want exit 1 and 3 FAILs, got\n%s", r.dump())
	}
	target := "give them the URL the receiver redirects to (https://" + strings.TrimPrefix(srv.URL, "http://") + "/webhooks)"
	for _, c := range r.report.Checks {
		if !strings.Contains(c.Hint, target) {
			t.Errorf("%s: hint %q lacks %q", c.ID, c.Hint, target)
		}
		if c.ID == "accepts-valid" {
			continue
		}
		if strings.Contains(c.Hint, "answer 400 or 401") || !strings.Contains(c.Hint, "the valid event was redirected as well (301, see accepts-valid)") {
			t.Errorf("%s: hint %q: want it to say the valid event was redirected too, not to answer 400 or 401", c.ID, c.Hint)
		}
	}
}
