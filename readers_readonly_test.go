//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadersReadOnlySQLite: the commands that only read a SQLite store
// (deliveries list and show, subscriptions list and get, events log and
// show of a stored event) read one this user may read but not write
// (chmod 400), as store info and export do; they refused it (exit 3,
// "is read-only"). A command that writes still refuses it.
func TestReadersReadOnlySQLite(t *testing.T) {
	bin := hookctlBinary(t)
	dir, _, db, root := nobodyStoreDir(t, bin, "hookctl-readers-ro")
	run := func(args ...string) (string, int) {
		t.Helper()
		c := exec.Command(bin, append([]string{"--store", db}, args...)...)
		c.Dir = dir
		c.Env = []string{"HOME=" + dir, "HOOKCTL_CONFIG_DIR=" + filepath.Join(dir, "config"), "PATH=" + os.Getenv("PATH"), "NO_COLOR=1"}
		if root {
			c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		}
		timer := time.AfterFunc(20*time.Second, func() { c.Process.Kill() })
		defer timer.Stop()
		out, err := c.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
	if out, code := run("subscribe", "--url", "http://127.0.0.1:1/h", "--events", "card.created"); code != 0 {
		t.Fatalf("subscribe: exit %d\n%s", code, out)
	}
	if out, code := run("trigger", "card.created", "--no-retry"); code != 1 {
		t.Fatalf("trigger: exit %d, want 1 (refused)\n%s", code, out)
	}
	id := func(args ...string) string {
		t.Helper()
		out, code := run(append(args, "-o", "json")...)
		m := regexp.MustCompile(`"(?:id|webhook_id)":\s*"([^"]+)"`).FindStringSubmatch(out)
		if code != 0 || m == nil {
			t.Fatalf("%s: exit %d, no id\n%s", strings.Join(args, " "), code, out)
		}
		return m[1]
	}
	sub, dlv, evt := id("subscriptions", "list"), id("deliveries", "list"), id("events", "log")

	if err := os.Chmod(db, 0o400); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(db, 0o600) })
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"deliveries", "list"}, dlv},
		{[]string{"deliveries", "show", dlv}, dlv},
		{[]string{"subscriptions", "list"}, sub},
		{[]string{"subscriptions", "get", sub}, "http://127.0.0.1:1/h"},
		{[]string{"events", "log"}, evt},
		{[]string{"events", "show", evt}, evt},
	} {
		out, code := run(tc.args...)
		if code != 0 || !strings.Contains(out, tc.want) || strings.Contains(out, "read-only") {
			t.Errorf("%s on a read-only store: exit %d, want 0 and %q\n%s", strings.Join(tc.args, " "), code, tc.want, out)
		}
	}
	if out, code := run("subscriptions", "disable", sub); code != 3 || !strings.Contains(out, "is read-only") {
		t.Errorf("subscriptions disable on a read-only store: exit %d, want 3 (is read-only)\n%s", code, out)
	}
}
