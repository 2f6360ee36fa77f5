//go:build !windows

package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// polish5PTY runs the test binary as hookctl (testscript put it on
// PATH), so that polish5UUIDEnv applies, on a pseudo-terminal cols wide
// in e's store.
func polish5PTY(t *testing.T, e *ptyEnv, env []string, args ...string) ptyResult {
	t.Helper()
	bin, err := exec.LookPath("hookctl")
	if err != nil {
		t.Fatalf("the test binary as hookctl: %v", err)
	}
	c := e.command(env, args...)
	c.Path, c.Args = bin, append([]string{"hookctl"}, args...)
	return e.ptyRun(c)
}

// events log on a terminal cut its ids to prefixes unique among its rows
// only: the kyc event showed as "7c9e6679", which the card event the
// filter left out shares, and "hookctl events show 7c9e6679" failed as
// ambiguous. replay --failed --dry-run the same: its failed delivery
// showed as "9f8e7d6c", which a succeeded one (not replayed) shares.
// Each prefix shown names one record of the store now.
func TestPolish5LogAndDryRunIDsResolve(t *testing.T) {
	t.Parallel()
	e := tablefitEnv(t)
	for _, tc := range []struct {
		args  []string
		whole string // the row's id
		then  string // the command that takes the prefix
	}{
		{[]string{"events", "log", "--event", "kyc.*"}, "7c9e6679-1d3a-4b2c-9e8f-0a1b2c3d4e5f", "events show"},
		{[]string{"events", "log", "--limit", "1", "--until", "2020-01-02T03:05:30Z"}, "7c9e6679-1d3a-4b2c-9e8f-0a1b2c3d4e5f", "events show"},
		{[]string{"replay", "--failed", "--dry-run"}, "9f8e7d6c-a1b2-4c3d-8e4f-5a6b7c8d9e0f", "deliveries show"},
	} {
		for _, cols := range []uint16{80, 40} {
			e.cols = cols
			r := e.pty([]string{"NO_COLOR=1"}, tc.args...)
			if r.code != 0 {
				t.Fatalf("%v: exit %d\n%s", tc.args, r.code, r.out)
			}
			lines := polish3Lines(r.out)
			var table []string
			for _, l := range lines {
				if strings.HasPrefix(l, "ID ") || len(table) > 0 && strings.HasPrefix(tc.whole, strings.Fields(l + " x")[0]) {
					table = append(table, l)
				}
			}
			if len(table) != 2 {
				t.Fatalf("%v at %d: want a table of one row:\n%s", tc.args, cols, r.out)
			}
			_, rows := tablefitCells(t, strings.Join(table, "\n"))
			id := rows[0]["ID"]
			if !strings.HasPrefix(tc.whole, id) {
				t.Fatalf("%v at %d: id %q, want a prefix of %s\n%s", tc.args, cols, id, tc.whole, r.out)
			}
			polish4Runs(t, e, strings.Join(tc.args, " "), tc.then+" "+id)
			if tc.args[0] == "replay" {
				polish4Runs(t, e, "replay", "replay --dry-run "+id)
			}
		}
	}
}

// demo printed its failed delivery, and the replay command to copy, by
// the first 8 characters of the id: with --store kept, an earlier
// demo's deliveries may share them, and "hookctl replay <8>" failed as
// ambiguous. check's hints named each probe's delivery by a prefix
// unique among the ids the hints name, not among the store's (every
// check run's probes, trigger's deliveries). Here every UUID starts
// with the same 8 characters (the test binary's hookctl, polish5UUIDEnv):
// each id printed is a prefix unique in the store, and the command
// printed runs.
func TestPolish5DemoAndCheckIDsResolve(t *testing.T) {
	t.Parallel()
	env := []string{"NO_COLOR=1", polish5UUIDEnv + "=7c0ffee1"}

	t.Run("demo", func(t *testing.T) {
		t.Parallel()
		e := newPTYEnv(t)
		e.cols = 120
		store := e.dir + "/demo.db"
		// An earlier demo in the same store: its deliveries share the
		// 8 characters too.
		for i := range 2 {
			r := polish5PTY(t, e, env, "demo", "--store", store)
			if r.code != 0 {
				t.Fatalf("demo %d: exit %d\n%s", i+1, r.code, r.out)
			}
			m := regexp.MustCompile(`\$ hookctl (replay ((?:[0-9a-f-]+ ?)+))\n`).FindStringSubmatch(r.out)
			if m == nil {
				t.Fatalf("demo %d: no replay command:\n%s", i+1, r.out)
			}
			for _, id := range strings.Fields(m[2]) {
				if !strings.HasPrefix(id, "7c0ffee1") {
					t.Fatalf("demo %d: id %q: the UUIDs were not fixed (%s)", i+1, id, polish5UUIDEnv)
				}
				polish4Runs(t, e, "demo's replay command", "deliveries show --store "+store+" "+id)
				polish4Runs(t, e, "demo's replay command", "replay --dry-run --force --store "+store+" "+id) // replayed by the demo: succeeded
			}
		}
	})

	t.Run("check", func(t *testing.T) {
		t.Parallel()
		app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusOK) // verifies nothing
		}))
		defer app.Close()
		e := newPTYEnv(t)
		e.cols = 200
		r := polish5PTY(t, e, env, "check", app.URL, "--scheme", "standard", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
		if r.code != 1 {
			t.Fatalf("check: exit %d, want 1 (the receiver verifies nothing)\n%s", r.code, r.out)
		}
		ms := regexp.MustCompile(`\(hookctl (deliveries show (\S+))\)`).FindAllStringSubmatch(r.out, -1)
		if len(ms) == 0 {
			t.Fatalf("check: no hint names a delivery:\n%s", r.out)
		}
		for _, m := range ms {
			if !strings.HasPrefix(m[2], "7c0ffee1") {
				t.Fatalf("check: id %q: the UUIDs were not fixed (%s)", m[2], polish5UUIDEnv)
			}
			polish4Runs(t, e, "check's hint", m[1])
		}
	})
}
