//go:build !windows

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// servedProcess is a `hookctl serve` started by startServe.
type servedProcess struct {
	URL    string
	cmd    *exec.Cmd
	stderr bytes.Buffer
	exited chan error
	err    error
	once   sync.Once
}

// wait waits for serve to exit (once) and returns how it exited.
func (p *servedProcess) wait() error {
	p.once.Do(func() { p.err = <-p.exited })
	return p.err
}

// stop sends sig and waits for serve to exit.
func (p *servedProcess) stop(sig os.Signal) error {
	p.cmd.Process.Signal(sig)
	return p.wait()
}

// startServe starts srv (a `hookctl serve … -o json` command), reads every
// line of its stdout (the ready line, then one per attempt, so serve never
// blocks on it) and returns once it is ready; it is killed when the test
// ends unless stopped (its stderr is in the failure message then).
func startServe(t *testing.T, srv *exec.Cmd) *servedProcess {
	t.Helper()
	p := &servedProcess{cmd: srv, exited: make(chan error, 1)}
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	srv.Stderr = &p.stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var l struct{ Kind, URL string }
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Kind == "ready" {
				ready <- l.URL
			}
		}
		p.exited <- srv.Wait()
	}()
	t.Cleanup(func() {
		srv.Process.Kill()
		p.wait()
		if t.Failed() {
			t.Logf("serve's stderr:\n%s", p.stderr.String())
		}
	})
	select {
	case p.URL = <-ready:
	case err := <-p.exited:
		p.once.Do(func() { p.err = err })
		t.Fatalf("serve exited: %v\n%s", err, p.stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve not ready after 30 s")
	}
	return p
}

type healthAnswer struct {
	code       int
	retryAfter string
	body       string
}

func getHealth(t *testing.T, base string) healthAnswer {
	t.Helper()
	resp, err := http.Get(base + "/_hookctl/health")
	if err != nil {
		t.Fatalf("GET /_hookctl/health: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return healthAnswer{resp.StatusCode, resp.Header.Get("Retry-After"), string(b)}
}

// wantHealthy waits (up to 30 s: a PostgreSQL server starting again) for
// health to answer 200, status ok.
func wantHealthy(t *testing.T, base, when string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		h := getHealth(t, base)
		if h.code == http.StatusOK && strings.Contains(h.body, `"status":"ok"`) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("health %s: %d %s; want 200, status ok", when, h.code, h.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// wantUnhealthy checks that health answers 503 with Retry-After and a
// JSON body naming the store problem (each of names).
func wantUnhealthy(t *testing.T, base, when string, names ...string) {
	t.Helper()
	h := getHealth(t, base)
	var body struct {
		Status, Store string
		Error         struct{ Code, Message string }
	}
	if h.code != http.StatusServiceUnavailable || h.retryAfter == "" || json.Unmarshal([]byte(h.body), &body) != nil ||
		body.Status != "unavailable" || body.Store != "unavailable" || body.Error.Code != "store_unavailable" {
		t.Fatalf("health %s: %d (Retry-After %q) %s; want 503 with Retry-After and store_unavailable", when, h.code, h.retryAfter, h.body)
	}
	for _, n := range names {
		if !strings.Contains(body.Error.Message, n) {
			t.Errorf("health %s: the message does not name the problem (%q): %s", when, n, body.Error.Message)
		}
	}
}

// TestServeHealthSQLiteUnreadable: `hookctl serve`'s health check asks
// its SQLite store: a store file made unreadable is a 503 naming the file
// and the problem (it answered 200), and it is 200 again once the file is
// readable again; one moved away stops serve (exit 3).
func TestServeHealthSQLiteUnreadable(t *testing.T) {
	t.Parallel()
	bin := hookctlBinary(t)
	dir, err := os.MkdirTemp("", "hookctl-health")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	db := filepath.Join(dir, "hookctl.db")
	// root reads and writes whatever the mode bits say: serve runs as
	// nobody then, and creates its store as nobody.
	asOther := os.Geteuid() == 0
	cmd := func(args ...string) *exec.Cmd {
		c := exec.Command(bin, append([]string{"--store", db}, args...)...)
		c.Dir = dir
		c.Env = []string{"HOME=" + dir, "HOOKCTL_CONFIG_DIR=" + filepath.Join(dir, "config"), "PATH=" + os.Getenv("PATH")}
		if asOther {
			c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		}
		return c
	}
	if asOther {
		for _, p := range []string{dir, filepath.Dir(bin)} {
			if err := os.Chmod(p, 0o777); err != nil {
				t.Fatal(err)
			}
		}
	}
	if out, err := cmd("subscribe", "--url", "http://127.0.0.1:1/hooks", "--events", "card.created").CombinedOutput(); err != nil {
		t.Fatalf("subscribe: %v\n%s", err, out)
	}
	srv := startServe(t, cmd("serve", "--port", "0", "-o", "json"))
	base := srv.URL
	wantHealthy(t, base, "with the store in place")

	if err := os.Chmod(db, 0o000); err != nil {
		t.Fatal(err)
	}
	wantUnhealthy(t, base, "with the store file unreadable", db, "permission denied")
	if err := os.Chmod(db, 0o644); err != nil {
		t.Fatal(err)
	}
	wantHealthy(t, base, "once the store file is readable again")

	// A store file moved away (deleted, replaced) is not the one at the
	// path any more: serve stops with exit 3 naming it (it answered 503
	// on health but 2xx to the APIs' writes, which were lost;
	// TestServeStoreFileGone has what the APIs answer meanwhile).
	if err := os.Rename(db, db+".moved"); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(srv.wait, 10*time.Second); code != 3 || !strings.Contains(srv.stderr.String(), db+": the file is gone") {
		t.Fatalf("serve with its store file moved away: exit %d, want 3 naming the file\n%s", code, srv.stderr.String())
	}
}

// TestServeHealthThroughPostgresStop (HOOKCTL_PG_FAULT=1): while the
// PostgreSQL server of `hookctl serve`'s store is stopped, health answers
// 503 with Retry-After naming the store (it answered 200); once the
// server is started again, 200, the same serve process.
func TestServeHealthThroughPostgresStop(t *testing.T) {
	pg := startFaultPG(t, "")
	c := pgEnv(t, pg.url)
	base := startServe(t, c.cmd("hookctl", "serve", "--port", "0", "-o", "json")).URL
	wantHealthy(t, base, "with PostgreSQL running")
	pg.ctl("-m", "fast", "stop")
	wantUnhealthy(t, base, "with PostgreSQL stopped", "cannot be reached", "PostgreSQL store", "127.0.0.1")
	pg.restart()
	wantHealthy(t, base, "after PostgreSQL started again")
}
