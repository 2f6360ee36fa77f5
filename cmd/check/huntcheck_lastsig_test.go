package check_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/check"
	"github.com/hookctl/hookctl/internal/signature"
)

// lastSignatureOnly keeps only the last signature of a Standard Webhooks
// or Stripe signature header, as a receiver that checks only the last
// one reads it.
func lastSignatureOnly(h http.Header) {
	if v := h.Get("webhook-signature"); v != "" {
		f := strings.Fields(v)
		h.Set("webhook-signature", f[len(f)-1])
	}
	if v := h.Get("Stripe-Signature"); v != "" {
		var t, last string
		for _, p := range strings.Split(v, ",") {
			switch {
			case strings.HasPrefix(p, "t="):
				t = p
			case strings.HasPrefix(p, "v1="):
				last = p
			}
		}
		h.Set("Stripe-Signature", t+","+last)
	}
}

// TestRotationProbeCatchesLastSignatureOnly: accepts-rotated-secret puts
// the valid signature between two others, so a receiver that checks only
// the last signature fails it, as one that checks only the first does. A
// delivery in a rotation's grace period carries the current secret's
// signature first and the previous one's last, so such a receiver on the
// new secret refuses every one of them; with the valid signature last
// ("two signatures, the valid one second") it passed.
func TestRotationProbeCatchesLastSignatureOnly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ provider, scheme, secret string }{
		{"standard", "standard", stdSecret},
		{"stripe", "stripe", stripeSecret},
	} {
		t.Run(tc.scheme, func(t *testing.T) {
			t.Parallel()
			sch, err := signature.Lookup(tc.scheme)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				h := r.Header.Clone()
				lastSignatureOnly(h)
				if err := sch.Verify(signature.VerifyInput{Secrets: []string{tc.secret}, Header: h, Body: body, Now: time.Now()}); err != nil {
					http.Error(w, err.Error(), http.StatusUnauthorized)
					return
				}
				w.WriteHeader(http.StatusOK)
			}))
			defer srv.Close()
			r := hookctl(t, nil, "check", srv.URL, "--provider", tc.provider, "--secret", tc.secret, "-o", "json",
				"--only", check.AcceptsValid+","+check.AcceptsRotatedSecret)
			if r.code != 1 || r.report == nil || !slices.Equal(r.verdicts(check.Fail), []string{check.AcceptsRotatedSecret}) {
				t.Fatalf("want accepts-valid to pass and accepts-rotated-secret to fail, got\n%s", r.dump())
			}
			for _, c := range r.report.Checks {
				if c.ID == check.AcceptsRotatedSecret && !strings.Contains(c.Hint, "not only the first or the last") {
					t.Errorf("hint %q", c.Hint)
				}
			}
		})
	}
}
