package main

import (
	"strings"
	"testing"
)

// TestFreshDatabaseDefaultSearchPath: a fresh database whose search_path
// is the server's default (`"$user", public`, no search_path in the URL)
// takes hookctl's store in public: subscribe, trigger, deliveries list
// and store info work. The server shows the default quoted, and "$user"
// was read as a schema of that name: every command exited 3 with 'user
// postgres may not use schema "$user", the first of search_path'.
func TestFreshDatabaseDefaultSearchPath(t *testing.T) {
	t.Parallel()
	c := pgEnv(t, freshPGDatabase(t))
	c.hookctl(0, "subscribe", "--url", "http://127.0.0.1:1/h", "--events", "card.created")
	c.hookctl(1, "trigger", "card.created", "--no-retry", "--timeout", "1s")
	if out := string(c.hookctl(0, "deliveries", "list", "-o", "json")); !strings.Contains(out, `"card.created"`) {
		t.Errorf("deliveries list after the trigger:\n%s", out)
	}
	if out := string(c.hookctl(0, "store", "info")); !strings.Contains(out, "subscriptions\t1") {
		t.Errorf("store info does not count the subscription:\n%s", out)
	}
}
