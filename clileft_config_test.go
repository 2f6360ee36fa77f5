//go:build !windows

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestClileftConfigSourceFlag: `hookctl config list` and `config get` name
// a setting given as a flag on their own command line as coming from
// "flag", with the flag's value (flags > env > file > default), for every
// global flag a key fills: -o/--output and --no-color as --store already
// was. Before, with output: json and no_color: true in the config file,
// `config list -o table --no-color` said json and true, from file, and
// `config get output -o table` printed json.
func TestClileftConfigSourceFlag(t *testing.T) {
	t.Parallel()
	g := newGhostEnv(t)
	cfgDir := filepath.Join(g.dir, "config")
	if err := os.MkdirAll(cfgDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfgDir, "config.yaml"), []byte("output: json\nno_color: true\nlisten_port: 9000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout := func(args ...string) string {
		t.Helper()
		out, err := g.cmd(args...).Output()
		if err != nil {
			t.Fatalf("hookctl %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(stdout("config", "list", "-o", "table", "--no-color"), "\n") {
		if k, rest, ok := strings.Cut(line, "\t"); ok {
			rows[k] = rest
		}
	}
	for k, want := range map[string]string{"output": "table\tflag", "no_color": "true\tflag", "listen_port": "9000\tfile", "timeout": "10s\tdefault"} {
		if rows[k] != want {
			t.Errorf("config list -o table --no-color: %s is %q, want %q", k, rows[k], want)
		}
	}
	// The flags before the command, and --no-color=false over the file's true.
	// (no_color's value is a JSON boolean: TestSrvtrigConfigBooleanValues.)
	var list []struct {
		Key    string
		Value  any
		Source string
	}
	out := stdout("--no-color=false", "-o", "json", "config", "list")
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("config list -o json: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, e := range list {
		got[e.Key] = fmt.Sprint(e.Value) + " " + e.Source
	}
	if got["output"] != "json flag" || got["no_color"] != "false flag" || got["listen_port"] != "9000 file" {
		t.Errorf("hookctl --no-color=false -o json config list: output %q, no_color %q, listen_port %q; want json flag, false flag, 9000 file", got["output"], got["no_color"], got["listen_port"])
	}
	if out := stdout("config", "get", "output", "-o", "table"); out != "table\n" {
		t.Errorf("config get output -o table printed %q, want table (the flag's)", out)
	}
	var b struct {
		Value  bool
		Source string
	}
	if err := json.Unmarshal([]byte(stdout("config", "get", "no_color", "--no-color")), &b); err != nil || !b.Value || b.Source != "flag" {
		t.Errorf("config get no_color --no-color (output json from the file): %+v %v, want true from flag", b, err)
	}
	var e struct{ Value, Source string }
	// The store given as a flag: still from flag, as before.
	if err := json.Unmarshal([]byte(stdout("config", "get", "store", "--store", filepath.Join(g.dir, "x.db"))), &e); err != nil || e.Source != "flag" || e.Value != filepath.Join(g.dir, "x.db") {
		t.Errorf("config get store --store x.db: %+v %v, want x.db from flag", e, err)
	}
}
