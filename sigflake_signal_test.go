//go:build !windows

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
)

// A hookctl started with SIGINT ignored — a background job of a script
// (`hookctl serve &`: a shell without job control starts those so) — took
// the first SIGINT (the drain began) but ignored every later one: after
// the first the root gave the signal back, and its disposition went back
// to the inherited "ignored". So nothing short of SIGTERM or kill -9
// stopped a drain stuck on a slow receiver. These tests start the real
// binary so (sh ignores SIGINT and execs hookctl) and interrupt it twice.

// sigflakeProc is a hookctl process started with SIGINT ignored.
type sigflakeProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stderr *syncbuf.Buffer
	done   chan struct{} // closed once it exited; err is then its Wait's
	err    error
}

// sigflakeStartIgnoringINT starts c (a command of ptyEnv.command) with
// SIGINT ignored: through sh, which ignores it and execs hookctl in the
// same process, as a shell starts a background job without job control.
// It is killed when the test ends if still running.
func sigflakeStartIgnoringINT(t *testing.T, c *exec.Cmd) *sigflakeProc {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	c.Args = append([]string{"sh", "-c", `trap "" INT; exec "$0" "$@"`, c.Path}, c.Args[1:]...)
	c.Path = sh
	p := &sigflakeProc{t: t, cmd: c, stderr: &syncbuf.Buffer{}, done: make(chan struct{})}
	c.Stderr = p.stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = c.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			c.Process.Kill()
			<-p.done
		}
	})
	return p
}

// waitStderr waits until the process has written want on stderr.
func (p *sigflakeProc) waitStderr(want string) {
	p.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(p.stderr.String(), want); time.Sleep(20 * time.Millisecond) {
		select {
		case <-p.done:
			p.t.Fatalf("exited (%v) before saying %q:\n%s", p.err, want, p.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("did not say %q:\n%s", want, p.stderr.String())
		}
	}
}

// interruptUntilExit sends SIGINT every 250 ms until the process exits
// and returns its exit code. A repeat less than a second after the first
// signal is taken for the same stop said twice (timeout(1) sends two at
// once), and a loaded machine can fold two signals into one: hence more
// than two. It fails when the process is still running after 30 s — well
// within the --timeout (120 s) of the attempt or forward it is draining.
func (p *sigflakeProc) interruptUntilExit() int {
	p.t.Helper()
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		p.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-p.done:
			var ee *exec.ExitError
			if errors.As(p.err, &ee) {
				return ee.ExitCode()
			}
			if p.err != nil {
				p.t.Fatal(p.err)
			}
			return 0
		case <-tick.C:
		case <-deadline:
			p.t.Fatalf("started with SIGINT ignored, it was still running after 30 s of SIGINTs (the first began the drain, the later ones were ignored):\n%s", p.stderr.String())
		}
	}
}

// waitGot waits for the receiver's first request.
func sigflakeWaitGot(t *testing.T, got <-chan struct{}, p *sigflakeProc) {
	t.Helper()
	select {
	case <-got:
	case <-p.done:
		t.Fatalf("exited (%v) before sending:\n%s", p.err, p.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("nothing was sent:\n%s", p.stderr.String())
	}
}

func TestSecondInterruptSIGINTIgnoredTrigger(t *testing.T) {
	t.Parallel()
	srv := newHoldingReceiver(t)
	e := newPTYEnv(t)
	p := sigflakeStartIgnoringINT(t, e.command(nil, "trigger", "card.created", "--url", srv.URL+"/h", "--no-retry", "--timeout", "120s"))
	sigflakeWaitGot(t, srv.got, p)
	if code := p.interruptUntilExit(); code != 130 {
		t.Fatalf("exit %d, want 130\n%s", code, p.stderr.String())
	}
	// What was in flight stays pending, for a worker.
	if out := e.plain("deliveries", "list", "--status", "pending"); !strings.Contains(out, "\tpending\t0/1\t") {
		t.Errorf("the delivery in flight is not left pending:\n%s", out)
	}
}

func TestSecondInterruptSIGINTIgnoredWorker(t *testing.T) {
	t.Parallel()
	srv := newHoldingReceiver(t)
	e := newPTYEnv(t)
	e.plain("trigger", "card.created", "--url", srv.URL+"/h", "--retry-schedule", "1s", "--wait", "1ms")
	p := sigflakeStartIgnoringINT(t, e.command(nil, "worker", "--timeout", "120s"))
	sigflakeWaitGot(t, srv.got, p)
	// 0 would be the drain's end: the attempt held for 120 s finished.
	if code := p.interruptUntilExit(); code != 130 {
		t.Fatalf("exit %d, want 130\n%s", code, p.stderr.String())
	}
}

func TestSecondInterruptSIGINTIgnoredServe(t *testing.T) {
	t.Parallel()
	srv := newHoldingReceiver(t)
	e := newPTYEnv(t)
	e.plain("trigger", "card.created", "--url", srv.URL+"/h", "--retry-schedule", "1s", "--wait", "1ms")
	p := sigflakeStartIgnoringINT(t, e.command(nil, "serve", "--port", "0", "--timeout", "120s"))
	sigflakeWaitGot(t, srv.got, p)
	p.cmd.Process.Signal(syscall.SIGINT)
	p.waitStderr("Shutting down: finishing what is in flight… (^C again to quit at once)")
	if code := p.interruptUntilExit(); code != 130 {
		t.Fatalf("exit %d, want 130\n%s", code, p.stderr.String())
	}
}

// listen's second signal keeps its guarantee when it comes through the
// root's handling: the events already answered 2xx are kept (in the
// store, or in the journal the next command imports), and it says what
// stays in the journal.
// sigflakeListen starts `hookctl listen -o json` (SIGINT ignored, as
// sigflakeStartIgnoringINT) forwarding to an app whose /hold path holds
// its request until the test ends (got is told of the first); post sends
// a signed card.created with that id to path.
func sigflakeListen(t *testing.T, e *ptyEnv) (p *sigflakeProc, got <-chan struct{}, post func(id, path string) (*http.Response, error)) {
	gotc := make(chan struct{}, 1)
	held := make(chan struct{})
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if strings.HasSuffix(r.URL.Path, "/hold") {
			select {
			case gotc <- struct{}{}:
			default:
			}
			<-held
		}
	}))
	t.Cleanup(app.Close)
	t.Cleanup(func() { close(held) }) // before app.Close: its handlers return first
	c := e.command(nil, "listen", "--port", "0", "--forward", app.URL, "--timeout", "120s", "-o", "json")
	stdout, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p = sigflakeStartIgnoringINT(t, c)
	br := bufio.NewReader(stdout)
	line, err := br.ReadBytes('\n')
	var ready readyLine
	if err != nil || json.Unmarshal(line, &ready) != nil || ready.Kind != "ready" {
		t.Fatalf("first stdout line %q (%v):\n%s", line, err, p.stderr.String())
	}
	go io.Copy(io.Discard, br)

	sc, err := signature.Lookup("standard")
	if err != nil {
		t.Fatal(err)
	}
	post = func(id, path string) (*http.Response, error) {
		body := []byte(`{"type":"card.created"}`)
		h, err := sc.Sign(signature.SignInput{Secrets: []string{ready.Secret}, ID: id, Timestamp: time.Now(), Body: body})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", ready.URL+path, bytes.NewReader(body))
		req.Header = h
		return http.DefaultClient.Do(req)
	}
	return p, gotc, post
}

// sigflakeExportedIDs is the set of event ids `store export` writes.
func sigflakeExportedIDs(e *ptyEnv) map[string]bool {
	stored := map[string]bool{}
	for _, l := range strings.Split(e.plain("store", "export"), "\n") {
		var r struct {
			Event *struct{ ID string } `json:"event"`
		}
		if json.Unmarshal([]byte(l), &r) == nil && r.Event != nil {
			stored[r.Event.ID] = true
		}
	}
	return stored
}

func TestSecondInterruptSIGINTIgnoredListen(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	p, got, post := sigflakeListen(t, e)
	var acked []string
	for i := range 3 {
		id := fmt.Sprintf("msg_sigflake_%d", i)
		resp, err := post(id, "/ok")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s answered %d", id, resp.StatusCode)
		}
		acked = append(acked, id)
	}
	go func() { // in flight during the drain: never answered
		if resp, err := post("msg_sigflake_held", "/hold"); err == nil {
			resp.Body.Close()
		}
	}()
	sigflakeWaitGot(t, got, p)
	p.cmd.Process.Signal(syscall.SIGINT)
	p.waitStderr("Shutting down: finishing in-flight forwards… (^C again to quit at once)")
	if code := p.interruptUntilExit(); code != 130 {
		t.Fatalf("exit %d, want 130\n%s", code, p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), "hookctl: interrupted again: quitting; ") || !strings.Contains(p.stderr.String(), " received events not yet in the store stay in ") {
		t.Errorf("listen did not say what stays in its journal:\n%s", p.stderr.String())
	}
	// store export imports what the journal still holds.
	stored := sigflakeExportedIDs(e)
	for _, id := range acked {
		if !stored[id] {
			t.Errorf("%s was answered 2xx before the signals and is not in the store", id)
		}
	}
}
