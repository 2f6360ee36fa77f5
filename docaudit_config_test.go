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

// README (Configuration): a key or value in config.yaml hookctl does not
// read is "never silently ignored", nor is a config.yaml that is not
// YAML. `hookctl config unset` of the file's last key left `{}` in it,
// and a setting then appended by hand (`echo 'listen_port: 9000' >>
// config.yaml`) was not read: yaml.v3 reads the first value, `{}`, and
// ignores the rest, so every command ran on the default (8787) and
// exit 0. Likewise a second document after `---`. Such a file is now
// refused (exit 3, naming it), and an emptied file is empty.
func TestDocauditConfigTrailingYAMLNotIgnored(t *testing.T) {
	e := newPTYEnv(t)
	file := filepath.Join(e.dir, "config", "config.yaml")
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
		return strings.TrimSpace(out.String()), errb.String(), code
	}
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	if _, stderr, code := run("config", "set", "output", "json"); code != 0 {
		t.Fatalf("config set: exit %d\n%s", code, stderr)
	}
	if _, stderr, code := run("config", "unset", "output"); code != 0 {
		t.Fatalf("config unset: exit %d\n%s", code, stderr)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("listen_port: 9000\n") // as `echo … >> config.yaml` does
	f.Close()
	if out, stderr, code := run("config", "get", "listen_port"); code != 0 || out != "9000" {
		t.Errorf("after config unset of the last key (file %q) and a setting appended: config get listen_port = %q, exit %d; want 9000\n%s", b, out, code, stderr)
	}

	for _, c := range []struct{ name, text string }{
		{"a setting after {}", "{}\nlisten_port: 9000\n"},
		{"a second document", "listen_port: 9001\n---\noutput: json\n"},
	} {
		write(c.text)
		out, stderr, code := run("config", "get", "listen_port")
		if code != 3 || !strings.Contains(stderr, "hookctl: error: reading "+file) || !strings.Contains(stderr, "ignored") {
			t.Errorf("%s: config get listen_port = %q, exit %d; want exit 3 naming %s and what it would ignore\n%s", c.name, out, code, file, stderr)
		}
		if _, stderr, code := run("events", "list"); code != 3 {
			t.Errorf("%s: events list exit %d, want 3\n%s", c.name, code, stderr)
		}
	}
	// A closing --- (an empty document) holds nothing to ignore.
	write("listen_port: 9002\n---\n")
	if out, stderr, code := run("config", "get", "listen_port"); code != 0 || out != "9002" {
		t.Errorf("a file ending in ---: config get listen_port = %q, exit %d; want 9002\n%s", out, code, stderr)
	}
}
