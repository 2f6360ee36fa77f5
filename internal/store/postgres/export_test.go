package postgres

import "time"

// SetClock makes the store stamp its writes with f's time until the
// returned function restores the real clock. Not for parallel tests.
func SetClock(f func() time.Time) (restore func()) {
	old := clock
	clock = f
	return func() { clock = old }
}
