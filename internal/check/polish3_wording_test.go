package check

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hookctl/hookctl/internal/catalog"
)

// TestIgnoresRejectedSkipNamesBasicAuth: every check skipped because
// mambu sends nothing to alter says how to turn on what it can send (a
// user:password --secret for HTTP Basic auth); ignores-rejected said
// only "sends no signature or secret".
func TestIgnoresRejectedSkipNamesBasicAuth(t *testing.T) {
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	et, err := cat.Lookup("client.created", "mambu")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	rep, err := Run(context.Background(), Config{URL: srv.URL, Scheme: "mambu", Provider: "mambu",
		Catalog: cat, Event: et, Selected: map[string]bool{AcceptsValid: true, IgnoresRejected: true, RejectsMissingSig: true, RejectsMalformedSig: true}})
	if err != nil {
		t.Fatal(err)
	}
	const want = "scheme mambu sends no signature or secret (give a user:password --secret for HTTP Basic auth)"
	seen := map[string]bool{}
	for _, c := range rep.Checks {
		switch c.ID {
		case IgnoresRejected, RejectsMissingSig, RejectsMalformedSig:
			seen[c.ID] = true
			if c.Verdict != Skip || c.Detail != want {
				t.Errorf("%s: %s %q, want SKIP %q", c.ID, c.Verdict, c.Detail, want)
			}
		}
	}
	if len(seen) != 3 {
		t.Errorf("verdicts for %v only: %+v", seen, rep.Checks)
	}
}
