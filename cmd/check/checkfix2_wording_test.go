package check_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/check"
)

// TestCheckfix2WordingFollowsScheme: checks speak of what the scheme's
// requests carry. With a user:password secret Mambu sends HTTP Basic
// credentials, Mono the secret itself: nothing is signed. Before, a
// Mambu receiver accepting any password was told it accepted a request
// "signed with another secret" and to "check it against the
// subscription's secret"; one refusing the right password, to "verify the
// signature over the raw body bytes, before any JSON parsing".
func TestCheckfix2WordingFollowsScheme(t *testing.T) {
	t.Parallel()
	const mambuSecret = "hookctl:s3cret-password"
	const monoSecret = "mono_sec_0123456789abcdef"
	// Takes any request that carries credentials at all: the wrong
	// password too.
	lax := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" && r.Header.Get("Mono-Webhook-Secret") == "" {
			http.Error(w, "no credentials", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(lax.Close)
	// Knows another password than the one check sends.
	strict := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte("hookctl:another")) {
			http.Error(w, "bad credentials", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(strict.Close)

	for _, tc := range []struct {
		name, url             string
		args                  []string
		id                    string
		detail, hint, notHint []string
	}{
		{"mambu/wrong-password-accepted", lax.URL, []string{"--provider", "mambu", "--secret", mambuSecret}, check.RejectsWrongSecret,
			[]string{"with another password (HTTP Basic auth, same user): 200"},
			[]string{"accepted a request with another password (HTTP Basic auth, same user)", "compare the Basic auth user and password with the subscription's user:password"},
			[]string{"signed", "signature"}},
		{"mambu/right-password-refused", strict.URL, []string{"--provider", "mambu", "--secret", mambuSecret}, check.AcceptsValid,
			[]string{"a valid event: 401"},
			[]string{"refused an event with the right HTTP Basic auth credentials: check that the receiver's user:password is the one the probes were sent with (--secret)"},
			[]string{"signed", "signature", "JSON parsing"}},
		{"mono/wrong-secret-accepted", lax.URL, []string{"--provider", "mono", "--secret", monoSecret}, check.RejectsWrongSecret,
			[]string{"carrying another secret in mono-webhook-secret: 200"},
			[]string{"compare it with the subscription's secret"},
			[]string{"signed", "signature"}},
		{"mambu/rotation-skipped", lax.URL, []string{"--provider", "mambu", "--secret", mambuSecret}, check.AcceptsRotatedSecret,
			[]string{"scheme mambu sends one user:password per request"}, nil, []string{"signature"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := hookctl(t, nil, append([]string{"check", tc.url, "--only", tc.id, "-o", "json"}, tc.args...)...)
			if tc.id == check.AcceptsRotatedSecret {
				// Skipped alone: none of the selected checks applies.
				if r.code != 2 || !strings.Contains(r.stderr, tc.detail[0]) || strings.Contains(r.stderr, "signature") {
					t.Errorf("want the skip to say %q, got\n%s", tc.detail[0], r.dump())
				}
				return
			}
			if r.code != 1 || r.report == nil || len(r.report.Checks) != 1 || r.report.Checks[0].Verdict != check.Fail {
				t.Fatalf("want %s to fail, got\n%s", tc.id, r.dump())
			}
			c := r.report.Checks[0]
			for _, w := range tc.detail {
				if !strings.Contains(c.Detail, w) {
					t.Errorf("detail %q, want %q", c.Detail, w)
				}
			}
			for _, w := range tc.hint {
				if !strings.Contains(c.Hint, w) {
					t.Errorf("hint %q, want %q", c.Hint, w)
				}
			}
			for _, w := range tc.notHint {
				if strings.Contains(c.Detail+" "+c.Hint, w) {
					t.Errorf("%q speaks of %q: %s | %s", tc.name, w, c.Detail, c.Hint)
				}
			}
		})
	}
}
