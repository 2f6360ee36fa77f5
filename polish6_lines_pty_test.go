//go:build !windows

package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// polish6App answers /ok 200, /fail 500 ("boom") and /gone 410.
func polish6App(t *testing.T) *httptest.Server {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		switch {
		case strings.HasSuffix(r.URL.Path, "/ok"):
			w.WriteHeader(http.StatusOK)
		case strings.HasSuffix(r.URL.Path, "/gone"):
			w.WriteHeader(http.StatusGone)
		default:
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, "boom")
		}
	}))
	t.Cleanup(app.Close)
	return app
}

// polish6Piped runs the test binary as hookctl (polish5UUIDEnv applies)
// with pipes in e's store, and returns its stdout and stderr.
func polish6Piped(t *testing.T, e *ptyEnv, env []string, args ...string) (string, string) {
	t.Helper()
	bin, err := exec.LookPath("hookctl")
	if err != nil {
		t.Fatalf("the test binary as hookctl: %v", err)
	}
	c := e.command(env, args...)
	c.Path, c.Args = bin, append([]string{"hookctl"}, args...)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("hookctl %v: %v\n%s", args, err, stderr.String())
		}
	}
	return stdout.String(), stderr.String()
}

// polish6Attempt is an attempt line on a terminal: the status code, the
// latency, the attempt number and the outcome whole.
var polish6Attempt = regexp.MustCompile(`<-- \[(\d{3}|ERR)\] .*\((\d+(\.\d)? ms|[\d.]+s)\)\s+(attempt )?\d+/\d+ (succeeded|failed|retry in \d[\d.]*m?s)`)

// polish6Lines checks what a run printed on a terminal cols wide: no
// line wider (it wrapped mid-word: trigger's, replay's and worker's
// attempt lines were 170–200 columns), each attempt line with its
// status code, latency, attempt number and outcome whole; it returns
// the attempt lines.
func polish6Lines(t *testing.T, what, out string, cols int) []string {
	t.Helper()
	// A progress line (replay's bar) is redrawn in place: each drawing,
	// and each line printed above it, is a line of its own.
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n") {
		for _, d := range strings.Split(strings.ReplaceAll(l, "\x1b[K", "\r"), "\r") {
			if d != "" {
				lines = append(lines, d)
			}
		}
	}
	polish5Fits(t, what, strings.Join(lines, "\n"), cols)
	var attempts []string
	for _, l := range lines {
		if !strings.Contains(l, "<-- ") {
			continue
		}
		if !polish6Attempt.MatchString(l) {
			t.Errorf("%s: an attempt line without its code, latency, number or outcome whole: %q\n%s", what, l, out)
		}
		attempts = append(attempts, l)
	}
	if len(attempts) == 0 {
		t.Errorf("%s: no attempt line:\n%s", what, out)
	}
	return attempts
}

// trigger's, replay's and worker's live log on a terminal 80 and 60
// columns wide: every line fits (the URL cut by its middle, the error by
// its end, the event left out where there is no room), status code,
// latency, attempt number and outcome whole; the event id and the
// disabled subscription's id are prefixes unique in the store (every
// subscription's UUID here starts with the same 8 characters:
// polish5UUIDEnv; event ids have their own generator), and the commands
// that take them run. Piped, the lines are as before (the
// golden scripts): the whole URL, error and ids.
func TestPolish6AttemptLinesFit(t *testing.T) {
	t.Parallel()
	app := polish6App(t)
	env := []string{"NO_COLOR=1", polish5UUIDEnv + "=7c0ffee1"}
	e := newPTYEnv(t)
	long := app.URL + "/a/rather/long/path/to/the/receivers/webhook/endpoint/"
	polish6Piped(t, e, env, "subscribe", "--url", long+"ok", "--events", "card.created")
	polish6Piped(t, e, env, "subscribe", "--url", long+"fail", "--events", "card.*")
	polish6Piped(t, e, env, "subscribe", "--url", long+"gone", "--events", "kyc.*")

	// Piped: whole.
	out, _ := polish6Piped(t, e, env, "trigger", "card.created", "--retry-schedule", "0s,10ms,10ms")
	if !strings.Contains(out, "(bond)") || !strings.Contains(out, long+"fail") ||
		!regexp.MustCompile(`failed: HTTP 500 Internal Server Error: boom  card.created \[[0-9a-f-]{36}\]`).MatchString(out) {
		t.Fatalf("trigger piped: not the whole lines:\n%s", out)
	}

	eventRE := regexp.MustCompile(`--> \S+ \[([0-9a-f-]+)\]`)
	for _, cols := range []uint16{80, 60} {
		e.cols = cols
		what := fmt.Sprintf("trigger at %d columns", cols)
		r := polish5PTY(t, e, env, "trigger", "card.created", "--retry-schedule", "0s,10ms,10ms")
		if r.code != 1 {
			t.Fatalf("%s: exit %d, want 1\n%s", what, r.code, r.out)
		}
		attempts := polish6Lines(t, what, r.out, int(cols))
		if len(attempts) != 4 {
			t.Errorf("%s: %d attempt lines, want 4:\n%s", what, len(attempts), r.out)
		}
		m := eventRE.FindStringSubmatch(r.out)
		if m == nil || len(m[1]) < 8 {
			t.Fatalf("%s: no event id:\n%s", what, r.out)
		}
		polish4Runs(t, e, what, "events show "+m[1])

		what = fmt.Sprintf("trigger of a gone receiver at %d columns", cols)
		r = polish5PTY(t, e, env, "trigger", "kyc.verification.success")
		polish6Lines(t, what, r.out, int(cols))
		// At 60 columns "(disabled)": the hint after the run names it.
		d := regexp.MustCompile(`\(subscription ([0-9a-f-]+) disabled\)|\((disabled)\)`).FindStringSubmatch(r.out)
		switch {
		case d == nil, d[2] != "" && cols >= 80:
			t.Fatalf("%s: no disabled subscription named:\n%s", what, r.out)
		case d[1] != "":
			polish4Runs(t, e, what, "subscriptions get "+d[1])
		}
		d = regexp.MustCompile(`subscriptions enable (\S+),`).FindStringSubmatch(r.out)
		if d == nil {
			t.Fatalf("%s: no hint names the disabled subscription:\n%s", what, r.out)
		}

		what = fmt.Sprintf("replay at %d columns", cols)
		r = polish5PTY(t, e, env, "replay", "--failed", "--yes", "--retry-schedule", "10ms")
		polish6Lines(t, what, r.out, int(cols))
		polish4Runs(t, e, what, "subscriptions enable "+d[1]) // the replay disabled it again

		// A retry left pending (trigger stops waiting before it), that
		// the worker sends.
		polish5PTY(t, e, env, "trigger", "card.created", "--retry-schedule", "0s,300ms,10ms", "--wait", "100ms")
		what = fmt.Sprintf("worker at %d columns", cols)
		bin, _ := exec.LookPath("hookctl")
		c := e.command(env, "worker")
		c.Path, c.Args = bin, []string{"hookctl", "worker"}
		f, wout, drained := e.startDrained(c, cols)
		done := make(chan error, 1)
		go func() { done <- c.Wait() }()
		for deadline := time.Now().Add(60 * time.Second); !strings.Contains(wout.String(), "3/3 failed"); {
			if time.Now().After(deadline) {
				c.Process.Kill()
				t.Fatalf("%s: no last attempt:\n%s", what, wout.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		c.Process.Signal(syscall.SIGINT)
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			c.Process.Kill()
			t.Fatalf("%s: did not stop:\n%s", what, wout.String())
		}
		select {
		case <-drained:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the terminal's output did not end", what)
		}
		f.Close()
		polish6Lines(t, what, strings.ReplaceAll(wout.String(), "\r\n", "\n"), int(cols))
	}
}

// replay's line for a subscription whose URL changed since its
// deliveries were sent named it by its first 8 characters, which another
// subscription may share ("replay --subscription <8>" then failed as
// ambiguous), on one line 200 columns wide. It names a prefix unique in
// the store (every subscription's UUID here starts with the same 8
// characters: polish5UUIDEnv), and wraps on a terminal with the flag it
// names (--to-current, once "--to URL") kept whole.
func TestPolish6MovedSubscriptionID(t *testing.T) {
	t.Parallel()
	app := polish6App(t)
	env := []string{"NO_COLOR=1", polish5UUIDEnv + "=7c0ffee1"}
	e := newPTYEnv(t)
	polish6Piped(t, e, env, "subscribe", "--url", app.URL+"/other/ok", "--events", "kyc.*")
	polish6Piped(t, e, env, "subscribe", "--url", app.URL+"/new/fail", "--events", "card.created")
	polish6Piped(t, e, env, "trigger", "card.created", "--no-retry")
	// Sent elsewhere on purpose: the subscription's URL is another now.
	polish6Piped(t, e, env, "replay", "--failed", "--yes", "--no-retry", "--to", app.URL+"/old/fail")
	re := regexp.MustCompile(`of subscription (\S+) would go to`)
	_, piped := polish6Piped(t, e, env, "replay", "--failed", "--dry-run")
	m := re.FindStringSubmatch(piped)
	if m == nil {
		t.Fatalf("replay --dry-run piped: no moved line:\n%s", piped)
	}
	polish4Runs(t, e, "replay piped", "subscriptions get "+m[1])
	for _, cols := range []uint16{80, 60} {
		e.cols = cols
		what := fmt.Sprintf("replay --dry-run at %d columns", cols)
		r := polish5PTY(t, e, env, "replay", "--failed", "--dry-run")
		polish5Fits(t, what, r.out, int(cols))
		m := re.FindStringSubmatch(strings.Join(strings.Fields(r.out), " "))
		if m == nil {
			t.Fatalf("%s: no moved line:\n%s", what, r.out)
		}
		polish4Runs(t, e, what, "subscriptions get "+m[1])
		// The line names the flag that sends there (--to-current: a URL
		// with a password is shown masked, so "--to URL" could not be
		// pasted), whole on its line.
		if !strings.Contains(r.out, "--to-current") {
			t.Errorf("%s: --to-current not whole on a line:\n%s", what, r.out)
		}
	}
}

// events show's lines of an event's deliveries were whole on a terminal:
// 131 columns for a long URL, wrapped at 80. They fit now: the delivery
// ids cut to prefixes unique in the store (every delivery's UUID here
// starts with the same 8 characters), which deliveries show takes, the
// URL by its middle, the time left out where it has no room. Piped, the
// lines are whole. (The body is data, printed as received.)
func TestPolish6EventsShowFits(t *testing.T) {
	t.Parallel()
	app := polish6App(t)
	env := []string{"NO_COLOR=1", polish5UUIDEnv + "=7c0ffee1"}
	e := newPTYEnv(t)
	long := app.URL + "/a/rather/long/path/to/the/receivers/webhook/endpoint/"
	polish6Piped(t, e, env, "subscribe", "--url", long+"ok", "--events", "card.created")
	polish6Piped(t, e, env, "subscribe", "--url", long+"fail", "--events", "card.*")
	out, _ := polish6Piped(t, e, env, "trigger", "card.created", "--no-retry")
	m := regexp.MustCompile(`--> card\.created \[([0-9a-f-]{36})\]`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("trigger: no event id:\n%s", out)
	}
	piped, _ := polish6Piped(t, e, env, "events", "show", m[1])
	if !regexp.MustCompile(`(?m)^  7c0ffee1-[0-9a-f-]{27}  failed +` + regexp.QuoteMeta(long+"fail")).MatchString(piped) {
		t.Fatalf("events show piped: the delivery lines are not whole:\n%s", piped)
	}
	row := regexp.MustCompile(`(?m)^  ([0-9a-f-]+)  (succeeded|failed) +(\S+)`)
	for _, cols := range []uint16{80, 60} {
		e.cols = cols
		what := fmt.Sprintf("events show at %d columns", cols)
		r := e.pty([]string{"NO_COLOR=1"}, "events", "show", m[1])
		if r.code != 0 {
			t.Fatalf("%s: exit %d\n%s", what, r.code, r.out)
		}
		head, _, _ := strings.Cut(r.out, "\nBody (")
		polish5Fits(t, what, head, int(cols))
		rows := row.FindAllStringSubmatch(head, -1)
		if len(rows) != 2 {
			t.Fatalf("%s: want 2 delivery lines:\n%s", what, r.out)
		}
		for _, d := range rows {
			if !strings.Contains(d[3], "…") {
				t.Errorf("%s: URL %q not cut by its middle", what, d[3])
			}
			polish4Runs(t, e, what, "deliveries show "+d[1])
		}
	}
}
