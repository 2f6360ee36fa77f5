package serve_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/delivery"
	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestHuntserveDeliveryWait: a test suite waits for a delivery's outcome
// with one request, GET /_hookctl/deliveries/{id}?wait=10s, answered as
// soon as the delivery succeeded or failed (or with it still pending
// when the wait ends), instead of a sleep-and-poll loop. Before, wait
// was ignored (unknown query flags are): the delivery came back pending.
func TestHuntserveDeliveryWait(t *testing.T) {
	e := servetest.Start(t, func(o *serve.Options) {
		o.AllowReset = true
		o.Schedule = delivery.Schedule{0, time.Hour} // a failure is retried an hour later
	})
	sub := subscribe(t, e, "card.created")
	trigger := func() string {
		t.Helper()
		code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "card.created"})
		var out struct{ Deliveries []struct{ ID string } }
		if json.Unmarshal(body, &out); code/100 != 2 || len(out.Deliveries) != 1 {
			t.Fatalf("trigger: %d %s", code, body)
		}
		return out.Deliveries[0].ID
	}
	get := func(path string) (int, string, []int, time.Duration) {
		t.Helper()
		start := time.Now()
		code, body := e.Do("GET", path, nil, nil)
		var d struct {
			Status   string
			Attempts []struct{ Response struct{ Status int } }
		}
		json.Unmarshal(body, &d)
		var st []int
		for _, a := range d.Attempts {
			st = append(st, a.Response.Status)
		}
		if code != 200 {
			return code, string(body), nil, time.Since(start)
		}
		return code, d.Status, st, time.Since(start)
	}

	// Held 700 ms by a delay fault: the wait answers once it succeeded.
	if code, body := e.Do("POST", "/_hookctl/faults", nil, map[string]any{"subscription": sub.ID, "delay_ms": 700}); code != 201 {
		t.Fatalf("arm: %d %s", code, body)
	}
	id := trigger()
	code, status, attempts, took := get("/_hookctl/deliveries/" + id + "?wait=30s")
	if code != 200 || status != "succeeded" || len(attempts) != 1 || attempts[0] != 200 {
		t.Fatalf("?wait=30s: %d %s attempts %v, want the delivery succeeded with its attempt", code, status, attempts)
	}
	if took < 600*time.Millisecond || took > 20*time.Second {
		t.Errorf("?wait=30s answered after %s: want once the 700 ms delay was over", took)
	}
	// The list by event id (a Svix message's, whose deliveries a test
	// does not know): once none is pending, whatever ?status= shows.
	e.Do("POST", "/_hookctl/faults", nil, map[string]any{"subscription": sub.ID, "delay_ms": 700})
	code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "card.created"})
	var trig struct {
		Event struct{ ID string }
	}
	if json.Unmarshal(body, &trig); code != 201 || trig.Event.ID == "" {
		t.Fatalf("trigger: %d %s", code, body)
	}
	code, body = e.Do("GET", "/_hookctl/deliveries?status=succeeded&wait=30s&event_id="+trig.Event.ID, nil, nil)
	var list struct{ Data []struct{ Status string } }
	if json.Unmarshal(body, &list); code != 200 || len(list.Data) != 1 || list.Data[0].Status != "succeeded" {
		t.Fatalf("deliveries?event_id=…&status=succeeded&wait=30s: %d %s, want its delivery succeeded", code, body)
	}
	if code, body := e.Do("GET", "/_hookctl/deliveries?wait=soon", nil, nil); code != 400 || !strings.Contains(string(body), "wait") {
		t.Errorf("deliveries?wait=soon: %d %s, want 400 about wait", code, body)
	}
	// Failing, its retry an hour off: still pending when the wait ends.
	e.Recv.SetStatus(500)
	id = trigger()
	code, status, _, took = get("/_hookctl/deliveries/" + id + "?wait=1s")
	if code != 200 || status != "pending" || took < time.Second {
		t.Errorf("?wait=1s on a delivery retried later: %d %s after %s, want pending after 1 s", code, status, took)
	}
	// A duration that is not one, or too long: 400 saying so.
	for _, w := range []string{"soon", "-1s", "2m"} {
		if code, body, _, _ := get("/_hookctl/deliveries/" + id + "?wait=" + w); code != 400 || !strings.Contains(body, "wait") {
			t.Errorf("?wait=%s: %d %s, want 400 about wait", w, code, body)
		}
	}
	// Emptied by a reset while waited for: 404, at once.
	done := make(chan int, 1)
	go func() { c, _, _, _ := get("/_hookctl/deliveries/" + id + "?wait=30s"); done <- c }()
	time.Sleep(200 * time.Millisecond)
	e.Do("POST", "/_hookctl/reset", nil, nil)
	select {
	case c := <-done:
		if c != 404 {
			t.Errorf("waiting on a delivery a reset removed: %d, want 404", c)
		}
	case <-time.After(15 * time.Second):
		t.Error("a wait on a delivery a reset removed did not end")
	}
}
