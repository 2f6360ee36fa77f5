package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestPTYCheckTable: on a real terminal `hookctl check` prints its table
// with coloured verdicts, a hint under each failure and the summary line;
// piped, the same run has no escape codes. The receiver accepts anything
// (it never verifies), so the rejects-* checks fail.
func TestPTYCheckTable(t *testing.T) {
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
		"FAIL rejects-wrong-secret: accepted: an attacker's request would be processed"} {
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
