package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/tidwall/gjson"
)

// TestTriggerBondEventsDistinctTimes: Bond sends no event id, and check
// tells a receiver to recognise a Bond event by its name and
// occurred_at. `trigger --count` built events in the same microsecond
// with the same occurred_at (52 of 2,000 in one run), so such a receiver
// dropped events it had never seen as duplicates. Every event of a run
// now has its own time.
func TestTriggerBondEventsDistinctTimes(t *testing.T) {
	c := newCrashEnv(t)
	var mu sync.Mutex
	keys := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		keys[gjson.GetBytes(body, "event").String()+" "+gjson.GetBytes(body, "occurred_at").String()]++
		mu.Unlock()
	}))
	defer srv.Close()
	c.hookctl(0, "trigger", "card.created", "--url", srv.URL+"/h", "--count", "2000", "--concurrency", "16",
		"--secret", "whsec_XqTEJtniwuEhp0A1c1cTJNsmpR/qgOfB")
	mu.Lock()
	defer mu.Unlock()
	n := 0
	for k, seen := range keys {
		n += seen
		if seen > 1 {
			t.Errorf("%d events share %q", seen, k)
		}
	}
	if n != 2000 {
		t.Errorf("the receiver got %d events, want 2000", n)
	}
}
