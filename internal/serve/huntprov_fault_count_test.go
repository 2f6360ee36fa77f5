package serve_test

import (
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestHuntprovFaultCountZero: POST /_hookctl/faults with "count": 0 is a
// 400 (count must be between 1 and 1000), as -1 is; before, it armed a
// fault for the next attempt, as if count 1 had been sent, and the test
// suite's next delivery failed. A count left out is still 1.
func TestHuntprovFaultCountZero(t *testing.T) {
	e := servetest.Start(t, nil)
	sub := subscribe(t, e, "*")
	code, body := e.Do("POST", "/_hookctl/faults", nil, map[string]any{"subscription": sub.ID, "count": 0, "status": 503})
	if code != 400 || !strings.Contains(string(body), "count must be between 1 and 1000") {
		t.Fatalf("count 0: %d %s, want 400", code, body)
	}
	if _, body := e.Do("GET", "/_hookctl/faults", nil, nil); !strings.Contains(string(body), `"data":[]`) {
		t.Fatalf("count 0 armed a fault: %s", body)
	}
	for _, req := range []string{`{"subscription":"` + sub.ID + `","status":503}`, `{"subscription":"` + sub.ID + `","status":503,"count":null}`} {
		code, body = e.Do("POST", "/_hookctl/faults", nil, req)
		if code != 201 || !strings.Contains(string(body), `"count":1,`) {
			t.Fatalf("%s: %d %s, want 201 with count 1", req, code, body)
		}
	}
}

// TestHuntprovFaultDelayMS: a delay_ms out of range is refused naming
// delay_ms in milliseconds; before, the message said "delay must be
// between 0s and 5m", and a delay_ms so large that it overflowed a
// Duration (18446744073710 ms) wrapped into a delay of under a
// millisecond and was armed (201).
func TestHuntprovFaultDelayMS(t *testing.T) {
	e := servetest.Start(t, nil)
	sub := subscribe(t, e, "*")
	for _, ms := range []int64{-1, 300001, 18446744073710} {
		code, body := e.Do("POST", "/_hookctl/faults", nil, map[string]any{"subscription": sub.ID, "delay_ms": ms})
		if code != 400 || !strings.Contains(string(body), "delay_ms must be between 0 and 300000 (5 minutes)") {
			t.Errorf("delay_ms %d: %d %s, want 400 naming delay_ms", ms, code, body)
		}
	}
	if code, body := e.Do("POST", "/_hookctl/faults", nil, map[string]any{"subscription": sub.ID, "delay_ms": 300000}); code != 201 {
		t.Errorf("delay_ms 300000: %d %s", code, body)
	}
}

// TestHuntprovFaultDropAndStatus: a fault with both drop and status is a
// 400; before, it was armed and listed with its status, and the status
// was never used (the answer is thrown away, recorded as a dropped
// connection). delay_ms goes with either.
func TestHuntprovFaultDropAndStatus(t *testing.T) {
	e := servetest.Start(t, nil)
	sub := subscribe(t, e, "*")
	code, body := e.Do("POST", "/_hookctl/faults", nil, map[string]any{"subscription": sub.ID, "drop": true, "status": 500})
	if code != 400 || !strings.Contains(string(body), "give status or drop, not both") {
		t.Fatalf("drop and status: %d %s, want 400", code, body)
	}
	for _, f := range []map[string]any{{"drop": true, "delay_ms": 10}, {"status": 503, "delay_ms": 10}} {
		f["subscription"] = sub.ID
		if code, body := e.Do("POST", "/_hookctl/faults", nil, f); code != 201 {
			t.Errorf("%v: %d %s", f, code, body)
		}
	}
}
