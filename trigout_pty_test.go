//go:build !windows

package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	xansi "github.com/charmbracelet/x/ansi"
)

// The terminal messages the last session added were tested through pipes
// only. Each runs here on a pseudo-terminal (narrow: 60 columns), and
// piped: the same words both ways, the terminal's lines within its
// width, and nothing of the terminal's (colour, a width's cuts or
// wrapping) in the piped output.

// trigoutPiped runs hookctl with pipes and returns stdout, stderr and
// the exit code.
func trigoutPiped(t *testing.T, e *ptyEnv, args ...string) (string, string, int) {
	t.Helper()
	c := e.command(nil, args...)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	err := c.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// trigoutWords is s without styling, its whitespace runs one space: the
// words, however a terminal wrapped them.
func trigoutWords(s string) string {
	return strings.Join(strings.Fields(xansi.Strip(s)), " ")
}

// trigoutSame runs args on a 60-column terminal and piped: the exit code
// is want both ways, the piped output has no escape sequence and no
// width's cut (…), each piped stderr line is one message, the
// terminal's lines fit 60 columns and say the same words. It returns the
// piped stderr.
func trigoutSame(t *testing.T, e *ptyEnv, want int, args ...string) string {
	t.Helper()
	e.cols = 60
	r := e.pty(nil, args...)
	out, errb, code := trigoutPiped(t, e, args...)
	if r.code != want || code != want {
		t.Fatalf("hookctl %s: exit %d on a terminal, %d piped; want %d\nterminal:\n%s\npiped stderr:\n%s", strings.Join(args, " "), r.code, code, want, r.out, errb)
	}
	if strings.Contains(out+errb, "\x1b") || strings.Contains(out+errb, "…") {
		t.Errorf("hookctl %s: piped output has a terminal's escape or a cut:\n%q\n%q", strings.Join(args, " "), out, errb)
	}
	for _, l := range strings.Split(strings.TrimSuffix(errb, "\n"), "\n") {
		if !strings.HasPrefix(l, "hookctl: ") {
			t.Errorf("hookctl %s: piped stderr line %q is not one whole message (wrapped?)\n%s", strings.Join(args, " "), l, errb)
		}
	}
	linesFit(t, strings.Split(xansi.Strip(r.out), "\n"), 60)
	if got, w := trigoutWords(r.out), trigoutWords(out+errb); got != w {
		t.Errorf("hookctl %s: the terminal says\n%s\npiped:\n%s", strings.Join(args, " "), got, w)
	}
	return errb
}

func TestTrigoutPTYPathFlagGivenAFlag(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	errb := trigoutSame(t, e, 2, "--store", "-o", "json", "events", "list")
	for _, w := range []string{
		"hookctl: error: --store has no value: the argument after it, \"-o\", is a flag\n",
		"hookctl: hint: give its path: --store <path> (is a shell variable unset?)\n",
		"hookctl: hint: if \"-o\" is really the path meant, write --store=-o\n",
	} {
		if !strings.Contains(errb, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errb)
		}
	}
}

// trigoutListen starts hookctl listen (piped) on port and waits until it
// answers; stop interrupts it.
func trigoutListen(t *testing.T, e *ptyEnv, port string, args ...string) (pid int, stop func()) {
	t.Helper()
	c := e.command(nil, append([]string{"listen", "--port", port}, args...)...)
	var errb bytes.Buffer
	c.Stdout, c.Stderr = io.Discard, &errb
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { c.Wait(); close(exited) }()
	t.Cleanup(func() {
		c.Process.Kill()
		<-exited
	})
	waitHealthy(t, "127.0.0.1:"+port, exited)
	return c.Process.Pid, func() {
		c.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			t.Fatalf("listen did not stop on SIGINT\n%s", errb.String())
		}
	}
}

func TestTrigoutPTYListenPortHeldByAnotherListen(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	port := mustFreePort(t)
	pid, _ := trigoutListen(t, e, port, "--forward", "127.0.0.1:"+mustFreePort(t))
	errb := trigoutSame(t, e, 3, "listen", "--port", port, "--forward", "3000")
	want := fmt.Sprintf("hookctl: error: cannot listen on 127.0.0.1:%s: another hookctl listen (pid %d", port, pid)
	if !strings.Contains(errb, want) || !strings.Contains(errb, "hookctl: hint: ") {
		t.Errorf("stderr lacks %q and a hint:\n%s", want, errb)
	}
}

func TestTrigoutPTYTriggerStoppedListenHint(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	t.Cleanup(app.Close)
	port := mustFreePort(t)
	_, stop := trigoutListen(t, e, port, "--forward", app.URL, "--events", "card.created")
	var subs []struct {
		ID string `json:"webhook_id"`
	}
	if err := json.Unmarshal([]byte(e.plain("subscriptions", "list", "-o", "json")), &subs); err != nil || len(subs) != 1 {
		t.Fatalf("subscriptions: %v %v", subs, err)
	}
	stop()
	where := "hookctl listen on :" + port + " stopped"
	hint := "hookctl: hint: start it again with the same settings (it takes its subscription back), or send ad hoc with --url\n"
	errb := trigoutSame(t, e, 1, "trigger", "card.created")
	if !strings.Contains(errb, where) || !strings.Contains(errb, hint) {
		t.Errorf("trigger: stderr lacks %q and %q:\n%s", where, hint, errb)
	}
	errb = trigoutSame(t, e, 1, "trigger", "card.created", "--subscription", subs[0].ID)
	want := "hookctl: error: subscription " + subs[0].ID + " is disabled: " + where
	if !strings.Contains(errb, want) || !strings.Contains(errb, hint) {
		t.Errorf("trigger --subscription: stderr lacks %q and %q:\n%s", want, hint, errb)
	}
}

// Listen's 502 (its app is not running) on a terminal: trigger's attempt
// line fits the terminal's width (the reason cut at its end with …);
// piped, the same line gives the reason whole (TestTrigoutPipedLinesKeepTheWholeReason).
func TestTrigoutPTYListen502FitsTheTerminal(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	app := mustFreePort(t) // nothing listens there
	trigoutListen(t, e, mustFreePort(t), "--forward", "127.0.0.1:"+app)
	e.cols = 100
	r := e.pty([]string{"NO_COLOR=1"}, "trigger", "card.created", "--no-retry")
	if r.code != 1 {
		t.Fatalf("exit %d\n%s", r.code, r.out)
	}
	var line string
	for _, l := range strings.Split(r.out, "\n") {
		if strings.Contains(l, "<-- [502]") {
			line = l
		}
	}
	if line == "" || !strings.Contains(line, "attempt 1/1 failed: ") || !strings.HasSuffix(line, "…") {
		t.Errorf("no fitted 502 line (cut with …) on a 100-column terminal:\n%s", r.out)
	}
	linesFit(t, []string{line}, 100)
	out, _, code := trigoutPiped(t, e, "trigger", "card.created", "--no-retry")
	if code != 1 || !strings.Contains(out, "(dial tcp 127.0.0.1:"+app+": connect: connection refused)\",\"target\":\"http://127.0.0.1:"+app+"/\"}") {
		t.Errorf("piped: exit %d, the reason not whole:\n%s", code, out)
	}
}
