//go:build linux || darwin

package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
)

// TestTailfixEndsWhenPipeReaderGone: `hookctl deliveries tail | head -1`
// (or | grep -m1) ends once head exited, as tail -f does, also when
// nothing more is written to the log: as its next line would end it
// (SIGPIPE, 141 in a shell), with nothing on stderr but its readiness
// line. Before, it went on until its next line, which an idle log never
// gives: the pipeline never ended.
func TestTailfixEndsWhenPipeReaderGone(t *testing.T) {
	testTailfixEndsWhenPipeReaderGone(t, newCrashEnv(t))
}

// TestTailfixEndsWhenPipeReaderGonePostgres is the same on PostgreSQL.
func TestTailfixEndsWhenPipeReaderGonePostgres(t *testing.T) {
	t.Parallel()
	testTailfixEndsWhenPipeReaderGone(t, pgEnv(t, pgtest.URL(t)))
}

func testTailfixEndsWhenPipeReaderGone(t *testing.T, c *crashEnv) {
	c.hookctl(0, "subscribe", "--url", "http://127.0.0.1:1/hook", "--events", "card.*")
	for _, args := range [][]string{{"--lines", "0"}, {"--lines", "0", "-o", "json"}} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd := c.cmd("hookctl", append([]string{"deliveries", "tail", "--interval", "20ms"}, args...)...)
		errb := &syncbuf.Buffer{}
		cmd.Stdout, cmd.Stderr = w, errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		w.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		t.Cleanup(func() { cmd.Process.Kill() })
		for !strings.Contains(errb.String(), "(^C to stop)") {
			select {
			case err := <-done:
				t.Fatalf("tail %v ended: %v\n%s", args, err, errb.String())
			case <-time.After(10 * time.Millisecond):
			}
		}
		r.Close() // the reader exits, the log idle
		select {
		case err := <-done:
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGPIPE {
				t.Errorf("tail %v after its reader left: %v, want ended by SIGPIPE", args, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("tail %v still running 20s after its reader left\n%s", args, errb.String())
		}
		if got := strings.TrimSpace(errb.String()); strings.Count(got, "\n") != 0 {
			t.Errorf("tail %v said more than its readiness line:\n%s", args, got)
		}
	}
}
