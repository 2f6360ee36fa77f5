//go:build !windows

package main

import (
	"fmt"
	"strings"
	"testing"
)

// `hookctl tail` (a noun's verb typed alone, as people say "tail the
// deliveries") is an unknown command, exit 2, and the error says which
// command is meant: it said only `run "hookctl --help" for the commands`.
// Likewise `hookctl log` (events log) and `hookctl prune` (store prune).
func TestClitestsVerbAloneSaysItsNoun(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"tail", "--event", "card.craeted"}, "hookctl deliveries tail"},
		{[]string{"log"}, "hookctl events log"},
		{[]string{"prune"}, "hookctl store prune"},
	} {
		r := e.pty([]string{"NO_COLOR=1"}, tc.args...)
		want := fmt.Sprintf("hookctl: error: unknown command %q for \"hookctl\"\nhookctl: hint: did you mean %q?\nhookctl: hint: run \"hookctl --help\" for the commands\n", tc.args[0], tc.want)
		if r.code != 2 || r.out != want {
			t.Errorf("hookctl %v on a terminal: exit %d, want 2 and\n%s\ngot:\n%s", tc.args, r.code, want, r.out)
		}
	}
	// A verb of four groups: one hint naming them, not one per group
	// (wrapped at the terminal's width).
	r := e.pty([]string{"NO_COLOR=1"}, "list")
	want := `hookctl: hint: did you mean one of "hookctl config list", "hookctl deliveries list", "hookctl events list", "hookctl subscriptions list"?` + "\n"
	if r.code != 2 || !strings.Contains(strings.ReplaceAll(r.out, "\n  ", " "), want) || strings.Count(r.out, "hint:") != 3 {
		t.Errorf("hookctl list on a terminal: exit %d, want 2 and a line\n%s\ngot:\n%s", r.code, want, r.out)
	}
	// Piped with -o json, the same hints in the JSON error.
	c := e.command(nil, "tail", "-o", "json")
	out, _ := c.Output()
	if !strings.Contains(string(out), `"did you mean \"hookctl deliveries tail\"?"`) {
		t.Errorf("hookctl tail -o json: %s", out)
	}
}
