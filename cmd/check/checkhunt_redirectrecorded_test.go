package check_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckhuntRedirectLoopRequestRecorded: the request check sends to
// the URL a redirect leads to (to tell a loop) is recorded as the probes
// are: a delivery of kind probe of the run, whose attempt shows what was
// sent (no body, no signature) and what came back (the redirect back),
// named by every redirected check in -o json (redirect_delivery_id), in
// the hints on stderr and in the JUnit file. It was sent and forgotten:
// a user debugging a loop verdict could not see what that URL answered.
func TestCheckhuntRedirectLoopRequestRecorded(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/webhooks":
			w.Header().Set("Location", "/webhooks/")
		case "/webhooks/":
			w.Header().Set("Location", "/webhooks")
			w.Header().Set("X-Target", "slash-rule")
		}
		w.WriteHeader(http.StatusPermanentRedirect)
	}))
	defer srv.Close()
	dir := t.TempDir()
	env := []string{"HOOKCTL_STORE=" + filepath.Join(dir, "shared.db")}
	junit := filepath.Join(dir, "check.xml")
	r := hookctl(t, env, "check", srv.URL+"/webhooks", "--scheme", "standard", "--secret", stdSecret,
		"--only", "accepts-valid,rejects-wrong-secret", "-o", "json", "--junit", junit)
	if r.code != 1 || r.report == nil || len(r.report.Checks) != 2 {
		t.Fatalf("want exit 1 and 2 checks, got\n%s", r.dump())
	}
	loopID := r.report.Checks[0].RedirectDeliveryID
	if loopID == "" {
		t.Fatalf("accepts-valid names no recorded request to the redirect's target:\n%s", r.stdout)
	}
	for _, c := range r.report.Checks {
		if c.RedirectDeliveryID != loopID || c.DeliveryID == "" || c.DeliveryID == loopID {
			t.Errorf("%s: delivery %q, redirect's target %q; want its own probe and %q", c.ID, c.DeliveryID, c.RedirectDeliveryID, loopID)
		}
	}
	if !strings.Contains(r.stdout, `"redirect_delivery_id": "`+loopID+`"`) {
		t.Errorf("-o json lacks redirect_delivery_id:\n%s", r.stdout)
	}
	for _, tc := range r.junit.Suites[0].Cases {
		if tc.Failure == nil || !strings.Contains(tc.Failure.Text, "hookctl deliveries show "+loopID) {
			t.Errorf("JUnit case %s does not name the redirect's target request: %+v", tc.Name, tc.Failure)
		}
	}

	// Console, piped: the hints (stderr) name it after the probe.
	p := hookctl(t, env, "check", srv.URL+"/webhooks", "--scheme", "standard", "--secret", stdSecret, "--only", "accepts-valid")
	if p.code != 1 || !strings.Contains(p.stderr, "a loop") || !strings.Contains(p.stderr, "(the redirect's target: hookctl deliveries show ") {
		t.Errorf("piped hints do not name the redirect's target request:\n%s", p.stderr)
	}

	// The store: what was sent and what came back.
	show := hookctl(t, env, "deliveries", "show", loopID, "--output=json") // (not "json": hookctl would read a check report)
	if show.code != 0 {
		t.Fatalf("deliveries show %s: exit %d\n%s%s", loopID, show.code, show.stdout, show.stderr)
	}
	var d struct {
		Kind     string `json:"kind"`
		URL      string `json:"url"`
		RunID    string `json:"run_id"`
		Attempts []struct {
			Request struct {
				Headers map[string][]string `json:"headers"`
			} `json:"request"`
			Response struct {
				Status  int                 `json:"status"`
				Headers map[string][]string `json:"headers"`
			} `json:"response"`
		} `json:"attempts"`
	}
	if err := json.Unmarshal([]byte(show.stdout), &d); err != nil {
		t.Fatalf("deliveries show -o json: %v\n%s", err, show.stdout)
	}
	if d.Kind != "probe" || d.URL != srv.URL+"/webhooks/" || d.RunID != r.report.RunID || len(d.Attempts) != 1 {
		t.Fatalf("recorded request: kind %q url %q run %q (want probe, %s/webhooks/, %s), %d attempts\n%s",
			d.Kind, d.URL, d.RunID, srv.URL, r.report.RunID, len(d.Attempts), show.stdout)
	}
	a := d.Attempts[0]
	if a.Response.Status != http.StatusPermanentRedirect || first(a.Response.Headers, "Location") != "/webhooks" || first(a.Response.Headers, "X-Target") != "slash-rule" {
		t.Errorf("recorded answer: %d, headers %v; want 308 to /webhooks", a.Response.Status, a.Response.Headers)
	}
	if len(a.Request.Headers) == 0 {
		t.Errorf("recorded request has no headers (want User-Agent)")
	}
	for k := range a.Request.Headers {
		if strings.Contains(strings.ToLower(k), "signature") || strings.EqualFold(k, "Content-Type") {
			t.Errorf("recorded request has header %s: it was sent without body or signature", k)
		}
	}
	text := hookctl(t, env, "deliveries", "show", loopID)
	if !strings.Contains(text.stdout, "308") || !strings.Contains(text.stdout, "/webhooks/") {
		t.Errorf("deliveries show %s:\n%s%s", loopID, text.stdout, text.stderr)
	}
}

func first(h map[string][]string, k string) string {
	for kk, vs := range h {
		if strings.EqualFold(kk, k) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// TestCheckhuntReplayRedirectToItself: the recorded request to a
// redirect's target is replayed as it was sent, and when that URL
// redirects to itself (express routes /webhooks and /webhooks/ alike:
// a trailing-slash redirect there loops), replay's hint said "redirecting
// to URL: … send to that URL instead", naming the URL it was sent to.
func TestCheckhuntReplayRedirectToItself(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "/webhooks/")
		w.WriteHeader(http.StatusMovedPermanently)
	}))
	defer srv.Close()
	env := []string{"HOOKCTL_STORE=" + filepath.Join(t.TempDir(), "shared.db")}
	r := hookctl(t, env, "check", srv.URL+"/webhooks", "--scheme", "standard", "--secret", stdSecret, "--only", "accepts-valid", "-o", "json")
	if r.code != 1 || r.report == nil || r.report.Checks[0].RedirectDeliveryID == "" {
		t.Fatalf("want the redirect's target recorded, got\n%s", r.dump())
	}
	rp := hookctl(t, env, "replay", r.report.Checks[0].RedirectDeliveryID)
	self := srv.URL + "/webhooks/ answered 301, redirecting to itself"
	if rp.code == 0 || !strings.Contains(rp.stderr, self) || strings.Contains(rp.stderr, "send to that URL instead") {
		t.Errorf("replay of a request redirected to its own URL: want %q, not \"send to that URL instead\"; exit %d\n%s", self, rp.code, rp.stderr)
	}
}
