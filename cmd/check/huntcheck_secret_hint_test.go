package check_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/check"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// TestRefusedValidEventNamesTheSecret: when the receiver refuses the
// valid event as a failed verification (401), accepts-valid's hint also
// asks whether the receiver's secret is the one the probes were signed
// with, and says where that one came from. The likeliest cause for a
// newcomer, a check given another secret than the app's, was never
// named: the hint spoke only of JSON parsing before verification.
func TestRefusedValidEventNamesTheSecret(t *testing.T) {
	t.Parallel()
	const other = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // not the receiver's
	rc := newReceiver(t, "standard", stdSecret, behaviour{})
	dir := t.TempDir()
	file := filepath.Join(dir, "secret.txt")
	if err := os.WriteFile(file, []byte(other+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "hookctl.db")
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	sub := &store.Subscription{CallbackURL: "http://127.0.0.1:1/unused", Events: []string{"*"}, Status: "enabled", Secret: other,
		Provider: "standard", Scheme: "standard"}
	if err := st.CreateSubscription(t.Context(), sub); err != nil {
		t.Fatal(err)
	}
	st.Close()
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		from string
	}{
		{"flag", nil, []string{"--provider", "standard", "--secret", other}, "(--secret)"},
		{"file", nil, []string{"--provider", "standard", "--secret-file", file}, "(--secret-file " + file + ")"},
		{"env", []string{"HOOKCTL_SECRET=" + other}, []string{"--provider", "standard"}, "($HOOKCTL_SECRET)"},
		{"subscription", []string{"HOOKCTL_STORE=" + path}, []string{"--subscription", sub.ID},
			"(subscription " + sub.ID + "'s secret: hookctl subscriptions get " + sub.ID + " --reveal)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"check", rc.srv.URL, "--only", check.AcceptsValid, "-o", "json"}, tc.args...)
			r := hookctl(t, tc.env, args...)
			if r.code != 1 || r.report == nil || len(r.report.Checks) != 1 {
				t.Fatalf("want accepts-valid to fail, got\n%s", r.dump())
			}
			want := "check that the receiver's secret is the one the probes were signed with " + tc.from
			if h := r.report.Checks[0].Hint; !strings.Contains(h, want) || !strings.Contains(h, "before any JSON parsing") {
				t.Errorf("hint %q, want it to say %q", h, want)
			}
		})
	}
}
