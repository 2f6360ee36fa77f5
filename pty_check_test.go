//go:build !windows

package main

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestPTYCheckTable: on a real terminal `hookctl check` prints its table
// with coloured verdicts, a hint under each failure and the summary line;
// piped, the same run has no escape codes. The receiver accepts anything
// (it never verifies), so the rejects-* checks fail.
func TestPTYCheckTable(t *testing.T) {
	t.Parallel()
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	}))
	defer app.Close()
	args := []string{"check", app.URL, "--scheme", "standard", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"--only", "accepts-valid,rejects-wrong-secret"}
	e := newPTYEnv(t)
	r := e.pty(nil, args...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.out)
	}
	text := ansi.ReplaceAllString(r.out, "")
	for _, want := range []string{"accepts-valid", "rejects-wrong-secret", "PASS", "FAIL", "1 passed, 1 failed",
		"FAIL rejects-wrong-secret: accepted a request signed with another secret: an attacker's request would be processed"} {
		if !strings.Contains(text, want) {
			t.Errorf("terminal output lacks %q:\n%s", want, r.out)
		}
	}
	if !strings.Contains(r.out, "\x1b[") {
		t.Errorf("no colour on a terminal:\n%q", r.out)
	}
	c := e.command(nil, args...)
	out, _ := c.Output()
	if strings.Contains(string(out), "\x1b[") || !strings.Contains(string(out), "rejects-wrong-secret") {
		t.Errorf("piped output: %q", out)
	}
	nc := e.pty([]string{"NO_COLOR=1"}, args...)
	if strings.Contains(nc.out, "\x1b[") {
		t.Errorf("NO_COLOR still coloured: %q", nc.out)
	}
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// TestPTYCheckCtrlCDuringEffectCmd: Ctrl-C on the terminal while
// --effect-cmd runs ends check at once with exit 130, and kills what the
// command started, even a child that ignores SIGINT and SIGHUP.
func TestPTYCheckCtrlCDuringEffectCmd(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer app.Close()
	e := newPTYEnv(t)
	pidFile := filepath.Join(e.dir, "sleep.pid")
	c := e.command([]string{"NO_COLOR=1"}, "check", app.URL, "--scheme", "standard", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"--only", "dedupes-duplicate", "--effect-cmd", "trap '' INT HUP; sleep 30 & echo $! > "+pidFile+"; wait")
	f, out := e.start(c, 120)
	defer f.Close()
	output := out.String
	pid := 0
	for start := time.Now(); pid == 0; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 30*time.Second {
			c.Process.Kill()
			t.Fatalf("the effect command never started:\n%s", output())
		}
		b, _ := os.ReadFile(pidFile)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	f.Write([]byte{3}) // Ctrl-C: the terminal sends SIGINT to its foreground group

	exited := make(chan error, 1)
	go func() { exited <- c.Wait() }()
	var err error
	select {
	case err = <-exited:
	case <-time.After(5 * time.Second):
		c.Process.Kill()
		<-exited
		t.Fatalf("check still running 5s after Ctrl-C:\n%s", output())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit %v, want 130\n%s", err, output())
	}
	// It says so on the terminal (it exited 130 without a word). Polled:
	// Wait returns before the pty copy has read the last writes (and the
	// copy ends only when the effect's child, which holds the terminal
	// too, is gone).
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(output(), "interrupted") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(output(), "interrupted") {
		t.Errorf("no word of the interruption on the terminal:\n%s", output())
	}
	for start := time.Now(); syscall.Kill(pid, 0) == nil; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 3*time.Second {
			t.Fatalf("the effect command's child %d still runs after check ended", pid)
		}
	}
}
