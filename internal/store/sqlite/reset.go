package sqlite

import (
	"context"
	"database/sql"
)

// Reset implements store.Resetter: it deletes every attempt, delivery,
// event, subscription and object in one transaction.
func (s *Store) Reset(ctx context.Context) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		for _, t := range []string{"attempts", "deliveries", "events", "subscriptions", "objects"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
				return err
			}
		}
		return nil
	})
}
