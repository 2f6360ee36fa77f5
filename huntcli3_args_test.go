//go:build !windows

package main

import (
	"strings"
	"testing"
)

// TestHuntcli3ArgCountsSaid: a wrong number of arguments is said in
// hookctl's words, naming the command and what it takes. Before, cobra's
// own: an argument given to a command that takes none was an "unknown
// command" (hookctl store export dump.jsonl: `unknown command
// "dump.jsonl" for "hookctl store export"`, which has no commands), and a
// missing one "accepts 1 arg(s), received 0". Every leaf command of the
// tree that refuses none or a dozen arguments is run (the real binary).
func TestHuntcli3ArgCountsSaid(t *testing.T) {
	t.Parallel()
	e := newClierrEnv(t)
	n := 0
	for _, c := range clierrTree(t) {
		for _, a := range c.badArgs {
			if len(a) == 1 && a[0] == "clierr-nope" {
				continue // a group's unknown sub-command: an unknown command indeed
			}
			name := strings.Join(c.path, " ")
			what := name + " " + strings.Join(a, " ")
			r := e.run(nil, append(append([]string(nil), c.path...), a...)...)
			wantHumanError(t, what, r, "")
			first, _, _ := strings.Cut(r.stderr, "\n")
			if strings.Contains(first, "arg(s)") || strings.Contains(first, "unknown command") {
				t.Errorf("%s: cobra's words: %s", what, first)
			}
			// completion, import and sign say it their own way, naming
			// what they want; the others name the command.
			if !strings.Contains(first, "hookctl "+name) && !strings.Contains(first, "shell") &&
				!strings.Contains(first, "store import") && !strings.Contains(first, "stdin") {
				t.Errorf("%s: the error does not name the command: %s", what, first)
			}
			n++
		}
	}
	if n < 20 {
		t.Errorf("only %d refused argument lists run", n)
	}
	for _, tc := range []struct {
		args []string
		err  string
		hint string
	}{
		{[]string{"store", "export", "dump.jsonl"}, `hookctl store export takes no arguments, got "dump.jsonl"`, "e.g. hookctl store export > dump.jsonl"},
		{[]string{"events", "log", "card.created"}, `hookctl events log takes no arguments, got "card.created"`, `did you mean "hookctl events log --event card.created"?`},
		{[]string{"deliveries", "list", "card.*"}, `hookctl deliveries list takes no arguments, got "card.*"`, `did you mean "hookctl deliveries list --event 'card.*'"?`},
		{[]string{"subscribe", "http://localhost:3000/webhooks", "--events", "card.*"}, `hookctl subscribe takes no arguments, got "http://localhost:3000/webhooks"`, `did you mean "hookctl subscribe --url http://localhost:3000/webhooks"?`},
		{[]string{"listen", "3000"}, `hookctl listen takes no arguments, got "3000"`, `did you mean "hookctl listen --forward 3000"?`},
		{[]string{"config", "set", "timeout"}, `hookctl config set takes 2 arguments (<key> <value>), got "timeout"`, "e.g. hookctl config set listen_port 9000"},
		{[]string{"config", "get"}, "hookctl config get takes 1 argument (<key>), got none", "usage: hookctl config get <key> [flags]"},
		{[]string{"trigger", "card.created", "kyc.verification.success"}, `hookctl trigger takes 1 argument (<event-type>), got "card.created" "kyc.verification.success"`, "e.g. hookctl trigger card.created"},
	} {
		what := "hookctl " + strings.Join(tc.args, " ")
		r := e.run(nil, tc.args...)
		wantHumanError(t, what, r, "")
		if !strings.HasPrefix(r.stderr, "hookctl: error: "+tc.err+"\n") {
			t.Errorf("%s: want the error %q, got:\n%s", what, tc.err, r.stderr)
		}
		if !strings.Contains(r.stderr, "hookctl: hint: "+tc.hint+"\n") {
			t.Errorf("%s: no hint %q:\n%s", what, tc.hint, r.stderr)
		}
	}
	// An argument that is no event type gets no --event hint.
	if r := e.run(nil, "events", "log", "6d568931"); strings.Contains(r.stderr, "--event") {
		t.Errorf("events log 6d568931: an --event hint for an id:\n%s", r.stderr)
	}
}
