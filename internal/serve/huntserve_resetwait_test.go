package serve_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
	"github.com/hookctl/hookctl/internal/subscription"
)

// TestHuntserveResetNotHeldBySlowReceiver: a reset waits a moment for
// the attempts in flight (nothing of the test before reaches a receiver
// after its answer), but not for a receiver that hangs (a test of
// hookctl's timeout): a Jest afterEach has 5 s. The request of the
// attempt in flight reached the receiver before the reset began.
func TestHuntserveResetNotHeldBySlowReceiver(t *testing.T) {
	got := make(chan struct{}, 1)
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		got <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	e := servetest.Start(t, func(o *serve.Options) {
		o.AllowReset = true
		o.Timeout = time.Minute
	})
	if _, err := (&subscription.Service{Store: e.Store}).Create(t.Context(), subscription.CreateInput{URL: hang.URL, Events: []string{"card.created"}}); err != nil {
		t.Fatal(err)
	}
	if code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "card.created"}); code != 201 {
		t.Fatalf("trigger: %d %s", code, body)
	}
	select {
	case <-got:
	case <-time.After(20 * time.Second):
		t.Fatal("the receiver got nothing")
	}
	start := time.Now()
	if code, body := e.Do("POST", "/_hookctl/reset", nil, nil); code != 200 {
		t.Fatalf("reset: %d %s", code, body)
	}
	// The receiver hangs for the whole minute of the timeout: a reset
	// held until then fails a test suite's hook.
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("reset took %s, held by an attempt to a hanging receiver", took)
	}
}
