package main

import (
	"encoding/json"
	"testing"
)

// subscribe and subscriptions update take -H for --header, as trigger,
// listen and verify do: -H was refused ("unknown shorthand flag: 'H'",
// exit 2), though a curl user types it first.
func TestCurlfixHeaderShorthand(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	var sub struct {
		ID      string            `json:"webhook_id"`
		Headers map[string]string `json:"headers"`
	}
	out := c.hookctl(0, "subscribe", "--url", "http://127.0.0.1:9/hooks", "--events", "card.*", "-H", "X-Env: staging", "-H", "X-Team: cards", "-o", "json")
	if err := json.Unmarshal(out, &sub); err != nil {
		t.Fatalf("subscribe -o json: %v\n%s", err, out)
	}
	if sub.Headers["X-Env"] != "staging" || sub.Headers["X-Team"] != "cards" || len(sub.Headers) != 2 {
		t.Errorf("subscribe -H: headers %v", sub.Headers)
	}
	c.hookctl(0, "subscriptions", "update", sub.ID, "-H", "X-Env: production")
	out = c.hookctl(0, "subscriptions", "get", sub.ID, "-o", "json")
	if err := json.Unmarshal(out, &sub); err != nil {
		t.Fatalf("subscriptions get -o json: %v\n%s", err, out)
	}
	if sub.Headers["X-Env"] != "production" || sub.Headers["X-Team"] != "cards" || len(sub.Headers) != 2 {
		t.Errorf("subscriptions update -H: headers %v", sub.Headers)
	}
}
