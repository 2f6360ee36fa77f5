//go:build !windows

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

// TestDevnullStoreNotARegularFile: --store naming something that is not
// a regular file (a named pipe here; /dev/null is the one users type) is
// refused, exit 3, and left as it was. The store's empty-file branch
// took any empty path for a freshly created store and chmodded it to
// 0600 "as hookctl creates stores": run as root with --store /dev/null,
// that left /dev/null unwritable for every other user on the machine
// (PostgreSQL's initdb then failed in the next test run); a named pipe
// was then opened by SQLite. The test uses a pipe, never /dev/null: the
// old code would break the machine it runs on.
func TestDevnullStoreNotARegularFile(t *testing.T) {
	c := newCrashEnv(t)
	fifo := filepath.Join(t.TempDir(), "hooks.db")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := os.Chmod(fifo, 0o644); err != nil { // past the umask
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"subscriptions", "list"},
		{"subscribe", "--url", "http://127.0.0.1:9/hook", "--events", "card.created"},
		{"store", "info"},
	} {
		var out, errb bytes.Buffer
		cmd := c.cmd("hookctl", append([]string{"--store", fifo}, args...)...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		cmd.WaitDelay = time.Second
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		stop := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
		err := cmd.Wait()
		stop.Stop()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("hookctl %v: %v", args, err)
		}
		if code != 3 || !strings.Contains(errb.String(), "store "+fifo+" is not a regular file (a named pipe)") ||
			!strings.Contains(errb.String(), "hookctl: hint: point --store at a regular file") {
			t.Errorf("hookctl --store FIFO %v: exit %d, stdout %q, stderr %q; want exit 3, the pipe named, a hint", args, code, out.String(), errb.String())
		}
		st, err := os.Stat(fifo)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode()&os.ModeNamedPipe == 0 || st.Mode().Perm() != 0o644 {
			t.Fatalf("after hookctl --store FIFO %v the pipe is %v, want prw-r--r-- as it was", args, st.Mode())
		}
	}
}

// TestDevnullCharDeviceLeftAlone: a character device like /dev/null (a
// node of its own, made with mknod, so the old code's chmod never
// reaches the real one) given as --store or as the --config that
// config set writes: refused, exit 3, its mode unchanged. Root only
// (mknod); CI runs as root.
func TestDevnullCharDeviceLeftAlone(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mknod of a character device needs root")
	}
	c := newCrashEnv(t)
	dev := filepath.Join(t.TempDir(), "null")
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Skipf("mknod: %v", err)
	}
	if err := os.Chmod(dev, 0o666); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--store", dev, "subscriptions", "list"}, "store " + dev + " is not a regular file (a character device)"},
		{[]string{"--store", dev, "subscribe", "--url", "http://127.0.0.1:9/hook", "--events", "card.created"}, "is not a regular file"},
		{[]string{"--config", dev, "config", "set", "forward", "localhost:3000"}, "not a regular file"},
	} {
		var out, errb bytes.Buffer
		cmd := c.cmd("hookctl", tc.args...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if code != 3 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("hookctl %v: exit %d, stderr %q; want exit 3 and %q", tc.args, code, errb.String(), tc.want)
		}
		if st, err := os.Stat(dev); err != nil || st.Mode().Perm() != 0o666 {
			t.Fatalf("after hookctl %v the device is %v (%v), want crw-rw-rw- as it was", tc.args, st.Mode(), err)
		}
	}
}
