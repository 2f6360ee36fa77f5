package web_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// bulkDeliveries commits n deliveries at once (copies of the delivery
// id's columns), each with a seq of its own.
func (e *livegapEnv) bulkDeliveries(id string, n int) {
	e.t.Helper()
	c, err := pgx.Connect(e.ctx, e.conn.Config().ConnString()) // the env's schema
	if err != nil {
		e.t.Fatal(err)
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(e.ctx, `INSERT INTO deliveries (id, event_id, url, status, created_at, updated_at)
		SELECT 'bulk-' || g, event_id, url, 'failed', now(), now() FROM deliveries, generate_series(1, $2::int) g WHERE id = $1`, id, n); err != nil {
		e.t.Fatal(err)
	}
}

// TestLiveLateBelowGapWindowPostgres: a slow writer's delivery (its seq
// taken first) commits after more than 1000 newer
// deliveries did: a stream that opened meanwhile, from now (curl) or
// from the page's cursor, shows it once it commits. Before, the stream
// watched only the seqs missing within MaxSeqGaps below its cursor and
// the delivery was never shown (a reload showed it).
func TestLiveLateBelowGapWindowPostgres(t *testing.T) {
	t.Parallel()
	for _, from := range []string{"now", "cursor"} {
		t.Run(from, func(t *testing.T) {
			e := newLivegapEnv(t)
			first := e.publish("card.first")
			tx := e.slowWriter(slowDeliverySQL, first)
			e.bulkDeliveries(first, 1000+200)
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
			if err := tx.Commit(e.ctx); err != nil {
				t.Fatal(err)
			}
			wait("the slow writer's delivery", "slow-writer-delivery")
		})
	}
}

// TestLiveLateAfterGapGracePostgres (HOOKCTL_LONG=1, ~13 s): a slow
// writer's delivery commits later than 10*time.Second after a
// newer one the stream sent: the stream stopped watching its seq as a
// gap then, and still shows it once it commits. Before, it was never
// shown.
func TestLiveLateAfterGapGracePostgres(t *testing.T) {
	t.Parallel()
	if os.Getenv("HOOKCTL_LONG") != "1" {
		t.Skip("HOOKCTL_LONG=1: waits out 10*time.Second")
	}
	e := newLivegapEnv(t)
	first := e.publish("card.first")
	sctx, cancel := context.WithTimeout(e.ctx, 10*time.Second+10*time.Second)
	defer cancel()
	wait := e.stream(sctx, "")
	wait("hello", "event: hello")
	tx := e.slowWriter(slowDeliverySQL, first)
	wait("the newer delivery", e.publish("card.second"))
	// The transaction stays open past the grace (a precondition, not an
	// assertion: the stream drops the gap then).
	time.Sleep(10*time.Second + 2*time.Second)
	if err := tx.Commit(e.ctx); err != nil {
		t.Fatal(err)
	}
	wait("the slow writer's delivery", "slow-writer-delivery")
}

// TestLiveLateEventBelowGapWindowPostgres: the same for an event without
// deliveries: a slow writer's (its seq taken first) commits after more
// than 1000 newer events did; a stream opened meanwhile
// shows it once it commits. Before, it was never shown.
func TestLiveLateEventBelowGapWindowPostgres(t *testing.T) {
	t.Parallel()
	e := newLivegapEnv(t)
	e.receive("card.first")
	tx := e.slowWriter(slowEventSQL)
	c, err := pgx.Connect(e.ctx, e.conn.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(e.ctx, `INSERT INTO events (id, type, provider, payload, content_type, source, created_at)
		SELECT 'bulk-' || g, 'card.bulk', 'bond', '\x7b7d', 'application/json', 'received', now() FROM generate_series(1, $1::int) g`,
		1000+200); err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	wait := e.stream(sctx, "")
	wait("hello", "event: hello")
	if err := tx.Commit(e.ctx); err != nil {
		t.Fatal(err)
	}
	wait("the slow writer's event", "slow-writer-event")
}
