//go:build !windows

package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestHuntwebResetWithSeparateWorker: `serve --no-worker` beside a
// `hookctl worker` on the same store (a CI fleet's layout), a test suite
// that triggers and then resets between two tests. The worker claims
// deliveries ahead of its sends and holds them in memory; before, the
// reset emptied the store and answered while it held them, and it sent
// them after, into the next test's receiver (on SQLite 11–54 requests
// of some 600 in 20 rounds, in each of 7 runs; on PostgreSQL seldom
// here, its TRUNCATE waiting for the worker's transactions:
// internal/serve's TestHuntwebResetStopsAnotherWorkersHeldSends shows
// it there). Now the reset waits for the leased deliveries to be sent
// (the others are held back meanwhile), and a worker that still holds
// one once the store is emptied sends nothing of it.
func TestHuntwebResetWithSeparateWorker(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			g := newGhostEnv(t)
			if backend == "postgres" {
				if os.Getenv("HOOKCTL_TEST_POSTGRES") == "" {
					t.Skip("needs HOOKCTL_TEST_POSTGRES")
				}
				g.db = pgtest.URL(t)
			}
			var (
				mu       sync.Mutex
				arrivals []time.Time
			)
			// A receiver a little slow, as an app under test is: the
			// worker holds a queue of claimed deliveries behind its sends.
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				now := time.Now()
				io.Copy(io.Discard, r.Body)
				mu.Lock()
				arrivals = append(arrivals, now)
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}))
			defer recv.Close()
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
			p := startServe(t, g.cmd("serve", "--allow-reset", "--no-worker", "--port", "0", "-o", "json"))
			// Many sends in flight at once, as a fleet's worker has.
			w := g.cmd("worker", "-o", "json", "--poll", "50ms", "--concurrency", "32")
			w.Stdout, w.Stderr = io.Discard, io.Discard
			if err := w.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { w.Process.Kill(); w.Wait() })
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
			late, sent := 0, 0
			var longest time.Duration
			const rounds = 20
			for range rounds {
				for range 32 {
					post("/api/v0/webhooks/", `{"events":["card.created"],"callback_url":"`+recv.URL+`/bond"}`, "Identity", "id", "Authorization", "key")
				}
				// The test: 4 events, 128 deliveries; it waits for the
				// first to arrive, then ends (its afterEach resets).
				t0 := time.Now()
				for range 4 {
					post("/_hookctl/trigger", `{"type":"card.created"}`)
				}
				for deadline := time.Now().Add(30 * time.Second); arrivedAfter(t0) < 1; time.Sleep(5 * time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatal("the worker sent nothing in 30 s")
					}
				}
				start := time.Now()
				post("/_hookctl/reset", "")
				resetAt := time.Now()
				d := resetAt.Sub(start)
				longest = max(longest, d)
				// The hold waits 2 s at most, then the reset goes on: this
				// catches a wait that never ends, with room for a loaded
				// machine's TRUNCATE (the figure is logged below).
				if d > 10*time.Second {
					t.Errorf("reset took %s", d)
				}
				// A delivery the worker held goes out within
				// milliseconds of the reset; a late one counts however
				// late it is (the next round's window finds it too).
				time.Sleep(500 * time.Millisecond)
				n := arrivedAfter(resetAt)
				late += n
				mu.Lock()
				sent += len(arrivals)
				arrivals = nil
				mu.Unlock()
			}
			t.Logf("the longest reset took %s", longest)
			if late > 0 {
				t.Errorf("%d of %d requests of events triggered before a reset reached the receiver after the reset answered (%d rounds)", late, sent, rounds)
			}
		})
	}
}
