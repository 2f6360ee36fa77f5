package postgres

import "context"

// Reset implements store.Resetter: it empties the attempts, deliveries,
// events and subscriptions tables in one statement.
func (db *DB) Reset(ctx context.Context) error {
	if _, err := db.pool.Exec(ctx, `TRUNCATE attempts, deliveries, events, subscriptions`); err != nil {
		return db.wrap("reset", err)
	}
	return nil
}
