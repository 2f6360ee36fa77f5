package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

var _ store.ContentExpunger = (*Store)(nil)

// expungeDeliveriesSQL stops an expunged event's pending deliveries:
// failed, and no longer leased (as orphanDeliveriesSQL does), so a
// process sending one right now cannot record it back to pending.
// A failed one leased for a replay loses its lease too.
const expungeDeliveriesSQL = `UPDATE deliveries SET
	last_error = CASE WHEN status = 'pending' THEN ?1 ELSE last_error END,
	status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END,
	lease_owner = '', lease_expires_at = NULL, updated_at = ?2
	WHERE event_id = ?3 AND (status = 'pending' OR (status = 'failed' AND lease_owner <> ''))`

// ExpungeEvent implements store.ContentExpunger.
func (s *Store) ExpungeEvent(ctx context.Context, id string, at time.Time) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		var headers sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT headers FROM events WHERE id = ?`, id).Scan(&headers)
		if errors.Is(err, sql.ErrNoRows) {
			return &store.NotFoundError{Kind: "event", ID: id}
		}
		if err != nil {
			return err
		}
		h, err := fromJSONMap[[]string](headers)
		if err != nil {
			return err
		}
		if len(h[store.HeaderExpunged]) == 0 {
			if h == nil {
				h = map[string][]string{}
			}
			h[store.HeaderExpunged] = []string{at.UTC().Format(time.RFC3339Nano)}
			if _, err := tx.ExecContext(ctx, `UPDATE events SET payload = x'', headers = ? WHERE id = ?`, jsonMap(h), id); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, expungeDeliveriesSQL, store.ExpungedError, tm(time.Now()), id)
		return err
	})
}

// ExpungeAttemptBody implements store.ContentExpunger.
func (s *Store) ExpungeAttemptBody(ctx context.Context, deliveryID string, number int) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE attempts SET response_body = ?
			WHERE delivery_seq = (SELECT seq FROM deliveries WHERE id = ?) AND number = ?`,
			[]byte(store.ExpungedBody), deliveryID, number)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &store.NotFoundError{Kind: "attempt", ID: deliveryID}
		}
		return nil
	})
}
