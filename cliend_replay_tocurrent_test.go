//go:build !windows

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
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/store/sqlite"
)

// A replay of a delivery whose subscription moved says where the
// subscription points now: with the URL's password in it, that line
// printed it in clear (every other place masks it), and its hint said
// "add --to <that URL>", which a masked URL could not serve. The line now
// masks both URLs and names --to-current, which sends each delivery to
// its subscription's URL now (the real one, credentials and all): by IDs,
// with --failed and --subscription, on SQLite and PostgreSQL; refused with
// --to; -o json (and the dry run) show the URL masked.
func TestCliendReplayToCurrent(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		c := newCrashEnv(t)
		cliendReplayToCurrent(t, c, nil, func(ctx context.Context) (store.Store, error) {
			return sqlite.Open(ctx, filepath.Join(c.dir, "hookctl.db"))
		})
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		u := pgtest.URL(t)
		cliendReplayToCurrent(t, newCrashEnv(t), []string{"HOOKCTL_STORE=" + u}, func(ctx context.Context) (store.Store, error) {
			return postgres.Open(ctx, u)
		})
	})
}

func cliendReplayToCurrent(t *testing.T, c *crashEnv, env []string, open func(context.Context) (store.Store, error)) {
	var (
		mu    sync.Mutex
		auths []string
	)
	oldApp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer oldApp.Close()
	newApp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
	}))
	defer newApp.Close()
	oldURL := oldApp.URL + "/x"
	newExact := "http://alice:s3cret@" + strings.TrimPrefix(newApp.URL, "http://") + "/x"
	newMasked := "http://alice:xxxxx@" + strings.TrimPrefix(newApp.URL, "http://") + "/x"
	const subID = "0b6c1d1e-0000-4000-8000-0000000000cc"

	// subscribe and update --url refuse such a URL: written to the store
	// directly, as an older hookctl did.
	ctx := context.Background()
	st, err := open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sub := &store.Subscription{ID: subID, CallbackURL: newExact, Events: []string{"card.*"},
		Status: store.StatusEnabled, Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Scheme: "auto"}
	if err := st.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	st.Close()

	c.env = append(c.env, env...)
	run := func(want int, args ...string) (string, string) {
		t.Helper()
		out, errOut := c.delsubRun(want, args...)
		if strings.Contains(out+errOut, "s3cret") {
			t.Errorf("hookctl %v shows the password:\n%s%s", args, out, errOut)
		}
		return out, errOut
	}
	run(0, "trigger", "card.created", "--no-retry")
	run(0, "trigger", "card.created", "--no-retry")
	var ds []struct {
		ID  string `json:"id"`
		URL string `json:"url"`
	}
	out, _ := run(0, "deliveries", "list", "-o", "json")
	if err := json.Unmarshal([]byte(out), &ds); err != nil || len(ds) != 2 {
		t.Fatalf("deliveries list -o json: %v\n%s", err, out)
	}

	// Both replayed elsewhere on purpose (--to), where they fail: they
	// keep that URL while their subscription's is another.
	run(1, "replay", ds[0].ID, ds[1].ID, "--force", "--to", oldURL)

	// Piped: the dry run says the URL moved, masked, and names the flag.
	_, errOut := run(0, "replay", "--failed", "--dry-run")
	want := "2 deliveries of subscription 0b6c1d1e would go to " + oldURL + ", the URL they were sent to; the subscription's URL is now " + newMasked + ": add --to-current to send there\n"
	if !strings.Contains(errOut, want) {
		t.Errorf("replay --failed --dry-run piped: stderr\n%s\nwant the line\n%s", errOut, want)
	}

	// On a terminal: the replay of one (it fails again at the old URL)
	// says it, masked, wrapped to the terminal, uncoloured text intact.
	r := (&ptyEnv{t: t, dir: c.dir, cols: 80}).pty(env, "replay", ds[0].ID)
	if r.code != 1 {
		t.Fatalf("replay on a terminal: exit %d\n%s", r.code, r.out)
	}
	if strings.Contains(r.out, "s3cret") {
		t.Errorf("replay on a terminal shows the password:\n%s", r.out)
	}
	flat := strings.Join(strings.Fields(r.out), " ")
	for _, w := range []string{"the subscription's URL is now " + newMasked + ": add --to-current to send there", "went to " + oldURL} {
		if !strings.Contains(flat, w) {
			t.Errorf("replay on a terminal does not say %q:\n%s", w, r.out)
		}
	}
	linesFit(t, strings.Split(ansiSeq.ReplaceAllString(r.out, ""), "\n"), 80)

	// --to and --to-current together: a usage error.
	_, errOut = run(2, "replay", "--failed", "--yes", "--to-current", "--to", newApp.URL)
	if !strings.Contains(errOut, "hookctl: error: --to and --to-current cannot be used together") {
		t.Errorf("--to with --to-current: stderr\n%s", errOut)
	}

	// The dry run with --to-current lists the new URL, masked; -o json too.
	out, errOut = run(0, "replay", "--failed", "--to-current", "--dry-run")
	if strings.Count(out, "\t"+newMasked+"\n") != 2 || strings.Contains(errOut, "URL is now") {
		t.Errorf("replay --failed --to-current --dry-run: stdout\n%s\nstderr\n%s", out, errOut)
	}
	out, _ = run(0, "replay", "--failed", "--to-current", "--dry-run", "-o", "json")
	var dry struct {
		Deliveries []struct {
			URL string `json:"url"`
		} `json:"deliveries"`
	}
	if err := json.Unmarshal([]byte(out), &dry); err != nil || len(dry.Deliveries) != 2 || dry.Deliveries[0].URL != newMasked {
		t.Errorf("replay --to-current --dry-run -o json: %v\n%s", err, out)
	}

	// By ID: sent to the subscription's URL now, with its credentials.
	out, errOut = run(0, "replay", ds[0].ID, "--to-current", "-o", "json")
	var res struct {
		Deliveries []struct {
			ID  string `json:"id"`
			URL string `json:"url"`
		} `json:"deliveries"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Deliveries) != 1 || res.Deliveries[0].URL != newMasked {
		t.Errorf("replay ID --to-current -o json: %v\n%s", err, out)
	}
	if strings.Contains(errOut, "URL is now") {
		t.Errorf("replay --to-current still says the URL moved:\n%s", errOut)
	}
	// --failed --subscription: the other one, likewise.
	out, errOut = run(0, "replay", "--failed", "--subscription", subID[:8], "--to-current", "--yes")
	if !strings.Contains(out, "[200] POST "+newMasked) || strings.Contains(errOut, "URL is now") {
		t.Errorf("replay --failed --subscription --to-current: stdout\n%s\nstderr\n%s", out, errOut)
	}
	mu.Lock()
	if len(auths) != 4 || auths[0] != "Basic YWxpY2U6czNjcmV0" || auths[1] != auths[0] || auths[2] != auths[0] || auths[3] != auths[0] {
		t.Errorf("the subscription's URL got Authorization %q, want four (two triggers, two replays) with Go's Basic for alice:s3cret", auths)
	}
	mu.Unlock()
	// Both now go to the new URL on a plain replay too.
	out, _ = run(0, "deliveries", "list")
	if strings.Count(out, newMasked) != 2 {
		t.Errorf("deliveries list after --to-current:\n%s", out)
	}

	// Its subscription deleted, a delivery has no current URL: it goes
	// where it went, and the replay says why.
	run(0, "subscriptions", "delete", subID, "--yes")
	out, errOut = run(0, "replay", ds[0].ID, "--force", "--to-current")
	if !strings.Contains(out, "[200] POST "+newMasked) ||
		!strings.Contains(errOut, "1 delivery went to the URL it was sent to: its subscription was deleted, so it has no current URL\n") {
		t.Errorf("replay --to-current of a deleted subscription's delivery: stdout\n%s\nstderr\n%s", out, errOut)
	}
}
