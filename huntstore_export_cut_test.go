package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestHuntstoreInterruptedExportEndsCutShort: store export stopped
// midway (Ctrl-C here; a PostgreSQL statement_timeout or any store error
// likewise) exits with its error and ends its output in the middle of a
// line, so that the file does not pass for a whole dump: store import of
// it imports the records before the cut and refuses the rest (exit 2,
// "cut short"). Before, the export flushed the whole lines it had and
// stopped there: the file ended with a newline like a whole dump, and
// `store import` of it exited 0, as did `store export | store import -`
// whose export failed, with the rest of the history silently missing.
func TestHuntstoreInterruptedExportEndsCutShort(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("hookctl"); err != nil {
		t.Skip("hookctl is not on PATH")
	}
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT to send on Windows")
	}
	c := newCrashEnv(t)
	// 400 events of 1 KiB: more than the pipe and the export's buffer
	// hold, so that the export cannot finish before the test reads it.
	pad := strings.Repeat("x", 1024)
	lines := []string{huntstoreHeader}
	for i := range 400 {
		lines = append(lines, fmt.Sprintf(`{"event":{"id":"evt_%03d","type":"card.created","source":"triggered","created_at":"2026-01-02T03:10:00Z","payload":{"pad":"%s"}}}`, i, pad))
	}
	if code, out, errb := huntstoreImport(t, c, lines...); code != 0 {
		t.Fatalf("store import: exit %d\n%s%s", code, out, errb)
	}

	cmd := c.cmd("hookctl", "store", "export")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(stdout)
	head, err := br.ReadString('\n') // the export has begun
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("reading the export's header: %v", err)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatal(err)
	}
	werr := cmd.Wait()
	code := -1
	if ee, ok := werr.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	if code != 130 {
		t.Fatalf("export interrupted: exit %d (%v), want 130; stderr:\n%s", code, werr, errb.String())
	}
	out := head + string(rest)
	if strings.HasSuffix(out, "\n") {
		t.Errorf("the interrupted export's output ends with a whole line (%d lines), as a whole dump does", strings.Count(out, "\n"))
	}
	whole := strings.Count(out, "\n") - 1 // the records before the cut

	d := newCrashEnv(t)
	file := filepath.Join(d.dir, "part.jsonl")
	if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	var iout, ierr bytes.Buffer
	imp := d.cmd("hookctl", "store", "import", file)
	imp.Stdout, imp.Stderr = &iout, &ierr
	err = imp.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	if want := fmt.Sprintf("record %d: the last line is cut short", whole+1); code != 2 || !strings.Contains(ierr.String(), want) {
		t.Errorf("store import of the interrupted export: exit %d, stdout %q, stderr:\n%s\nwant exit 2 and %q", code, iout.String(), ierr.String(), want)
	}
	if want := fmt.Sprintf("imported 0 subscriptions, 0 objects, %d events, ", whole); !strings.HasPrefix(iout.String(), want) {
		t.Errorf("store import of the interrupted export: stdout %q, want %q… (the records before the cut)", iout.String(), want)
	}
}
