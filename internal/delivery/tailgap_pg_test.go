package delivery

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestTailOutOfOrderCommitsPostgres: on PostgreSQL a delivery's seq is
// taken inside its transaction, so a slow writer's delivery (lower seq)
// commits after a quicker one's (higher seq) the tail already read past:
// the tail still reports it (read by transaction), with or without a
// filter, once; a transaction rolled back reports nothing.
func TestTailOutOfOrderCommitsPostgres(t *testing.T) {
	t.Parallel()
	for _, pattern := range []string{"", "card.*"} {
		t.Run("event="+pattern, func(t *testing.T) {
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
			first := f.deliver("card.first", "", 1)
			tl := f.tailer(func(tl *Tailer) { tl.Lines = 0; tl.EventPattern = pattern })
			if tl.commits == nil {
				t.Fatal("the tail reads no late commits on PostgreSQL")
			}
			wantItems(t, "nothing yet", f.step(tl))

			slow := func(id string) pgx.Tx {
				tx, err := conn.Begin(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				if _, err := tx.Exec(t.Context(), `INSERT INTO deliveries (id, event_id, url, status, created_at, updated_at)
					SELECT $1, event_id, url, 'failed', now(), now() FROM deliveries WHERE id = $2`, id, first); err != nil {
					t.Fatal(err)
				}
				return tx
			}
			tx := slow("slow-writer-delivery")
			f.deliver("payment.hidden", "", 1)
			f.deliver("card.second", "", 1)
			f.deliver("payment.hidden", "", 1)
			quick := []string{"payment.hidden delivery sent", "card.second delivery sent", "payment.hidden delivery sent"}
			if pattern != "" {
				quick = quick[1:2]
			}
			wantItems(t, "the quick writer's", f.step(tl), quick...)
			if err := tx.Commit(t.Context()); err != nil {
				t.Fatal(err)
			}
			wantItems(t, "the slow writer's, committed late", f.step(tl), "card.first delivery sent")
			wantItems(t, "once", f.step(tl))

			tx = slow("rolled-back-delivery")
			f.deliver("card.third", "", 1)
			wantItems(t, "the next", f.step(tl), "card.third delivery sent")
			if err := tx.Rollback(t.Context()); err != nil {
				t.Fatal(err)
			}
			wantItems(t, "rolled back", f.step(tl))
			wantItems(t, "still nothing", f.step(tl))
		})
	}
}

// commitOnSnapshot is a PostgreSQL store that commits tx right after it
// took a transaction snapshot: the slow writer's delivery commits between
// the tail's first snapshot and its read of its backlog.
type commitOnSnapshot struct {
	*postgres.DB
	tx pgx.Tx
}

func (c *commitOnSnapshot) TxSnapshot(ctx context.Context) (string, error) {
	s, err := c.DB.TxSnapshot(ctx)
	if c.tx != nil {
		if err := c.tx.Commit(ctx); err != nil {
			return "", err
		}
		c.tx = nil
	}
	return s, err
}

// TestTailBacklogGapOncePostgres: a delivery committed late, between the
// tail's first snapshot and its read of its backlog, is reported once, in
// the backlog (not again by the first tick's read by transaction).
func TestTailBacklogGapOncePostgres(t *testing.T) {
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
	first := f.deliver("card.first", "", 1)
	tx, err := conn.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(t.Context(), `INSERT INTO deliveries (id, event_id, url, status, created_at, updated_at)
		SELECT 'slow-writer-delivery', event_id, url, 'failed', now(), now() FROM deliveries WHERE id = $1`, first); err != nil {
		t.Fatal(err)
	}
	f.deliver("card.second", "", 1)
	tl := f.tailer(func(tl *Tailer) { tl.Insp = &commitOnSnapshot{DB: db, tx: tx} })
	wantItems(t, "backlog", f.got, "card.first delivery sent", "card.first delivery sent", "card.second delivery sent")
	wantItems(t, "not again", f.step(tl))
}
