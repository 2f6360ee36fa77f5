package delivery

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestTailReplayOutOfOrderPostgres: on PostgreSQL a requeue log entry's
// id is taken inside its transaction: a slow requeue (lower id) commits
// after a quick one (higher id) the tail already read past. The tail
// still shows the slow one's replay (read by transaction, schema 15); an
// id rolled back is nothing.
func TestTailReplayOutOfOrderPostgres(t *testing.T) {
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
	tl := f.tailer(func(tl *Tailer) { tl.Lines = 0 })
	if tl.rqCommits == nil {
		t.Fatal("the tail does not read the requeue log by transaction on PostgreSQL")
	}
	wantItems(t, "nothing", f.step(tl))

	// The slow requeue takes its id and commits last (as the store's
	// requeue statement appends it).
	requeueSlowly := func(id string) pgx.Tx {
		tx, err := conn.Begin(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(t.Context(), `WITH u AS (UPDATE deliveries SET status = 'pending', next_attempt_at = now(),
			max_attempts = attempt_count + 1 WHERE id = $1 RETURNING id, attempt_count)
			INSERT INTO requeues (delivery_id, attempts) SELECT id, attempt_count FROM u`, id); err != nil {
			t.Fatal(err)
		}
		return tx
	}
	tx := requeueSlowly(slow)
	f.replay(quick, 1)
	f.attempt(quick, 200, store.DeliverySucceeded)
	wantItems(t, "the quick replay", f.step(tl), "card.quick #2 200 succeeded")
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.attempt(slow, 200, store.DeliverySucceeded)
	wantItems(t, "the slow replay, committed late", f.step(tl), "card.slow #2 200 succeeded")
	wantItems(t, "once", f.step(tl))

	tx = requeueSlowly(slow)
	f.replay(quick, 1)
	if err := tx.Rollback(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.attempt(quick, 200, store.DeliverySucceeded)
	wantItems(t, "the next", f.step(tl), "card.quick #3 200 succeeded")
	wantItems(t, "then nothing", f.step(tl))
}

// The PostgreSQL store's requeue log commits out of order.
var _ store.RequeueCommitLog = (*postgres.DB)(nil)
