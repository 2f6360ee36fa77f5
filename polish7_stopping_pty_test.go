//go:build !windows

package main

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// check's first Ctrl-C while the receiver holds a probe ends the run at
// once (exit 130, "interrupted: the checks were not finished"): unlike
// trigger, replay and worker, which finish the attempts in flight and say
// so (cli.StoppingNotice, TestHuntcliCtrlCSaysWhatItWaitsFor), check's
// probes are sent under the command's context, and a probe cut short is
// no verdict to keep. So there is no wait to announce, and no notice: one
// would say "up to 60s" (twice --deadline) of a run that ends at once.
func TestPolish7CheckCtrlCEndsAtOnce(t *testing.T) {
	t.Parallel()
	srv, held, release := heldReceiver(t)
	e := newPTYEnv(t)
	// A probe is held up to 60 s (twice --deadline): the run ends
	// long before, or it waited for it.
	c := e.command([]string{"NO_COLOR=1"}, "check", srv.URL+"/h", "--scheme", "standard",
		"--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--deadline", "30s")
	f, out := e.start(c, 200)
	defer f.Close()
	exited := make(chan error, 1)
	go func() { exited <- c.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for held.Load() == 0 {
		if time.Now().After(deadline) {
			c.Process.Kill()
			t.Fatalf("the receiver got no probe:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.Write([]byte{3}) // Ctrl-C: the terminal sends SIGINT
	var err error
	select {
	case err = <-exited:
	case <-time.After(20 * time.Second): // at once, on a loaded machine
		release()
		<-exited
		t.Fatalf("still running 20s after Ctrl-C, a probe held:\n%s", out.String())
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	}
	if code != 130 || !strings.Contains(out.String(), "interrupted: the checks were not finished") {
		t.Errorf("exit %d, want 130 and \"interrupted\":\n%s", code, out.String())
	}
	if strings.Contains(out.String(), "Stopping:") {
		t.Errorf("a notice of a wait, though check ended at once:\n%s", out.String())
	}
}
