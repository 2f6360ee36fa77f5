//go:build !windows

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
)

// clitestsServe runs hookctl serve --port 0 with args, stderr (and stdin)
// on a pseudo-terminal 100 columns wide and stdout where stdout says
// (nil: the terminal too), until the banner says where an SDK points;
// then stops it with SIGINT and returns what the terminal showed, what
// stdout got, and the exit code.
func clitestsServe(t *testing.T, e *ptyEnv, env []string, stdout *syncbuf.Buffer, args ...string) (term, out string, code int) {
	t.Helper()
	c := e.command(env, append([]string{"serve", "--port", "0"}, args...)...)
	if stdout != nil {
		c.Stdout = stdout
	}
	f, tty, drained := e.startDrained(c, 100)
	defer f.Close()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(ansiSeq.ReplaceAllString(tty.String(), ""), "Point an SDK at "); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			c.Process.Kill()
			c.Wait()
			t.Fatalf("serve %v did not print its banner:\n%s", args, tty.String())
		}
	}
	c.Process.Signal(syscall.SIGINT)
	werr := c.Wait()
	if ee, ok := werr.(interface{ ExitCode() int }); ok && werr != nil {
		code = ee.ExitCode()
	}
	select {
	case <-drained:
	case <-time.After(5 * time.Second):
		t.Fatal("the terminal's output did not end")
	}
	term = strings.ReplaceAll(tty.String(), "\r\n", "\n")
	if stdout != nil {
		out = stdout.String()
	}
	return term, out, code
}

// serve's start banner as a user sees it on a terminal: where it serves,
// each API, the inspector and what an SDK takes, in colour; no colour at
// all with NO_COLOR or --no-color; the --api-key (a credential) never
// shown. stdout stays data only: nothing at all in table mode with stdout
// piped and stderr on the terminal, and with -o json only the JSON ready
// line (one object a line), the banner still on the terminal.
func TestClitestsServeBannerOnTerminal(t *testing.T) {
	t.Parallel()
	const key = "sk_test_clitests_9f8e7d6c5b4a"
	e := newPTYEnv(t)

	term, _, code := clitestsServe(t, e, nil, nil, "--api-key", key)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, term)
	}
	base := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(term)
	if base == "" {
		t.Fatalf("no URL in the banner:\n%s", term)
	}
	plain := ansiSeq.ReplaceAllString(term, "")
	for _, want := range []string{
		"Ready! Serving on " + base + ", delivering in-process (^C to stop)\n",
		"\n  Inspector     " + base + "/\n",
		"\nPoint an SDK at " + base + " (Stripe's api_base, Svix's serverUrl).\n",
	} {
		if !strings.Contains(plain, want) {
			t.Errorf("the terminal lacks %q:\n%s", want, term)
		}
	}
	if !strings.Contains(term, "\x1b[32mReady!\x1b[0m") {
		t.Errorf("Ready! is not green on a terminal:\n%q", term)
	}
	if strings.Contains(term, key) || strings.Contains(term, key[len(key)-8:]) {
		t.Errorf("the --api-key is shown on the terminal:\n%s", term)
	}
	if !regexp.MustCompile(`\nStopped after \d+s: no deliveries attempted\.\n?$`).MatchString(plain) {
		t.Errorf("no summary when stopped:\n%s", term)
	}

	for _, tc := range []struct {
		env  []string
		args []string
	}{
		{[]string{"NO_COLOR=1"}, nil},
		{nil, []string{"--no-color"}},
		{[]string{"CLICOLOR=0"}, nil},
	} {
		term, _, code := clitestsServe(t, e, tc.env, nil, tc.args...)
		if code != 0 || strings.Contains(term, "\x1b") || !strings.Contains(term, "Ready! Serving on http://127.0.0.1:") {
			t.Errorf("%v %v: exit %d, want the banner without any escape sequence:\n%q", tc.env, tc.args, code, term)
		}
	}

	// stdout piped, stderr the terminal: the banner on the terminal only.
	out := &syncbuf.Buffer{}
	term, stdout, code := clitestsServe(t, e, nil, out)
	if code != 0 || stdout != "" {
		t.Errorf("table mode, stdout piped: exit %d, stdout %q, want nothing there", code, stdout)
	}
	if !strings.Contains(ansiSeq.ReplaceAllString(term, ""), "Point an SDK at ") {
		t.Errorf("the banner is not on the terminal (stderr):\n%s", term)
	}

	// -o json: stdout is JSON lines, the ready line first; the banner
	// stays on stderr.
	out = &syncbuf.Buffer{}
	term, stdout, code = clitestsServe(t, e, nil, out, "-o", "json")
	if code != 0 {
		t.Fatalf("-o json: exit %d\n%s", code, term)
	}
	sc := bufio.NewScanner(strings.NewReader(stdout))
	n := 0
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Errorf("-o json: stdout line %d is not JSON: %q", n+1, sc.Text())
			continue
		}
		if n == 0 && (m["kind"] != "ready" || !strings.HasPrefix(m["url"].(string), "http://127.0.0.1:")) {
			t.Errorf("-o json: the first line is not the ready line: %q", sc.Text())
		}
		n++
	}
	if n == 0 || bytes.Contains([]byte(stdout), []byte("Ready!")) || bytes.Contains([]byte(stdout), []byte("\x1b")) {
		t.Errorf("-o json: stdout %q, want JSON lines only", stdout)
	}
	if !strings.Contains(ansiSeq.ReplaceAllString(term, ""), "Ready! Serving on ") {
		t.Errorf("-o json: the banner is not on the terminal (stderr):\n%s", term)
	}
}

// On a terminal, each attempt line of serve's in-process worker is laid
// out as trigger's and worker's are (README: "Each attempt of its worker
// is then a line, as for trigger"): the time without the date, a long
// URL cut by its middle, the event id a prefix, within the terminal's
// width. It was the piped line, date and whole ids, 150 columns wide on
// an 80-column terminal. Piped, the line stays whole, byte for byte.
func TestClitestsServeAttemptLinesFitTerminal(t *testing.T) {
	t.Parallel()
	app := receiverFailingEvery(t, 0)
	e := newPTYEnv(t)
	long := app.URL + "/webhooks/with/a/rather/long/path?token=" + strings.Repeat("abcdef0123", 4)
	e.plain("subscribe", "--url", long, "--events", "card.*")
	trigger := func(base string) {
		resp, err := http.Post(base+"/_hookctl/trigger", "application/json", strings.NewReader(`{"type":"card.created"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	attempt := regexp.MustCompile(`(?m)^.*<-- .*$`)
	out, code := servePTY(t, e, 80, nil, syscall.SIGINT, func(base string) {
		trigger(base)
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if strings.Contains(e.plain("deliveries", "list"), "succeeded") {
				return
			}
		}
		t.Error("the delivery did not succeed")
	})
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	line := attempt.FindString(ansiSeq.ReplaceAllString(out, ""))
	if line == "" {
		t.Fatalf("no attempt line on the terminal:\n%s", out)
	}
	if !regexp.MustCompile(`^\d\d:\d\d:\d\d  <-- \[200\] POST http:/\S*…\S* \([^)]+\) +attempt 1/5 succeeded`).MatchString(line) {
		t.Errorf("the attempt line is not laid out for the terminal:\n%q", line)
	}
	linesFit(t, []string{line}, 80)
	if regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-`).MatchString(line) {
		t.Errorf("a whole id on the terminal: %q", line)
	}

	// Piped: the whole line, as before.
	c := e.command(nil, "serve", "--port", "0")
	stderr := &syncbuf.Buffer{}
	c.Stderr = stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { c.Process.Kill(); c.Wait() }()
	var base string
	for deadline := time.Now().Add(15 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := regexp.MustCompile(`Point an SDK at (http://127\.0\.0\.1:\d+) `).FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", stderr.String())
		}
	}
	trigger(base)
	for deadline := time.Now().Add(15 * time.Second); !strings.Contains(stderr.String(), "<-- "); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no attempt line piped:\n%s", stderr.String())
		}
	}
	c.Process.Signal(syscall.SIGINT)
	c.Wait()
	piped := attempt.FindString(stderr.String())
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  <-- \[200\] POST ` + regexp.QuoteMeta(long) + ` \([^)]+\) +attempt 1/5 succeeded  card\.created \[[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\]$`).MatchString(piped) {
		t.Errorf("piped, the attempt line is not whole:\n%q", piped)
	}
}

// serve on a port already taken, as a user meets it on a terminal: by
// another hookctl serve (hookctl serve run twice, both on 8788) the error
// says so and where that one serves, exit 3; by anything else it says
// the port is in use, as listen does. It said "bind: address already in
// use" for both, the kernel's words, and nothing of the serve already
// running.
func TestClitestsServePortTaken(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	first := e.command(nil, "serve", "--port", "0", "--no-worker")
	stderr := &syncbuf.Buffer{}
	first.Stderr = stderr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { first.Process.Kill(); first.Wait() }()
	var base string
	for deadline := time.Now().Add(15 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := regexp.MustCompile(`Point an SDK at (http://127\.0\.0\.1:(\d+)) `).FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", stderr.String())
		}
	}
	addr := strings.TrimPrefix(base, "http://")
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	r := e.pty([]string{"NO_COLOR=1"}, "serve", "--port", port)
	want := "hookctl: error: cannot listen on " + addr + ": another hookctl serve is running there (" + base + "/)\n" +
		"hookctl: hint: its APIs and inspector answer there already; to start this one instead, stop it (Ctrl-C in its terminal), or pick another --port, or --port 0 for a free one\n"
	if r.code != 3 || clitestsFlat(r.out) != clitestsFlat(want) {
		t.Errorf("serve on the port of a running serve: exit %d, want 3 and\n%s\ngot:\n%s", r.code, want, r.out)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close() // not HTTP: closes at once
		}
	}()
	taken := l.Addr().String()
	r = e.pty([]string{"NO_COLOR=1"}, "serve", "--port", taken[strings.LastIndexByte(taken, ':')+1:])
	want = "hookctl: error: cannot listen on " + taken + ": the port is in use\n" +
		"hookctl: hint: stop what uses it, or pick another --port, or --port 0 for a free one\n"
	if r.code != 3 || clitestsFlat(r.out) != clitestsFlat(want) {
		t.Errorf("serve on a port something else holds: exit %d, want 3 and\n%s\ngot:\n%s", r.code, want, r.out)
	}
}
