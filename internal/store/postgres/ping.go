package postgres

import "context"

// Ping checks that the server answers: a round trip on a pooled (or new)
// connection. A server that is down or restarting is a transient
// *store.EnvironmentError naming the store.
func (db *DB) Ping(ctx context.Context) error {
	return db.wrap("ping", db.pool.Ping(ctx))
}
