//go:build !windows

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A boolean setting reads the same whatever spelling set it:
// HOOKCTL_NO_COLOR=1 (or no_color: 1 in the file, config set no_color 1)
// is true in config get and config list, as the file's true is (config
// get no_color printed 1), and -o json gives it as a JSON boolean, not
// a string; the other keys' values stay strings.
func TestSrvtrigConfigBooleanValues(t *testing.T) {
	t.Parallel()
	g := newGhostEnv(t)
	cfgFile := filepath.Join(g.dir, "config", "config.yaml")
	out := func(env []string, args ...string) string {
		t.Helper()
		c := g.cmd(args...)
		c.Env = append(c.Env, env...)
		b, err := c.Output()
		if err != nil {
			t.Fatalf("%v hookctl %v: %v\n%s", env, args, err, b)
		}
		return string(b)
	}
	type jsonEntry struct {
		Key    string
		Value  any
		Source string
	}
	check := func(what string, env []string, want bool, source string) {
		t.Helper()
		wantText := "false"
		if want {
			wantText = "true"
		}
		if got := out(env, "config", "get", "no_color"); got != wantText+"\n" {
			t.Errorf("%s: config get no_color printed %q, want %s", what, got, wantText)
		}
		var e jsonEntry
		if err := json.Unmarshal([]byte(out(env, "config", "get", "no_color", "-o", "json")), &e); err != nil || e.Value != want || e.Source != source {
			t.Errorf("%s: config get no_color -o json: %+v (%v), want the JSON boolean %v from %s", what, e, err, want, source)
		}
		rows := map[string]string{}
		for _, line := range strings.Split(out(env, "config", "list"), "\n") {
			if k, rest, ok := strings.Cut(line, "\t"); ok {
				rows[k] = rest
			}
		}
		if rows["no_color"] != wantText+"\t"+source {
			t.Errorf("%s: config list: no_color %q, want %q", what, rows["no_color"], wantText+"\t"+source)
		}
		var list []jsonEntry
		if err := json.Unmarshal([]byte(out(env, "config", "list", "-o", "json")), &list); err != nil {
			t.Fatalf("%s: config list -o json: %v", what, err)
		}
		for _, e := range list {
			switch {
			case e.Key == "no_color" && (e.Value != want || e.Source != source):
				t.Errorf("%s: config list -o json: no_color %+v, want the JSON boolean %v from %s", what, e, want, source)
			case e.Key != "no_color":
				if _, ok := e.Value.(string); !ok {
					t.Errorf("%s: config list -o json: %s's value %#v, want a string", what, e.Key, e.Value)
				}
			}
		}
	}

	check("default", nil, false, "default")
	check("HOOKCTL_NO_COLOR=1", []string{"HOOKCTL_NO_COLOR=1"}, true, "env")
	check("HOOKCTL_NO_COLOR=0", []string{"HOOKCTL_NO_COLOR=0"}, false, "env")
	check("HOOKCTL_NO_COLOR=TRUE", []string{"HOOKCTL_NO_COLOR=TRUE"}, true, "env")

	if err := os.MkdirAll(filepath.Dir(cfgFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgFile, []byte("no_color: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	check("no_color: true in the file", nil, true, "file")
	if err := os.WriteFile(cfgFile, []byte("no_color: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	check("no_color: 1 in the file", nil, true, "file")

	// config set takes 1 and writes (and says) true.
	c := g.cmd("config", "set", "no_color", "0")
	b, err := c.CombinedOutput()
	if err != nil || !strings.Contains(string(b), `Set no_color to "false"`) {
		t.Fatalf("config set no_color 0: %v\n%s", err, b)
	}
	check("config set no_color 0", nil, false, "file")
	var e jsonEntry
	if err := json.Unmarshal([]byte(out(nil, "config", "set", "no_color", "t", "-o", "json")), &e); err != nil || e.Value != true {
		t.Errorf("config set no_color t -o json: %+v (%v), want the JSON boolean true", e, err)
	}
}
