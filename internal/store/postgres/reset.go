package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/hookctl/hookctl/internal/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

var _ store.ResetHolder = (*DB)(nil)

// Reset implements store.Resetter: it empties the attempts, deliveries,
// events, subscriptions and objects tables (and the list of late
// deliveries, schema 18, last: an insert of a delivery locks deliveries
// before it) in one statement, and moves
// the expunge mark forward (store.ExpungeMarker) in the same
// transaction: a worker of another process that still holds a delivery
// it claimed before (in memory, queued behind its sends) then reads its
// event again before sending it (delivery's expungeCheck), finds it gone
// and sends nothing. TRUNCATE takes the five tables' locks one after
// another, so a worker's transaction in flight (a heartbeat, a batch of
// attempts) can deadlock with it; the server then aborts one of the two,
// and a reset so aborted is retried.
func (db *DB) Reset(ctx context.Context) error {
	var err error
	for try := 0; try < 8; try++ {
		if err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `TRUNCATE attempts, deliveries, events, subscriptions, objects, deliveries_late`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, expungeMarkSQL, store.ObjectKindExpunge, store.ExpungeMarkID, now())
			return err
		}); err == nil {
			return nil
		}
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || (pe.Code != "40P01" && pe.Code != "40001") {
			break
		}
		select {
		case <-ctx.Done():
			return db.wrap("reset", ctx.Err())
		case <-time.After(time.Duration(try+1) * 20 * time.Millisecond):
		}
	}
	return db.wrap("reset", err)
}

// HoldForReset implements store.ResetHolder. Leases and due times are
// on the server's clock (claimSQL), and so is the hold: until is taken
// as a wait from the client's now. Only the rows due within a second
// are held (the next call, 10 ms later, holds those due then), so a
// row held is not written again at each call. Rows another transaction
// has locked (a claim taking them) are passed over, and counted when
// leased. The pending rows are read by the claims' partial indexes.
func (db *DB) HoldForReset(ctx context.Context, except string, until time.Time) (int, error) {
	hold := max(time.Until(until), 0)
	var n int
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE deliveries SET next_attempt_at = now() + $1::interval
			WHERE id IN (SELECT id FROM deliveries
				WHERE status = 'pending' AND next_attempt_at < now() + interval '1 second'
					AND (lease_owner = '' OR lease_expires_at IS NULL OR lease_expires_at <= now())
				FOR UPDATE SKIP LOCKED)`, hold); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM deliveries
			WHERE status = 'pending' AND lease_owner <> '' AND lease_owner <> $1 AND lease_expires_at > now()`, except).Scan(&n)
	})
	return n, db.wrap("reset", err)
}
