//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSudoListenOnAnotherUsersStore: `sudo hookctl listen --store
// ~alice/…` refused alice's journal/ folder ("belongs to another user"),
// though whoever owns the store's file has all a journal holds already.
// The folder of the store's owner is taken now, and the journal root
// writes in it is given to her (else her own hookctl could not read it
// after a crash); a third user's folder is still refused.
func TestSudoListenOnAnotherUsersStore(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the store to another user")
	}
	const alice, mallory = 65534, 65533
	c := newCrashEnv(t)
	c.hookctl(0, "store", "migrate")
	jdir := filepath.Join(c.dir, "journal")
	if err := os.Mkdir(jdir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"hookctl.db", "hookctl.db-wal", "hookctl.db-shm", "journal"} {
		if err := os.Lchown(filepath.Join(c.dir, p), alice, alice); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	cmd := c.cmd("hookctl", "listen", "--port", "0", "-o", "json")
	_, stderr, done := startJSONListen(t, cmd)
	js, _ := filepath.Glob(filepath.Join(jdir, "listen-*.journal"))
	if len(js) != 1 {
		t.Fatalf("journals %v while listen runs, want 1", js)
	}
	fi, err := os.Stat(js[0])
	if err != nil {
		t.Fatal(err)
	}
	if uid := fi.Sys().(*syscall.Stat_t).Uid; uid != alice {
		t.Errorf("the journal root wrote for alice's store belongs to uid %d, want alice's %d", uid, alice)
	}
	cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("listen: %v\n%s", err, stderr)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("listen did not stop\n%s", stderr)
	}

	// A third user's journal/ next to alice's store: refused.
	if err := os.Lchown(jdir, mallory, mallory); err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd = c.cmd("hookctl", "listen", "--port", "0")
	cmd.Stderr = &errb
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 || !strings.Contains(errb.String(), jdir+" belongs to another user") {
		t.Fatalf("listen with a third user's journal directory: %v\n%s", err, errb.String())
	}
}
