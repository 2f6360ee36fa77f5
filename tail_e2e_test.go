//go:build !windows

package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
	"github.com/hookctl/hookctl/internal/testutil/pauseproxy"
	"github.com/hookctl/hookctl/internal/testutil/syncbuf"
)

// failOnce answers each event's first request 500, the next ones 200.
func failOnce(t *testing.T) *httptest.Server {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("Webhook-Id")
		if id == "" { // schemes without an id header: the same event is the same body
			body, _ := io.ReadAll(r.Body)
			sum := sha256.Sum256(body)
			id = hex.EncodeToString(sum[:])
		}
		mu.Lock()
		seen[id]++
		n := seen[id]
		mu.Unlock()
		if n == 1 {
			http.Error(w, "not yet", http.StatusInternalServerError)
			return
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// tailProc is a `hookctl deliveries tail` running in the background.
type tailProc struct {
	t         *testing.T
	cmd       *exec.Cmd
	out, errb *syncbuf.Buffer
	done      chan error
}

// startTail starts tail and waits for its readiness line: from then on
// whatever is written is followed.
func startTail(c *crashEnv, args ...string) *tailProc {
	c.t.Helper()
	p := &tailProc{t: c.t, cmd: c.cmd("hookctl", append([]string{"deliveries", "tail"}, args...)...),
		out: &syncbuf.Buffer{}, errb: &syncbuf.Buffer{}, done: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.errb
	if err := p.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	c.t.Cleanup(func() { p.cmd.Process.Kill() })
	p.waitFor("the readiness line", func() bool { return strings.Contains(p.errb.String(), "(^C to stop)") })
	return p
}

func (p *tailProc) waitFor(what string, cond func() bool) {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		select {
		case err := <-p.done:
			p.t.Fatalf("tail ended (%v) before %s\nstdout:\n%s\nstderr:\n%s", err, what, p.out.String(), p.errb.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("no %s after 20s\nstdout:\n%s\nstderr:\n%s", what, p.out.String(), p.errb.String())
		}
	}
}

// stop sends sig and wants exit 0; it returns stdout.
func (p *tailProc) stop(sig syscall.Signal) string {
	p.t.Helper()
	p.cmd.Process.Signal(sig)
	select {
	case err := <-p.done:
		if err != nil {
			p.t.Errorf("tail after %v: %v, want exit 0\nstderr:\n%s", sig, err, p.errb.String())
		}
	case <-time.After(10 * time.Second):
		p.t.Fatalf("tail still running 10s after %v", sig)
	}
	if strings.Contains(p.errb.String(), "error") || strings.Contains(p.errb.String(), "warning") {
		p.t.Errorf("tail said:\n%s", p.errb.String())
	}
	return p.out.String()
}

func (p *tailProc) lines() []string {
	s := strings.TrimSuffix(p.out.String(), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// TestTailFollowsTriggerSQLite: tails started before a trigger in another
// process show its delivery, the failed attempt and the retry that
// succeeded, in order, once each: as JSON lines, as text lines, with a
// --status filter (printed once settled) and with an --event filter that
// hides them; each ends on its signal with exit 0.
func TestTailFollowsTriggerSQLite(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	testTailFollowsTrigger(t, c)
	// tail only reads: the store of another file is never created.
	other := filepath.Join(c.dir, "other.db")
	cmd := c.cmd("hookctl", "deliveries", "tail", "--store", other, "--timeout", "1s")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		t.Errorf("tail of a missing store: %v, want exit 3\n%s", err, out)
	}
	if !strings.Contains(string(out), "no store at "+other) || !strings.Contains(string(out), "hookctl: hint:") {
		t.Errorf("tail of a missing store said:\n%s", out)
	}
	if _, err := os.Stat(other); !os.IsNotExist(err) {
		t.Errorf("tail created %s (%v)", other, err)
	}
}

// TestTailFollowsTriggerPostgres is the same on PostgreSQL.
func TestTailFollowsTriggerPostgres(t *testing.T) {
	t.Parallel()
	testTailFollowsTrigger(t, pgEnv(t, pgtest.URL(t)))
}

func testTailFollowsTrigger(t *testing.T, c *crashEnv) {
	app := failOnce(t)
	c.hookctl(0, "subscribe", "--url", app.URL+"/hook", "--events", "card.*")
	// An earlier delivery: the backlog of a tail with --lines, not of
	// one with --lines 0.
	c.hookctl(0, "trigger", "card.status.active", "--retry-schedule", "0s,100ms")
	jsonTail := startTail(c, "--lines", "0", "-o", "json", "--interval", "50ms")
	textTail := startTail(c, "--lines", "1")
	failedTail := startTail(c, "--lines", "0", "--status", "succeeded", "--event", "card.created")
	hidden := startTail(c, "--lines", "0", "--event", "payment.*")

	c.hookctl(0, "trigger", "card.created", "--retry-schedule", "0s,300ms")

	jsonTail.waitFor("3 JSON lines", func() bool { return len(jsonTail.lines()) >= 3 })
	textTail.waitFor("the backlog and 3 lines", func() bool { return len(textTail.lines()) >= 6 })
	failedTail.waitFor("3 lines", func() bool { return len(failedTail.lines()) >= 3 })
	// One more read of each after the last line: nothing is printed twice.
	time.Sleep(300 * time.Millisecond)

	jsonTail.stop(syscall.SIGINT)
	var recs []map[string]any
	for _, l := range jsonTail.lines() {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("-o json line is not JSON: %v\n%s", err, l)
		}
		recs = append(recs, m)
	}
	if len(recs) != 3 {
		t.Fatalf("-o json printed %d lines, want 3:\n%s", len(recs), jsonTail.out.String())
	}
	want := []struct {
		typ, status, outcome string
		number, code         float64
	}{{"delivery", "pending", "", 0, 0}, {"attempt", "pending", "failed", 1, 500}, {"attempt", "succeeded", "succeeded", 2, 200}}
	id := recs[0]["id"]
	for i, w := range want {
		r := recs[i]
		if r["type"] != w.typ || r["status"] != w.status || r["event_type"] != "card.created" || r["source"] != "sent" {
			t.Errorf("line %d: %v, want type %s status %s of card.created", i+1, r, w.typ, w.status)
		}
		if w.typ == "attempt" {
			resp, _ := r["response"].(map[string]any)
			if r["delivery_id"] != id || r["outcome"] != w.outcome || r["number"] != w.number || resp["status"] != w.code {
				t.Errorf("line %d: %v, want attempt %v of %v: %s (%v)", i+1, r, w.number, id, w.outcome, w.code)
			}
		}
	}
	if recs[1]["retry"] != true || recs[2]["retry"] != false {
		t.Errorf("retry: %v then %v, want true then false", recs[1]["retry"], recs[2]["retry"])
	}

	textTail.stop(syscall.SIGTERM)
	lines := textTail.lines()
	pats := []string{
		`  --> card\.status\.active \[[^]]+\] POST http://127\.0\.0\.1:\d+/hook \(sent, \w+\)  [0-9a-f-]{36}$`, // piped: the whole id
		`  <-- \[500\] POST \S+/hook \(.+\) attempt 1/2 retry in \S+: HTTP 500 Internal Server Error: not yet  card\.status\.active`,
		`  <-- \[200\] POST \S+/hook \(.+\) attempt 2/2 succeeded  card\.status\.active`,
		`  --> card\.created \[[^]]+\] POST http://127\.0\.0\.1:\d+/hook \(sent, \w+\)  [0-9a-f-]{36}$`, // piped: the whole id
		`  <-- \[500\] POST \S+/hook \(.+\) attempt 1/2 retry in \S+: HTTP 500 Internal Server Error: not yet  card\.created`,
		`  <-- \[200\] POST \S+/hook \(.+\) attempt 2/2 succeeded  card\.created`,
	}
	if len(lines) != len(pats) {
		t.Fatalf("text tail printed %d lines, want %d:\n%s", len(lines), len(pats), textTail.out.String())
	}
	for i, p := range pats {
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d` + p).MatchString(lines[i]) {
			t.Errorf("line %d: %q\nwant %s", i+1, lines[i], p)
		}
	}
	if strings.Contains(textTail.out.String(), "\x1b[") {
		t.Errorf("colour on a pipe:\n%q", textTail.out.String())
	}

	out := failedTail.stop(syscall.SIGHUP)
	if n := len(failedTail.lines()); n != 3 || !strings.Contains(out, "succeeded") {
		t.Errorf("--status succeeded printed %d lines, want 3:\n%s", n, out)
	}
	if out := hidden.stop(syscall.SIGINT); out != "" {
		t.Errorf("--event 'payment.*' printed:\n%s", out)
	}
}

// TestTailTerminal: on a terminal the lines are coloured (the status by
// its class), and not with NO_COLOR; --timeout ends the tail with exit 0.
func TestTailTerminal(t *testing.T) {
	t.Parallel()
	e := newPTYEnv(t)
	app := failOnce(t)
	e.plain("subscribe", "--url", app.URL+"/hook", "--events", "card.*")
	c := e.command(nil, "trigger", "card.created", "--retry-schedule", "0s,50ms")
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("trigger: %v\n%s", err, out)
	}
	res := e.pty(nil, "deliveries", "tail", "--timeout", "300ms")
	if res.code != 0 {
		t.Fatalf("exit %d\n%s", res.code, res.out)
	}
	sc := bufio.NewScanner(strings.NewReader(res.out))
	var attempts []string
	for sc.Scan() {
		if strings.Contains(sc.Text(), "<--") {
			attempts = append(attempts, sc.Text())
		}
	}
	if len(attempts) != 2 || !strings.Contains(attempts[0], "\x1b[31m[500]") || !strings.Contains(attempts[1], "\x1b[32m[200]") {
		t.Errorf("want a red [500] then a green [200]:\n%q", res.out)
	}
	res = e.pty([]string{"NO_COLOR=1"}, "deliveries", "tail", "--timeout", "300ms")
	if res.code != 0 || strings.Contains(res.out, "\x1b[") || !strings.Contains(res.out, "attempt 2/2 succeeded") {
		t.Errorf("NO_COLOR: exit %d\n%q", res.code, res.out)
	}
}

// TestTailPostgresOutage: a tail whose PostgreSQL server goes away says
// so once, however long it lasts, and once that it is back; what was
// delivered meanwhile is shown then, once; ^C ends it with exit 0.
func TestTailPostgresOutage(t *testing.T) {
	t.Parallel()
	pgURL := pgtest.URL(t)
	u, err := url.Parse(pgURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := pauseproxy.New(t, u.Host)
	viaProxy := *u
	viaProxy.Host = proxy.Addr()
	c := pgEnv(t, pgURL)
	app := failOnce(t)
	c.hookctl(0, "subscribe", "--url", app.URL+"/hook", "--events", "card.*")
	tailEnv := newCrashEnv(t)
	tailEnv.env = append(tailEnv.env, "HOOKCTL_STORE="+viaProxy.String())
	tl := startTail(tailEnv, "--lines", "0", "--interval", "20ms")
	proxy.SetDown(true)
	tl.waitFor("the outage warning", func() bool { return strings.Contains(tl.errb.String(), "waiting for the store") })
	// Delivered while the tail cannot read (trigger reaches the server).
	c.hookctl(0, "trigger", "card.created", "--retry-schedule", "0s,50ms")
	time.Sleep(200 * time.Millisecond) // ten failed reads of the tail
	proxy.SetDown(false)
	tl.waitFor("the delivery and its attempts", func() bool { return len(tl.lines()) >= 3 })
	tl.cmd.Process.Signal(syscall.SIGINT)
	if err := <-tl.done; err != nil {
		t.Errorf("tail after SIGINT: %v\n%s", err, tl.errb.String())
	}
	errs := tl.errb.String()
	if n := strings.Count(errs, "waiting for the store"); n != 1 {
		t.Errorf("the outage said %d times, want once:\n%s", n, errs)
	}
	if n := strings.Count(errs, "the store is back after"); n != 1 {
		t.Errorf("its end said %d times, want once:\n%s", n, errs)
	}
	t.Logf("stderr:\n%s", errs)
	lines := tl.lines()
	if len(lines) != 3 || !strings.Contains(lines[0], "-->") || !strings.Contains(lines[1], "attempt 1/2 retry") || !strings.Contains(lines[2], "attempt 2/2 succeeded") {
		t.Errorf("after the outage:\n%s", tl.out.String())
	}
}

// TestTailStoreFileGone: a SQLite store file deleted, or replaced by
// another, under a tail is no longer the log it follows (it read the old
// file on and showed nothing more): exit 3 saying so.
func TestTailStoreFileGone(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	db := filepath.Join(c.dir, "hookctl.db")
	other := filepath.Join(c.dir, "other.db")
	for _, tc := range []struct {
		name, want string
		change     func() error
	}{
		{"deleted", "the file is gone", func() error { return os.Remove(db) }},
		{"replaced", "the file was replaced", func() error { return os.Rename(other, db) }},
	} {
		// A store (again) at db, and another one to move over it.
		for _, st := range []string{db, other} {
			c.hookctl(0, "subscribe", "--url", "http://127.0.0.1:1/hook", "--events", "card.*", "--store", st)
		}
		tl := startTail(c)
		if err := tc.change(); err != nil {
			t.Fatal(err)
		}
		var err error
		select {
		case err = <-tl.done:
		case <-time.After(10 * time.Second):
			t.Fatalf("tail still running 10s after the file was %s", tc.name)
		}
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
			t.Errorf("%s: tail: %v, want exit 3", tc.name, err)
		}
		if !strings.Contains(tl.errb.String(), "hookctl: error: store "+db+": "+tc.want) || !strings.Contains(tl.errb.String(), "hookctl: hint:") {
			t.Errorf("%s: tail said:\n%s", tc.name, tl.errb.String())
		}
	}
}
