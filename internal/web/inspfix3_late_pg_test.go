package web_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestLiveLateFarBelowCursorPostgres: a slow writer's delivery (its seq
// taken first) commits after more than 10,000 newer deliveries did (a
// long import, a stuck writer under load): a stream that opened
// meanwhile, from now (curl) or from the page's cursor, shows it once it
// commits. Before, the stream re-read the seqs missing within 10,000
// below its cursor every second (liveLateWindow) and never showed it (a
// reload did).
func TestLiveLateFarBelowCursorPostgres(t *testing.T) {
	t.Parallel()
	for _, from := range []string{"now", "cursor"} {
		t.Run(from, func(t *testing.T) {
			e := newLivegapEnv(t)
			first := e.publish("card.first")
			tx := e.slowWriter(slowDeliverySQL, first)
			e.bulkDeliveries(first, 12000)
			query := ""
			if from == "cursor" {
				var top int64
				if err := e.conn.QueryRow(e.ctx, `SELECT max(seq) FROM deliveries`).Scan(&top); err != nil {
					t.Fatal(err)
				}
				query = "after=" + strconv.FormatInt(top, 10) + "&shown=0"
			}
			sctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
			defer cancel()
			wait := e.stream(sctx, query)
			wait("hello", "event: hello")
			e.publish("card.newer") // the cursor moves on before the commit
			wait("a newer delivery", `"top":`)
			if err := tx.Commit(e.ctx); err != nil {
				t.Fatal(err)
			}
			wait("the slow writer's delivery", "slow-writer-delivery")
		})
	}
}

// TestLivePageHandsItsSnapshotPostgres: a slow writer's delivery (its seq
// taken first) was not committed when the page was rendered, more than
// 1,000 seqs below the page's newest row, and commits before the page's
// stream starts: the stream the page opens (its own query: after, its
// snapshot) sends it. Before, the page handed the seqs missing within
// 1,000 below its top, and the stream's own re-read found the seq filled,
// not missing: the delivery was never shown.
func TestLivePageHandsItsSnapshotPostgres(t *testing.T) {
	t.Parallel()
	for _, filter := range []string{"", "type=card.*"} {
		t.Run("filter="+filter, func(t *testing.T) {
			e := newLivegapEnv(t)
			first := e.publish("card.first")
			tx := e.slowWriter(slowDeliverySQL, first)
			e.bulkDeliveries(first, 1500)
			e.publish("card.second")
			live := e.livePage(filter)
			if err := tx.Commit(e.ctx); err != nil {
				t.Fatal(err)
			}
			sctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
			defer cancel()
			wait := e.stream(sctx, live)
			wait("hello", "event: hello")
			wait("the slow writer's delivery (committed after the page, before its stream)", "slow-writer-delivery")
		})
	}
}

// TestLiveLateEventFarBelowCursorPostgres: as
// TestLiveLateFarBelowCursorPostgres for an event without deliveries (what
// listen received and did not forward): committed after more than 10,000
// newer events, it is shown. Before, it was never shown.
func TestLiveLateEventFarBelowCursorPostgres(t *testing.T) {
	t.Parallel()
	e := newLivegapEnv(t)
	e.receive("card.first")
	tx := e.slowWriter(slowEventSQL)
	e.bulkEvents(12000)
	sctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	wait := e.stream(sctx, "")
	wait("hello", "event: hello")
	e.receive("card.newer")
	wait("a newer event", `"etop":`)
	if err := tx.Commit(e.ctx); err != nil {
		t.Fatal(err)
	}
	wait("the slow writer's event", "slow-writer-event")
}

// TestLivePageHandsItsSnapshotEventPostgres: as
// TestLivePageHandsItsSnapshotPostgres for an event without deliveries,
// more than 1,000 seqs below the page's newest event. Before, it was never
// shown.
func TestLivePageHandsItsSnapshotEventPostgres(t *testing.T) {
	t.Parallel()
	e := newLivegapEnv(t)
	e.receive("card.first")
	tx := e.slowWriter(slowEventSQL)
	e.bulkEvents(1500)
	e.receive("card.second")
	live := e.livePage("")
	if err := tx.Commit(e.ctx); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	wait := e.stream(sctx, live)
	wait("hello", "event: hello")
	wait("the slow writer's event (committed after the page, before its stream)", "slow-writer-event")
}

// bulkEvents commits n events without deliveries at once, on a
// connection of its own (the env's holds the slow writer's transaction).
func (e *livegapEnv) bulkEvents(n int) {
	e.t.Helper()
	c, err := pgx.Connect(e.ctx, e.conn.Config().ConnString())
	if err != nil {
		e.t.Fatal(err)
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(e.ctx, `INSERT INTO events (id, type, provider, payload, content_type, source, created_at)
		SELECT 'bulk-' || g, 'card.bulk', 'bond', '\x7b7d', 'application/json', 'received', now() FROM generate_series(1, $1::int) g`, n); err != nil {
		e.t.Fatal(err)
	}
}
