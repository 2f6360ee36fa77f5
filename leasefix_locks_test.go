//go:build unix

package main

import (
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// leasefixReceiver keeps every request open until release is closed
// (each one still counted when it arrives), then answers 200.
type leasefixReceiver struct {
	mu       sync.Mutex
	arrivals []time.Time
	changed  chan struct{}
	release  chan struct{}
	once     sync.Once
}

func newLeasefixReceiver(t *testing.T) (*leasefixReceiver, string) {
	r := &leasefixReceiver{changed: make(chan struct{}), release: make(chan struct{})}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	t.Cleanup(r.free) // before the server closes (cleanups run last first)
	return r, srv.URL + "/webhooks"
}

func (r *leasefixReceiver) free() { r.once.Do(func() { close(r.release) }) }

func (r *leasefixReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.arrivals = append(r.arrivals, time.Now())
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	select {
	case <-r.release:
	case <-req.Context().Done():
	}
	w.WriteHeader(http.StatusOK)
}

// wait waits for the n-th request and returns when it arrived.
func (r *leasefixReceiver) wait(t *testing.T, n int, within time.Duration) time.Time {
	t.Helper()
	deadline := time.After(within)
	for {
		r.mu.Lock()
		got, ch := len(r.arrivals), r.changed
		var at time.Time
		if got >= n {
			at = r.arrivals[n-1]
		}
		r.mu.Unlock()
		if got >= n {
			return at
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("%d requests arrived in %v, want %d", got, within, n)
		}
	}
}

// leasefixProc is a hookctl process the test started; its output goes to
// a file (out reads it).
type leasefixProc struct {
	*exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// stop interrupts p (SIGINT) and returns how it exited.
func (p *leasefixProc) stop(t *testing.T) error {
	t.Helper()
	_ = p.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not stop on SIGINT", p.Args)
	}
	return p.err
}

func (p *leasefixProc) out() string { b, _ := os.ReadFile(p.log); return string(b) }

// leasefixStart starts bin with args in dir, as nobody when asNobody;
// it is stopped at the end of the test (SIGCONT, SIGINT, then SIGKILL)
// and its output shown if the test failed.
func leasefixStart(t *testing.T, bin, dir string, asNobody bool, args ...string) *leasefixProc {
	t.Helper()
	if asNobody {
		return leasefixStartAs(t, bin, dir, 65534, 65534, args...)
	}
	return leasefixStartAs(t, bin, dir, -1, -1, args...)
}

// leasefixStartAs is leasefixStart as uid with the group gid and no
// other (uid -1: as this user).
func leasefixStartAs(t *testing.T, bin, dir string, uid, gid int, args ...string) *leasefixProc {
	t.Helper()
	c := exec.Command(bin, args...)
	c.Dir = dir
	user := "root"
	if uid >= 0 {
		user = strconv.Itoa(uid)
		c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{uint32(gid)}}}
	}
	c.Env = []string{"HOME=" + dir, "HOOKCTL_CONFIG_DIR=" + filepath.Join(dir, "config-"+user), "PATH=" + os.Getenv("PATH"), "NO_COLOR=1"}
	log, err := os.CreateTemp("", "leasefix-*.log")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(log.Name()) })
	c.Stdout, c.Stderr = log, log
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	p := &leasefixProc{Cmd: c, log: log.Name(), done: make(chan struct{})}
	done := p.done
	go func() { p.err = c.Wait(); log.Close(); close(done) }()
	t.Cleanup(func() {
		_ = c.Process.Signal(syscall.SIGCONT)
		_ = c.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = c.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("%s (pid %d, as %s):\n%s", strings.Join(args, " "), c.Process.Pid, user, tailBytes([]byte(p.out()), 2000))
		}
	})
	return p
}

// leasefixKill kills p with SIGKILL and waits for it to be gone.
func leasefixKill(t *testing.T, p *leasefixProc) {
	t.Helper()
	if err := p.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s not gone after SIGKILL", p.Args)
	}
}

// leasefixLockFiles lists the lock files in dir: owner → file's uid.
func leasefixLockFiles(t *testing.T, dir string) map[string]uint32 {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	out := map[string]uint32{}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		b, err := hex.DecodeString(e.Name())
		if err != nil {
			t.Fatalf("%s in %s is not an owner's lock file", e.Name(), dir)
		}
		fi, err := os.Stat(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // removed meanwhile
		}
		out[string(b)] = fi.Sys().(*syscall.Stat_t).Uid
	}
	return out
}

// leasefixWaitLock waits until a lock file of pid's owner is in dir.
func leasefixWaitLock(t *testing.T, dir string, pid int) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		for owner := range leasefixLockFiles(t, dir) {
			if strings.Contains(owner, ":"+strconv.Itoa(pid)+":") {
				return owner
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no lock file of pid %d in %s: %v", pid, dir, leasefixLockFiles(t, dir))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
