//go:build !windows

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestListenUILiveAfterEventsPruned: `hookctl listen --ui` records what
// it receives (no --forward: events without deliveries); the inspector's
// live log is open; `hookctl store prune` deletes them all (before
// SQLite schema 12 the next request's event took seq 1 again, below the
// stream's event cursor; now it is above it, and the event at the cursor
// is gone). The stream says so (event: reset: the page reloads) and sends
// the new event. Before, it said nothing and never sent it (the reset
// check keyed on a delivery, and there was none).
func TestListenUILiveAfterEventsPruned(t *testing.T) {
	t.Parallel()
	g := newGhostEnv(t)
	cmd := g.cmd("listen", "--port", "0", "--ui", "127.0.0.1:0", "-o", "json")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	type ready struct{ URL, UI string }
	readyc := make(chan ready, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var l struct{ Kind, URL, UI string }
			if json.Unmarshal(sc.Bytes(), &l) == nil && l.Kind == "ready" {
				readyc <- ready{strings.TrimSuffix(l.URL, "/"), strings.TrimSuffix(l.UI, "/")}
			}
		}
	}()
	var r ready
	select {
	case r = <-readyc:
	case <-time.After(30 * time.Second):
		t.Fatal("listen not ready in 30s")
	}
	post := func(body string) {
		t.Helper()
		resp, err := http.Post(r.URL+"/hook", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close() // unsigned: rejected (401), and recorded
	}
	events := func() []struct{ ID string } {
		t.Helper()
		var log []struct{ ID string }
		if err := json.Unmarshal([]byte(g.run("events", "log", "-o", "json")), &log); err != nil {
			t.Fatal(err)
		}
		return log
	}
	for _, b := range []string{`{"n":1}`, `{"n":2}`, `{"n":3}`} {
		post(b)
	}
	// listen records through its journal: the stream (from now) starts
	// above the three once they are in the store.
	for deadline := time.Now().Add(10 * time.Second); len(events()) < 3; {
		if time.Now().After(deadline) {
			t.Fatal("the three requests are not in the store after 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", r.UI+"/live", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 8<<20)
	next := func(name, with string) string {
		t.Helper()
		event := ""
		for sc.Scan() {
			line := sc.Text()
			if ev, ok := strings.CutPrefix(line, "event: "); ok {
				event = ev
			}
			if d, ok := strings.CutPrefix(line, "data: "); ok && event == name && strings.Contains(d, with) {
				return d
			}
		}
		t.Fatalf("the stream ended before its %s event with %q: %v", name, with, sc.Err())
		return ""
	}
	next("hello", "")
	// Everything created before now: the three events.
	g.run("store", "prune", "--older-than", time.Now().UTC().Format(time.RFC3339Nano), "--yes")
	post(`{"n":"after the prune"}`)
	var log []struct{ ID string }
	for deadline := time.Now().Add(10 * time.Second); len(log) == 0; log = events() {
		if time.Now().After(deadline) {
			t.Fatal("the request after the prune is not in the store after 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(log) != 1 {
		t.Fatalf("events log after the prune and one request: %+v", log)
	}
	next("reset", "")
	next("rows", log[0].ID)
}
