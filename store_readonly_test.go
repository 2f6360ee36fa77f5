//go:build !windows

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
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
