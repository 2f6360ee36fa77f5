package postgres

import "time"

// ClaimInTx is the claim's statement and arguments, for a test to run it
// in a transaction of its own (one that holds a row lock, say).
func (db *DB) ClaimInTx(owner string, at time.Time, lease time.Duration, limit int) (string, []any) {
	return claimSQL(false), db.claimArgs(owner, at, lease, limit, "")
}
