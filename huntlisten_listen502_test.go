package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestHuntlistenTriggerHintSaysWhyListensAppFailed: trigger's hint for
// listen's 502 says why the app behind it gave no answer when listen's
// answer says so, with what to change in listen: a self-signed https app
// (start listen with --skip-verify), an app slower than listen's
// --timeout. The old hint was "the app it forwards to did not answer
// (see listen's log)" for both: a CI log that holds trigger's output
// and not listen's said nothing more.
func TestHuntlistenTriggerHintSaysWhyListensAppFailed(t *testing.T) {
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	t.Parallel()
	tlsApp := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	}))
	defer tlsApp.Close()
	release := make(chan struct{})
	slowApp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-release:
		case <-time.After(30 * time.Second):
		}
	}))
	defer slowApp.Close()
	defer close(release)

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"self-signed", []string{"--forward", tlsApp.URL}, "start listen with --skip-verify"},
		{"slow", []string{"--forward", slowApp.URL, "--timeout", "1s"}, "did not answer within listen's --timeout (1s)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCrashEnv(t)
			startListen(t, c, mustFreePort(t), tc.args...)
			var out, errb bytes.Buffer
			cmd := c.cmd("hookctl", "trigger", "card.created", "--no-retry")
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
				t.Fatalf("trigger: %v, want exit 1\nstdout: %s\nstderr: %s", err, out.String(), errb.String())
			}
			if !strings.Contains(errb.String(), tc.want) {
				t.Errorf("trigger's stderr lacks %q:\n%s", tc.want, errb.String())
			}
		})
	}
}
