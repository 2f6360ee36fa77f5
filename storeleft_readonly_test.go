//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStoreLeftReadOnlySQLite: the commands that only read a SQLite store
// read one this user may not write, and say in one line why, exit 3, when
// SQLite cannot read it.
//
//   - The file read-only (chmod 400), its directory writable: store info
//     and store export read it (they refused it as read-only, exit 3);
//     the -shm and -wal files SQLite made for the read are left writable
//     for the owner, so once the file is writable again subscribe writes
//     (they had the file's mode: "attempt to write a readonly database").
//   - The directory read-only too, and no process using the store: SQLite
//     cannot create the -shm a reader of a WAL store needs. deliveries tail
//     and store info say so, once, with a hint (tail said "store P: store P
//     cannot be written: attempt to write a readonly database (1544)").
//   - As root, deliveries tail of a store of another user no process has
//     open: reading it would leave sidecars its owner's hookctl refuses;
//     refused, none made (tail made them, root's).
func TestStoreLeftReadOnlySQLite(t *testing.T) {
	t.Parallel()
	bin := hookctlBinary(t)
	dir, sd, db, root := nobodyStoreDir(t, bin, "hookctl-storeleft-ro")
	type result struct {
		out  string
		code int
	}
	run := func(asRoot bool, args ...string) result {
		t.Helper()
		c := exec.Command(bin, append([]string{"--store", db}, args...)...)
		c.Dir = dir
		c.Env = []string{"HOME=" + dir, "HOOKCTL_CONFIG_DIR=" + filepath.Join(dir, "config"), "PATH=" + os.Getenv("PATH"), "NO_COLOR=1"}
		if root && !asRoot {
			c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		}
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(20 * time.Second): // tail follows: it must have ended long before
				c.Process.Kill()
			}
		}()
		out, err := c.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return result{string(out), code}
	}
	if r := run(false, "subscribe", "--url", "http://127.0.0.1:1/h", "--events", "card.created"); r.code != 0 {
		t.Fatalf("subscribe: exit %d\n%s", r.code, r.out)
	}
	if r := run(false, "trigger", "card.created", "--no-retry"); r.code != 1 {
		t.Fatalf("trigger: exit %d, want 1 (refused)\n%s", r.code, r.out)
	}
	for _, side := range []string{"-wal", "-shm"} {
		if _, err := os.Lstat(db + side); err == nil {
			t.Fatalf("%s%s left by the writers", db, side)
		}
	}
	if err := os.Chmod(db, 0o400); err != nil {
		t.Fatal(err)
	}
	if r := run(false, "store", "info"); r.code != 0 || !strings.Contains(r.out, "deliveries\t1\n") {
		t.Errorf("store info on a read-only file: exit %d\n%s", r.code, r.out)
	}
	if r := run(false, "store", "export"); r.code != 0 || !strings.Contains(r.out, `"status":"failed"`) ||
		!strings.Contains(r.out, "exported 1 subscription, 0 objects, 1 event, 1 delivery, 1 attempt") {
		t.Errorf("store export on a read-only file: exit %d\n%s", r.code, r.out)
	}
	if err := os.Chmod(db, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := run(false, "subscribe", "--url", "http://127.0.0.1:1/other", "--events", "card.created"); r.code != 0 {
		t.Errorf("subscribe once the file is writable again: exit %d\n%s", r.code, r.out)
	}

	// No process using the store: its sidecars gone, the directory made
	// read-only.
	for _, side := range []string{"-wal", "-shm"} {
		os.Remove(db + side)
	}
	if err := os.Chmod(db, 0o400); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(sd, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(sd, 0o755) })
	for _, args := range [][]string{{"deliveries", "tail"}, {"store", "info"}, {"store", "export"}} {
		r := run(false, args...)
		lines := strings.Split(strings.TrimSpace(r.out), "\n")
		if r.code != 3 || len(lines) != 2 || strings.Count(r.out, db) != 1 ||
			!strings.HasPrefix(lines[0], "hookctl: error: store "+db+" cannot be read: SQLite needs to create hookctl.db-shm beside it and its directory "+sd+" is read-only for this user") ||
			!strings.HasPrefix(lines[1], "hookctl: hint: make "+sd+" writable for this user") {
			t.Errorf("%s in a read-only directory: exit %d\n%s", strings.Join(args, " "), r.code, r.out)
		}
	}
	if !root {
		return
	}
	// root reading nobody's store no process has open.
	if err := os.Chmod(sd, 0o755); err != nil {
		t.Fatal(err)
	}
	// (store info as root opens it for writing, as root may: its writer
	// removes what it made when it closes.)
	for _, args := range [][]string{{"deliveries", "tail"}} {
		r := run(true, args...)
		if r.code != 3 || !strings.Contains(r.out, "belongs to another user and no process has it open") || strings.Count(r.out, "hookctl: error:") != 1 {
			t.Errorf("%s as root on another user's store: exit %d\n%s", strings.Join(args, " "), r.code, r.out)
		}
	}
	for _, side := range []string{"-wal", "-shm"} {
		if _, err := os.Lstat(db + side); err == nil {
			t.Errorf("%s%s made by root's read", db, side)
		}
	}
}

// nobodyStoreDir makes a temporary directory holding an empty store
// directory sd for the store file db. As root (who reads and writes
// whatever the mode bits say), both belong to nobody, who must reach the
// binary bin and the directories: the test runs hookctl as nobody.
func nobodyStoreDir(t *testing.T, bin, prefix string) (dir, sd, db string, root bool) {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755); os.RemoveAll(dir) })
	sd = filepath.Join(dir, "store")
	if err := os.Mkdir(sd, 0o755); err != nil {
		t.Fatal(err)
	}
	db = filepath.Join(sd, "hookctl.db")
	root = os.Geteuid() == 0
	if root {
		for _, p := range []string{dir, sd} {
			if err := os.Chown(p, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range []string{dir, filepath.Dir(bin)} {
			if err := os.Chmod(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir, sd, db, root
}
