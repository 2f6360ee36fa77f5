//go:build !windows

package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestTailShowsReplay: the common workflow. A tail (text and -o json)
// shows a delivery fail; the app is fixed and `hookctl replay ID` run in
// another terminal: both tails print the replay's attempt, once, after
// the failure — then a replay with a retry (500, then 200) prints both
// attempts once, in order. Before, they printed nothing of a replay of a
// delivery that had settled.
func TestTailShowsReplay(t *testing.T) {
	t.Parallel()
	testTailShowsReplay(t, newCrashEnv(t))
}

// TestTailShowsReplayPostgres is the same on PostgreSQL.
func TestTailShowsReplayPostgres(t *testing.T) {
	t.Parallel()
	testTailShowsReplay(t, pgEnv(t, pgtest.URL(t)))
}

func testTailShowsReplay(t *testing.T, c *crashEnv) {
	var fails atomic.Int32 // requests still to answer 500
	fails.Store(1)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fails.Add(-1) >= 0 {
			http.Error(w, "broken", http.StatusInternalServerError)
			return
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(app.Close)
	c.hookctl(0, "subscribe", "--url", app.URL+"/hook", "--events", "card.*")
	text := startTail(c, "--lines", "0", "--interval", "50ms")
	js := startTail(c, "--lines", "0", "-o", "json", "--interval", "50ms")

	c.hookctl(1, "trigger", "card.created", "--retry-schedule", "0s")
	text.waitFor("the failure", func() bool { return strings.Contains(text.out.String(), "failed") })
	js.waitFor("the failure", func() bool { return len(js.lines()) >= 2 })
	var first map[string]any
	if err := json.Unmarshal([]byte(js.lines()[0]), &first); err != nil {
		t.Fatal(err)
	}
	id, _ := first["id"].(string)
	if id == "" {
		t.Fatalf("no delivery id in %v", first)
	}

	// The app is fixed: one replay, one attempt.
	c.hookctl(0, "replay", id)
	text.waitFor("the replay's attempt", func() bool { return len(text.lines()) >= 3 })
	js.waitFor("the replay's attempt", func() bool { return len(js.lines()) >= 3 })

	// Broken once more: a replay with a retry.
	fails.Store(1)
	c.hookctl(0, "replay", id, "--force", "--retry-schedule", "0s,100ms")
	text.waitFor("the second replay's attempts", func() bool { return len(text.lines()) >= 5 })
	js.waitFor("the second replay's attempts", func() bool { return len(js.lines()) >= 5 })
	// Two more re-reads of the settled delivery: nothing is printed twice.
	time.Sleep(2500 * time.Millisecond)

	text.stop(syscall.SIGINT)
	pats := []string{
		`  --> card\.created \[[^]]+\] POST http://127\.0\.0\.1:\d+/hook \(sent, \w+\)  [0-9a-f-]{36}$`, // piped: the whole id
		`  <-- \[500\] POST \S+/hook \(.+\) attempt 1/1 failed: HTTP 500 Internal Server Error: broken  card\.created`,
		`  <-- \[200\] POST \S+/hook \(.+\) attempt 2/2 succeeded  card\.created`,
		`  <-- \[500\] POST \S+/hook \(.+\) attempt 3/4 retry in \S+: HTTP 500 Internal Server Error: broken  card\.created`,
		`  <-- \[200\] POST \S+/hook \(.+\) attempt 4/4 succeeded  card\.created`,
	}
	lines := text.lines()
	if len(lines) != len(pats) {
		t.Fatalf("text tail printed %d lines, want %d:\n%s", len(lines), len(pats), text.out.String())
	}
	for i, p := range pats {
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d` + p).MatchString(lines[i]) {
			t.Errorf("line %d: %q\nwant %s", i+1, lines[i], p)
		}
	}

	js.stop(syscall.SIGINT)
	want := []struct {
		typ, status, outcome string
		number, code         float64
		manual               bool
	}{
		{"delivery", "", "", 0, 0, false},
		{"attempt", "failed", "failed", 1, 500, false},
		{"attempt", "succeeded", "succeeded", 2, 200, true},
		{"attempt", "pending", "failed", 3, 500, true},
		{"attempt", "succeeded", "succeeded", 4, 200, false},
	}
	if n := len(js.lines()); n != len(want) {
		t.Fatalf("-o json printed %d lines, want %d:\n%s", n, len(want), js.out.String())
	}
	for i, l := range js.lines() {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("-o json line is not JSON: %v\n%s", err, l)
		}
		w := want[i]
		// The delivery line says the state it was found in.
		if r["type"] != w.typ || (w.typ == "attempt" && r["status"] != w.status) {
			t.Errorf("line %d: %v, want type %s status %s", i+1, r, w.typ, w.status)
		}
		if w.typ == "attempt" {
			resp, _ := r["response"].(map[string]any)
			manual, _ := r["manual"].(bool)
			if r["delivery_id"] != id || r["outcome"] != w.outcome || r["number"] != w.number || resp["status"] != w.code || manual != w.manual {
				t.Errorf("line %d: %v, want attempt %v of %s: %s (%v, manual %v)", i+1, r, w.number, id, w.outcome, w.code, w.manual)
			}
		}
	}
}
