//go:build !windows

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// The long-running commands and the flags that make them run without a
// terminal or a browser, on a free port.
var pgwaitCommands = map[string][]string{
	"worker": {"worker"},
	"serve":  {"serve", "--port", "0", "--no-worker", "-o", "json"},
	"ui":     {"ui", "--addr", "127.0.0.1:0", "--no-open", "-o", "json"},
	"listen": {"listen", "--port", "0", "-o", "json"},
}

const pgwaitSays = "waiting for the store, retrying for up to"

// closedPGURL is a store URL with a password on a port where nothing
// listens (taken and released).
func closedPGURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "postgres://app:pgwait-s3cret@" + addr + "/hooks?sslmode=disable"
}

// waitingProc is a long-running hookctl started against a store it has
// to wait for.
type waitingProc struct {
	name   string
	cmd    *exec.Cmd
	stderr *lockedBuffer
	ready  chan string // the -o json ready line's url
	done   chan struct{}
	err    error // cmd.Wait's, once done is closed
}

func startWaiting(t *testing.T, c *crashEnv, name string, extra ...string) *waitingProc {
	t.Helper()
	p := &waitingProc{name: name, stderr: &lockedBuffer{}, ready: make(chan string, 1), done: make(chan struct{})}
	p.cmd = c.cmd("hookctl", append(append([]string{}, pgwaitCommands[name]...), extra...)...)
	p.cmd.Stderr = p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var l struct{ Kind, URL string }
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Kind == "ready" {
				p.ready <- l.URL
			}
		}
		io.Copy(io.Discard, stdout)
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("%s's stderr:\n%s", name, p.stderr.String())
		}
	})
	return p
}

// untilSays waits until the process's stderr holds s.
func (p *waitingProc) untilSays(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(p.stderr.String(), s) {
		select {
		case <-p.done:
			t.Fatalf("%s exited (%v) before saying %q:\n%s", p.name, p.err, s, p.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not say %q within 30 s:\n%s", p.name, s, p.stderr.String())
		}
	}
}

// exit waits for the process to end (at most limit) and returns its exit code.
func (p *waitingProc) exit(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit):
		t.Fatalf("%s still running %s later:\n%s", p.name, limit, p.stderr.String())
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		t.Fatalf("%s: %v", p.name, p.err)
	}
	return 0
}

// TestStoreWaitGivesUp: worker, serve, ui and listen started while
// nothing listens at the PostgreSQL URL's port say once that they wait
// for it (where, without the password; --store-wait; Ctrl-C), retry, and
// when --store-wait runs out exit 3 with the error and its hint. Before,
// they exited 3 at once (and --store-wait was an unknown flag). The
// one-shot commands and --store-wait 0 still exit 3 at once.
func TestStoreWaitGivesUp(t *testing.T) {
	c := newCrashEnv(t)
	storeURL := closedPGURL(t)
	for name := range pgwaitCommands {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			p := startWaiting(t, c, name, "--store", storeURL, "--store-wait", "1500ms")
			code := p.exit(t, 20*time.Second)
			took := time.Since(start)
			out := p.stderr.String()
			if code != 3 || took < 1500*time.Millisecond {
				t.Errorf("exit %d after %s, want 3 after --store-wait 1.5s:\n%s", code, took, out)
			}
			u, err := url.Parse(storeURL)
			if err != nil {
				t.Fatal(err)
			}
			host := u.Host
			for _, want := range []string{pgwaitSays + " 1.5s (--store-wait); Ctrl-C to stop", "connection refused",
				"gave up after waiting 1.5s", "hint: is PostgreSQL running and reachable at " + host, "raise --store-wait"} {
				if !strings.Contains(out, want) {
					t.Errorf("stderr lacks %q:\n%s", want, out)
				}
			}
			if n := strings.Count(out, "waiting for the store"); n != 1 || strings.Contains(out, "pgwait-s3cret") || strings.Contains(out, "store reachable") {
				t.Errorf("the wait said %d times (want once), or the password shown:\n%s", n, out)
			}
		})
	}
	t.Run("no wait", func(t *testing.T) {
		for _, args := range [][]string{
			{"worker", "--store-wait", "0"},
			{"deliveries", "list"},
			{"trigger", "card.created"},
			{"subscriptions", "list"},
		} {
			start := time.Now()
			var errb lockedBuffer
			cmd := c.cmd("hookctl", append(args, "--store", storeURL)...)
			cmd.Stderr = &errb
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 3 || time.Since(start) > 10*time.Second ||
				strings.Contains(errb.String(), "waiting") || !strings.Contains(errb.String(), "is PostgreSQL running") {
				t.Errorf("%v: %v after %s, want exit 3 at once with the hint:\n%s", args, err, time.Since(start), errb.String())
			}
		}
	})
}

// TestStoreWaitInterrupted: Ctrl-C (or SIGTERM) while a long-running
// command waits for its store ends it at once with exit 130 (SIGTERM: 143)
// and one line,
// "interrupted", after the notice of the wait.
func TestStoreWaitInterrupted(t *testing.T) {
	c := newCrashEnv(t)
	storeURL := closedPGURL(t)
	for name := range pgwaitCommands {
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
			t.Run(fmt.Sprintf("%s %v", name, sig), func(t *testing.T) {
				t.Parallel()
				p := startWaiting(t, c, name, "--store", storeURL, "--store-wait", "5m")
				p.untilSays(t, pgwaitSays)
				p.cmd.Process.Signal(sig)
				// Not the 5 min wait; 128 plus the signal's number
				// (SIGINT 130, SIGTERM 143).
				if code, want := p.exit(t, 10*time.Second), 128+int(sig); code != want {
					t.Errorf("exit %d, want %d", code, want)
				}
				lines := strings.Split(strings.TrimSpace(p.stderr.String()), "\n")
				if len(lines) != 2 || lines[1] != "hookctl: error: interrupted" {
					t.Errorf("stderr, want the notice and \"interrupted\":\n%s", p.stderr.String())
				}
			})
		}
	}
}

// TestStoreWaitNotForBadCredentials: a wrong password or a database that
// does not exist is not waited for: exit 3 at once with its hint.
func TestStoreWaitNotForBadCredentials(t *testing.T) {
	base, err := url.Parse(pgtest.ServerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	badPW, noDB := *base, *base
	badPW.User = url.UserPassword(base.User.Username(), "not-the-password")
	noDB.Path = "/hookctl_pgwait_missing"
	c := newCrashEnv(t)
	for _, tc := range []struct{ url, hint string }{
		{badPW.String(), "check the user name and password"},
		{noDB.String(), "create the database first"},
	} {
		for name := range pgwaitCommands {
			start := time.Now()
			p := startWaiting(t, c, name, "--store", tc.url, "--store-wait", "1m")
			code := p.exit(t, 20*time.Second)
			out := p.stderr.String()
			if code != 3 || time.Since(start) > 10*time.Second || strings.Contains(out, "waiting") || !strings.Contains(out, tc.hint) {
				t.Errorf("%s on %s: exit %d after %s, want 3 at once with %q:\n%s", name, tc.url, code, time.Since(start), tc.hint, out)
			}
		}
	}
}

// TestOneShotWaitsForAConnection: a one-shot command (subscriptions list)
// that finds no connection left for its user (CONNECTION LIMIT reached,
// 53300) waits a few seconds for one, says so once, and succeeds when one
// is freed. Before, it exited 3 at once: about half of a saturated fleet's
// jobs failed at start.
func TestOneShotWaitsForAConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, roleURL := oneConnectionRole(t, "pgwait")
	held, err := pgx.Connect(ctx, roleURL)
	if err != nil {
		t.Fatal(err)
	}
	var errb lockedBuffer
	cmd := c.cmd("hookctl", "subscriptions", "list")
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release := func() { once.Do(func() { held.Close(ctx) }) }
	defer release()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Released once it said it waits (the old code exited 3 at once).
	deadline := time.After(15 * time.Second)
wait:
	for !strings.Contains(errb.String(), "retrying for up to 5s") {
		select {
		case err = <-exited:
			exited <- err
			break wait
		case <-deadline:
			break wait
		case <-time.After(20 * time.Millisecond):
		}
	}
	release()
	err = <-exited
	out := errb.String()
	if err != nil || strings.Count(out, "retrying for up to 5s") != 1 || !strings.Contains(out, "no connection left") &&
		!strings.Contains(out, "too many connections") || !strings.Contains(out, "store reachable") {
		t.Fatalf("subscriptions list with no connection left for a moment: %v, want exit 0 after one notice:\n%s", err, out)
	}
}

// TestStoreWaitThenWorks (HOOKCTL_PG_FAULT=1: it stops its own server):
// worker, serve and listen (then ui) started while PostgreSQL is stopped
// wait for it, say so once, and once it is started say "store reachable"
// once and work: serve answers its APIs, the worker delivers what serve's
// control API triggered, listen and the inspector answer.
func TestStoreWaitThenWorks(t *testing.T) {
	pg := startFaultPG(t, "")
	c := pgEnv(t, pg.url)
	app := newCountingReceiver(t, http.StatusOK, 0)
	c.hookctl(0, "subscribe", "--url", app.URL+"/hooks", "--events", "*", "--scheme", "standard")

	down := func(names ...string) map[string]*waitingProc {
		pg.ctl("-m", "fast", "stop")
		procs := map[string]*waitingProc{}
		for _, name := range names {
			procs[name] = startWaiting(t, c, name, "--store-wait", "2m")
		}
		for _, p := range procs {
			p.untilSays(t, pgwaitSays)
		}
		pg.restart()
		for _, p := range procs {
			p.untilSays(t, "store reachable after")
		}
		return procs
	}
	get := func(u string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Authorization", "Bearer sk_test_1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
		}
		return string(b)
	}
	ready := func(p *waitingProc) string {
		t.Helper()
		select {
		case u := <-p.ready:
			return u
		case <-p.done:
			t.Fatalf("%s exited: %v", p.name, p.err)
		case <-time.After(30 * time.Second):
			t.Fatalf("%s not ready 30 s after the store was", p.name)
		}
		return ""
	}
	stop := func(p *waitingProc) {
		t.Helper()
		p.cmd.Process.Signal(syscall.SIGTERM)
		code := p.exit(t, 30*time.Second)
		out := p.stderr.String()
		t.Logf("%s: exit %d after SIGTERM; stderr:\n%s", p.name, code, out)
		if code != 0 {
			t.Errorf("%s: exit %d after SIGTERM, want 0", p.name, code)
		}
		if strings.Count(out, "waiting for the store") != 1 || strings.Count(out, "store reachable") != 1 || strings.Contains(out, "error") {
			t.Errorf("%s did not say the wait once and its end once:\n%s", p.name, out)
		}
	}

	procs := down("worker", "serve", "listen")
	srv := ready(procs["serve"])
	get(srv + "/v1/webhook_endpoints")
	resp, err := http.Post(srv+"/_hookctl/trigger", "application/json", strings.NewReader(`{"type":"card.created"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 && resp.StatusCode != 200 {
		t.Fatalf("trigger through serve's control API: %d", resp.StatusCode)
	}
	app.waitRequests(t, 1) // serve runs no worker (--no-worker): the worker sent it
	get(ready(procs["listen"]) + "/healthz")
	for _, name := range []string{"worker", "serve", "listen"} {
		stop(procs[name])
	}

	procs = down("ui")
	get(ready(procs["ui"]) + "/")
	stop(procs["ui"])
}

// oneConnectionRole makes a PostgreSQL role with a connection limit of 1
// on the test's schema, a store migrated by it, and returns the env and
// the role's URL once migrate's backend has ended (the server ends it
// after the process has gone, not before: until then it still counts
// against the limit).
func oneConnectionRole(t *testing.T, prefix string) (*crashEnv, string) {
	t.Helper()
	u := pgtest.URL(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, pgtest.ServerURL(t))
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	role := fmt.Sprintf("hookctl_%s_%d", prefix, time.Now().UnixNano())
	for _, q := range []string{
		`CREATE ROLE ` + role + ` LOGIN PASSWORD '` + prefix + `-pw' CONNECTION LIMIT 1`,
		`GRANT ALL ON SCHEMA ` + parsed.Query().Get("search_path") + ` TO ` + role,
	} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		admin.Exec(context.Background(), `DROP OWNED BY `+role+` CASCADE`)
		admin.Exec(context.Background(), `DROP ROLE `+role)
		admin.Close(context.Background())
	})
	parsed.User = url.UserPassword(role, prefix+"-pw")
	roleURL := parsed.String()
	c := pgEnv(t, roleURL)
	c.hookctl(0, "store", "migrate")
	for gone := time.Now().Add(10 * time.Second); ; {
		var n int
		if err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE usename = $1`, role).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(gone) {
			t.Fatalf("store migrate's connection still open 10s after it exited")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return c, roleURL
}
