//go:build !windows

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// A store hookctl cannot write is an environment problem (exit 3) with a
// hint, not SQLite's raw "attempt to write a readonly database" and exit 1
// (issue 20 item 10).
func TestReadOnlyStore(t *testing.T) {
	bin := hookctlBinary(t)
	dir, err := os.MkdirTemp("", "hookctl-ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	db := filepath.Join(dir, "hookctl.db")
	run := func(asOther bool, args ...string) (string, int) {
		c := exec.Command(bin, append([]string{"--store", db}, args...)...)
		c.Dir = dir
		c.Env = []string{"HOME=" + dir, "HOOKCTL_CONFIG_DIR=" + filepath.Join(dir, "config"), "PATH=" + os.Getenv("PATH")}
		if asOther {
			// root writes whatever the mode bits say: run as nobody.
			c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		}
		out, err := c.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	if out, code := run(false, "subscribe", "--url", "http://localhost:3000/h", "--events", "card.created"); code != 0 {
		t.Fatalf("subscribe: exit %d\n%s", code, out)
	}
	asOther := os.Geteuid() == 0
	if asOther {
		// nobody must reach the binary and the directory.
		for _, p := range []string{dir, filepath.Dir(bin)} {
			if err := os.Chmod(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.Chmod(db, 0o444); err != nil {
		t.Fatal(err)
	}
	out, code := run(asOther, "subscribe", "--url", "http://localhost:3000/other", "--events", "card.created")
	if code != 3 || !strings.Contains(out, "read-only") || !strings.Contains(out, "hint: ") || strings.Contains(out, "readonly database") {
		t.Errorf("subscribe on a read-only store: exit %d\n%s", code, out)
	}
}

// A read-only PostgreSQL store (a hot standby, or default_transaction_read_only
// on for the user or database) whose schema is current opens for reading:
// store info, lists. Before, every command failed trying to create the
// migrations table (exit 1, "cannot execute CREATE TABLE in a read-only
// transaction (SQLSTATE 25006)"). A write is an environment problem, exit 3
// with a hint, also from trigger, replay and worker (which flattened every
// error from the delivery engine to exit 1 without its hints).
func TestReadOnlyPostgresStore(t *testing.T) {
	slowFaultTest(t, "a read-only PostgreSQL role (~4 s)")
	u := pgtest.URL(t)
	c := newCrashEnv(t)
	run := func(wantCode int, args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		cmd := c.cmd("hookctl", args...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != wantCode {
			t.Fatalf("hookctl %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, wantCode, out.String(), errb.String())
		}
		return out.String(), errb.String()
	}
	// Written while the store is writable: a subscription, a failed delivery.
	run(0, "--store", u, "subscribe", "--url", "http://127.0.0.1:1/hooks", "--events", "card.created")
	run(1, "--store", u, "trigger", "card.created", "--no-retry")

	ro := u + "&options=-c%20default_transaction_read_only%3Don"
	if out, _ := run(0, "--store", ro, "store", "info"); !strings.Contains(out, "subscriptions\t1") {
		t.Errorf("store info on the read-only store:\n%s", out)
	}
	if out, _ := run(0, "--store", ro, "deliveries", "list", "--status", "failed"); strings.Count(out, "\tfailed\t") != 1 {
		t.Errorf("deliveries list on the read-only store:\n%s", out)
	}
	wantReadOnly := func(what, stderr string) {
		t.Helper()
		if !strings.Contains(stderr, "is read-only") || !strings.Contains(stderr, "hookctl: hint: point --store") ||
			strings.Contains(stderr, "SQLSTATE") || strings.Contains(stderr, "hookctl@") {
			t.Errorf("%s on the read-only store:\n%s", what, stderr)
		}
	}
	_, stderr := run(3, "--store", ro, "subscribe", "--url", "http://127.0.0.1:1/other", "--events", "card.created")
	wantReadOnly("subscribe", stderr)
	_, stderr = run(3, "--store", ro, "trigger", "card.created", "--no-retry")
	wantReadOnly("trigger", stderr)
	_, stderr = run(3, "--store", ro, "replay", "--failed", "--yes")
	wantReadOnly("replay", stderr)

	// A read-only server cannot create the schema: exit 3, same hint.
	fresh := regexp.MustCompile(`search_path=[^&]*`).ReplaceAllString(ro, fmt.Sprintf("search_path=hookctl_ro_%d", time.Now().UnixNano()))
	_, stderr = run(3, "--store", fresh, "store", "migrate")
	wantReadOnly("store migrate on a new schema", stderr)
	// store info only reads: it creates nothing and says there is no store.
	if _, stderr = run(3, "--store", fresh, "store", "info"); !strings.Contains(stderr, "no hookctl store in schema") {
		t.Errorf("store info on a new schema on the read-only store:\n%s", stderr)
	}
}
