//go:build !windows

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// faulthuntCSRFMeta is the CSRF token every inspector page carries.
var faulthuntCSRFMeta = regexp.MustCompile(`name="csrf-token" content="([^"]+)"`)

// TestFaulthuntUIThroughPostgresRestart (HOOKCTL_PG_FAULT=1): `hookctl ui`
// (the inspector, which runs a worker for the store) on a PostgreSQL
// stopped for 5 s while its worker has attempts in flight. The worker's
// engine had no store wait: the first attempt it could not record
// stopped it, silently, for the rest of the process. The deliveries it
// had sent during the outage stayed pending with no attempt (leased to
// it, though it had stopped), and nothing triggered from the page after
// the restart was ever sent. Now it waits, records the attempts it made
// once the store is back (none sent twice), goes on delivering, and says
// on stderr once that it waits and once that the store is back; the page
// answers 503 meanwhile, 2xx again after.
func TestFaulthuntUIThroughPostgresRestart(t *testing.T) {
	pg := startFaultPG(t, "-c fsync=on -c synchronous_commit=on")
	c := pgEnv(t, pg.url)
	// Slow, and held after 20 requests until the store is down: attempts
	// are surely in flight when it goes.
	app := newCountingReceiver(t, http.StatusOK, 40*time.Millisecond, holdAfter(20))
	c.hookctl(0, "subscribe", "--url", app.URL+"/hooks", "--events", "*", "--scheme", "standard")
	ui, get, trigger := faulthuntStartUI(t, c)

	const before = 60
	for i := range before {
		if code, body := trigger(); code != http.StatusSeeOther {
			t.Fatalf("trigger %d before the outage: %d %.500s", i, code, body)
		}
	}
	app.waitRequests(t, 20)
	pg.ctl("-m", "fast", "stop")
	// The held attempts end now, while the store is down: they cannot be
	// recorded until it is back.
	app.release()
	if code, body := get("/"); code != http.StatusServiceUnavailable || !strings.Contains(body, "store cannot be reached") {
		t.Errorf("the inspector with the store down: %d %.300s", code, body)
	}
	if code, body := trigger(); code != http.StatusServiceUnavailable {
		t.Errorf("trigger with the store down: %d %.300s", code, body)
	}
	time.Sleep(5 * time.Second) // the outage
	pg.restart()

	// The page answers again, and what it triggers now is delivered too.
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, body := trigger()
		if code == http.StatusSeeOther {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("trigger 60 s after the restart: %d %.300s\n%s", code, body, ui.stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	const all = before + 1
	deadline = time.Now().Add(90 * time.Second)
	for {
		if got, _ := app.counts(); got >= all {
			break
		}
		if time.Now().After(deadline) {
			got, _ := app.counts()
			t.Fatalf("%d of %d events reached the receiver 90 s after the restart (the inspector's worker stopped?)\n%s", got, all, ui.stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		out := c.hookctl(0, "deliveries", "list", "--status", "pending", "--limit", "0")
		if len(bytes.TrimSpace(out)) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries still pending 30 s after all reached the receiver (their attempts made during the outage were not recorded):\n%.1000s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := ui.stop(syscall.SIGTERM); err != nil {
		t.Errorf("ui after SIGTERM: %v", err)
	}
	errOut := ui.stderr.String()
	seen, twice := app.counts()
	t.Logf("receiver: %d events, %d more than once; ui said:\n%s", seen, twice, errOut)
	if twice > 0 {
		t.Errorf("%d events reached the receiver more than once", twice)
	}
	succeeded := bytes.Count(c.hookctl(0, "deliveries", "list", "--status", "succeeded", "--limit", "0"), []byte("\n"))
	if succeeded != all {
		t.Errorf("%d deliveries succeeded in the store, want %d", succeeded, all)
	}
	if k := strings.Count(errOut, "waiting for the store"); k != 1 {
		t.Errorf("ui said %d times that it waited for the store, want once", k)
	}
	if k := strings.Count(errOut, "the store is back"); k != 1 {
		t.Errorf("ui said %d times that the store is back, want once", k)
	}
}

// faulthuntStartUI starts `hookctl ui` on c's store and returns it, a GET
// of one of its pages and a trigger of card.created from its Trigger page
// (303 when it was stored and queued).
func faulthuntStartUI(t *testing.T, c *crashEnv) (ui *servedProcess, get func(path string) (int, string), trigger func() (int, string)) {
	t.Helper()
	ui = startServe(t, c.cmd("hookctl", "ui", "--addr", "127.0.0.1:0", "--no-open", "-o", "json"))
	base := strings.TrimSuffix(ui.URL, "/")
	noRedirect := &http.Client{Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get = func(path string) (int, string) {
		t.Helper()
		resp, err := noRedirect.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	_, page := get("/trigger")
	m := faulthuntCSRFMeta.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the trigger page:\n%.2000s", page)
	}
	trigger = func() (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", base+"/trigger", strings.NewReader(url.Values{"_csrf": {m[1]}, "type": {"card.created"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatalf("POST /trigger: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	return ui, get, trigger
}

// TestFaulthuntUIStoppedDuringPostgresOutage (HOOKCTL_PG_FAULT=1):
// `hookctl ui` stopped with SIGTERM while PostgreSQL is down and its
// worker holds attempts it sent but could not record. It used to exit at
// once (its worker had already stopped at the first attempt it could not
// record): those attempts were lost, their deliveries left pending to be
// sent again. Now it says it is shutting down, waits for the store,
// records them, and exits 0 once the server is back: the store has one
// attempt per request the receiver got, every delivery succeeded.
func TestFaulthuntUIStoppedDuringPostgresOutage(t *testing.T) {
	pg := startFaultPG(t, "-c fsync=on -c synchronous_commit=on")
	c := pgEnv(t, pg.url)
	// The first 4 answered, the next held until the store is down.
	app := newCountingReceiver(t, http.StatusOK, 0, holdAfter(4))
	c.hookctl(0, "subscribe", "--url", app.URL+"/hooks", "--events", "*", "--scheme", "standard")
	ui, _, trigger := faulthuntStartUI(t, c)
	const n = 10
	for i := range n {
		if code, body := trigger(); code != http.StatusSeeOther {
			t.Fatalf("trigger %d: %d %.500s", i, code, body)
		}
	}
	app.waitRequests(t, n) // 6 held, in flight
	pg.ctl("-m", "fast", "stop")
	app.release() // answered now: not recordable until the store is back
	// The worker finds the store away (the notice; the old worker said
	// nothing and stopped: the test goes on after the wait, and fails below).
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(ui.stderr.String(), "waiting for the store") && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	ui.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- ui.wait() }()
	select {
	case <-done:
		t.Errorf("ui exited at once on SIGTERM with the store down and attempts not recorded\n%s", ui.stderr.String())
		pg.restart()
	case <-time.After(3 * time.Second):
		pg.restart()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("ui after SIGTERM, once the store was back: %v\n%s", err, ui.stderr.String())
			}
		case <-time.After(90 * time.Second):
			t.Fatalf("ui still running 90 s after the store came back\n%s", ui.stderr.String())
		}
	}
	errOut := ui.stderr.String()
	if !strings.Contains(errOut, "Shutting down: finishing what is in flight") {
		t.Errorf("ui did not say it was shutting down:\n%s", errOut)
	}
	var info struct{ Deliveries, Attempts int64 }
	if err := json.Unmarshal(c.hookctl(0, "store", "info", "-o", "json"), &info); err != nil {
		t.Fatal(err)
	}
	got, _ := app.requests(time.Time{})
	pending := strings.TrimSpace(string(c.hookctl(0, "deliveries", "list", "--status", "pending", "--limit", "0")))
	if info.Attempts != int64(got) || info.Deliveries != n || pending != "" {
		t.Errorf("store: %d deliveries, %d attempts, pending:\n%s\nthe receiver got %d requests: the attempts made during the outage were not recorded\nui said:\n%s",
			info.Deliveries, info.Attempts, pending, got, errOut)
	}
}
