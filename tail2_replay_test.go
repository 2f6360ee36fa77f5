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

// TestTailShowsReplayOfUnprinted: tails started with --lines 0 after
// three deliveries failed (so they never printed them) show the replays
// run in another process — one by ID, one by a bulk replay --failed
// --event — each replay's attempt once, within each tail's filters (the
// replay answered in milliseconds, within one tick); a replay with a
// retry prints both its attempts once, in order; the delivery never
// replayed prints nothing, and no attempt made before the tail started
// is printed. Before, a tail printed nothing of a replay of a delivery it
// had not printed.
func TestTailShowsReplayOfUnprinted(t *testing.T) {
	t.Parallel()
	testTailShowsReplayOfUnprinted(t, newCrashEnv(t))
}

// TestTailShowsReplayOfUnprintedPostgres is the same on PostgreSQL
// (whose bulk replay leases a failed delivery in place: it stays failed
// until its attempt is recorded).
func TestTailShowsReplayOfUnprintedPostgres(t *testing.T) {
	t.Parallel()
	testTailShowsReplayOfUnprinted(t, pgEnv(t, pgtest.URL(t)))
}

func testTailShowsReplayOfUnprinted(t *testing.T, c *crashEnv) {
	var fails atomic.Int32 // requests still to answer 500
	fails.Store(1000)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fails.Add(-1) >= 0 {
			http.Error(w, "broken", http.StatusInternalServerError)
			return
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(app.Close)
	c.hookctl(0, "subscribe", "--url", app.URL+"/hook", "--events", "card.*")
	for _, typ := range []string{"card.created", "card.created", "card.status.active"} {
		c.hookctl(1, "trigger", typ, "--retry-schedule", "0s")
	}
	var ds []struct {
		ID        string `json:"id"`
		EventType string `json:"event_type"`
	}
	if err := json.Unmarshal(c.hookctl(0, "deliveries", "list", "-o", "json"), &ds); err != nil || len(ds) != 3 {
		t.Fatalf("deliveries list: %v, %d deliveries", err, len(ds))
	}
	var created []string
	for _, d := range ds {
		if d.EventType == "card.created" {
			created = append(created, d.ID)
		}
	}
	if len(created) != 2 {
		t.Fatalf("want two card.created deliveries: %+v", ds)
	}
	replayed, untouched := created[0], created[1]

	all := startTail(c, "--lines", "0", "--interval", "50ms")
	byEvent := startTail(c, "--lines", "0", "--interval", "50ms", "--event", "card.status.active")
	succeeded := startTail(c, "--lines", "0", "--interval", "50ms", "--status", "succeeded", "-o", "json")

	// The app is fixed: one replay by ID, one bulk replay, one attempt each.
	fails.Store(0)
	c.hookctl(0, "replay", replayed)
	all.waitFor("the replay's attempt", func() bool { return len(all.lines()) >= 1 })
	c.hookctl(0, "replay", "--failed", "--event", "card.status.active", "--yes")
	all.waitFor("the bulk replay's attempt", func() bool { return len(all.lines()) >= 2 })
	byEvent.waitFor("the bulk replay's attempt", func() bool { return len(byEvent.lines()) >= 1 })
	succeeded.waitFor("both attempts", func() bool { return len(succeeded.lines()) >= 2 })

	// Broken once more: a replay with a retry, both attempts once.
	fails.Store(1)
	c.hookctl(0, "replay", replayed, "--force", "--retry-schedule", "0s,100ms")
	all.waitFor("the retried replay's attempts", func() bool { return len(all.lines()) >= 4 })
	succeeded.waitFor("the retried replay's success", func() bool { return len(succeeded.lines()) >= 4 })
	// Two more re-reads of the settled deliveries: nothing twice.
	time.Sleep(2500 * time.Millisecond)

	short := func(id string) string { return id } // piped: the whole id
	pats := []string{
		`  <-- \[200\] POST \S+/hook \(.+\) attempt 2/2 succeeded  card\.created \[[^]]+\]  ` + short(replayed) + `$`,
		`  <-- \[200\] POST \S+/hook \(.+\) attempt 2/2 succeeded  card\.status\.active \[[^]]+\]  [0-9a-f-]{36}$`,
		`  <-- \[500\] POST \S+/hook \(.+\) attempt 3/4 retry in \S+: HTTP 500 Internal Server Error: broken  card\.created \[[^]]+\]  ` + short(replayed) + `$`,
		`  <-- \[200\] POST \S+/hook \(.+\) attempt 4/4 succeeded  card\.created \[[^]]+\]  ` + short(replayed) + `$`,
	}
	all.stop(syscall.SIGINT)
	lines := all.lines()
	if len(lines) != len(pats) {
		t.Fatalf("tail printed %d lines, want %d:\n%s", len(lines), len(pats), all.out.String())
	}
	for i, p := range pats {
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d` + p).MatchString(lines[i]) {
			t.Errorf("line %d: %q\nwant %s", i+1, lines[i], p)
		}
	}
	if strings.Contains(all.out.String(), short(untouched)) {
		t.Errorf("tail printed the delivery no one replayed:\n%s", all.out.String())
	}

	byEvent.stop(syscall.SIGINT)
	if l := byEvent.lines(); len(l) != 1 || !regexp.MustCompile(`attempt 2/2 succeeded  card\.status\.active `).MatchString(l[0]) {
		t.Errorf("tail --event card.status.active printed:\n%s", byEvent.out.String())
	}

	succeeded.stop(syscall.SIGINT)
	// A delivery's attempts print once it settled so, its retry included.
	want := []struct {
		event   string
		number  float64
		outcome string
	}{{"card.created", 2, "succeeded"}, {"card.status.active", 2, "succeeded"}, {"card.created", 3, "failed"}, {"card.created", 4, "succeeded"}}
	if n := len(succeeded.lines()); n != len(want) {
		t.Fatalf("tail --status succeeded -o json printed %d lines, want %d:\n%s", n, len(want), succeeded.out.String())
	}
	for i, l := range succeeded.lines() {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("-o json line is not JSON: %v\n%s", err, l)
		}
		if r["type"] != "attempt" || r["outcome"] != want[i].outcome || r["event_type"] != want[i].event || r["number"] != want[i].number {
			t.Errorf("line %d: %v, want attempt %v of %s, %s", i+1, r, want[i].number, want[i].event, want[i].outcome)
		}
	}
}
