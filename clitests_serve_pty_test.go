//go:build !windows

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
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
