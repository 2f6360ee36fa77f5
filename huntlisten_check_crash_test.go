package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// TestHuntlistenCheckReceiverCrashesOnFirstProbe: a receiver that dies on
// the very first probe (a Node server whose handler throws on every
// event: a missing env var, a bad import) fails accepts-valid with
// "closed the connection without an HTTP answer", and every check after
// it fails as not run, naming accepts-valid as where it went away. The
// old code took the receiver as never reached (no status had come back),
// so each later check sent its probe into a refused connection and
// blamed it: "no answer: dial tcp …: connection refused" with the hint
// "does it crash on this request?" on fifteen checks that never reached
// the receiver.
func TestHuntlistenCheckReceiverCrashesOnFirstProbe(t *testing.T) {
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	t.Parallel()
	c := newCrashEnv(t)
	var once sync.Once
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		once.Do(func() { srv.Listener.Close() }) // the process dies
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
	}))
	defer srv.Close()
	out := c.hookctl(1, "check", srv.URL+"/webhooks", "--scheme", "standard",
		"--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--burst", "5", "-o", "json")
	var rep struct {
		Checks []struct {
			ID, Verdict, Detail, Hint string
		}
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	failed, refused := 0, 0
	for _, ch := range rep.Checks {
		switch {
		case ch.ID == "accepts-valid":
			if ch.Verdict != "FAIL" || !strings.Contains(ch.Hint, "closed the connection without an HTTP answer") {
				t.Errorf("accepts-valid: %s %q (hint %q)", ch.Verdict, ch.Detail, ch.Hint)
			}
		case ch.ID == "responds-fast":
			// judged from the valid events sent: the one closed unanswered
			if ch.Verdict != "FAIL" {
				t.Errorf("responds-fast: %s %q", ch.Verdict, ch.Detail)
			}
		case ch.Verdict == "FAIL":
			failed++
			if !strings.Contains(ch.Hint, "went away after the accepts-valid probe") {
				t.Errorf("%s: %q (hint %q): want gone after accepts-valid", ch.ID, ch.Detail, ch.Hint)
			}
			// The one probe that found the port closed says so; the
			// checks after it were not run.
			if !strings.HasPrefix(ch.Detail, "not run: the receiver stopped accepting connections") {
				refused++
			}
		}
	}
	if refused > 1 {
		t.Errorf("%d checks sent a probe after the receiver had gone: %s", refused, out)
	}
	if failed < 10 {
		t.Errorf("only %d checks failed besides accepts-valid: %s", failed, out)
	}
}
