package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTriggerDiskFullThenFreed: trigger's SQLite store is on a tmpfs that
// fills during the run. trigger says it waits for the store, stops sending
// meanwhile (what it sends must be recorded), and goes on once space is
// freed: exit 0, every event delivered exactly once and recorded. Before,
// it went on sending what it could not record, sent some deliveries twice,
// and exited 1 with SQLite's bare "database or disk is full (13)".
// Needs root to mount the tmpfs (CI runs as root); skipped otherwise.
func TestTriggerDiskFullThenFreed(t *testing.T) {
	slowFaultTest(t, "trigger on a full disk, then freed (~4 s)")
	c := newCrashEnv(t)
	mnt := c.storeOnTmpfs("64m")
	app := newCountingReceiver(t, http.StatusOK, 0)
	c.hookctl(0, "subscribe", "--url", app.URL+"/hooks", "--events", "*", "--scheme", "standard")
	// Leave about 3 MiB: a few thousand events fill it.
	filler := filepath.Join(mnt, "filler")
	if out, err := exec.Command("dd", "if=/dev/zero", "of="+filler, "bs=1M", "count=61").CombinedOutput(); err != nil {
		t.Fatalf("dd: %v %s", err, out)
	}
	const events = 8000
	cmd := c.cmd("hookctl", "trigger", "card.created", "--count", strconv.Itoa(events), "--concurrency", "16", "-o", "json")
	var stdout bytes.Buffer
	errw := &syncWriter{w: &bytes.Buffer{}}
	cmd.Stdout, cmd.Stderr = &stdout, errw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(errw.String(), "waiting for the store") {
		select {
		case err := <-waitErr:
			t.Fatalf("trigger ended before the disk was full: %v\n%s", err, errw.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("trigger never said it waits for the store:\n%s", errw.String())
		}
	}
	// While it waits, it sends nothing it could not record: at most what
	// was already on its way.
	atFull, _ := app.requests(time.Time{})
	time.Sleep(time.Second)
	if later, _ := app.requests(time.Time{}); later-atFull > 16 {
		t.Errorf("%d more requests sent while the store could not record them", later-atFull)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-waitErr:
		if err != nil {
			t.Fatalf("trigger: %v\n%s", err, errw.String())
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("trigger did not finish after space was freed\n%s", errw.String())
	}
	if !strings.Contains(errw.String(), "the store is back") {
		t.Errorf("trigger did not say the store was back:\n%s", errw.String())
	}
	wantAllSucceeded(t, stdout.Bytes(), events)
	seen, twice := app.counts()
	if seen != events || twice != 0 {
		t.Errorf("the receiver got %d of %d events, %d more than once", seen, events, twice)
	}
	// Every attempt is in the log: one per delivery.
	var attempts int
	for _, line := range bytes.Split(c.hookctl(0, "store", "export"), []byte("\n")) {
		if bytes.HasPrefix(line, []byte(`{"attempt"`)) {
			attempts++
		}
	}
	if attempts != events {
		t.Errorf("%d attempts recorded for %d deliveries sent once each", attempts, events)
	}
}
