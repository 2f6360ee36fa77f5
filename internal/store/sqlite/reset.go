package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

var _ store.ResetHolder = (*Store)(nil)

// Reset implements store.Resetter: it deletes every attempt, delivery,
// event, subscription and object (and the list of late deliveries,
// schema 15) in one transaction, and moves the
// expunge mark forward (store.ExpungeMarker) in it: a worker of another
// process that still holds a delivery it claimed before (in memory,
// queued behind its sends) then reads its event again before sending it
// (delivery's expungeCheck), finds it gone and sends nothing.
func (s *Store) Reset(ctx context.Context) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		for _, t := range []string{"attempts", "deliveries", "events", "subscriptions", "objects", "deliveries_late"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, expungeMarkSQL, store.ObjectKindExpunge, store.ExpungeMarkID, tm(time.Now()))
		return err
	})
}

// HoldForReset implements store.ResetHolder. Leases are compared with
// this process's clock, as a claim's are. A row held (due at until) is
// not written again by the next call.
func (s *Store) HoldForReset(ctx context.Context, except string, until time.Time) (int, error) {
	now := time.Now().UnixMicro()
	var n int
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET next_attempt_at = ?1
			WHERE status = 'pending' AND next_attempt_at < ?1
				AND (lease_owner = '' OR lease_expires_at IS NULL OR lease_expires_at <= ?2)`, until.UnixMicro(), now); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM deliveries
			WHERE status = 'pending' AND lease_owner <> '' AND lease_owner <> ? AND lease_expires_at > ?`, except, now).Scan(&n)
	})
	return n, err
}
