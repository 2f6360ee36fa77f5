package delivery

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestSeqschemaLateRequeueBeyondGapsPostgres: on PostgreSQL a slow
// requeue takes its log id and commits after more than 1,000 later
// requeues did, and after the tail started: the tail shows its replay
// (the entry is read by transaction, schema 15), once. Before, the tail
// re-read only the ids missing within 1,000 below its cursor, for 10 s:
// this one was never read and its replay never shown.
func TestSeqschemaLateRequeueBeyondGapsPostgres(t *testing.T) {
	t.Parallel()
	u := pgtest.URL(t)
	db, err := postgres.OpenDB(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(t.Context()) })
	f := newTailFixtureOn(t, db)
	slow := f.deliver("card.slow", "", 1)
	f.attempt(slow, 500, store.DeliveryFailed)
	quick := f.deliver("card.quick", "", 1)
	f.attempt(quick, 500, store.DeliveryFailed)

	// The slow requeue takes its id (as the store's requeue statement
	// appends it) and holds its transaction open.
	tx, err := conn.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(t.Context())
	if _, err := tx.Exec(t.Context(), `WITH u AS (UPDATE deliveries SET status = 'pending', next_attempt_at = now(),
		max_attempts = attempt_count + 1 WHERE id = $1 RETURNING id, attempt_count)
		INSERT INTO requeues (delivery_id, attempts) SELECT id, attempt_count FROM u`, slow); err != nil {
		t.Fatal(err)
	}
	// 1,001 later requeues commit (a bulk replay's entries), then the
	// tail starts: the slow one's id is more than 1,000 below its cursor.
	f.replay(quick, 1)
	if _, err := db.Pool().Exec(t.Context(), `INSERT INTO requeues (delivery_id, attempts) SELECT $1, 1 FROM generate_series(1, 1000)`, quick); err != nil {
		t.Fatal(err)
	}
	f.attempt(quick, 200, store.DeliverySucceeded)
	tl := f.tailer(func(tl *Tailer) { tl.Lines = 0 })
	wantItems(t, "nothing new", f.step(tl))

	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.attempt(slow, 200, store.DeliverySucceeded)
	wantItems(t, "the slow replay, committed late", f.step(tl), "card.slow #2 200 succeeded")
	wantItems(t, "once", f.step(tl))
}
