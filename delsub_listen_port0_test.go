package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// delsubListen is a `listen --port 0 -o json` running in the background.
type delsubListen struct {
	cmd  *exec.Cmd
	done chan error
	Port int    `json:"port"`
	Sub  string `json:"subscription_id"`
}

// delsubStartListen starts listen --port 0 and waits for its ready line.
func (c *crashEnv) delsubStartListen(name string) *delsubListen {
	c.t.Helper()
	out := filepath.Join(c.dir, name+".jsonl")
	f, err := os.Create(out)
	if err != nil {
		c.t.Fatal(err)
	}
	defer f.Close()
	l := &delsubListen{cmd: c.cmd("hookctl", "listen", "--port", "0", "--events", "card.created", "-o", "json"), done: make(chan error, 1)}
	l.cmd.Stdout, l.cmd.Stderr = f, f
	if err := l.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() { l.done <- l.cmd.Wait() }()
	c.t.Cleanup(func() { l.cmd.Process.Kill(); <-l.done })
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		r, err := os.Open(out)
		if err != nil {
			c.t.Fatal(err)
		}
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if strings.Contains(sc.Text(), `"kind":"ready"`) {
				r.Close()
				if err := json.Unmarshal(sc.Bytes(), l); err != nil || l.Port == 0 || l.Sub == "" {
					c.t.Fatalf("ready line %q: %v", sc.Text(), err)
				}
				return l
			}
		}
		r.Close()
		select {
		case err := <-l.done:
			b, _ := os.ReadFile(out)
			c.t.Fatalf("listen %s ended before it was ready (%v):\n%s", name, err, b)
		case <-time.After(20 * time.Millisecond):
		}
	}
	c.t.Fatalf("listen %s not ready within 60 s", name)
	return nil
}

// stop sends SIGTERM and waits for listen to end.
func (l *delsubListen) stop(t *testing.T) {
	t.Helper()
	l.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-l.done:
		l.done <- err // for the cleanup
		if err != nil {
			t.Fatalf("listen on :%d after SIGTERM: %v", l.Port, err)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("listen on :%d still running 60 s after SIGTERM", l.Port)
	}
}

type delsubSub struct {
	ID       string `json:"webhook_id"`
	Callback string `json:"callback_url"`
	Status   string `json:"status"`
}

func (c *crashEnv) delsubSubs() []delsubSub {
	c.t.Helper()
	var subs []delsubSub
	if out := c.hookctl(0, "subscriptions", "list", "-o", "json"); json.Unmarshal(out, &subs) != nil {
		c.t.Fatalf("subscriptions list -o json: %s", out)
	}
	return subs
}

// TestDelsubListenPortZeroKeepsOwnSubscription: listen --port 0 (real
// binary, SQLite; the choice is made by listen, not by the store). Three
// runs one after the other, each stopped with SIGTERM, use one
// subscription; two at once get one each — the second never takes the
// subscription the first still serves (before, it did: the key of a
// --port 0 listener names port 0, so the second moved the first's
// callback to its own port, and the first no longer got the events
// triggered for it) — and the first's still points at it, enabled, and
// gets a triggered event; once both stopped, a third run reuses one of
// theirs: two subscriptions in all, never one per run.
func TestDelsubListenPortZeroKeepsOwnSubscription(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	var subs []string
	for i := range 3 {
		l := c.delsubStartListen("seq" + strconv.Itoa(i))
		subs = append(subs, l.Sub)
		l.stop(t)
	}
	if got := c.delsubSubs(); len(got) != 1 || subs[0] != subs[1] || subs[1] != subs[2] || got[0].Status != "disabled" {
		t.Fatalf("three listen --port 0 runs, one after the other: subscriptions %v (the runs used %v); want one, disabled", got, subs)
	}

	a := c.delsubStartListen("a")
	b := c.delsubStartListen("b")
	if a.Sub == b.Sub {
		t.Fatalf("two listen --port 0 at once share subscription %s: the second took the one the first serves", a.Sub)
	}
	byID := map[string]delsubSub{}
	for _, s := range c.delsubSubs() {
		byID[s.ID] = s
	}
	for _, l := range []*delsubListen{a, b} {
		s := byID[l.Sub]
		if s.Status != "enabled" || !strings.Contains(s.Callback, ":"+strconv.Itoa(l.Port)+"/") {
			t.Errorf("listen on :%d: its subscription %+v; want enabled, calling back its port", l.Port, s)
		}
	}
	// An event for each reaches each listener (nothing is forwarded:
	// listen answers 2xx itself without --forward).
	c.hookctl(0, "trigger", "card.created")
	a.stop(t)
	b.stop(t)
	for _, l := range []*delsubListen{a, b} {
		out, _ := os.ReadFile(filepath.Join(c.dir, map[*delsubListen]string{a: "a", b: "b"}[l]+".jsonl"))
		if !strings.Contains(string(out), `"card.created"`) {
			t.Errorf("listen on :%d did not receive the triggered event:\n%s", l.Port, out)
		}
	}
	d := c.delsubStartListen("d")
	d.stop(t)
	if d.Sub != a.Sub && d.Sub != b.Sub {
		t.Errorf("a listen --port 0 after both stopped made subscription %s; want %s or %s reused", d.Sub, a.Sub, b.Sub)
	}
	if got := c.delsubSubs(); len(got) != 2 {
		t.Errorf("subscriptions after %d runs, two of them at once: %v; want 2", 6, got)
	}
}
