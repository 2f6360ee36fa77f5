package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTriggerThroughPostgresRestart (HOOKCTL_PG_FAULT=1): a trigger run on
// a shared PostgreSQL rides out the server going away for 3 s (a crash and
// restart, a failover) and finishes every delivery, exit 0: it waits for
// the store (saying so on stderr) instead of giving up after 2 s with
// exit 3 and leaving the rest to a worker. Each event reaches the
// receiver, and at most what was in flight when the server went away
// twice.
func TestTriggerThroughPostgresRestart(t *testing.T) {
	pg := startFaultPG(t, "-c fsync=on -c synchronous_commit=on")
	c := pgEnv(t, pg.url)
	app := newCountingReceiver(t, http.StatusOK, 2*time.Millisecond)
	const events, conc = 4000, 16
	c.hookctl(0, "subscribe", "--url", app.URL+"/hooks", "--events", "*", "--scheme", "standard")
	stdout, stderr := throughCrash(t, pg, c.cmd("hookctl", "trigger", "card.created", "--count", strconv.Itoa(events),
		"--concurrency", strconv.Itoa(conc), "-o", "json"), app)
	if !strings.Contains(stderr.String(), "waiting for the store") {
		t.Errorf("trigger did not say it waited for the store:\n%s", stderr.String())
	}
	wantAllSucceeded(t, stdout.Bytes(), events)
	seen, twice := app.counts()
	t.Logf("receiver: %d events, %d more than once; trigger said:\n%s", seen, twice, stderr.String())
	if seen != events || twice > conc {
		t.Errorf("the receiver got %d of %d events, %d more than once (in flight: %d)", seen, events, twice, conc)
	}
}

// TestReplayThroughPostgresRestart (HOOKCTL_PG_FAULT=1): replay --failed
// on a shared PostgreSQL rides out the server going away for 3 s, as
// trigger does, and sends each failed delivery once.
func TestReplayThroughPostgresRestart(t *testing.T) {
	pg := startFaultPG(t, "-c fsync=on -c synchronous_commit=on")
	c := pgEnv(t, pg.url)
	app := newCountingReceiver(t, http.StatusOK, 2*time.Millisecond)
	app.fail.Store(true)
	const events, conc = 3000, 16
	c.hookctl(0, "subscribe", "--url", app.URL+"/hooks", "--events", "*", "--scheme", "standard")
	c.hookctl(1, "trigger", "card.created", "--count", strconv.Itoa(events), "--no-retry")
	app.fail.Store(false)
	_, stderr := throughCrash(t, pg, c.cmd("hookctl", "replay", "--failed", "--yes", "--no-retry", "--concurrency", strconv.Itoa(conc)), app)
	if !strings.Contains(stderr.String(), "waiting for the store") {
		t.Errorf("replay did not say it waited for the store:\n%s", stderr.String())
	}
	if out := c.hookctl(0, "deliveries", "list", "--status", "failed", "--limit", "0"); len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("deliveries still failed after the replay:\n%.500s", out)
	}
	seen, twice := app.counts()
	t.Logf("receiver: %d events, %d more than once; replay said:\n%s", seen, twice, stderr.String())
	if seen != events || twice > conc {
		t.Errorf("the receiver got %d of %d events, %d more than once (in flight: %d)", seen, events, twice, conc)
	}
}

// throughCrash runs cmd, crashes the server for 3 s once app has counted
// 300 requests, and wants cmd to exit 0 within 120 s of the restart; it
// returns what cmd printed.
func throughCrash(t *testing.T, pg faultPG, cmd *exec.Cmd, app *countingReceiver) (stdout, stderr *bytes.Buffer) {
	t.Helper()
	stdout, stderr = &bytes.Buffer{}, &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for all, _ := app.requests(time.Time{}); all < 300; all, _ = app.requests(time.Time{}) {
		select {
		case err := <-exited:
			t.Fatalf("%s ended before the fault: %v\n%s", cmd.Args[1], err, stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	pg.crashFor(3 * time.Second)
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("%s through a PostgreSQL restart: %v, want exit 0\n%s", cmd.Args[1], err, stderr.String())
		}
	case <-time.After(120 * time.Second):
		cmd.Process.Kill()
		<-exited // stderr written to the end
		t.Fatalf("%s did not finish 120 s after the restart\n%s", cmd.Args[1], stderr.String())
	}
	return stdout, stderr
}

// wantAllSucceeded checks a `trigger -o json` run's summary: all of its
// events succeeded.
func wantAllSucceeded(t *testing.T, stdout []byte, events int64) {
	t.Helper()
	var run struct {
		Summary struct{ Succeeded, Failed, Pending int64 }
	}
	if err := json.Unmarshal(stdout, &run); err != nil {
		t.Fatalf("trigger -o json: %v\n%.300s", err, stdout)
	}
	if run.Summary.Succeeded != events || run.Summary.Failed != 0 || run.Summary.Pending != 0 {
		t.Errorf("summary %+v, want all %d succeeded", run.Summary, events)
	}
}
