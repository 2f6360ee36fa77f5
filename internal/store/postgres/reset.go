package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Reset implements store.Resetter: it empties the attempts, deliveries,
// events, subscriptions and objects tables in one statement. TRUNCATE
// takes the five tables' locks one after another, so a worker's transaction in
// flight (a heartbeat, a batch of attempts) can deadlock with it; the
// server then aborts one of the two, and a reset so aborted is retried.
func (db *DB) Reset(ctx context.Context) error {
	var err error
	for try := 0; try < 8; try++ {
		if _, err = db.pool.Exec(ctx, `TRUNCATE attempts, deliveries, events, subscriptions, objects`); err == nil {
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
