package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
)

// Piped, trigger's attempt lines print the receiver's reason whole: there
// is no width to fit. Listen's 502 (forwarding to a port nothing listens
// at) answers {"error":"the app did not answer","reason":"connection
// refused: … (dial tcp …: connect: connection refused)","target":…}; the
// line printed the delivery's last_error, cut at 117 bytes with "…",
// which lost the dial error and the target. A receiver's own 500 with a
// long first line likewise. Seen failing on main (the lines ended in "…").
func TestTrigoutPipedLinesKeepTheWholeReason(t *testing.T) {
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	t.Parallel()
	t.Run("listen 502", func(t *testing.T) {
		c := newCrashEnv(t)
		appPort := mustFreePort(t) // nothing listens there
		startListen(t, c, mustFreePort(t), "--forward", "127.0.0.1:"+appPort)
		out, errb := trigoutRun(t, c, 1, "trigger", "card.created", "--no-retry")
		want := fmt.Sprintf(`"reason":"connection refused: is your app running? (dial tcp 127.0.0.1:%s: connect: connection refused)","target":"http://127.0.0.1:%s/"}`, appPort, appPort)
		if !strings.Contains(out, want) || strings.Contains(out, "…") {
			t.Fatalf("trigger's piped line lacks the whole reason %s:\n%s\nstderr: %s", want, out, errb)
		}
	})
	t.Run("long 500", func(t *testing.T) {
		c := newCrashEnv(t)
		reason := "quota exceeded for tenant acme-corp: " + strings.Repeat("the request was refused by the rate limiter, ", 5) + "END"
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, reason+"\nsecond line")
		}))
		t.Cleanup(srv.Close)
		out, errb := trigoutRun(t, c, 1, "trigger", "card.created", "--url", srv.URL, "--retry-schedule", "0s,10ms")
		whole := ": HTTP 500 Internal Server Error: " + reason + "  card.created ["
		if strings.Count(out, whole) != 2 || !strings.Contains(out, "attempt 1/2 retry in ") || !strings.Contains(out, "attempt 2/2 failed") {
			t.Errorf("trigger's 2 piped lines lack the whole reason %q:\n%s\nstderr: %s", whole, out, errb)
		}
		if strings.Contains(out, "second line") || strings.Contains(out, "…") {
			t.Errorf("only the body's first line, whole:\n%s", out)
		}
	})
}

// trigoutRun runs hookctl with stdout and stderr piped, wanting exit code.
func trigoutRun(t *testing.T, c *crashEnv, code int, args ...string) (string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := c.cmd("hookctl", args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	got := 0
	if ee, ok := err.(*exec.ExitError); ok {
		got = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if got != code {
		t.Fatalf("hookctl %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), got, code, out.String(), errb.String())
	}
	return out.String(), errb.String()
}
