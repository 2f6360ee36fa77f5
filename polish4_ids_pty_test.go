//go:build !windows

package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// polish4Sub is one subscription of a store import dump.
func polish4Sub(id, url, events, status string) string {
	return `{"subscription":{"ID":"` + id + `","CallbackURL":"` + url + `","Events":[` + events + `],"Status":"` + status + `","Secret":"whsec_ZM5U4rtOp4/hfKrCFE1CyVfGJU2vYPh/0kItRwFx5r8=","Scheme":"auto","CreatedAt":"2020-01-02T03:04:05Z","UpdatedAt":"2020-01-02T03:04:05Z"}}` + "\n"
}

// polish4Import writes dump to a file and imports it into e's store.
func polish4Import(t *testing.T, e *ptyEnv, dump string) {
	t.Helper()
	path := filepath.Join(e.dir, "dump.jsonl")
	if err := os.WriteFile(path, []byte(dump), 0o600); err != nil {
		t.Fatal(err)
	}
	e.plain("store", "import", path)
}

// polish4Runs runs the command a hint printed (its words after
// "hookctl"), piped, and fails the test unless it succeeds: a command to
// copy must work.
func polish4Runs(t *testing.T, e *ptyEnv, what, command string) {
	t.Helper()
	c := e.command(nil, strings.Fields(command)...)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Run(); err != nil {
		t.Errorf("%s: the printed command \"hookctl %s\" failed: %v\n%s", what, command, err, out.String())
	}
}

// subscribe's "Show it again with: hookctl subscriptions get <id>
// --reveal" cut the id to a fixed 8 characters, on a terminal and off
// it: a command to copy later, when another subscription may share the
// 8. It names the whole id now, and the command runs.
func TestPolish4SubscribeRevealCommand(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	re := regexp.MustCompile(`Show it again with:\s+hookctl (subscriptions get (\S+) --reveal)`) // wrapped on a terminal (polish5)
	r := e.pty([]string{"NO_COLOR=1"}, "subscribe", "--url", "http://127.0.0.1:9/h", "--events", "card.created")
	if r.code != 0 {
		t.Fatalf("subscribe on a terminal: exit %d\n%s", r.code, r.out)
	}
	// Piped (stderr captured apart from the JSON-less stdout).
	c := e.command(nil, "subscribe", "--url", "http://127.0.0.1:9/h2", "--events", "card.created")
	var stderr bytes.Buffer
	c.Stderr = &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("subscribe piped: %v\n%s", err, stderr.String())
	}
	var subs []struct {
		ID  string `json:"webhook_id"`
		URL string `json:"callback_url"`
	}
	if err := json.Unmarshal([]byte(e.plain("subscriptions", "list", "-o", "json")), &subs); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, s := range subs {
		ids[s.URL] = s.ID
	}
	for _, tc := range []struct{ what, out, url string }{
		{"terminal", r.out, "http://127.0.0.1:9/h"},
		{"piped", stderr.String(), "http://127.0.0.1:9/h2"},
	} {
		m := re.FindStringSubmatch(tc.out)
		if m == nil {
			t.Errorf("%s: no \"Show it again with\" line:\n%s", tc.what, tc.out)
			continue
		}
		if want := ids[tc.url]; m[2] != want || want == "" {
			t.Errorf("%s: the command names %q, want the whole id %q", tc.what, m[2], want)
		}
		polish4Runs(t, e, tc.what, m[1])
	}
}

// Two subscriptions share their first 8 characters; only one of them
// (disabled) takes card.created. trigger's "enable it: hookctl
// subscriptions enable <id>" cut the id to 8, which names both: the
// command failed as ambiguous. And trigger's failure hints after a 410
// named the disabled subscription by a prefix unique among the ids the
// hints named, not among the store's: the same fault.
func TestPolish4TriggerHintCommandsRun(t *testing.T) {
	t.Parallel()
	gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone", http.StatusGone)
	}))
	t.Cleanup(gone.Close)
	const taker, other = "7c0ffee1-1111-4a51-9d0e-1f2a3b4c5d6e", "7c0ffee1-2222-4c3b-8a1f-6e5d4c3b2a19"

	t.Run("disabled", func(t *testing.T) {
		t.Parallel()
		e := newPTYEnv(t)
		polish4Import(t, e, polish4Sub(taker, gone.URL+"/a", `"card.*"`, "disabled")+
			polish4Sub(other, gone.URL+"/b", `"list.created"`, "enabled"))
		e.cols = 400
		r := e.pty([]string{"NO_COLOR=1"}, "trigger", "card.created")
		if r.code == 0 {
			t.Fatalf("trigger with no enabled taker: exit 0\n%s", r.out)
		}
		m := regexp.MustCompile(`enable it: hookctl (subscriptions enable (\S+))`).FindStringSubmatch(r.out)
		if m == nil {
			t.Fatalf("no \"enable it\" hint:\n%s", r.out)
		}
		polish4Runs(t, e, "enable hint", m[1])
	})

	t.Run("gone", func(t *testing.T) {
		t.Parallel()
		e := newPTYEnv(t)
		polish4Import(t, e, polish4Sub(taker, gone.URL+"/a", `"card.*"`, "enabled")+
			polish4Sub(other, gone.URL+"/b", `"list.created"`, "enabled"))
		e.cols = 400
		r := e.pty([]string{"NO_COLOR=1"}, "trigger", "card.created")
		if r.code != 1 {
			t.Fatalf("trigger to a 410: exit %d, want 1\n%s", r.code, r.out)
		}
		m := regexp.MustCompile(`hookctl (subscriptions enable (\S+)), then replay`).FindStringSubmatch(r.out)
		if m == nil {
			t.Fatalf("no \"enable …, then replay\" hint:\n%s", r.out)
		}
		polish4Runs(t, e, "410 hint", m[1])
	})
}

// subscriptions list --status disabled on a terminal cut its ids to
// prefixes unique among its rows only: the disabled subscription showed
// as "7c0ffee1", which the enabled one left out of the list shares, and
// "hookctl subscriptions enable 7c0ffee1" failed as ambiguous. The
// prefixes are unique among every subscription now.
func TestPolish4FilteredListIDsResolve(t *testing.T) {
	t.Parallel()
	const taker, other = "7c0ffee1-1111-4a51-9d0e-1f2a3b4c5d6e", "7c0ffee1-2222-4c3b-8a1f-6e5d4c3b2a19"
	e := newPTYEnv(t)
	polish4Import(t, e, polish4Sub(taker, "http://127.0.0.1:9/a", `"card.*"`, "disabled")+
		polish4Sub(other, "http://127.0.0.1:9/b", `"list.created"`, "enabled"))
	for _, args := range [][]string{
		{"subscriptions", "list", "--status", "disabled"},
		{"subscriptions", "list", "--event", "card.created"},
	} {
		r := e.pty([]string{"NO_COLOR=1"}, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.out)
		}
		_, rows := tablefitCells(t, r.out)
		if len(rows) != 1 {
			t.Fatalf("%v: %d rows, want 1\n%s", args, len(rows), r.out)
		}
		polish4Runs(t, e, strings.Join(args, " "), "subscriptions get "+rows[0]["ID"])
	}
	polish4Runs(t, e, "enable", "subscriptions enable "+taker)
}

// deliveries list --status failed on a terminal cut its ids to prefixes
// unique among its rows only: the failed delivery showed as "9f8e7d6c",
// which a succeeded one the filter left out shares, and "hookctl
// deliveries show 9f8e7d6c" (or replay) failed as ambiguous. The same
// for the newest rows of a list with --limit. Each prefix shown now
// names one delivery of the store.
func TestPolish4DeliveriesListIDsResolve(t *testing.T) {
	t.Parallel()
	e := tablefitEnv(t)
	for _, args := range [][]string{
		{"deliveries", "list", "--status", "failed"},
		{"deliveries", "list", "--limit", "1", "--event", "kyc.*"},
	} {
		r := e.pty([]string{"NO_COLOR=1"}, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.out)
		}
		_, rows := tablefitCells(t, r.out)
		if len(rows) != 1 {
			t.Fatalf("%v: %d rows, want 1\n%s", args, len(rows), r.out)
		}
		if !strings.HasPrefix("9f8e7d6c-a1b2-4c3d-8e4f-5a6b7c8d9e0f", rows[0]["ID"]) {
			t.Fatalf("%v: id %q, want a prefix of the failed delivery's\n%s", args, rows[0]["ID"], r.out)
		}
		polish4Runs(t, e, strings.Join(args, " "), "deliveries show "+rows[0]["ID"])
	}
}
