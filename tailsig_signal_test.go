//go:build !windows

package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
)

// A process stopped by a signal exits as a shell says one that signal's
// default action ended: 128 plus its number (SIGINT 130, SIGHUP 129,
// SIGTERM 143), so a supervisor or a script tells a Ctrl-C from a
// `kill`/`docker stop`/closed terminal. hookctl exited 130 whatever the
// signal, on the first signal's summary exit (trigger, replay, check, a
// wait for the store) and on a second signal's exit at once alike.

// tailsigStart starts c and returns a function that waits for its exit
// code (failing after 30 s).
func tailsigStart(t *testing.T, c *exec.Cmd) (stderr *syncbuf.Buffer, exit func() int) {
	t.Helper()
	stderr = &syncbuf.Buffer{}
	c.Stderr = stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	t.Cleanup(func() { c.Process.Kill() })
	return stderr, func() int {
		t.Helper()
		select {
		case err := <-done:
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				return ee.ExitCode()
			}
			if err != nil {
				t.Fatal(err)
			}
			return 0
		case <-time.After(30 * time.Second):
			t.Fatalf("still running 30 s after the signal:\n%s", stderr.String())
			return -1
		}
	}
}

// The first SIGTERM or SIGHUP stops a trigger's run cleanly (what is in
// flight finished and recorded, the summary printed), and its exit says
// which signal it was. The run (5000 events, one at a time) is far from
// over when the signal comes.
func TestTailsigTriggerFirstSignalExitCode(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		want int
	}{{syscall.SIGTERM, 143}, {syscall.SIGHUP, 129}, {syscall.SIGINT, 130}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			t.Parallel()
			var n atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1) }))
			t.Cleanup(srv.Close)
			e := newPTYEnv(t)
			c := e.command(nil, "trigger", "card.created", "--count", "5000", "--concurrency", "1", "--url", srv.URL+"/h", "--no-retry")
			stderr, exit := tailsigStart(t, c)
			for deadline := time.Now().Add(30 * time.Second); n.Load() < 3; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("nothing sent:\n%s", stderr.String())
				}
			}
			c.Process.Signal(tc.sig)
			if code := exit(); code != tc.want {
				t.Fatalf("exit %d after %v, want %d:\n%s", code, tc.sig, tc.want, stderr.String())
			}
			if got := n.Load(); got >= 5000 {
				t.Fatalf("the run was over (%d requests) before the signal was taken", got)
			}
		})
	}
}

// A second SIGTERM a second or more after the first quits at once with
// 143, a second SIGHUP with 129.
func TestTailsigSecondSignalExitCode(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		want int
	}{{syscall.SIGTERM, 143}, {syscall.SIGHUP, 129}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			t.Parallel()
			srv := newHoldingReceiver(t)
			e := newPTYEnv(t)
			e.plain("trigger", "card.created", "--url", srv.URL+"/h", "--retry-schedule", "1s", "--wait", "1ms")
			c := e.command(nil, "worker", "--timeout", "120s")
			stderr, exit := tailsigStart(t, c)
			select {
			case <-srv.got:
			case <-time.After(30 * time.Second):
				t.Fatalf("nothing sent:\n%s", stderr.String())
			}
			codes := make(chan int, 1)
			go func() { codes <- exit() }()
			// Signals every 250 ms: the first begins the drain (held
			// for 120 s), one a second or more later quits at once.
			tick := time.NewTicker(250 * time.Millisecond)
			defer tick.Stop()
			for {
				c.Process.Signal(tc.sig)
				select {
				case code := <-codes:
					if code != tc.want {
						t.Fatalf("exit %d after a second %v, want %d:\n%s", code, tc.sig, tc.want, stderr.String())
					}
					return
				case <-tick.C:
				}
			}
		})
	}
}
