package check_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/check"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// secretsReceiver answers 200 to a request that verifies with any of
// secrets (scheme's own verification, timestamp included), else 401.
func secretsReceiver(t *testing.T, scheme string, secrets ...string) *httptest.Server {
	t.Helper()
	sch, err := signature.Lookup(scheme)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := sch.Verify(signature.VerifyInput{Secrets: secrets, Header: r.Header, Body: body, Now: time.Now()}); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// rotatedSubscription stores a subscription of url whose secret was
// rotated from prev to cur, the grace period ending at until.
func rotatedSubscription(t *testing.T, url, scheme, provider, cur, prev string, until time.Time) (env []string, id string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hookctl.db")
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sub := &store.Subscription{CallbackURL: url, Events: []string{"*"}, Status: "enabled", Secret: cur,
		PreviousSecret: prev, PreviousSecretExpiresAt: until, Provider: provider, Scheme: scheme}
	if err := st.CreateSubscription(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	return []string{"HOOKCTL_STORE=" + path}, sub.ID
}

// TestCheckSubscriptionRotation: check --subscription of a subscription
// whose secret was rotated probes what its deliveries carry and what the
// receiver must refuse.
//
// In the grace period a scheme with one signature per request (github,
// bond, …) signs deliveries with the previous secret alone (trigger's
// rule), and the current one after: accepts-rotated-secret sends one
// signed with the previous secret. Before, it was skipped ("carries one
// signature per request"), and a receiver that had already switched to
// the new secret passed every check while every delivery of the grace
// period failed on it.
//
// After the grace period, rejects-wrong-secret signs with the previous
// secret: a receiver still accepting it fails, told to remove it. Before,
// the probe used a random secret and such a receiver passed.
func TestCheckSubscriptionRotation(t *testing.T) {
	t.Parallel()
	const (
		ghOld = "It's a Secret to Everybody"
		ghNew = "a new secret, rotated"
	)
	future, past := time.Now().Add(time.Hour).UTC(), time.Now().Add(-time.Hour).UTC()
	for _, tc := range []struct {
		name     string
		accepts  []string // the receiver's secrets
		until    time.Time
		verdict  map[string]check.Verdict
		detail   map[string]string
		hint     map[string]string
		exitCode int
	}{
		{name: "grace/new-only", accepts: []string{ghNew}, until: future, exitCode: 1,
			verdict: map[string]check.Verdict{check.AcceptsValid: check.Pass, check.AcceptsRotatedSecret: check.Fail, check.RejectsWrongSecret: check.Pass},
			detail:  map[string]string{check.AcceptsRotatedSecret: "signed with the previous secret, as deliveries are until its grace period ends (" + future.Format(time.RFC3339) + "): 401"},
			hint:    map[string]string{check.AcceptsRotatedSecret: "scheme github carries one signature, made with the previous secret until " + future.Format(time.RFC3339) + " and with the current one after: accept both until then"}},
		{name: "grace/both", accepts: []string{ghNew, ghOld}, until: future, exitCode: 0,
			verdict: map[string]check.Verdict{check.AcceptsValid: check.Pass, check.AcceptsRotatedSecret: check.Pass, check.RejectsWrongSecret: check.Pass}},
		{name: "retired/still-accepts-old", accepts: []string{ghNew, ghOld}, until: past, exitCode: 1,
			verdict: map[string]check.Verdict{check.AcceptsValid: check.Pass, check.AcceptsRotatedSecret: check.Skip, check.RejectsWrongSecret: check.Fail},
			detail:  map[string]string{check.RejectsWrongSecret: "signed with the previous secret, whose grace period ended " + past.Format(time.RFC3339) + ": 200"},
			hint:    map[string]string{check.RejectsWrongSecret: "remove it from the receiver's configuration"}},
		{name: "retired/new-only", accepts: []string{ghNew}, until: past, exitCode: 0,
			verdict: map[string]check.Verdict{check.AcceptsValid: check.Pass, check.AcceptsRotatedSecret: check.Skip, check.RejectsWrongSecret: check.Pass}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := secretsReceiver(t, "github", tc.accepts...)
			env, id := rotatedSubscription(t, srv.URL, "github", "github", ghNew, ghOld, tc.until)
			r := hookctl(t, env, "check", srv.URL, "--subscription", id, "-o", "json",
				"--only", "accepts-valid,rejects-wrong-secret,accepts-rotated-secret")
			if r.code != tc.exitCode || r.report == nil || len(r.report.Checks) != 3 {
				t.Fatalf("want exit %d and 3 checks, got\n%s", tc.exitCode, r.dump())
			}
			for _, c := range r.report.Checks {
				if c.Verdict != tc.verdict[c.ID] {
					t.Errorf("%s: %s, want %s\n%s", c.ID, c.Verdict, tc.verdict[c.ID], r.dump())
				}
				if want := tc.detail[c.ID]; want != "" && !strings.HasPrefix(c.Detail, want) {
					t.Errorf("%s: evidence %q, want %q", c.ID, c.Detail, want)
				}
				if want := tc.hint[c.ID]; want != "" && !strings.Contains(c.Hint, want) {
					t.Errorf("%s: hint %q, want it to say %q", c.ID, c.Hint, want)
				}
			}
		})
	}
}
