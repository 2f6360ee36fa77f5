package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestSubleftImportedAgainReplaysToIt: a subscription deleted, then
// imported again from an export made before the delete (store import:
// the one path that creates a subscription with a given id), takes its
// failed deliveries back, and `replay --failed --subscription ID` sends
// them to it: the receiver gets them, and they succeed, listed under it.
// SQLite and PostgreSQL. A guard: store import linked them before too;
// CreateSubscription itself now does (storetest SubleftCreatedAgain).
func TestSubleftImportedAgainReplaysToIt(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			c := newCrashEnv(t)
			if backend == "postgres" {
				c = pgEnv(t, pgtest.URL(t))
			}
			app := newDelsubApp(t)
			var s struct {
				ID string `json:"webhook_id"`
			}
			if err := json.Unmarshal(c.hookctl(0, "subscribe", "--url", app.URL, "--events", "card.created", "-o", "json"), &s); err != nil {
				t.Fatal(err)
			}
			c.hookctl(1, "trigger", "card.created", "--no-retry")
			before := filepath.Join(c.dir, "before.jsonl")
			c.delsubExport(before)
			c.hookctl(0, "subscriptions", "delete", s.ID, "--yes")
			if ds := c.delsubList("--subscription", s.ID); len(ds) != 1 || ds[0].DeletedSubscriptionID != s.ID {
				t.Fatalf("after the delete: %+v; want its delivery, of the deleted subscription", ds)
			}
			c.hookctl(0, "store", "import", before)
			ds := c.delsubList("--subscription", s.ID)
			if len(ds) != 1 || ds[0].SubscriptionID == nil || *ds[0].SubscriptionID != s.ID || ds[0].DeletedSubscriptionID != "" || ds[0].Status != "failed" {
				t.Fatalf("imported again: %+v; want its failed delivery, linked to it", ds)
			}
			app.fail.Store(false)
			sent := app.got.Load()
			c.hookctl(0, "replay", "--failed", "--subscription", s.ID, "--yes")
			if got := app.got.Load() - sent; got != 1 {
				t.Errorf("replay --failed --subscription %s: the receiver got %d requests, want 1", s.ID, got)
			}
			if ds := c.delsubList("--subscription", s.ID); len(ds) != 1 || ds[0].Status != "succeeded" || ds[0].SubscriptionID == nil {
				t.Errorf("after the replay: %+v; want it succeeded, the subscription's", ds)
			}
		})
	}
}
