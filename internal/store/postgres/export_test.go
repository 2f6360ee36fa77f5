package postgres

import "time"

// SetClock makes the store stamp its writes with f's time until the
// returned function restores the real clock. Not for parallel tests.
func SetClock(f func() time.Time) (restore func()) {
	old := clock
	clock = f
	return func() { clock = old }
}

// SetDBClock gives db its own clock (another machine's, that may
// disagree with this one's).
func SetDBClock(db *DB, f func() time.Time) { db.clock = f }
