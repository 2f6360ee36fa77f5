//go:build !windows

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeThroughPostgresRestart (HOOKCTL_PG_FAULT=1): `hookctl serve`
// on a shared PostgreSQL while the server is stopped for 3 s in the
// middle of deliveries. Meanwhile every API answers 503 with Retry-After
// in its own envelope (SDKs retry it; it was a 500, for Stripe with the
// type invalid_request_error), and the inspector a page that says so.
// Once the server is back, without restarting serve: every delivery
// triggered before the outage reaches the receiver exactly once (the
// attempts made during the outage are kept and recorded, not sent
// again), the APIs and the inspector answer again, and serve said on
// stderr once that it waited for the store and once that it is back.
func TestServeThroughPostgresRestart(t *testing.T) {
	pg := startFaultPG(t, "-c fsync=on -c synchronous_commit=on")
	c := pgEnv(t, pg.url)
	// Slow, and held after 20 requests until the store is down:
	// deliveries are surely pending (and attempts in flight) when it goes.
	app := newCountingReceiver(t, http.StatusOK, 40*time.Millisecond, holdAfter(20))
	c.hookctl(0, "subscribe", "--url", app.URL+"/hooks", "--events", "*", "--scheme", "standard")

	srv := startServe(t, c.cmd("hookctl", "serve", "--port", "0", "--concurrency", "4", "--timeout", "60s", "-o", "json"))
	base := srv.URL
	do := func(method, path, hdr, body string) (int, http.Header, string) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range strings.Split(hdr, "; ") {
			if k, v, ok := strings.Cut(h, ": "); ok {
				req.Header.Set(k, v)
			}
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	type call struct {
		name, method, path, hdr, body string
		down                          string // in the 503's body
	}
	calls := []call{
		{"stripe", "GET", "/v1/webhook_endpoints", "Authorization: Bearer sk_test_1", "", `"type":"api_error"`},
		{"svix", "GET", "/api/v1/app", "Authorization: Bearer k", "", `"code":"server_error"`},
		{"bond", "GET", "/api/v0.1/webhooks", "Identity: i; Authorization: k", "", `"Status":503`},
		{"mambu", "POST", "/api/communications/messages:search", "apiKey: k; Accept: application/vnd.mambu.v2+json", "[]", `"errorCode":6,`},
		{"control", "POST", "/_hookctl/trigger", "", `{"type":"card.created"}`, `"code":"store_unavailable"`},
		{"inspector", "GET", "/", "", "", "store cannot be reached right now"},
	}

	// Events triggered through the control API before the outage.
	const events = 300
	for i := range events {
		if code, _, body := do("POST", "/_hookctl/trigger", "", `{"type":"card.created"}`); code != 201 && code != 200 {
			t.Fatalf("trigger %d before the outage: %d %s", i, code, body)
		}
	}
	for all, _ := app.requests(time.Time{}); all < 20; all, _ = app.requests(time.Time{}) {
		time.Sleep(5 * time.Millisecond)
	}
	pg.ctl("-m", "fast", "stop")
	app.release()
	for _, k := range calls {
		code, h, body := do(k.method, k.path, k.hdr, k.body)
		if code != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || !strings.Contains(body, k.down) {
			t.Errorf("%s %s %s with the store down: %d, Retry-After %q, %.300s\nwant 503, Retry-After and %s",
				k.name, k.method, k.path, code, h.Get("Retry-After"), body, k.down)
		}
	}
	sentDuring, _ := app.requests(time.Time{})
	time.Sleep(3 * time.Second)
	pg.restart()

	deadline := time.Now().Add(90 * time.Second)
	for {
		got, _ := app.counts()
		if got >= events {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events reached the receiver 90 s after the restart\n%s", got, events, srv.stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The APIs and the inspector answer again, the same process.
	for _, k := range calls {
		if code, _, body := do(k.method, k.path, k.hdr, k.body); code >= 300 {
			t.Errorf("%s %s %s after the restart: %d %.300s", k.name, k.method, k.path, code, body)
		}
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		out := c.hookctl(0, "deliveries", "list", "--status", "pending", "--limit", "0")
		if len(bytes.TrimSpace(out)) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries still pending 30 s after all reached the receiver:\n%.500s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := srv.stop(syscall.SIGTERM); err != nil {
		t.Errorf("serve after SIGTERM: %v", err)
	}
	errOut := srv.stderr.String()
	seen, twice := app.counts()
	// (The control API's trigger after the restart sent one more.)
	t.Logf("receiver: %d events (%d sent before the restart), %d more than once; serve said:\n%s", seen, sentDuring, twice, errOut)
	if twice > 0 {
		t.Errorf("%d events reached the receiver more than once: the attempts made during the outage were not kept", twice)
	}
	var info struct{ Deliveries, Attempts int64 }
	if err := json.Unmarshal(c.hookctl(0, "store", "info", "-o", "json"), &info); err != nil {
		t.Fatal(err)
	}
	succeeded := bytes.Count(c.hookctl(0, "deliveries", "list", "--status", "succeeded", "--limit", "0"), []byte("\n"))
	if info.Attempts != int64(seen) || int64(succeeded) != info.Deliveries {
		t.Errorf("store: %d deliveries, %d succeeded, %d attempts; the receiver saw %d events", info.Deliveries, succeeded, info.Attempts, seen)
	}
	if k := strings.Count(errOut, "waiting for the store"); k != 1 {
		t.Errorf("serve said %d times that it waited for the store, want once", k)
	}
	if k := strings.Count(errOut, "the store is back"); k != 1 {
		t.Errorf("serve said %d times that the store is back, want once", k)
	}
	if strings.Contains(errOut, "cannot claim deliveries") {
		t.Errorf("serve warned at every claim instead of once")
	}
}
