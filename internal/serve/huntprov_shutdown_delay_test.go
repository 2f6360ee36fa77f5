package serve_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestHuntprovShutdownEndsDelayFaults: stopping serve (Ctrl-C, SIGTERM,
// a test suite's teardown) while a delay fault holds a delivery ends the
// delay: the request goes out at once and serve stops, as a reset ends
// the delays. Before, Shutdown waited the delay out, up to the 5 minutes
// a fault may hold one (docker stop's grace, then SIGKILL, or a CI step's
// timeout, came first), and sent it then.
func TestHuntprovShutdownEndsDelayFaults(t *testing.T) {
	e := servetest.Start(t, nil)
	sub := subscribe(t, e, "card.created")
	if code, body := e.Do("POST", "/_hookctl/faults", nil, map[string]any{"subscription": sub.ID, "delay_ms": 300000}); code != 201 {
		t.Fatalf("arm: %d %s", code, body)
	}
	if code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "card.created"}); code != 201 {
		t.Fatalf("trigger: %d %s", code, body)
	}
	// The fault is taken once the delay holds the send.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, body := e.Do("GET", "/_hookctl/faults", nil, nil); strings.Contains(string(body), `"data":[]`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the delay fault was never taken")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- e.Server.Shutdown(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(90 * time.Second):
		t.Fatalf("shutdown still waiting after %s: the 5-minute delay fault holds it", time.Since(start).Round(time.Second))
	}
	got := e.Recv.Next(t, time.Second)
	if !strings.Contains(string(got.Body), `"card.created"`) {
		t.Fatalf("the held delivery was not sent at shutdown: %s", got.Body)
	}
}
