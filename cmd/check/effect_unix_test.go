//go:build unix

package check_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterruptDuringEffectCmd: SIGINT to hookctl while --effect-cmd runs
// (here a shell waiting on a background sleep) ends check with exit 130
// at once and kills what the command started.
func TestInterruptDuringEffectCmd(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "sleep.pid")
	c := exec.Command(os.Args[0], "check", srv.URL, "--provider", "bond", "--secret", bondSecret,
		"--only", "dedupes-duplicate", "--effect-cmd", "sleep 30 & echo $! > "+pidFile+"; wait")
	c.Env = append(os.Environ(), "HOOKCTL_CHECK_TEST_AS_HOOKCTL=1",
		"HOOKCTL_CONFIG_DIR="+filepath.Join(dir, "config"), "HOOKCTL_STORE="+filepath.Join(dir, "hookctl.db"), "HOME="+dir)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	pid := 0
	for start := time.Now(); pid == 0; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			c.Process.Kill()
			t.Fatalf("the effect command never started\n%s", stderr.String())
		}
		b, _ := os.ReadFile(pidFile)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	defer syscall.Kill(pid, syscall.SIGKILL)
	sent := time.Now()
	c.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		c.Process.Kill()
		<-done
		t.Fatalf("check still running 5s after SIGINT\n%s", stderr.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Errorf("exit %v after %s, want 130\n%s", err, time.Since(sent), stderr.String())
	}
	// The background sleep is killed with its group (not left for 30s).
	for start := time.Now(); syscall.Kill(pid, 0) == nil; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 3*time.Second {
			t.Fatalf("the effect command's child %d still runs after check ended", pid)
		}
	}
}
