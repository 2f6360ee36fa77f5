//go:build !windows

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// README (Configuration): a config.yaml with a key hookctl does not read
// (a typo such as `outptu`, `listen-port`) is refused by every command,
// and "`hookctl config set` and `unset` still work to repair it". The
// repair a typo needs is to remove the key, and `config unset outptu`
// refused it as an unknown key (exit 2), so the file could only be fixed
// by hand. Now unset removes a key that is not a setting when the file
// holds it (a nested one by its dotted name), and the refusal's hints
// name that command.
func TestDocauditConfigUnsetRemovesUnknownKey(t *testing.T) {
	e := newPTYEnv(t)
	file := filepath.Join(e.dir, "config", "config.yaml")
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte("outptu: json\nlisten:\n  port: 9000\nlisten_port: \"9001\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, string, int) {
		t.Helper()
		c := e.command(nil, args...)
		var out, errb bytes.Buffer
		c.Stdout, c.Stderr = &out, &errb
		err := c.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errb.String(), code
	}

	_, stderr, code := run("events", "list")
	if code != 3 || !strings.Contains(stderr, `unknown config key "listen.port"`) {
		t.Fatalf("events list with a typo in config.yaml: exit %d, want 3 naming the key:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "hookctl: hint: remove it: hookctl config unset listen.port") {
		t.Errorf("the refusal does not name the command that repairs the file:\n%s", stderr)
	}

	for _, key := range []string{"listen.port", "outptu"} {
		if _, stderr, code := run("config", "unset", key); code != 0 {
			t.Fatalf("config unset %s: exit %d, want 0 (README: unset works to repair the file):\n%s", key, code, stderr)
		}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); strings.Contains(s, "outptu") || strings.Contains(s, "port: 9000") || !strings.Contains(s, "9001") {
		t.Errorf("config.yaml after the two unsets, want only listen_port 9001 left:\n%s", s)
	}
	if _, stderr, code := run("events", "list"); code != 0 {
		t.Errorf("events list after the repair: exit %d\n%s", code, stderr)
	}
	if out, _, code := run("config", "get", "listen_port"); code != 0 || strings.TrimSpace(out) != "9001" {
		t.Errorf("config get listen_port after the repair = %q (exit %d), want 9001: the other keys stay", out, code)
	}
	// A key neither a setting nor in the file is still refused.
	if _, stderr, code := run("config", "unset", "nothere"); code != 2 || !strings.Contains(stderr, `unknown config key "nothere"`) {
		t.Errorf("config unset nothere: exit %d, want 2 (unknown key):\n%s", code, stderr)
	}
}
