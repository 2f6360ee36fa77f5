//go:build !windows

package main

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestOldlateImportPipeInterrupted: Ctrl-C (SIGINT) while store import
// reads a pipe given as a path — a FIFO made with mkfifo, and /dev/fd/3
// (what `store import <(ssh … store export)` gives) — after it wrote some
// batches and while the pipe sends nothing more. It stops at once (exit
// 130), saying which records are in the store and that importing the
// file again adds the rest, as store import - does on stdin
// (TestHuntstoreImportInterruptedSaysWhatIsIn); importing the whole dump
// then adds the rest and skips those. Before, the read of the pipe was
// not interruptible: the import went on waiting until the writer wrote
// more or closed it.
func TestOldlateImportPipeInterrupted(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	// 2 subscriptions, 3 objects, 2 events, 3 deliveries, 3 attempts
	dump := storefix3Dump(t)
	for _, backend := range []string{"sqlite", "postgres"} {
		for _, pipe := range []string{"fifo", "devfd"} {
			t.Run(backend+"/"+pipe, func(t *testing.T) {
				var c *crashEnv
				if backend == "postgres" {
					if os.Getenv("HOOKCTL_TEST_POSTGRES") == "" {
						t.Skip("needs HOOKCTL_TEST_POSTGRES")
					}
					c = pgEnv(t, pgtest.URL(t))
				} else {
					c = newCrashEnv(t)
				}
				var (
					cmd  *exec.Cmd
					name string
					w    *os.File
				)
				switch pipe {
				case "fifo":
					name = filepath.Join(c.dir, "dump.fifo")
					if err := syscall.Mkfifo(name, 0o600); err != nil {
						t.Fatal(err)
					}
					cmd = c.cmd("hookctl", "store", "import", name, "--batch-size", "2")
				case "devfd":
					r, pw, err := os.Pipe()
					if err != nil {
						t.Fatal(err)
					}
					defer r.Close()
					w, name = pw, "/dev/fd/3"
					cmd = c.cmd("hookctl", "store", "import", name, "--batch-size", "2")
					cmd.ExtraFiles = []*os.File{r}
				}
				var out, errb strings.Builder
				cmd.Stdout, cmd.Stderr = &out, &errb
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				var werr error
				exited := make(chan struct{})
				go func() { werr = cmd.Wait(); close(exited) }()
				if pipe == "fifo" {
					// (opens once hookctl has opened it to read)
					f, err := os.OpenFile(name, os.O_WRONLY, 0)
					if err != nil {
						t.Fatal(err)
					}
					w = f
				}
				t.Cleanup(func() {
					w.Close()
					select {
					case <-exited:
					case <-time.After(30 * time.Second):
						cmd.Process.Kill()
						<-exited
					}
				})
				// Records 1-6 make three batches, written; record 7 waits
				// in the fourth for more input.
				if _, err := io.WriteString(w, strings.Join(dump[:7], "\n")+"\n"); err != nil {
					t.Fatal(err)
				}
				deadline := time.Now().Add(60 * time.Second)
				for {
					var info struct{ Events int }
					// (exit 3 until the import has created the store)
					if b, err := c.cmd("hookctl", "store", "info", "-o", "json").Output(); err == nil && json.Unmarshal(b, &info) == nil && info.Events == 1 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("records 1-6 were not written within 60s; stderr:\n%s", errb.String())
					}
					time.Sleep(50 * time.Millisecond)
				}
				if err := cmd.Process.Signal(os.Interrupt); err != nil {
					t.Fatal(err)
				}
				select {
				case <-exited:
				case <-time.After(20 * time.Second):
					w.Close() // the old code waited for the input to end
					<-exited
					t.Errorf("store import %s did not stop within 20s of SIGINT while waiting for the pipe", name)
				}
				code := -1
				if ee, ok := werr.(*exec.ExitError); ok {
					code = ee.ExitCode()
				}
				wantErr := "hookctl: error: import " + name + " interrupted: records 1-6 are in the store (2 subscriptions, 3 objects, 1 event, 0 deliveries, 0 attempts written; 0 already present), nothing from record 7 on was written\n" +
					"hookctl: hint: import the file again to add the rest: records 1-6 are skipped as already present\n"
				if code != 130 || errb.String() != wantErr {
					t.Errorf("interrupted store import %s: exit %d, stderr:\n%s\nwant exit 130 and:\n%s", name, code, errb.String(), wantErr)
				}
				code, stdout, stderr := huntstoreImport(t, c, dump...)
				if want := "imported 0 subscriptions, 0 objects, 1 event, 3 deliveries, 3 attempts into "; code != 0 || !strings.HasPrefix(stdout, want) ||
					!strings.Contains(stdout, "(6 records already present, skipped)") {
					t.Errorf("importing the whole dump again: exit %d, stdout %q, stderr %q; want %q… (6 records already present, skipped)", code, stdout, stderr, want)
				}
			})
		}
	}
}

// TestOldlateImportFifoInterruptedBeforeWriter: Ctrl-C while store import
// of a FIFO waits for a writer to open it (the producer not started yet,
// or stalled before its first byte): exit 130 with the word stdin's
// import gives ("interrupted"), no store created. Before, the open
// blocked with the signal not yet watched, and the signal's default
// action ended the process with no word on stderr.
func TestOldlateImportFifoInterruptedBeforeWriter(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	c := newCrashEnv(t)
	fifo := filepath.Join(c.dir, "dump.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := c.cmd("hookctl", "store", "import", fifo)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var werr error
	exited := make(chan struct{})
	go func() { werr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	// Wait until hookctl is blocked opening the FIFO.
	waitBlockedInFifoOpen(t, cmd.Process.Pid)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		// the old code: still in the open (it did not watch the signal
		// then, so it should have died of it; a writer lets it go on)
		if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			f.Close()
		}
		<-exited
		t.Errorf("store import of a FIFO with no writer did not stop within 20s of SIGINT")
	}
	code := -1
	if ee, ok := werr.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	if code != 130 || errb.String() != "hookctl: error: interrupted\n" || out.String() != "" {
		t.Errorf("store import of a FIFO interrupted before its writer came: exit %d, stdout %q, stderr %q; want exit 130, nothing on stdout, %q",
			code, out.String(), errb.String(), "hookctl: error: interrupted\n")
	}
	if _, err := os.Stat(filepath.Join(c.dir, "hookctl.db")); !os.IsNotExist(err) {
		t.Errorf("the interrupted import created the store (%v)", err)
	}
}

// waitBlockedInFifoOpen waits (up to 30 s) until a thread of process pid
// sleeps in the kernel's wait for a FIFO's writer (wchan
// wait_for_partner, fifo_open on older kernels), on Linux; elsewhere it
// sleeps a second (a signal that comes before the open gets the same
// "interrupted").
func waitBlockedInFifoOpen(t *testing.T, pid int) {
	t.Helper()
	tasks := filepath.Join("/proc", strconv.Itoa(pid), "task")
	if _, err := os.Stat(tasks); err != nil {
		time.Sleep(time.Second)
		return
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		wchans, _ := filepath.Glob(filepath.Join(tasks, "*", "wchan"))
		for _, f := range wchans {
			if b, err := os.ReadFile(f); err == nil && (strings.Contains(string(b), "partner") || strings.Contains(string(b), "fifo")) {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("no thread of hookctl (pid %d) seen waiting in the FIFO's open within 30s; signalling anyway", pid)
}
