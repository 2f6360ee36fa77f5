//go:build !windows

package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/check"
)

// `hookctl check --only <TAB>` (and --skip) completed the file names of
// the working directory: cobra's default for a flag with no completion,
// while the values are the fixed check ids of `check --list`. They now
// complete to those ids, with what each checks, after the ids already in
// the comma-separated list, and never to files.
func TestNewcomer2CheckOnlySkipCompleteCheckIDs(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	complete := func(args ...string) (lines []string, directive string) {
		t.Helper()
		c := e.command(nil, append([]string{"__complete"}, args...)...)
		out, err := c.Output()
		if err != nil {
			t.Fatalf("hookctl __complete %q: %v", args, err)
		}
		lines = strings.Split(strings.TrimSpace(string(out)), "\n")
		return lines[:len(lines)-1], lines[len(lines)-1]
	}
	for _, flag := range []string{"--only", "--skip"} {
		lines, directive := complete("check", "http://localhost:3000/webhooks", flag, "")
		// :6 is NoSpace|NoFileComp: no file names, and the list goes on
		// after a comma.
		if directive != ":6" {
			t.Errorf("check %s <TAB>: directive %s, want :6 (no files, no space):\n%s", flag, directive, strings.Join(lines, "\n"))
		}
		got := map[string]string{}
		for _, l := range lines {
			id, desc, _ := strings.Cut(l, "\t")
			got[id] = desc
		}
		for _, d := range check.Defs {
			if got[d.ID] != d.Title {
				t.Errorf("check %s <TAB>: %q has description %q, want %q", flag, d.ID, got[d.ID], d.Title)
			}
		}
		if len(got) != len(check.Defs) {
			t.Errorf("check %s <TAB>: %d completions, want the %d check ids:\n%s", flag, len(got), len(check.Defs), strings.Join(lines, "\n"))
		}
	}
	lines, _ := complete("check", "--skip", "accepts-valid,rejects-s")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "accepts-valid,rejects-stale-timestamp\t") {
		t.Errorf("check --skip accepts-valid,rejects-s<TAB> = %q, want accepts-valid,rejects-stale-timestamp", lines)
	}
	lines, _ = complete("check", "--only", "accepts-valid,")
	for _, l := range lines {
		if strings.HasPrefix(l, "accepts-valid,accepts-valid") {
			t.Errorf("check --only accepts-valid,<TAB> offers accepts-valid again: %q", l)
		}
	}
}

// `hookctl subscriptions update ID --remove-events <TAB>` offered the
// whole catalog (160 names and patterns), though only the subscription's
// own events can be removed (any other is refused: "the subscription has
// no event … to remove"), and --remove-header <TAB> listed files. They
// now complete what that subscription has: its events (after those
// already in the list), its header names.
func TestNewcomer2UpdateRemoveCompletesOwnValues(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	e.plain("subscribe", "--url", "http://localhost:3000/hooks", "--events", "card.*,kyc.verification.success,transactions",
		"--header", "X-Env: ci", "--header", "Authorization: Bearer t0k3n")
	var subs []struct {
		ID string `json:"webhook_id"`
	}
	if err := json.Unmarshal([]byte(e.plain("subscriptions", "list", "-o", "json")), &subs); err != nil || len(subs) != 1 {
		t.Fatalf("subscriptions list -o json: %v, %d subscriptions", err, len(subs))
	}
	id := subs[0].ID[:8]
	complete := func(args ...string) string {
		t.Helper()
		out, err := e.command(nil, append([]string{"__complete"}, args...)...).Output()
		if err != nil {
			t.Fatalf("hookctl __complete %q: %v", args, err)
		}
		return string(out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"subscriptions", "update", id, "--remove-events", ""}, "card.*\nkyc.verification.success\ntransactions\n:6\n"},
		{[]string{"subscriptions", "update", id, "--remove-events", "card.*,"}, "card.*,kyc.verification.success\ncard.*,transactions\n:6\n"},
		{[]string{"subscriptions", "update", id, "--remove-header", ""}, "Authorization\nX-Env\n:4\n"},
		{[]string{"subscriptions", "update", id, "--remove-header", "x-"}, "X-Env\n:4\n"},
	} {
		if got := complete(tc.args...); got != tc.want {
			t.Errorf("%q<TAB> =\n%s\nwant\n%s", tc.args, got, tc.want)
		}
	}
	// Without the id (or with one no store has), --remove-events still
	// completes names from the catalog, as --events does.
	if got := complete("subscriptions", "update", "--remove-events", "card.cre"); !strings.HasPrefix(got, "card.created\n") {
		t.Errorf("--remove-events card.cre<TAB> without an id = %q, want the catalog's card.created", got)
	}
}
