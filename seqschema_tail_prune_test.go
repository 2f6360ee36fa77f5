//go:build !windows

package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// seqschemaDump writes a store export file: one event and delivery per
// entry of statuses, event type typ, created at at (RFC 3339), the
// deliveries numbered from seq.
func seqschemaDump(t *testing.T, path, typ, at string, seq int, statuses ...string) {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"hookctl_dump":{"version":2,"exported_at":"2026-12-06T07:00:00Z","store":"sqlite"}}` + "\n")
	for i, st := range statuses {
		ev := fmt.Sprintf("evt_%s_%d", typ, i)
		e, _ := json.Marshal(map[string]any{"event": map[string]any{"id": ev, "type": typ, "provider": "bond", "source": "triggered",
			"created_at": at, "content_type": "application/json", "payload": map[string]any{"i": i}}})
		d := map[string]any{"id": fmt.Sprintf("dlv-%s-%d", typ, i), "seq": seq + i, "event_id": ev, "url": "http://127.0.0.1:9/hook",
			"status": st, "max_attempts": 5, "schedule": "0s", "created_at": at, "updated_at": at}
		if st == "pending" {
			d["next_attempt_at"] = "2099-01-01T00:00:00Z"
		} else {
			d["attempt_count"] = 1
		}
		dl, _ := json.Marshal(map[string]any{"delivery": d})
		b.Write(e)
		b.WriteString("\n")
		b.Write(dl)
		b.WriteString("\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestSeqschemaTailAfterPruneOfAllReadSQLite: `store prune` deleted the
// newest deliveries, every one a running tail had read (more than the
// 1,000 it remembered), and kept an older one (pending); then a dump of
// old-dated deliveries naming deleted positions is imported and a
// trigger made: tail prints each of them once, and no new delivery took
// a position given before (SQLite schema 11). Before, the deleted
// positions were given again, tail found none of the deliveries it
// remembered, fell back on creation times and skipped the imported ones.
func TestSeqschemaTailAfterPruneOfAllReadSQLite(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	t.Cleanup(app.Close)
	const n = 1005
	statuses := []string{"pending"} // kept by the prune
	for range n {
		statuses = append(statuses, "succeeded")
	}
	first := filepath.Join(c.dir, "first.jsonl")
	seqschemaDump(t, first, "card.first", "2026-12-06T07:00:00Z", 1, statuses...)
	c.hookctl(0, "store", "import", first)
	p := startTail(c, "--lines", "0", "--interval", "20ms")
	if out := string(c.hookctl(0, "store", "prune", "--older-than", "0", "--yes")); !strings.Contains(out, fmt.Sprint(n)) {
		t.Fatalf("prune: %s, want %d deliveries deleted", out, n)
	}
	back := filepath.Join(c.dir, "back.jsonl")
	seqschemaDump(t, back, "card.back", "2020-01-02T03:04:05Z", 5, "failed", "failed")
	c.hookctl(0, "store", "import", back)
	c.hookctl(0, "subscribe", "--url", app.URL+"/hook", "--events", "card.*")
	c.hookctl(0, "trigger", "card.created")
	p.waitFor("the imported deliveries and the trigger's", func() bool {
		return strings.Contains(p.out.String(), "--> card.created")
	})
	out := p.stop(syscall.SIGINT)
	for typ, want := range map[string]int{"--> card.back": 2, "--> card.created": 1, "--> card.first": 0} {
		if got := strings.Count(out, typ); got != want {
			t.Errorf("%q printed %d times, want %d:\n%s", typ, got, want, out)
		}
	}
	// Every delivery stored after the prune is above every position
	// given before it.
	var exp strings.Builder
	exp.Write(c.hookctl(0, "store", "export"))
	for _, line := range strings.Split(exp.String(), "\n") {
		var r struct {
			Delivery *struct {
				ID  string `json:"id"`
				Seq int64  `json:"seq"`
			} `json:"delivery"`
		}
		if json.Unmarshal([]byte(line), &r) != nil || r.Delivery == nil || strings.HasPrefix(r.Delivery.ID, "dlv-card.first-") {
			continue
		}
		if r.Delivery.Seq <= n+1 {
			t.Errorf("delivery %s stored after the prune took position %d, given before (1–%d)", r.Delivery.ID, r.Delivery.Seq, n+1)
		}
	}
}
