package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// TestHuntlistenSecondListenSamePortNamesTheFirst: a second `hookctl
// listen` on the port of one still running (a forgotten terminal, a
// background job) says that it is a hookctl listen, with its pid and how
// to stop it, and that its events reach it already. The old message was
// "the port is in use: stop what uses it", the same as for any other
// program, leaving the user to find out with lsof.
func TestHuntlistenSecondListenSamePortNamesTheFirst(t *testing.T) {
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	t.Parallel()
	c := newCrashEnv(t)
	port := mustFreePort(t)
	startListen(t, c, port, "--forward", "3000")
	var out, errb bytes.Buffer
	cmd := c.cmd("hookctl", "listen", "--port", port, "--forward", "3000")
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		t.Fatalf("second listen: %v, want exit 3\nstderr: %s", err, errb.String())
	}
	stderr := errb.String()
	for _, want := range []string{
		"hookctl: error: cannot listen on 127.0.0.1:" + port + ": another hookctl listen (pid ",
		"hookctl listen --port " + port + " --print-secret",
		"Ctrl-C in its terminal, or kill ",
		"--port 0",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if out.Len() != 0 {
		t.Errorf("stdout: %q", out.String())
	}
}
