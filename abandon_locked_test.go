//go:build !windows

package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A second ^C quits listen at once also while its importer waits for the
// store: another process holding SQLite's write lock (a sqlite3 shell left
// in a transaction) kept the importer's write waiting out the 10 s busy
// timeout, and Abandon waited for that write and then for one more, so the
// "quit at once" took ~18 s. Nothing answered 2xx may be lost on the way:
// it stays in the journal and the next store command imports it.
func TestSecondInterruptQuitsWhileStoreLocked(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	p, got, post := sigflakeListen(t, e)
	release := sigflakeHoldWriteLock(t, filepath.Join(e.dir, "hookctl.db"))
	var acked []string
	for i := range 5 {
		id := fmt.Sprintf("msg_locked_%d", i)
		resp, err := post(id, "/ok")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s answered %d", id, resp.StatusCode)
		}
		acked = append(acked, id)
	}
	go func() {
		if resp, err := post("msg_locked_held", "/hold"); err == nil {
			resp.Body.Close()
		}
	}()
	sigflakeWaitGot(t, got, p)
	time.Sleep(200 * time.Millisecond) // the importer is in its write, waiting for the lock
	p.cmd.Process.Signal(syscall.SIGINT)
	p.waitStderr("Shutting down: finishing in-flight forwards…")
	start := time.Now()
	code := p.interruptUntilExit()
	took := time.Since(start)
	if code != 130 {
		t.Fatalf("exit %d, want 130\n%s", code, p.stderr.String())
	}
	// The second signal counts a second or more after the first; quitting
	// then must not wait out the store's busy timeout (10 s).
	if took > 6*time.Second {
		t.Errorf("the second ^C took %s to quit while the store was locked (it waited for the store's write)\n%s", took.Round(time.Millisecond), p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), " received events not yet in the store stay in ") {
		t.Errorf("listen did not say what stays in its journal:\n%s", p.stderr.String())
	}
	release()
	stored := sigflakeExportedIDs(e)
	for _, id := range acked {
		if !stored[id] {
			t.Errorf("%s was answered 2xx before the signals and is not in the store", id)
		}
	}
}
