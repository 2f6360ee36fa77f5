package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestFleetPastMaxConnections (HOOKCTL_PG_FAULT=1: it starts its own
// PostgreSQL with max_connections=20, superuser_reserved_connections=3):
// a CI fleet of 30 trigger processes shares one store whose server has 17
// connections for them. Each process ends: exit 0, or exit 3 with a hint
// naming max_connections and pool_max_conns when it found no connection
// at all; none dumps SQLSTATE 53300; what was sent is recorded once.
// Before, a run whose claim found no connection while deliveries of its
// own waited for the store hung for ever ("waiting for the store (up to
// 1m)"; 4 of 30 ran for 10 minutes). With pool_max_conns=1 in the URL (one
// connection a process), 15 processes fit and every one succeeds.
func TestFleetPastMaxConnections(t *testing.T) {
	pg := startFaultPG(t, "-c fsync=off -c synchronous_commit=off -c max_connections=20 -c superuser_reserved_connections=3")
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, pg.url)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`CREATE ROLE fleet LOGIN PASSWORD 'fleet-pw'`, `CREATE DATABASE fleet OWNER fleet`} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	admin.Close(ctx)
	u, err := url.Parse(pg.url)
	if err != nil {
		t.Fatal(err)
	}
	u.User, u.Path = url.UserPassword("fleet", "fleet-pw"), "/fleet"
	storeURL := u.String()

	var (
		mu   sync.Mutex
		seen = map[string]int{}
	)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		time.Sleep(20 * time.Millisecond) // the runs overlap
		mu.Lock()
		seen[r.Header.Get("Webhook-Id")]++
		mu.Unlock()
	}))
	defer app.Close()
	c := pgEnv(t, storeURL)
	c.hookctl(0, "subscribe", "--url", app.URL+"/hooks", "--events", "*", "--scheme", "standard")

	type run struct {
		code   int
		stderr string
	}
	fleet := func(n int, storeURL string) []run {
		runs := make([]run, n)
		var wg sync.WaitGroup
		for i := range runs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cctx, cancel := context.WithTimeout(ctx, 120*time.Second)
				defer cancel()
				cmd := exec.CommandContext(cctx, "hookctl", "trigger", "card.created", "--count", "40", "--concurrency", "8")
				cmd.Env, cmd.Dir = append(append([]string{}, c.env...), "HOOKCTL_STORE="+storeURL), c.dir
				var eb bytes.Buffer
				cmd.Stderr = &eb
				err := cmd.Run()
				runs[i] = run{code: cmd.ProcessState.ExitCode(), stderr: eb.String()}
				if cctx.Err() != nil {
					runs[i].code = -1
				} else if err != nil && cmd.ProcessState == nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		return runs
	}

	start := time.Now()
	runs := fleet(30, storeURL)
	codes := map[int]int{}
	for i, r := range runs {
		codes[r.code]++
		switch {
		case r.code == -1:
			t.Errorf("trigger %d still running after 120 s (hung); stderr:\n%s", i, r.stderr)
		case r.code != 0 && r.code != 3:
			t.Errorf("trigger %d: exit %d; stderr:\n%s", i, r.code, r.stderr)
		case r.code == 3 && !(strings.Contains(r.stderr, "max_connections") && strings.Contains(r.stderr, "pool_max_conns")):
			t.Errorf("trigger %d: exit 3 without the hint about max_connections and pool_max_conns:\n%s", i, r.stderr)
		case strings.Contains(r.stderr, "SQLSTATE") || strings.Contains(r.stderr, "FATAL"):
			t.Errorf("trigger %d: a raw server error:\n%s", i, r.stderr)
		}
	}
	t.Logf("30 triggers against 17 connections: %v (exit code: processes) in %s", codes, time.Since(start).Round(time.Millisecond))
	if codes[0] == 0 {
		t.Fatalf("no trigger succeeded: %v", codes)
	}

	// Capped at one connection a process, 15 fit in 17.
	capped := storeURL + "&pool_max_conns=1"
	for i, r := range fleet(15, capped) {
		if r.code != 0 || strings.Contains(r.stderr, "warning") {
			t.Errorf("trigger %d with pool_max_conns=1: exit %d; stderr:\n%s", i, r.code, r.stderr)
		}
	}

	// Every request the receiver answered is recorded, once.
	var ds []struct {
		EventID string `json:"event_id"`
	}
	if err := json.Unmarshal(c.hookctl(0, "deliveries", "list", "--status", "succeeded", "--limit", "0", "-o", "json"), &ds); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	twice := 0
	for _, n := range seen {
		if n > 1 {
			twice++
		}
	}
	if len(ds) != len(seen) || twice > 0 {
		t.Errorf("receiver: %d events (%d twice); store: %d succeeded deliveries", len(seen), twice, len(ds))
	}
	if want := (codes[0] + 15) * 40; len(ds) < want {
		t.Errorf("%d succeeded deliveries, want at least %d (40 per successful run)", len(ds), want)
	}
}

// Two teams share one database, a schema each (search_path in the URL):
// team B's worker claims none of team A's due deliveries, each team's
// receiver gets its own events only, and each store lists its own.
// hookctl uses no LISTEN/NOTIFY channel, so tables are all they share.
func TestFleetTeamsInSchemas(t *testing.T) {
	t.Parallel()
	type team struct {
		c    *crashEnv
		mu   sync.Mutex
		seen map[string]int
		app  *httptest.Server
	}
	teams := [2]*team{}
	for i := range teams {
		tm := &team{c: pgEnv(t, pgtest.URL(t)), seen: map[string]int{}}
		tm.app = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			tm.mu.Lock()
			tm.seen[r.Header.Get("Webhook-Id")]++
			tm.mu.Unlock()
		}))
		defer tm.app.Close()
		tm.c.hookctl(0, "subscribe", "--url", tm.app.URL+"/hooks", "--events", "*", "--scheme", "standard")
		teams[i] = tm
	}
	pending := func(tm *team) int {
		return bytes.Count(tm.c.hookctl(0, "deliveries", "list", "--status", "pending", "--limit", "0"), []byte("\n"))
	}
	// Both teams' deliveries are pending, none sent (the first attempt
	// is due in 1 s, and trigger stops waiting at once): a worker sends
	// them.
	for _, tm := range teams {
		tm.c.hookctl(0, "trigger", "card.created", "--count", "30", "--retry-schedule", "1s", "--wait", "1ms")
	}
	a, b := teams[0], teams[1]
	aPending := pending(a)
	// Team B's worker drains team B's store.
	w := b.c.cmd("hookctl", "worker", "--concurrency", "16")
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for pending(b) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("team B's worker did not drain team B's store in 60 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	w.Process.Signal(os.Interrupt)
	w.Wait()
	if got := pending(a); got != aPending || aPending != 30 {
		t.Errorf("team A's pending deliveries went from %d to %d while only team B's worker ran", aPending, got)
	}
	a.mu.Lock()
	aSeen := len(a.seen)
	a.mu.Unlock()
	b.mu.Lock()
	defer b.mu.Unlock()
	if aSeen != 0 || len(b.seen) != 30 {
		t.Fatalf("team B's worker sent %d requests to team A's receiver, %d to team B's", aSeen, len(b.seen))
	}
	var events []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(a.c.hookctl(0, "events", "log", "--limit", "0", "-o", "json"), &events); err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if b.seen[e.ID] > 0 {
			t.Errorf("team A's event %s reached team B's receiver", e.ID)
		}
	}
	if len(events) != 30 {
		t.Errorf("team A's store lists %d events, want its 30", len(events))
	}
}
