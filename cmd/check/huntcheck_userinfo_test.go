package check_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// TestURLCredentialsNeverPrinted: a URL with a user name and password is
// refused (exit 2, as every URL hookctl sends to), and the refusal quotes
// it with the password masked, in text and with -o json: it printed the
// URL as given, password and all, into the CI log. Each refusal on the
// way (scheme, port, credentials, a space) masks it.
func TestURLCredentialsNeverPrinted(t *testing.T) {
	t.Parallel()
	const pw = "s3cretPW"
	for _, tc := range []struct{ url, want string }{
		{"http://alice:" + pw + "@127.0.0.1:9/hooks?a=1", `"http://alice:xxxxx@127.0.0.1:9/hooks?a=1": it must not contain a user name or password`},
		{"https://" + pw + "@example.com/hooks", `"https://xxxxx@example.com/hooks"`},
		{"ftp://alice:" + pw + "@example.com/hooks", `"ftp://alice:xxxxx@example.com/hooks": want http:// or https://`},
		{"http://alice:" + pw + "@127.0.0.1:99999/hooks", `"http://alice:xxxxx@127.0.0.1:99999/hooks": port 99999`},
		{"http://alice:" + pw + "@127.0.0.1:9/my hooks", `"http://alice:xxxxx@127.0.0.1:9/my hooks"`},
		{"http://alice:pa/" + pw + "@127.0.0.1:9/hooks", `"http://alice:xxxxx@127.0.0.1:9/hooks"`},
	} {
		for _, json := range []bool{false, true} {
			args := []string{"check", tc.url, "--scheme", "standard", "--secret", stdSecret}
			if json {
				args = append(args, "-o", "json")
			}
			r := hookctl(t, nil, args...)
			out := r.stdout + r.stderr
			if r.code != 2 || strings.Contains(out, pw) || !strings.Contains(strings.ReplaceAll(out, `\"`, `"`), tc.want) {
				t.Errorf("check %q (json %v): want exit 2 naming %s, the password masked; got exit %d\nstdout: %s\nstderr: %s",
					tc.url, json, tc.want, r.code, r.stdout, r.stderr)
			}
		}
	}
}

// TestSubscriptionURLCredentialsMasked: a subscription whose callback
// URL was stored with a password (before such URLs were refused, or
// imported) is named on stderr with its password masked: "Using
// subscription ID (http://alice:PASSWORD@…)" went into the CI log.
func TestSubscriptionURLCredentialsMasked(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, "bond", bondSecret, behaviour{})
	const pw = "s3cretPW"
	path := filepath.Join(t.TempDir(), "hookctl.db")
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	withPW := strings.Replace(rc.srv.URL, "http://", "http://alice:"+pw+"@", 1)
	sub := &store.Subscription{CallbackURL: withPW, Events: []string{"card.*"}, Status: "enabled", Secret: bondSecret,
		Provider: "bond", Scheme: "bond"}
	if err := st.CreateSubscription(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	st.Close()
	r := hookctl(t, []string{"HOOKCTL_STORE=" + path}, "check", rc.srv.URL, "--subscription", sub.ID, "--only", "accepts-valid", "-o", "json")
	if r.code != 0 || strings.Contains(r.stdout+r.stderr, pw) || !strings.Contains(r.stderr, "Using subscription "+sub.ID+" (http://alice:xxxxx@") {
		t.Errorf("want exit 0 naming the subscription with its password masked, got\n%s", r.dump())
	}
}
