package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
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
