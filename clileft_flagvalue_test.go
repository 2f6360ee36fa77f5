//go:build !windows

package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestClileftFlagAsValue: a flag taking a path or a URL (--store,
// --config, --url, --forward, --secret-file …) followed by a flag took
// that flag as its value: `hookctl subscribe … --store --no-color` made a
// SQLite store named "--no-color" and exited 0, `hookctl --store -o json
// events list` said unknown command "json". Each is now a usage error
// (exit 2) naming the flag, with the hint to write --store=-o for a path
// that does start with '-' (which works); "-" (stdin) is a value.
func TestClileftFlagAsValue(t *testing.T) {
	t.Parallel()
	g := newGhostEnv(t)
	run := func(args ...string) (stdout, stderr string, code int) {
		t.Helper()
		c := g.cmd(args...)
		var out, errOut strings.Builder
		c.Stdout, c.Stderr = &out, &errOut
		err := c.Run()
		var ee *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &ee):
			code = ee.ExitCode()
		default:
			t.Fatalf("hookctl %q: %v", args, err)
		}
		return out.String(), errOut.String(), code
	}
	for _, tc := range []struct {
		args       []string
		flag, next string
	}{
		{[]string{"subscribe", "--url", "http://127.0.0.1:1/x", "--events", "card.created", "--store", "--no-color"}, "store", "--no-color"},
		{[]string{"--store", "-o", "json", "events", "list"}, "store", "-o"},
		{[]string{"events", "list", "--store", "-o", "json"}, "store", "-o"},
		{[]string{"--config", "--store", "x.db", "subscriptions", "list"}, "config", "--store"},
		{[]string{"trigger", "card.created", "--url", "--no-retry"}, "url", "--no-retry"},
		{[]string{"listen", "--forward", "--port", "0"}, "forward", "--port"},
		{[]string{"check", "http://127.0.0.1:1/x", "--secret-file", "--provider", "bond"}, "secret-file", "--provider"},
		{[]string{"replay", "--failed", "--to", "-y"}, "to", "-y"},
	} {
		out, errOut, code := run(tc.args...)
		want := "hookctl: error: --" + tc.flag + " has no value: the argument after it, \"" + tc.next + "\", is a flag\n"
		hint := "write --" + tc.flag + "=" + tc.next + "\n"
		if code != 2 || !strings.HasPrefix(errOut, want) || !strings.Contains(errOut, hint) || out != "" {
			t.Errorf("hookctl %q: exit %d\nstdout: %s\nstderr: %s\nwant exit 2, %qand a hint to %q", tc.args, code, out, errOut, want, hint)
		}
	}
	if _, err := os.Stat(filepath.Join(g.dir, "--no-color")); err == nil {
		t.Errorf("a store named --no-color was made")
	}
	// Under -o json (given before) the error is the JSON document too.
	out, _, code := run("-o", "json", "subscriptions", "list", "--store", "--no-color")
	var doc struct {
		Error    string
		ExitCode int `json:"exit_code"`
	}
	if code != 2 || json.Unmarshal([]byte(out), &doc) != nil || !strings.Contains(doc.Error, "--store has no value") || doc.ExitCode != 2 {
		t.Errorf("-o json subscriptions list --store --no-color: exit %d, stdout %s", code, out)
	}
	// A path that starts with '-', after '=': the store is that file.
	if out, errOut, code := run("subscribe", "--url", "http://127.0.0.1:1/x", "--events", "card.created", "--store=-s", "-o", "json"); code != 0 {
		t.Fatalf("subscribe --store=-s: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(g.dir, "-s")); err != nil {
		t.Errorf("subscribe --store=-s: %v", err)
	}
	// "-" is a value (stdin), not a flag.
	if _, errOut, _ := run("verify", "--header-file", "-", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"); strings.Contains(errOut, "has no value") {
		t.Errorf("verify --header-file - was refused: %s", errOut)
	}
}
