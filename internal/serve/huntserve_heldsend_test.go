package serve_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/serve"
	"github.com/hookctl/hookctl/internal/serve/servetest"
)

// TestHuntserveDelayedSendToRemovedEndpoint: a delivery held by a delay
// fault (POST /_hookctl/faults, delay_ms: a test of a slow provider) is
// not sent to an endpoint deleted or disabled while it was held, as the
// worker sends nothing to one deleted or disabled before its attempt
// starts. Before, the fault's delay came after that check, and the
// request went out to the removed endpoint when the delay ended.
func TestHuntserveDelayedSendToRemovedEndpoint(t *testing.T) {
	e := servetest.Start(t, func(o *serve.Options) { o.AllowReset = true })
	bond := map[string]string{"Identity": "i", "Authorization": "k"}
	for _, remove := range []string{"DELETE", "PATCH"} {
		code, body := e.Do("POST", "/api/v0.1/webhooks", bond, map[string]any{"events": []string{"card.created"}, "url": e.Recv.URL + "/" + remove, "version": "0.1"})
		if code/100 != 2 {
			t.Fatalf("create: %d %s", code, body)
		}
		var sub struct {
			S struct{ ID string } `json:"webhook_subscription"`
		}
		json.Unmarshal(body, &sub)
		if code, body := e.Do("POST", "/_hookctl/faults", nil, map[string]any{"subscription": sub.S.ID, "delay_ms": 1500}); code != 201 {
			t.Fatalf("arm: %d %s", code, body)
		}
		if code, body := e.Do("POST", "/_hookctl/trigger", nil, map[string]any{"type": "card.created"}); code != 201 {
			t.Fatalf("trigger: %d %s", code, body)
		}
		if remove == "DELETE" {
			code, body = e.Do("DELETE", "/api/v0.1/webhooks/"+sub.S.ID, bond, nil)
		} else {
			code, body = e.Do("PATCH", "/api/v0.1/webhooks/"+sub.S.ID, bond, map[string]any{"status": "STATUS_DISABLED"})
		}
		if code/100 != 2 {
			t.Fatalf("%s: %d %s", remove, code, body)
		}
		// The fault's 1.5 s, and as much again for a loaded machine.
		e.Recv.None(t, 3*time.Second)
	}
}
