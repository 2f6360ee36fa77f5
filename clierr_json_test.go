//go:build !windows

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestClierrJSONErrors: how a run asks for JSON output does not change
// that its error is a JSON document on stdout: -o json before or after
// the bad flag, -ojson, -o=json, --output json, HOOKCTL_OUTPUT=json, the
// config file's output (the default one or --config's, given after the
// bad flag), for a bad flag, a missing or extra argument, an unknown
// command or sub-command, and a bad secret for sign. A -o json that is
// a value of another flag (--data -o), or after "--", is no -o json; a
// -o json overridden by a later -o table is not one either. A command
// with its own document under -o json (verify) prints only that one.
func TestClierrJSONErrors(t *testing.T) {
	e := newClierrEnv(t)
	cfgFile := filepath.Join(e.dir, "other.yaml")
	if err := os.WriteFile(cfgFile, []byte("output: json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	jsonRuns := []struct {
		env  []string
		args []string
		want string
	}{
		{nil, []string{"-o", "json", "trigger", "--bogus"}, "unknown flag: --bogus"},
		{nil, []string{"trigger", "--bogus", "-ojson"}, "unknown flag: --bogus"},
		{nil, []string{"trigger", "--bogus", "-o=json"}, "unknown flag: --bogus"},
		{nil, []string{"trigger", "--bogus", "--output", "json"}, "unknown flag: --bogus"},
		{nil, []string{"trigger", "-n", "abc", "-o", "json"}, `invalid argument "abc" for "-n, --count"`},
		{nil, []string{"trigger", "--count", "abc", "-o", "json"}, `invalid argument "abc" for "-n, --count"`},
		{nil, []string{"trigger", "--data", "{}", "--bogus", "-o", "json"}, "unknown flag: --bogus"},
		{[]string{"HOOKCTL_OUTPUT=json"}, []string{"trigger", "--bogus"}, "unknown flag: --bogus"},
		{nil, []string{"trigger", "--bogus", "--config", cfgFile}, "unknown flag: --bogus"},
		{nil, []string{"events", "show", "-o", "json"}, "hookctl events show takes 1 argument ({<event-type>|<event-id>}), got none"},
		{nil, []string{"config", "get", "store", "output", "-o", "json"}, `hookctl config get takes 1 argument (<key>), got "store" "output"`},
		{nil, []string{"version", "extra", "-o", "json"}, `hookctl version takes no arguments, got "extra"`},
		{nil, []string{"trigerr", "-o", "json"}, `unknown command "trigerr"`},
		{nil, []string{"subscriptions", "lst", "-o", "json"}, `unknown command "lst"`},
		{nil, []string{"sign", "--scheme", "standard-ed25519", "--secret", "nope", "-o", "json"}, "the key must be whsk_"},
		{nil, []string{"sign", "--secret", "", "-o", "json"}, "--secret is empty"},
		{nil, []string{"sign", "-o", "json"}, "a secret is required"},
		{nil, []string{"trigger", "nope.event", "-o", "json"}, `unknown event "nope.event"`},
		{nil, []string{"-o", "yaml", "version"}, `invalid --output "yaml"`},
	}
	for _, r := range jsonRuns {
		what := strings.Join(r.env, " ") + " hookctl " + strings.Join(r.args, " ")
		if r.args[1] == "yaml" {
			wantHumanError(t, what, e.run(r.env, r.args...), r.want)
			continue
		}
		wantJSONError(t, what, e.run(r.env, r.args...), r.want)
	}
	// The config file in the default place.
	if err := os.MkdirAll(filepath.Join(e.dir, "config"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, "config", "config.yaml"), []byte("output: json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantJSONError(t, "output: json in config.yaml, hookctl events log --limit x", e.run(nil, "events", "log", "--limit", "x"), `"--limit"`)
	wantHumanError(t, "output: json in config.yaml, hookctl events log --limit x -o table",
		e.run(nil, "events", "log", "--limit", "x", "-o", "table"), `"--limit"`)
	if err := os.Remove(filepath.Join(e.dir, "config", "config.yaml")); err != nil {
		t.Fatal(err)
	}

	for _, args := range [][]string{
		{"trigger", "--bogus", "--", "-o", "json"},
		{"trigger", "-o", "json", "--bogus", "-o", "table"},
		{"trigger", "--data", "-o", "json", "--bogus"},
	} {
		wantHumanError(t, "hookctl "+strings.Join(args, " "), e.run(nil, args...), "unknown flag: --bogus")
	}

	// A command whose -o json output is JSON lines gets its error
	// document on one line.
	r0 := e.run(nil, "listen", "--port", "99999", "-o", "json")
	wantJSONError(t, "hookctl listen --port 99999 -o json", r0, "invalid --port 99999")
	if strings.Count(r0.stdout, "\n") != 1 {
		t.Errorf("listen -o json: the error document is not one line:\n%s", r0.stdout)
	}

	// A trigger that ran prints its own document, whose summary says
	// what failed (exit 1): not a second one.
	r := e.run(nil, "trigger", "card.created", "--url", "http://127.0.0.1:1/x", "--no-retry", "-o", "json")
	var tdoc map[string]any
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	if err := dec.Decode(&tdoc); err != nil || dec.More() || r.code != 1 || tdoc["summary"] == nil {
		t.Fatalf("trigger to a closed port -o json: exit %d, stdout not trigger's one document (%v):\n%s", r.code, err, r.stdout)
	}

	// verify's own document carries its error: one document, not two.
	r = e.run(nil, "verify", "--scheme", "stripe", "--secret", "", "-o", "json")
	dec = json.NewDecoder(strings.NewReader(r.stdout))
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil || dec.More() || r.code != 2 {
		t.Fatalf("verify --secret '' -o json: exit %d, stdout not one document (%v):\n%s", r.code, err, r.stdout)
	}
	if _, ok := doc["valid"]; !ok {
		t.Errorf("verify --secret '' -o json: not verify's own document:\n%s", r.stdout)
	}
}
