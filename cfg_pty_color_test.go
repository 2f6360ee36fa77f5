//go:build !windows

package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// runStdoutPTY runs hookctl with stdout on a pseudo-terminal and stderr
// into a file (`hookctl … 2>log`), and returns both and the exit code.
func runStdoutPTY(t *testing.T, e *ptyEnv, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	errFile, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer errFile.Close()
	c := e.command(env, args...)
	c.Stdin, c.Stdout, c.Stderr = nil, tty, errFile
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	var buf bytes.Buffer
	done := make(chan struct{})
	go func() {
		io.Copy(&buf, ptmx) // ends with EIO when the child exits
		close(done)
	}()
	werr := c.Wait()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("pty output did not end")
	}
	var ee *exec.ExitError
	if errors.As(werr, &ee) {
		code = ee.ExitCode()
	} else if werr != nil {
		t.Fatal(werr)
	}
	b, err := os.ReadFile(errFile.Name())
	if err != nil {
		t.Fatal(err)
	}
	return buf.String(), string(b), code
}

// Colour on a terminal, none anywhere else: stdout on a terminal and
// stderr sent to a file (`hookctl subscribe … 2>log`) wrote the ✓ of
// "Created subscription" (and every other styled stderr line) with its
// escape codes into the file. Each switch the README names turns colour
// off on the terminal too.
func TestPTYColourFollowsEachStream(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	args := []string{"subscribe", "--url", "http://127.0.0.1:9/h", "--events", "card.*"}
	out, errOut, code := runStdoutPTY(t, e, nil, args...)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "\x1b[") {
		t.Errorf("no colour on the terminal: %q", out)
	}
	if !strings.Contains(errOut, "Created subscription") {
		t.Fatalf("stderr %q", errOut)
	}
	if strings.Contains(errOut, "\x1b") {
		t.Errorf("escape codes in stderr sent to a file: %q", errOut)
	}
	// CLICOLOR_FORCE colours every stream.
	if _, errOut, _ := runStdoutPTY(t, e, []string{"CLICOLOR_FORCE=1"}, args...); !strings.Contains(errOut, "\x1b[") {
		t.Errorf("CLICOLOR_FORCE=1: no colour in stderr: %q", errOut)
	}

	// The switches, on a terminal for every stream.
	if err := os.MkdirAll(filepath.Join(e.dir, "config"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		file string
	}{
		{name: "NO_COLOR", env: []string{"NO_COLOR=1"}},
		{name: "CLICOLOR=0", env: []string{"CLICOLOR=0"}},
		{name: "TERM=dumb", env: []string{"TERM=dumb"}},
		{name: "--no-color", args: []string{"--no-color"}},
		{name: "HOOKCTL_NO_COLOR", env: []string{"HOOKCTL_NO_COLOR=true"}},
		{name: "no_color in config.yaml", file: "no_color: true\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := filepath.Join(e.dir, "config", "config.yaml")
			os.Remove(cfg)
			if tc.file != "" {
				if err := os.WriteFile(cfg, []byte(tc.file), 0o600); err != nil {
					t.Fatal(err)
				}
				defer os.Remove(cfg)
			}
			r := e.pty(tc.env, append(append([]string{}, args...), tc.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.out)
			}
			if !strings.Contains(r.out, "Created subscription") || strings.Contains(r.out, "\x1b") {
				t.Errorf("escape codes on the terminal: %q", r.out)
			}
			// An error and its hints too.
			r = e.pty(tc.env, append([]string{"trigger", "card.creatd"}, tc.args...)...)
			if r.code != 2 || !strings.Contains(r.out, "hint:") || strings.Contains(r.out, "\x1b") {
				t.Errorf("exit %d, %q", r.code, r.out)
			}
		})
	}
	// Without any, the same run is coloured on the terminal.
	if r := e.pty(nil, args...); !strings.Contains(r.out, "\x1b[") {
		t.Errorf("no colour on a terminal: %q", r.out)
	}
}
