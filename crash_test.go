package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// crashEnv runs the real hookctl and testreceiver programs (the test
// binary, through the PATH testscript.Main sets up) against one store.
type crashEnv struct {
	t   *testing.T
	dir string
	env []string
}

func newCrashEnv(t *testing.T) *crashEnv {
	dir := t.TempDir()
	env := append(os.Environ(),
		"HOME="+filepath.Join(dir, "home"),
		"HOOKCTL_CONFIG_DIR="+filepath.Join(dir, "config"),
		"HOOKCTL_STORE="+filepath.Join(dir, "hookctl.db"),
		"NO_COLOR=1",
	)
	return &crashEnv{t: t, dir: dir, env: env}
}

func (c *crashEnv) cmd(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = c.env
	cmd.Dir = c.dir
	return cmd
}

// hookctl runs hookctl to completion and returns stdout; wantCode is the
// expected exit status.
func (c *crashEnv) hookctl(wantCode int, args ...string) []byte {
	c.t.Helper()
	var out, errb bytes.Buffer
	cmd := c.cmd("hookctl", args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		c.t.Fatalf("hookctl %v: %v", args, err)
	}
	if code != wantCode {
		c.t.Fatalf("hookctl %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, wantCode, tail(out.String()), errb.String())
	}
	return out.Bytes()
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}

// receiver starts testreceiver and returns its URL and log path.
func (c *crashEnv) receiver(name string, args ...string) (string, string) {
	c.t.Helper()
	urlFile := filepath.Join(c.dir, name+".url")
	logFile := filepath.Join(c.dir, name+".jsonl")
	cmd := c.cmd("testreceiver", append([]string{"-url-file", urlFile, "-log", logFile}, args...)...)
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(urlFile); err == nil && len(b) > 0 {
			return string(b), logFile
		}
		if time.Now().After(deadline) {
			c.t.Fatal("receiver did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func countLines(path string) int {
	b, _ := os.ReadFile(path)
	return bytes.Count(b, []byte("\n"))
}

// killWhen starts cmd and SIGKILLs it once cond holds (or fails the test
// if it exits first).
func (c *crashEnv) killWhen(cmd *exec.Cmd, cond func() bool) {
	c.t.Helper()
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		select {
		case err := <-done:
			c.t.Fatalf("%v finished before it could be killed: %v", cmd.Args, err)
		default:
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("condition not reached for %v", cmd.Args)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// receivedIDs returns the distinct webhook-id headers a receiver logged.
func receivedIDs(t *testing.T, path string) map[string]bool {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ids := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r struct{ Headers map[string][]string }
		if json.Unmarshal(sc.Bytes(), &r) == nil && len(r.Headers["Webhook-Id"]) > 0 {
			ids[r.Headers["Webhook-Id"][0]] = true
		}
	}
	return ids
}

type logEvent struct {
	ID         string
	Deliveries struct{ Pending, Succeeded, Failed int }
}

func (c *crashEnv) eventLog() []logEvent {
	var evs []logEvent
	if err := json.Unmarshal(c.hookctl(0, "events", "log", "--limit", "0", "-o", "json"), &evs); err != nil {
		c.t.Fatal(err)
	}
	return evs
}

var eventLine = regexp.MustCompile(`--> card\.created \[([0-9a-f-]{36})\]`)

// TestCrashSafety kills hookctl with SIGKILL in the middle of `trigger
// --count 1000` and of a bulk replay, then checks the outbox invariants:
// every event trigger reported is in the log with its delivery, nothing
// is lost, `replay --pending` / `worker` finish the rest, and the receiver
// saw every event id at least once.
func TestCrashSafety(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("crash test: skipped with -short")
	}
	c := newCrashEnv(t)
	url, recvLog := c.receiver("ok", "-delay", "2ms")
	c.hookctl(0, "subscribe", "--url", url+"/hooks", "--events", "*", "--scheme", "standard")

	// 1. kill -9 during trigger --count 1000.
	var out bytes.Buffer
	trig := c.cmd("hookctl", "trigger", "card.created", "--count", "1000", "--concurrency", "8", "--timeout", "1s")
	trig.Stdout = &out
	c.killWhen(trig, func() bool { return countLines(recvLog) >= 150 })
	reported := eventLine.FindAllStringSubmatch(out.String(), -1)
	evs := c.eventLog()
	if len(evs) >= 1000 || len(evs) < 150 {
		t.Fatalf("%d events in the log: the kill did not land mid-run", len(evs))
	}
	inLog := map[string]logEvent{}
	for _, e := range evs {
		inLog[e.ID] = e
		if n := e.Deliveries.Pending + e.Deliveries.Succeeded + e.Deliveries.Failed; n != 1 {
			t.Errorf("event %s has %d deliveries, want 1", e.ID, n)
		}
	}
	for _, m := range reported {
		if _, ok := inLog[m[1]]; !ok {
			t.Errorf("event %s was reported created but is not in the log", m[1])
		}
	}
	pending := 0
	for _, e := range evs {
		pending += e.Deliveries.Pending
	}
	if pending == 0 {
		t.Fatal("no delivery left pending by the kill: nothing to recover")
	}
	t.Logf("killed trigger: %d events in the log, %d reported, %d pending", len(evs), len(reported), pending)
	c.hookctl(0, "replay", "--pending", "--yes", "--concurrency", "16")
	for _, e := range c.eventLog() {
		if e.Deliveries.Succeeded != 1 {
			t.Errorf("event %s after replay --pending: %+v", e.ID, e.Deliveries)
		}
	}
	got := receivedIDs(t, recvLog)
	for id := range inLog {
		if !got[id] {
			t.Errorf("receiver never saw event %s", id)
		}
	}

	// 2. kill -9 during a bulk replay.
	badURL, _ := c.receiver("bad", "-status", "500")
	c.hookctl(0, "subscriptions", "list") // store still readable
	c.hookctl(1, "trigger", "card.created", "--url", badURL+"/r", "--scheme", "standard", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--count", "300", "--no-retry", "--concurrency", "16")
	url2, recvLog2 := c.receiver("ok2", "-delay", "2ms")
	rep := c.cmd("hookctl", "replay", "--failed", "--yes", "--to", url2+"/r", "--concurrency", "8", "--timeout", "1s")
	c.killWhen(rep, func() bool { return countLines(recvLog2) >= 60 })
	// Finish: what the dead replay requeued is pending (its leases expire
	// after timeout+5s) and the worker delivers it; what it had not
	// reached yet is still failed and replays again.
	c.hookctl(0, "replay", "--failed", "--yes", "--to", url2+"/r")
	w := c.cmd("hookctl", "worker", "--poll", "50ms", "--timeout", "1s")
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		left := c.hookctl(0, "deliveries", "list", "--status", "pending", "--limit", "0")
		if len(bytes.TrimSpace(left)) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker did not finish the pending deliveries:\n%s", tail(string(left)))
		}
		time.Sleep(100 * time.Millisecond)
	}
	w.Process.Signal(os.Interrupt)
	if err := w.Wait(); err != nil {
		t.Errorf("worker did not stop cleanly on Ctrl-C: %v", err)
	}
	all := c.eventLog()
	got2 := receivedIDs(t, recvLog2)
	n := 0
	for _, e := range all {
		if e.Deliveries.Failed != 0 || e.Deliveries.Pending != 0 {
			t.Errorf("event %s: %+v after recovery", e.ID, e.Deliveries)
		}
		if _, first := inLog[e.ID]; !first {
			n++
			if !got2[e.ID] {
				t.Errorf("receiver never saw replayed event %s", e.ID)
			}
		}
	}
	if n != 300 {
		t.Errorf("%d events in the second run, want 300", n)
	}
}

// TestTriggerEveryRequestSeenIsAnAttempt: a receiver that reads every
// fourth request whole and then drops the connection without answering
// (a crash mid-handler). It has seen each of those webhooks, so each is
// a failed attempt in the log — never resent behind the record's back:
// the requests the receiver saw and the attempts recorded are equal.
func TestTriggerEveryRequestSeenIsAnAttempt(t *testing.T) {
	var seen atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if seen.Add(1)%4 == 1 {
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				c.Close()
			}
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	c := newCrashEnv(t)
	c.hookctl(0, "subscribe", "--url", srv.URL+"/hooks", "--events", "*")
	const n = 400
	c.hookctl(1, "trigger", "card.created", "--count", strconv.Itoa(n), "--concurrency", "16", "--no-retry")
	var info struct{ Attempts int64 }
	if err := json.Unmarshal(c.hookctl(0, "store", "info", "-o", "json"), &info); err != nil {
		t.Fatal(err)
	}
	failed := bytes.Count(c.hookctl(0, "deliveries", "list", "--status", "failed", "--limit", "0"), []byte("\n"))
	t.Logf("receiver saw %d requests; %d attempts recorded, %d failed", seen.Load(), info.Attempts, failed)
	if info.Attempts != n || seen.Load() != n {
		t.Fatalf("receiver saw %d requests for %d recorded attempts of %d deliveries sent once", seen.Load(), info.Attempts, n)
	}
	if failed != n/4 {
		t.Fatalf("%d deliveries failed, want %d (every dropped connection)", failed, n/4)
	}
}

// deliveryStates is the store's deliveries by id.
func (c *crashEnv) deliveryStates() map[string]deliveryJSON {
	c.t.Helper()
	m := map[string]deliveryJSON{}
	for _, d := range c.deliveries() {
		m[d.ID] = d
	}
	return m
}
