//go:build !windows

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestClierrHints: usage errors that said what was wrong but not how to
// fix it now have a hint (events log --limit -1 and --source weird,
// config set provider nope, completion nope, …; any other usage error
// without one gets the flag errors' "run '… --help' for usage"), and an empty value
// given to a filter or selector ("$P" with the variable unset: events
// list --provider ”, which listed every provider) is refused as the
// other commands' empty flags are, before anything runs.
func TestClierrHints(t *testing.T) {
	e := newClierrEnv(t)
	for _, tc := range []struct {
		args      []string
		err, hint string
	}{
		{[]string{"events", "log", "--limit", "-1"}, "--limit must not be negative", "--limit 0 shows them all"},
		{[]string{"deliveries", "list", "--limit", "-1"}, "--limit must not be negative", "--limit 0 shows them all"},
		{[]string{"replay", "--failed", "--limit", "-1"}, "--limit must not be negative", "leave it out (or 0) for all"},
		{[]string{"events", "log", "--source", "weird"}, `invalid --source "weird"`, "leave --source out for the events of every source"},
		{[]string{"events", "log", "--source", "recieved"}, `invalid --source "recieved"`, `did you mean "received"?`},
		{[]string{"config", "set", "provider", "nope"}, `invalid value "nope" for provider`, "for example: hookctl config set provider bond"},
		{[]string{"config", "set", "provider", "strip"}, `invalid value "strip" for provider`, `did you mean "stripe"?`},
		{[]string{"config", "set", "listen_port", "99999"}, `invalid value "99999" for listen_port`, "for example: hookctl config set listen_port 8787 (the default)"},
		{[]string{"completion", "nope"}, `no completion script for shell "nope"`, `"hookctl completion --help" says where each goes`},
		// These had only the usage hint flag errors have; each says what to give now (clipolish).
		{[]string{"trigger", "card.created", "--count", "0"}, "invalid --count 0: want 1 or more", "e.g. --count 100 to send 100 events"},
		{[]string{"worker", "--poll", "0s"}, "invalid --poll 0s: want a positive duration", "e.g. --poll 200ms (the default)"},
		{[]string{"sign", "--secret", "a", "--secret-file", "b"}, "give --secret or --secret-file, not both", "keep one of them"},
		{[]string{"events", "list", "--provider", ""}, "--provider is empty", "is a shell variable unset?"},
		{[]string{"events", "list", "-p", " "}, "--provider is empty", "is a shell variable unset?"},
		{[]string{"events", "list", "--search", ""}, "--search is empty", "is a shell variable unset?"},
		{[]string{"events", "list", "--fixtures", ""}, "--fixtures is empty", "is a shell variable unset?"},
		{[]string{"events", "show", "card.created", "--provider", ""}, "--provider is empty", "is a shell variable unset?"},
		{[]string{"events", "log", "--source", ""}, "--source is empty", "is a shell variable unset?"},
		{[]string{"deliveries", "list", "--status", ""}, "--status is empty", "is a shell variable unset?"},
		{[]string{"deliveries", "list", "--source", ""}, "--source is empty", "is a shell variable unset?"},
		{[]string{"deliveries", "tail", "--status", ""}, "--status is empty", "is a shell variable unset?"},
		{[]string{"trigger", "card.created", "--provider", "", "--url", "http://127.0.0.1:1/x"}, "--provider is empty", "is a shell variable unset?"},
		{[]string{"trigger", "card.created", "--fixtures", "", "--url", "http://127.0.0.1:1/x"}, "--fixtures is empty", "is a shell variable unset?"},
		{[]string{"check", "http://127.0.0.1:1/x", "--provider", "", "--secret", "whsec_abc"}, "--provider is empty", "is a shell variable unset?"},
		{[]string{"ui", "--fixtures", ""}, "--fixtures is empty", "is a shell variable unset?"},
		{[]string{"serve", "--fixtures", ""}, "--fixtures is empty", "is a shell variable unset?"},
	} {
		what := "hookctl " + strings.Join(tc.args, " ")
		r := e.run(nil, tc.args...)
		wantHumanError(t, what, r, tc.err)
		if !strings.Contains(r.stderr, "hookctl: hint: ") || !strings.Contains(r.stderr, tc.hint) {
			t.Errorf("%s: no hint saying %q:\n%s", what, tc.hint, r.stderr)
		}
		wantJSONError(t, what+" -o json", e.run(nil, append(tc.args, "-o", "json")...), tc.err)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "config", "config.yaml")); err == nil {
		t.Errorf("a refused config set wrote the file")
	}
	if _, err := os.Stat(filepath.Join(e.dir, "hookctl.db")); err == nil {
		t.Errorf("a refused command created the store")
	}
}

// TestClierrConfigSetMissingFixturesDir: config set fixtures_dir writes a
// directory that does not exist (yet) or is not one, as it may be made
// after, but warns at once that the commands reading fixtures refuse it;
// before, it was accepted silently and the next trigger failed. A
// directory that is there gets no warning.
func TestClierrConfigSetMissingFixturesDir(t *testing.T) {
	e := newClierrEnv(t)
	missing := filepath.Join(e.dir, "nope")
	for _, json := range []bool{false, true} {
		args := []string{"config", "set", "fixtures_dir", missing}
		if json {
			args = append(args, "-o", "json")
		}
		r := e.run(nil, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
		if !strings.Contains(r.stderr, "hookctl: warning: fixtures directory "+missing+" does not exist: the commands that read fixtures") ||
			!strings.Contains(r.stderr, "hookctl: hint: create it, or unset the key: hookctl config unset fixtures_dir\n") {
			t.Errorf("%v: no warning and hint:\n%s", args, r.stderr)
		}
		if json && !strings.Contains(r.stdout, `"value": "`+missing+`"`) {
			t.Errorf("%v: stdout:\n%s", args, r.stdout)
		}
	}
	got := e.run(nil, "config", "get", "fixtures_dir")
	if strings.TrimSpace(got.stdout) != missing {
		t.Errorf("config get fixtures_dir = %q, want %q (written)", got.stdout, missing)
	}
	file := filepath.Join(e.dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := e.run(nil, "config", "set", "fixtures_dir", file); r.code != 0 || !strings.Contains(r.stderr, "fixtures directory "+file+" is not a directory") {
		t.Errorf("fixtures_dir a file: exit %d\n%s", r.code, r.stderr)
	}
	if r := e.run(nil, "config", "set", "fixtures_dir", e.dir); r.code != 0 || strings.Contains(r.stderr, "warning") {
		t.Errorf("fixtures_dir a directory: exit %d\n%s", r.code, r.stderr)
	}
}
