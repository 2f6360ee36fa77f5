package check

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/signature"
)

// TestHuntserveRefusalIn2xxBody: a receiver that verifies and refuses in
// its body, but with a 200 ({"error":"invalid signature"}, a common
// shape of express handlers that res.json() the error). The rejects-*
// checks fail (the provider reads the status: a 2xx is delivered), and
// their hints say so, quoting the body: they said "an attacker's request
// would be processed; … instead of skipping the check", which sent the
// developer to look for a verification they had written. A receiver
// whose valid answer is the same body ({"error":null} to everything) is
// told as before.
func TestHuntserveRefusalIn2xxBody(t *testing.T) {
	cat, err := catalog.Load(catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	et, err := cat.Lookup("invoice.paid", "standard")
	if err != nil {
		t.Fatal(err)
	}
	sch, err := signature.Lookup("standard")
	if err != nil {
		t.Fatal(err)
	}
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	rejects := []string{RejectsMissingSig, RejectsWrongSecret, RejectsTamperedBody, RejectsMalformedSig, RejectsStaleTimestamp, RejectsFutureTimestamp}
	for _, tc := range []struct {
		name, valid, refused string
		told                 bool
	}{
		{"error body", `{"received":true}`, `{"error":"invalid signature"}`, true},
		{"text", "ok", "Webhook Error: No signatures found matching the expected signature for payload", true},
		{"same body", `{"error":null}`, `{"error":null}`, false},
		{"no refusal", "ok", `{"received":true}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if sch.Verify(signature.VerifyInput{Secrets: []string{secret}, Header: r.Header, Body: body, Now: time.Now()}) != nil {
					io.WriteString(w, tc.refused)
					return
				}
				io.WriteString(w, tc.valid)
			}))
			defer srv.Close()
			sel := map[string]bool{AcceptsValid: true}
			for _, id := range rejects {
				sel[id] = true
			}
			rep, err := Run(context.Background(), Config{URL: srv.URL, Scheme: "standard", Secret: secret, Provider: "standard",
				Catalog: cat, Event: et, Selected: sel})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]Result{}
			for _, c := range rep.Checks {
				got[c.ID] = c
			}
			for _, id := range rejects {
				c, ok := got[id]
				if !ok {
					t.Fatalf("no verdict for %s", id)
				}
				if c.Verdict != Fail || c.Status != 200 {
					t.Errorf("%s: %s %d, want FAIL 200", id, c.Verdict, c.Status)
					continue
				}
				said := strings.HasPrefix(c.Hint, "it answered 200 with a body that reads as a refusal ("+firstBytes([]byte(tc.refused))+
					"), but the provider reads only the status") && strings.Contains(c.Hint, "answer 400 or 401")
				if said != tc.told {
					t.Errorf("%s: hint %q; told of the refusal in the body: %v, want %v", id, c.Hint, said, tc.told)
				}
				if tc.told && strings.Contains(c.Hint, "an attacker's request would be processed") {
					t.Errorf("%s: hint %q says the request would be processed; the receiver refused it in its body", id, c.Hint)
				}
			}
		})
	}
}
