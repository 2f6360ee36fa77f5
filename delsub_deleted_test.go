package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// delsubApp is a receiver that fails (500) until told otherwise, and
// counts what it got.
type delsubApp struct {
	*httptest.Server
	fail atomic.Bool
	got  atomic.Int64
}

func newDelsubApp(t *testing.T) *delsubApp {
	a := &delsubApp{}
	a.fail.Store(true)
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		a.got.Add(1)
		if a.fail.Load() {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	t.Cleanup(a.Close)
	return a
}

type delsubDelivery struct {
	ID                    string  `json:"id"`
	SubscriptionID        *string `json:"subscription_id"`
	DeletedSubscriptionID string  `json:"deleted_subscription_id"`
	Status                string  `json:"status"`
}

func (c *crashEnv) delsubList(args ...string) []delsubDelivery {
	c.t.Helper()
	var ds []delsubDelivery
	out := c.hookctl(0, append([]string{"deliveries", "list", "-o", "json"}, args...)...)
	if err := json.Unmarshal(out, &ds); err != nil {
		c.t.Fatalf("deliveries list %v: %v\n%s", args, err, out)
	}
	return ds
}

// TestDelsubDeletedSubscriptionHistory: after `subscriptions delete ID`,
// on SQLite and PostgreSQL, the subscription's deliveries are still
// found by every subscription filter — deliveries list (by the id and by
// a prefix), deliveries tail, replay --failed — each saying the
// subscription was deleted (show: "ID (deleted)", -o json:
// deleted_subscription_id, no subscription_id), replay sends the failed
// one again as it was sent, and a live subscription's deliveries are not
// mixed in. Before, each filter said "subscription … not found" (exit
// 2), and show said "(none: ad hoc)".
func TestDelsubDeletedSubscriptionHistory(t *testing.T) {
	t.Parallel()
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			var c *crashEnv
			if backend == "postgres" {
				c = pgEnv(t, pgtest.URL(t))
			} else {
				c = newCrashEnv(t)
			}
			app, other := newDelsubApp(t), newDelsubApp(t)
			other.fail.Store(false)
			subscribe := func(url string) string {
				var s struct {
					ID string `json:"webhook_id"`
				}
				if err := json.Unmarshal(c.hookctl(0, "subscribe", "--url", url, "--events", "card.created", "-o", "json"), &s); err != nil || s.ID == "" {
					t.Fatalf("subscribe: %v", err)
				}
				return s.ID
			}
			gone, live := subscribe(app.URL), subscribe(other.URL)
			c.hookctl(1, "trigger", "card.created", "--no-retry")
			c.hookctl(0, "subscriptions", "delete", gone, "--yes")

			for _, sel := range []string{gone, gone[:8]} {
				ds := c.delsubList("--subscription", sel)
				if len(ds) != 1 || ds[0].Status != "failed" || ds[0].DeletedSubscriptionID != gone || ds[0].SubscriptionID != nil {
					t.Fatalf("deliveries list --subscription %s after the delete: %+v; want its failed delivery, deleted_subscription_id %s and no subscription_id", sel, ds, gone)
				}
			}
			id := c.delsubList("--subscription", gone)[0].ID
			if ds := c.delsubList("--subscription", live); len(ds) != 1 || ds[0].ID == id || ds[0].DeletedSubscriptionID != "" || ds[0].SubscriptionID == nil || *ds[0].SubscriptionID != live {
				t.Fatalf("deliveries list --subscription %s (live): %+v; want its one delivery only", live, ds)
			}
			show := string(c.hookctl(0, "deliveries", "show", id))
			if !strings.Contains(show, "Subscription: "+gone+" (deleted)") {
				t.Errorf("deliveries show of a deleted subscription's delivery:\n%s\nwant \"Subscription: %s (deleted)\"", show, gone)
			}
			tail := string(c.hookctl(0, "deliveries", "tail", "--subscription", gone[:8], "--timeout", "2s", "-o", "json"))
			if !strings.Contains(tail, `"id":"`+id+`"`) || !strings.Contains(tail, `"deleted_subscription_id":"`+gone+`"`) || strings.Count(tail, `"type":"delivery"`) != 1 {
				t.Errorf("deliveries tail --subscription %s:\n%s\nwant its one delivery, with deleted_subscription_id", gone[:8], tail)
			}

			app.fail.Store(false)
			before := app.got.Load()
			c.hookctl(0, "replay", "--failed", "--subscription", gone[:8], "--yes", "--no-retry")
			if n := app.got.Load() - before; n != 1 {
				t.Errorf("replay --failed --subscription of the deleted subscription sent %d requests, want 1", n)
			}
			if ds := c.delsubList("--subscription", gone); len(ds) != 1 || ds[0].Status != "succeeded" || ds[0].DeletedSubscriptionID != gone {
				t.Errorf("after the replay: %+v; want it succeeded, still the deleted subscription's", ds)
			}
			// Unknown ids are still unknown.
			out, errb := c.delsubRun(1, "deliveries", "list", "--subscription", "ffffffff")
			if out != "" || !strings.Contains(errb, `subscription "ffffffff" not found`) && !strings.Contains(errb, "subscription ffffffff not found") {
				t.Errorf("deliveries list --subscription ffffffff: stdout %q stderr %q; want not found", out, errb)
			}
		})
	}
}

// delsubRun runs hookctl, wanting exit wantCode, and returns stdout and
// stderr.
func (c *crashEnv) delsubRun(wantCode int, args ...string) (string, string) {
	c.t.Helper()
	var out, errb strings.Builder
	cmd := c.cmd("hookctl", args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if cmd.ProcessState != nil {
		code = cmd.ProcessState.ExitCode()
	} else if err != nil {
		c.t.Fatal(err)
	}
	if code != wantCode {
		c.t.Fatalf("hookctl %v: exit %d, want %d\nstdout: %s\nstderr: %s", args, code, wantCode, out.String(), errb.String())
	}
	return out.String(), errb.String()
}

// TestDelsubDeletedSubscriptionRoundTrip: store export/import keeps a
// deleted subscription's id on its deliveries, SQLite → PostgreSQL →
// SQLite; a dump written before (no deleted_subscription_id) still
// imports; and a subscription imported again gets its deliveries back
// (listed under it as before the delete).
func TestDelsubDeletedSubscriptionRoundTrip(t *testing.T) {
	t.Parallel()
	pgURL := pgtest.URL(t)
	a := newCrashEnv(t)
	app := newDelsubApp(t)
	var s struct {
		ID string `json:"webhook_id"`
	}
	if err := json.Unmarshal(a.hookctl(0, "subscribe", "--url", app.URL, "--events", "card.created", "-o", "json"), &s); err != nil {
		t.Fatal(err)
	}
	a.hookctl(1, "trigger", "card.created", "--no-retry", "--count", "2")
	withSub := filepath.Join(a.dir, "with-sub.jsonl")
	a.delsubExport(withSub)
	a.hookctl(0, "subscriptions", "delete", s.ID, "--yes")
	dump := filepath.Join(a.dir, "a.jsonl")
	a.delsubExport(dump)
	if b, _ := os.ReadFile(dump); strings.Count(string(b), `"deleted_subscription_id":"`+s.ID+`"`) != 2 {
		t.Fatalf("export after the delete:\n%s\nwant deleted_subscription_id on both deliveries", b)
	}

	p := pgEnv(t, pgURL)
	p.hookctl(0, "store", "import", dump)
	if ds := p.delsubList("--subscription", s.ID[:8]); len(ds) != 2 || ds[0].DeletedSubscriptionID != s.ID || ds[0].SubscriptionID != nil {
		t.Fatalf("PostgreSQL after the import: %+v; want both deliveries, of the deleted subscription", ds)
	}
	dump2 := filepath.Join(p.dir, "p.jsonl")
	p.delsubExport(dump2)

	b := newCrashEnv(t)
	b.hookctl(0, "store", "import", dump2)
	if ds := b.delsubList("--subscription", s.ID); len(ds) != 2 || ds[0].DeletedSubscriptionID != s.ID {
		t.Fatalf("SQLite after SQLite → PostgreSQL → SQLite: %+v; want both deliveries, of the deleted subscription", ds)
	}

	// An old dump (no deleted_subscription_id: its subscription left
	// out, as an export racing the delete wrote it) imports, the id kept
	// as a deleted one's; the subscription imported again takes its
	// deliveries back, on both backends.
	old, err := os.ReadFile(withSub)
	if err != nil {
		t.Fatal(err)
	}
	var noSub []string
	for _, l := range strings.Split(strings.TrimSpace(string(old)), "\n") {
		if !strings.HasPrefix(l, `{"subscription"`) {
			noSub = append(noSub, l)
		}
	}
	oldDump := filepath.Join(a.dir, "old.jsonl")
	if err := os.WriteFile(oldDump, []byte(strings.Join(noSub, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*crashEnv{newCrashEnv(t), pgEnv(t, pgtest.URL(t))} {
		c.hookctl(0, "store", "import", oldDump)
		if ds := c.delsubList("--subscription", s.ID); len(ds) != 2 || ds[0].DeletedSubscriptionID != s.ID {
			t.Fatalf("old dump without its subscription: %+v; want both deliveries, of the deleted subscription", ds)
		}
		c.hookctl(0, "store", "import", withSub)
		if ds := c.delsubList("--subscription", s.ID); len(ds) != 2 || ds[0].DeletedSubscriptionID != "" || ds[0].SubscriptionID == nil || *ds[0].SubscriptionID != s.ID {
			t.Fatalf("the subscription imported again: %+v; want both deliveries linked to it", ds)
		}
	}
}

// delsubExport writes the store's export to path.
func (c *crashEnv) delsubExport(path string) {
	c.t.Helper()
	if err := os.WriteFile(path, c.hookctl(0, "store", "export"), 0o600); err != nil {
		c.t.Fatal(err)
	}
}
