//go:build !windows

package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// heldReceiver holds every request until release is called (a receiver
// slow to answer, or hung), counting those it holds.
func heldReceiver(t *testing.T) (srv *httptest.Server, held *atomic.Int64, release func()) {
	held = &atomic.Int64{}
	gate := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		held.Add(1)
		select {
		case <-gate:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(func() { release(); srv.Close() })
	return srv, held, release
}

// The first Ctrl-C of a trigger, replay or worker whose receiver holds an
// attempt says that it finishes what is in flight, and how long that may
// take, and how to quit at once, while it waits (as listen, serve and ui
// say on their first signal). It said nothing for up to --timeout (10 s by
// default): a user pressed Ctrl-C again, and the attempt in flight went
// unrecorded, sent again later by a worker. Found by the huntcli hunt.
func TestHuntcliCtrlCSaysWhatItWaitsFor(t *testing.T) {
	t.Parallel()
	const notice = "Stopping: finishing the attempts in flight (up to 20s)… (^C again to quit at once)"
	for _, tc := range []struct {
		name  string
		setup func(e *ptyEnv, url string) []string // the command to interrupt
	}{
		{"trigger", func(e *ptyEnv, url string) []string {
			return []string{"trigger", "card.created", "--url", url, "--no-retry", "--timeout", "20s"}
		}},
		{"replay", func(e *ptyEnv, url string) []string {
			closed := "http://127.0.0.1:" + mustFreePort(t) + "/h" // connection refused: fails at once
			if err := e.command(nil, "trigger", "card.created", "--url", closed, "--no-retry").Run(); err == nil {
				t.Fatal("trigger to a closed port succeeded")
			}
			return []string{"replay", "--failed", "--yes", "--to", url, "--timeout", "20s"}
		}},
		{"worker", func(e *ptyEnv, url string) []string {
			// A pending delivery due again in about a second: its first
			// attempt timed out, and the trigger did not wait for more.
			if err := e.command(nil, "trigger", "card.created", "--url", url, "--timeout", "1s", "--wait", "100ms").Run(); err != nil {
				t.Fatalf("trigger: %v", err)
			}
			return []string{"worker", "--timeout", "20s"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, held, release := heldReceiver(t)
			e := newPTYEnv(t)
			args := tc.setup(e, srv.URL+"/h")
			before := held.Load() // the worker's set-up sent one
			c := e.command([]string{"NO_COLOR=1"}, args...)
			f, out := e.start(c, 200)
			defer f.Close()
			exited := make(chan error, 1)
			go func() { exited <- c.Wait() }()
			deadline := time.Now().Add(60 * time.Second)
			for held.Load() == before {
				if time.Now().After(deadline) {
					c.Process.Kill()
					t.Fatalf("the receiver got no request:\n%s", out.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			f.Write([]byte{3}) // Ctrl-C: the terminal sends SIGINT
			// The attempt is still held: the notice must come meanwhile
			// (it comes after 0.3 s; the deadline is for a loaded machine).
			deadline = time.Now().Add(15 * time.Second)
			for !strings.Contains(out.String(), notice) {
				if time.Now().After(deadline) {
					release()
					<-exited
					t.Fatalf("%s: nothing said after Ctrl-C while an attempt was in flight; want %q:\n%s", tc.name, notice, out.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			release()
			var err error
			select {
			case err = <-exited:
			case <-time.After(60 * time.Second):
				c.Process.Kill()
				<-exited
				t.Fatalf("still running after the attempt was answered:\n%s", out.String())
			}
			want := 130
			if tc.name == "worker" {
				want = 0 // stopping is a worker's normal end
			}
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			}
			if code != want {
				t.Errorf("exit %d, want %d:\n%s", code, want, out.String())
			}
			if n := strings.Count(out.String(), "Stopping:"); n != 1 {
				t.Errorf("the notice %d times, want once:\n%s", n, out.String())
			}
		})
	}
}

// A Ctrl-C with nothing in flight (a trigger waiting for a retry an hour
// away) ends the run at once, without the notice.
func TestHuntcliCtrlCNothingInFlightNoNotice(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	e := newPTYEnv(t)
	c := e.command([]string{"NO_COLOR=1"}, "trigger", "card.created", "--url", srv.URL+"/h", "--retry-schedule", "0s,1h")
	f, out, drained := e.startDrained(c, 200)
	defer f.Close()
	exited := make(chan error, 1)
	go func() { exited <- c.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "retry in") {
		if time.Now().After(deadline) {
			c.Process.Kill()
			t.Fatalf("no first attempt:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.Write([]byte{3})
	select {
	case <-exited:
	case <-time.After(60 * time.Second):
		c.Process.Kill()
		t.Fatalf("still running after Ctrl-C:\n%s", out.String())
	}
	<-drained
	if strings.Contains(out.String(), "Stopping:") {
		t.Errorf("a notice though nothing was in flight:\n%s", out.String())
	}
}
