package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// A subscription that holds a callback URL with a password in it (one
// written by an older hookctl: subscribe, update and store import
// refuse one now) is shown with the password masked (alice:xxxxx@) by
// every command that shows it or its deliveries' URL, table and -o json
// alike: subscriptions list/get, trigger's attempt lines, deliveries
// list/show (--curl too)/tail, events show of the stored event,
// subscriptions update/rotate-secret/delete. They
// printed it whole. The delivery still goes to the real URL: the
// receiver gets the Authorization Basic header Go sends for userinfo;
// subscriptions get --reveal and store export (a backup) keep it exact.
func TestMaskurlCallbackPasswordMasked(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		auths []string
	)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
	}))
	defer app.Close()
	host := strings.TrimPrefix(app.URL, "http://")
	exact := "http://alice:s3cret@" + host + "/x"
	masked := "http://alice:xxxxx@" + host + "/x"
	const subID = "0b6c1d1e-0000-4000-8000-0000000000aa"

	c := newCrashEnv(t)
	// store import refuses such a URL as the commands do: written to the
	// store directly, as an older hookctl (or serve's API then) did.
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(c.dir, "hookctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSubscription(ctx, &store.Subscription{ID: subID, CallbackURL: exact, Description: "creds", Events: []string{"card.*"},
		Status: store.StatusEnabled, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "auto"}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	noSecret := func(what, out string) {
		t.Helper()
		if strings.Contains(out, "s3cret") {
			t.Errorf("%s shows the password:\n%s", what, out)
		}
	}
	run := func(args ...string) string {
		t.Helper()
		out, errOut := c.delsubRun(0, args...)
		noSecret("hookctl "+strings.Join(args, " "), out+errOut)
		return out
	}

	// Human output: the attempt line names the URL masked.
	out, errOut := c.delsubRun(0, "trigger", "card.created")
	noSecret("trigger", out+errOut)
	if !strings.Contains(out+errOut, masked) {
		t.Errorf("trigger's attempt line does not name %s:\n%s%s", masked, out, errOut)
	}
	run("trigger", "card.created")
	run("trigger", "card.created", "-o", "json")
	mu.Lock()
	if len(auths) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(auths))
	}
	for _, a := range auths {
		if a != "Basic YWxpY2U6czNjcmV0" { // alice:s3cret
			t.Errorf("receiver got Authorization %q, want Go's Basic for alice:s3cret", a)
		}
	}
	mu.Unlock()

	if out := run("subscriptions", "list"); !strings.Contains(out, masked) {
		t.Errorf("subscriptions list does not show %s:\n%s", masked, out)
	}
	var subs []struct {
		CallbackURL string `json:"callback_url"`
	}
	if err := json.Unmarshal([]byte(run("subscriptions", "list", "-o", "json")), &subs); err != nil || len(subs) != 1 || subs[0].CallbackURL != masked {
		t.Errorf("subscriptions list -o json: %+v %v, want callback_url %s", subs, err, masked)
	}
	if out := run("subscriptions", "get", subID); !strings.Contains(out, masked) {
		t.Errorf("subscriptions get does not show %s:\n%s", masked, out)
	}
	run("subscriptions", "get", subID, "-o", "json")
	if out, _ := c.delsubRun(0, "subscriptions", "get", subID, "--reveal", "-o", "json"); !strings.Contains(out, `"callback_url": "`+exact+`"`) {
		t.Errorf("subscriptions get --reveal -o json does not show the exact URL:\n%s", out)
	}
	if out, _ := c.delsubRun(0, "store", "export"); !strings.Contains(out, `"callback_url":"`+exact+`"`) {
		t.Errorf("store export does not keep the exact URL:\n%s", out)
	}

	var ds []struct {
		ID      string `json:"id"`
		EventID string `json:"event_id"`
		URL     string `json:"url"`
	}
	if err := json.Unmarshal([]byte(run("deliveries", "list", "-o", "json")), &ds); err != nil || len(ds) != 3 {
		t.Fatalf("deliveries list -o json: %+v %v", ds, err)
	}
	for _, d := range ds {
		if d.URL != masked {
			t.Errorf("deliveries list -o json: url %q, want %s", d.URL, masked)
		}
	}
	if out := run("deliveries", "list"); !strings.Contains(out, masked) {
		t.Errorf("deliveries list does not show %s:\n%s", masked, out)
	}
	if out := run("deliveries", "show", ds[0].ID); !strings.Contains(out, masked) {
		t.Errorf("deliveries show does not show %s:\n%s", masked, out)
	}
	run("deliveries", "show", ds[0].ID, "-o", "json")
	if out := run("deliveries", "show", ds[0].ID, "--curl"); !strings.Contains(out, masked) {
		t.Errorf("deliveries show --curl does not show %s:\n%s", masked, out)
	}
	run("deliveries", "tail", "-n", "5", "--timeout", "1s")
	run("deliveries", "tail", "-n", "5", "--timeout", "1s", "-o", "json")
	if out := run("events", "show", ds[0].EventID); !strings.Contains(out, masked) {
		t.Errorf("events show of the stored event does not show %s:\n%s", masked, out)
	}
	if out := run("replay", ds[0].ID, "--force", "--dry-run"); !strings.Contains(out, masked) {
		t.Errorf("replay --dry-run does not show %s:\n%s", masked, out)
	}
	run("replay", ds[0].ID, "--force", "--dry-run", "-o", "json")
	run("replay", ds[0].ID, "--force", "--yes")
	mu.Lock()
	if len(auths) != 4 || auths[3] != "Basic YWxpY2U6czNjcmV0" {
		t.Errorf("after the replay the receiver got Authorization %q, want a 4th with Go's Basic for alice:s3cret", auths)
	}
	mu.Unlock()

	// What changes the subscription prints it, or its URL, masked too.
	run("subscriptions", "update", subID, "--description", "still creds")
	run("subscriptions", "update", subID, "--description", "again", "-o", "json")
	if out := run("subscriptions", "rotate-secret", subID, "--grace", "0"); !strings.Contains(out, masked) {
		t.Errorf("subscriptions rotate-secret does not show %s:\n%s", masked, out)
	}
	run("subscriptions", "rotate-secret", subID, "--grace", "0", "-o", "json")
	run("subscriptions", "disable", subID)
	run("subscriptions", "enable", subID)
	run("subscriptions", "delete", subID, "--yes")
}
