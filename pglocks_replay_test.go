package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestPglocksReplayFailedOverManyEndedLeases: `replay --failed` on a
// PostgreSQL store holding tens of thousands of failed deliveries leased
// in place to a replayer of another host that was killed (its leases
// ended; this host cannot tell it dead) replays them. Its bulk requeue
// tried each row's lease-wait lock as it read the rows (all of them,
// sorted by seq), one lock-table entry each until the commit, and the
// server's lock table ran out: "out of shared memory", exit 1, nothing
// replayed, at every try.
func TestPglocksReplayFailedOverManyEndedLeases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := pgtest.URL(t)
	c := pgEnv(t, u)
	c.hookctl(0, "store", "migrate")
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got.Add(1) }))
	t.Cleanup(srv.Close)

	db, err := postgres.OpenDB(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Twice the server's whole lock table (max_locks_per_transaction for
	// each of its connections, prepared transactions and background
	// processes).
	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT 2 * current_setting('max_locks_per_transaction')::int *
		(current_setting('max_connections')::int + current_setting('max_prepared_transactions')::int +
		 current_setting('autovacuum_max_workers')::int + current_setting('max_worker_processes')::int +
		 current_setting('max_wal_senders')::int + 1)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n > 200000 {
		t.Skipf("the server's lock table has %d slots: too many rows to fill it", n/2)
	}
	ev := &store.Event{Type: "card.created", Provider: "bond", Payload: []byte(`{}`), ContentType: "application/json", Source: store.SourceTriggered}
	if err := db.CreateEvent(ctx, ev, nil); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := db.Pool().Exec(ctx, `INSERT INTO deliveries (id, event_id, url, status, attempt_count, max_attempts, schedule,
			next_attempt_at, lease_owner, lease_expires_at, created_at, updated_at)
		SELECT 'dlv_pglocks_' || lpad(i::text, 7, '0'), $1, $2, 'failed', 1, 1, '0s', $3,
			'far-host:4242:0badcafe', $4, $3, $3
		FROM generate_series(1, $5) i`, ev.ID, srv.URL+"/webhooks", now.Add(-time.Hour), now.Add(-time.Minute), n); err != nil {
		t.Fatal(err)
	}

	out := string(c.hookctl(0, "replay", "--failed", "--limit", "300", "--yes"))
	if !strings.Contains(out, "replayed 300 deliveries") || got.Load() != 300 {
		t.Errorf("replay --failed --limit 300 over %d ended leases: %d requests; output:\n%s", n, got.Load(), out)
	}
}
