//go:build !windows

package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHuntserveResetIsolatesTests: a test suite's afterEach calls POST
// /_hookctl/reset, and the next test's receiver must not get the
// previous test's events. Before, reset answered while the worker still
// held deliveries it had claimed (or was handed by the trigger), and
// sent them after: a delivery held by a delay fault arrived seconds
// after the reset, and one triggered just before the reset arrived after
// its answer about one time in three.
func TestHuntserveResetIsolatesTests(t *testing.T) {
	t.Parallel()
	var (
		mu       sync.Mutex
		arrivals []time.Time
	)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		arrivals = append(arrivals, now)
		mu.Unlock()
	}))
	defer recv.Close()
	// arrivedAfter counts the requests whose handler started after t0.
	arrivedAfter := func(t0 time.Time) int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, a := range arrivals {
			if a.After(t0) {
				n++
			}
		}
		return n
	}
	g := newGhostEnv(t)
	p := startServe(t, g.cmd("serve", "--allow-reset", "--port", "0", "-o", "json"))
	base := strings.TrimSuffix(p.URL, "/")
	post := func(path, body string, h ...string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(h); i += 2 {
			req.Header.Set(h[i], h[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode/100 != 2 {
			t.Fatalf("POST %s: %d %s", path, resp.StatusCode, b)
		}
		var out map[string]any
		json.Unmarshal(b, &out)
		return out
	}
	subscribe := func() string {
		t.Helper()
		out := post("/api/v0/webhooks/", `{"events":["card.created"],"callback_url":"`+recv.URL+`/bond"}`, "Identity", "id", "Authorization", "key")
		id, _ := out["webhook_id"].(string)
		if id == "" {
			t.Fatalf("no webhook_id: %v", out)
		}
		return id
	}

	// A delivery held by a delay fault (an app's test of a slow
	// provider): the reset ends it, it is never sent.
	sub := subscribe()
	post("/_hookctl/faults", `{"subscription":"`+sub+`","count":1,"delay_ms":3000}`)
	post("/_hookctl/trigger", `{"type":"card.created"}`)
	start := time.Now()
	post("/_hookctl/reset", "")
	resetAt := time.Now()
	if d := resetAt.Sub(start); d > 2500*time.Millisecond {
		t.Errorf("reset took %s: it waited out the 3 s delay fault instead of ending it", d)
	}
	// The fault's 3 s, and as much again for a loaded machine.
	time.Sleep(time.Until(start.Add(6 * time.Second)))
	if n := arrivedAfter(resetAt); n != 0 {
		t.Errorf("%d request(s) of an event held by a delay fault reached the receiver after the reset answered", n)
	}

	// Trigger, then reset at once, as one test's last step and the
	// next one's afterEach: nothing reaches the receiver after the
	// reset's answer.
	late := 0
	for range 25 {
		subscribe()
		post("/_hookctl/trigger", `{"type":"card.created"}`)
		post("/_hookctl/reset", "")
		resetAt := time.Now()
		// A delivery the worker held goes out within milliseconds;
		// 300 ms is ample, and a late one counts however late it is
		// (the next round's window finds it too).
		time.Sleep(300 * time.Millisecond)
		if arrivedAfter(resetAt) > 0 {
			late++
		}
		mu.Lock()
		arrivals = nil
		mu.Unlock()
	}
	if late > 0 {
		t.Errorf("in %d of 25 rounds an event triggered before the reset reached the receiver after the reset answered", late)
	}
}
