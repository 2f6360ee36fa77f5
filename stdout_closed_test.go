//go:build unix

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
)

// listen and worker run until stopped; their stdout is a log a script may
// stop reading (the README's `hookctl listen --port 0 -o json | head -1`
// takes the ready line and goes). The next log line hit the closed pipe
// and SIGPIPE killed the process: listen dropped the sender's connection
// mid-request and stopped serving, a worker died with its attempts in
// flight. Now they go on serving and delivering (the log is no longer
// written, said once on stderr) and stop cleanly on Ctrl-C.
func TestListenAndWorkerOutliveAClosedStdout(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	app := newCountingReceiver(t, http.StatusOK, 0)

	ls := c.cmd("hookctl", "listen", "--port", "0", "-o", "json", "--forward", app.URL+"/h")
	out, err := ls.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncbuf.Buffer{}
	ls.Stderr = stderr
	if err := ls.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ls.Process.Kill() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("no ready line: %v\n%s", err, stderr.String())
	}
	var ready struct{ URL string }
	if err := json.Unmarshal([]byte(line), &ready); err != nil || ready.URL == "" {
		t.Fatalf("ready line %q: %v", line, err)
	}
	out.Close() // head -1 has what it wanted
	// Unsigned: rejected (401), and logged.
	for i := range 3 {
		resp, err := http.Post(ready.URL+"/", "application/json", strings.NewReader(`{"type":"card.created"}`))
		if err != nil {
			t.Fatalf("request %d after stdout closed: %v\n%s", i, err, stderr.String())
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("request %d: %d, want 401", i, resp.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ls.Process.Signal(syscall.SIGINT)
	if err := ls.Wait(); err != nil {
		t.Errorf("listen after its stdout closed: %v, want exit 0\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "hookctl: warning: stdout is closed") || !strings.Contains(stderr.String(), "Received 3, verified 0, rejected 3") {
		t.Errorf("listen's stderr:\n%s", stderr.String())
	}

	// A worker whose stdout closes before its first attempt.
	c.hookctl(0, "trigger", "card.created", "--count", "5", "--url", app.URL+"/w", "--retry-schedule", "300ms", "--wait", "1ms")
	w := c.cmd("hookctl", "worker", "-o", "json", "--poll", "20ms")
	wout, err := w.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	werr := &syncbuf.Buffer{}
	w.Stderr = werr
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Process.Kill() })
	wout.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var ds []struct{ Status string }
		json.Unmarshal(c.hookctl(0, "deliveries", "list", "--status", "succeeded", "-o", "json"), &ds)
		if len(ds) == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the worker delivered %d of 5\n%s", len(ds), werr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	w.Process.Signal(syscall.SIGINT)
	if err := w.Wait(); err != nil {
		t.Errorf("worker after its stdout closed: %v, want exit 0\n%s", err, werr.String())
	}
	if !bytes.Contains([]byte(werr.String()), []byte("5 attempts; deliveries: 5 succeeded")) {
		t.Errorf("worker's stderr:\n%s", werr.String())
	}
}
