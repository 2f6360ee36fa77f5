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
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/testutil/syncbuf"

	"github.com/creack/pty"
)

// The tests in this file run the real binary on a pseudo-terminal that
// nobody answers: what a git hook, `ssh -tt`, expect or an editor's
// terminal gives hookctl.

var (
	ptyBinOnce sync.Once
	ptyBin     string
	ptyBinErr  error
)

// hookctlBinary builds hookctl once per test run.
func hookctlBinary(t *testing.T) string {
	t.Helper()
	ptyBinOnce.Do(func() {
		// HOOKCTL_TEST_BIN runs the tests against another build (e.g. to
		// show that they fail on an older main).
		if b := os.Getenv("HOOKCTL_TEST_BIN"); b != "" {
			ptyBin = b
			return
		}
		dir, err := os.MkdirTemp("", "hookctl-pty")
		if err != nil {
			ptyBinErr = err
			return
		}
		ptyBin = filepath.Join(dir, "hookctl")
		args := []string{"build", "-o", ptyBin}
		if raceBuild { // go test -race: a race-built hookctl too
			args = append(args, "-race")
		}
		out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
		if err != nil {
			ptyBinErr = errors.New(string(out))
		}
	})
	if ptyBinErr != nil {
		t.Fatalf("building hookctl: %v", ptyBinErr)
	}
	return ptyBin
}

type ptyResult struct {
	out     string
	elapsed time.Duration
	code    int
}

// runPTY runs hookctl with args on a fresh pseudo-terminal (stdin, stdout
// and stderr) in an isolated store, and returns everything it wrote.
func runPTY(t *testing.T, env []string, args ...string) ptyResult {
	t.Helper()
	return newPTYEnv(t).pty(env, args...)
}

// ptyEnv is one isolated store and config directory shared by several runs.
type ptyEnv struct {
	t    *testing.T
	dir  string
	cols uint16 // the terminal's width (0: 120)
}

func newPTYEnv(t *testing.T) *ptyEnv { return &ptyEnv{t: t, dir: t.TempDir()} }

func (e *ptyEnv) command(env []string, args ...string) *exec.Cmd {
	c := exec.Command(hookctlBinary(e.t), args...)
	c.Dir = e.dir
	c.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + e.dir,
		"TERM=xterm-256color",
		"HOOKCTL_CONFIG_DIR=" + filepath.Join(e.dir, "config"),
		"HOOKCTL_STORE=" + filepath.Join(e.dir, "hookctl.db"),
	}, env...)
	return c
}

// plain runs hookctl with pipes (no terminal) and returns its stdout.
// linesFit fails the test for each line wider than a terminal of cols
// columns (it would wrap there).
func linesFit(t *testing.T, lines []string, cols int) {
	t.Helper()
	for _, l := range lines {
		if w := utf8.RuneCountInString(l); w > cols {
			t.Errorf("a line %d wide on a %d-column terminal: %q", w, cols, l)
		}
	}
}

func (e *ptyEnv) plain(args ...string) string {
	e.t.Helper()
	c := e.command(nil, args...)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		e.t.Fatalf("hookctl %v: %v\n%s", args, err, stderr.String())
	}
	return string(out)
}

// start starts c on a fresh pseudo-terminal cols wide and collects what
// it writes there while it runs; the caller waits for c and closes f.
func (e *ptyEnv) start(c *exec.Cmd, cols uint16) (f *os.File, out *syncbuf.Buffer) {
	e.t.Helper()
	f, out, _ = e.startDrained(c, cols)
	return f, out
}

// startDrained is start, with drained closed once every byte the child
// wrote is in out (the copy ended: EIO once the child exited). A test
// that reads out after the child exited waits for it: Wait returns
// before the copy has read the terminal's last writes.
func (e *ptyEnv) startDrained(c *exec.Cmd, cols uint16) (f *os.File, out *syncbuf.Buffer, drained <-chan struct{}) {
	e.t.Helper()
	f, err := pty.StartWithSize(c, &pty.Winsize{Rows: 40, Cols: cols})
	if err != nil {
		e.t.Fatal(err)
	}
	out = &syncbuf.Buffer{}
	done := make(chan struct{})
	go func() {
		io.Copy(out, f) // ends with EIO when the child exits
		close(done)
	}()
	return f, out, done
}

// pty runs hookctl on a fresh pseudo-terminal.
func (e *ptyEnv) pty(env []string, args ...string) ptyResult {
	e.t.Helper()
	return e.ptyRun(e.command(env, args...))
}

// ptyRun runs c (e.command's, perhaps changed) on a fresh pseudo-terminal
// e.cols wide (120 unset) and returns its output and exit code.
func (e *ptyEnv) ptyRun(c *exec.Cmd) ptyResult {
	t := e.t
	t.Helper()
	start := time.Now()
	cols := e.cols
	if cols == 0 {
		cols = 120
	}
	f, err := pty.StartWithSize(c, &pty.Winsize{Rows: 40, Cols: cols})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var buf bytes.Buffer
	done := make(chan struct{})
	go func() {
		io.Copy(&buf, f) // ends with EIO when the child exits
		close(done)
	}()
	werr := c.Wait()
	elapsed := time.Since(start)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("pty output did not end")
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(werr, &ee) {
		code = ee.ExitCode()
	} else if werr != nil {
		t.Fatal(werr)
	}
	return ptyResult{out: strings.ReplaceAll(buf.String(), "\r\n", "\n"), elapsed: elapsed, code: code}
}

// No command may write to or query the terminal unless it is about to
// prompt: a colour probe in a library's package init wrote
// ESC]11;?ESC\ESC[6n and then waited 5 s for an answer (issue 20 item 2).
func TestPTYNoTerminalProbe(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--help"}, {"events", "list"}, {"subscriptions", "list"}} {
		for _, env := range [][]string{nil, {"NO_COLOR=1"}} {
			// The default store: a fresh one reads as empty (a store
			// named by HOOKCTL_STORE must exist for subscriptions list).
			r := runPTY(t, append([]string{"HOOKCTL_STORE="}, env...), args...)
			if r.code != 0 {
				t.Fatalf("%v: exit %d\n%s", args, r.code, r.out)
			}
			if strings.Contains(r.out, "\x1b]") || strings.Contains(r.out, "\x1b[6n") {
				t.Errorf("%v %v: queried the terminal: %q", args, env, r.out[:min(len(r.out), 60)])
			}
			if args[0] == "version" && !strings.HasPrefix(r.out, "hookctl ") {
				t.Errorf("%v %v: bytes before the output: %q", args, env, r.out[:min(len(r.out), 60)])
			}
			if r.elapsed > 2*time.Second {
				t.Errorf("%v %v: took %v on an unanswered terminal", args, env, r.elapsed)
			}
		}
	}
}

// On a terminal, the store command that meets a damaged listen journal
// says so on the terminal: the warning with the offset and the kept file,
// and store info's row for it.
func TestPTYDamagedJournalReported(t *testing.T) {
	t.Parallel()
	c, _ := damagedListenJournal(t)
	r := (&ptyEnv{t: t, dir: c.dir}).pty(nil, "store", "info")
	if r.code != 0 {
		t.Fatalf("store info exit %d:\n%s", r.code, r.out)
	}
	for _, want := range []string{"warning: the listen journal had unreadable records at byte offset", ".journal.damaged", "damaged journal", "Recovered "} {
		if !strings.Contains(r.out, want) {
			t.Fatalf("store info on a terminal does not show %q:\n%s", want, r.out)
		}
	}
}
