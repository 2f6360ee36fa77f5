//go:build !windows

package main

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
)

// startTailOn starts deliveries tail on the store at storeURL without
// waiting for its readiness line.
func startTailOn(c *crashEnv, storeURL string, args ...string) *tailProc {
	c.t.Helper()
	p := &tailProc{t: c.t, cmd: c.cmd("hookctl", append([]string{"deliveries", "tail"}, args...)...),
		out: &syncbuf.Buffer{}, errb: &syncbuf.Buffer{}, done: make(chan error, 1)}
	p.cmd.Env = append(append([]string{}, c.env...), "HOOKCTL_STORE="+storeURL)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.errb
	if err := p.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	c.t.Cleanup(func() { p.cmd.Process.Kill() })
	return p
}

// exitCode waits for the tail to end (at most limit).
func (p *tailProc) exitCode(limit time.Duration) int {
	p.t.Helper()
	select {
	case err := <-p.done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			p.t.Fatal(err)
		}
		return 0
	case <-time.After(limit):
		p.t.Fatalf("tail still running %s later\nstderr:\n%s", limit, p.errb.String())
	}
	return -1
}

// TestTailStoreWaitThenWorks: deliveries tail started before PostgreSQL
// answers (nothing listening on its port yet) waits for it as worker,
// serve, ui and listen do (--store-wait, default 1m): it says so once,
// then "store reachable" once the server answers, and follows the log: a
// trigger's delivery and attempt print. Before, it exited 3 at once (and
// --store-wait was an unknown flag, exit 2).
func TestTailStoreWaitThenWorks(t *testing.T) {
	t.Parallel()
	real := pgtest.URL(t)
	c := pgEnv(t, real)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	t.Cleanup(app.Close)
	c.hookctl(0, "subscribe", "--url", app.URL+"/hook", "--events", "*")

	// The tail's URL names a port where nothing listens yet.
	u, err := url.Parse(real)
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u.Host = ln.Addr().String()
	ln.Close()

	p := startTailOn(c, u.String(), "--lines", "0", "--interval", "50ms")
	p.waitFor("the wait", func() bool {
		return strings.Contains(p.errb.String(), "waiting for the store, retrying for up to 1m (--store-wait); Ctrl-C to stop")
	})
	// The server answers there now.
	ln, err = net.Listen("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				conn.Close()
				continue
			}
			go func() { io.Copy(s, conn); s.Close() }()
			go func() { io.Copy(conn, s); conn.Close() }()
		}
	}()
	p.waitFor("the readiness line", func() bool { return strings.Contains(p.errb.String(), "(^C to stop)") })
	c.hookctl(0, "trigger", "card.created")
	p.waitFor("the delivery and its attempt", func() bool { return len(p.lines()) >= 2 })
	p.cmd.Process.Signal(syscall.SIGINT)
	if code := p.exitCode(10 * time.Second); code != 0 {
		t.Errorf("tail after ^C: exit %d, want 0", code)
	}
	errs := p.errb.String()
	if strings.Count(errs, "waiting for the store") != 1 || strings.Count(errs, "hookctl: store reachable after ") != 1 || strings.Contains(errs, "error") {
		t.Errorf("tail did not say the wait once and its end once:\n%s", errs)
	}
	if l := p.lines(); len(l) != 2 || !strings.Contains(l[0], "--> card.created") || !strings.Contains(l[1], "<-- [200]") {
		t.Errorf("tail printed:\n%s", p.out.String())
	}
}

// TestTailStoreWaitGivesUp: past --store-wait (or HOOKCTL_STORE_WAIT)
// tail exits 3 with the error, "(gave up after waiting …)" and the hint
// to wait longer, as the other long-running commands; 0 does not wait; a
// negative wait is bad usage (exit 2); ^C during the wait exits 0, as ^C
// later does.
func TestTailStoreWaitGivesUp(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	closed := closedPGURL(t)
	p := startTailOn(c, closed, "--store-wait", "300ms")
	if code := p.exitCode(30 * time.Second); code != 3 {
		t.Errorf("tail --store-wait 300ms: exit %d, want 3", code)
	}
	errs := p.errb.String()
	for _, want := range []string{
		"waiting for the store, retrying for up to 300ms (--store-wait)",
		"(gave up after waiting 300ms)",
		"hookctl: hint: to wait longer, raise --store-wait (or the store_wait setting, HOOKCTL_STORE_WAIT)",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("tail --store-wait 300ms did not say %q:\n%s", want, errs)
		}
	}
	if strings.Contains(errs, "pgwait-s3cret") {
		t.Errorf("the password is shown:\n%s", errs)
	}

	c.env = append(c.env, "HOOKCTL_STORE_WAIT=0")
	p = startTailOn(c, closed)
	if code := p.exitCode(30 * time.Second); code != 3 || strings.Contains(p.errb.String(), "waiting") {
		t.Errorf("tail with HOOKCTL_STORE_WAIT=0: exit %d, want 3 at once:\n%s", code, p.errb.String())
	}
	p = startTailOn(c, closed, "--store-wait", "-1s")
	if code := p.exitCode(30 * time.Second); code != 2 || !strings.Contains(p.errb.String(), "invalid --store-wait -1s") {
		t.Errorf("tail --store-wait -1s: exit %d, want 2:\n%s", code, p.errb.String())
	}

	p = startTailOn(c, closed, "--store-wait", "1m")
	p.waitFor("the wait", func() bool { return strings.Contains(p.errb.String(), "waiting for the store") })
	p.cmd.Process.Signal(syscall.SIGINT)
	if code := p.exitCode(10 * time.Second); code != 0 {
		t.Errorf("tail after ^C during the wait: exit %d, want 0\n%s", code, p.errb.String())
	}
}
