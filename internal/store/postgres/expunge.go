package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
)

var (
	_ store.ContentExpunger = (*DB)(nil)
	_ store.ExpungeMarker   = (*DB)(nil)
)

// expungeMarkSQL moves the expunge mark forward (store.ExpungeMarker):
// its updated_at, by at least a microsecond even when the clock did not.
const expungeMarkSQL = `INSERT INTO objects (kind, id, created_at, updated_at) VALUES ($1, $2, $3, $3)
	ON CONFLICT (kind, id) DO UPDATE SET updated_at = greatest(objects.updated_at + interval '1 microsecond', excluded.updated_at)`

// ExpungeMark implements store.ExpungeMarker.
func (db *DB) ExpungeMark(ctx context.Context) (int64, error) {
	var at time.Time
	err := db.pool.QueryRow(ctx, `SELECT updated_at FROM objects WHERE kind = $1 AND id = $2`, store.ObjectKindExpunge, store.ExpungeMarkID).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, db.wrap("read the expunge mark", err)
	}
	return at.UnixMicro(), nil
}

// expungeEventSQL empties an event's payload and marks it expunged
// ($2: store.HeaderExpunged, $3: when), once.
const expungeEventSQL = `UPDATE events SET payload = ''::bytea,
	headers = coalesce(headers, '{}'::jsonb) || jsonb_build_object($2::text, jsonb_build_array($3::text))
	WHERE id = $1 AND (headers -> $2::text) IS NULL`

// expungeDeliveriesSQL stops an expunged event's pending deliveries:
// failed, and no longer leased (as orphanDeliveriesSQL does), so a
// process sending one right now cannot record it back to pending.
// A failed one leased in place for a replay (RequeueMatching) loses
// its lease too.
const expungeDeliveriesSQL = `UPDATE deliveries SET
	last_error = CASE WHEN status = 'pending' THEN $2 ELSE last_error END,
	status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END,
	lease_owner = '', lease_expires_at = NULL, updated_at = $3
	WHERE event_id = $1 AND (status = 'pending' OR (status = 'failed' AND lease_owner <> ''))`

// ExpungeEvent implements store.ContentExpunger.
func (db *DB) ExpungeEvent(ctx context.Context, id string, at time.Time) error {
	err := retryDeadlock(func() error {
		return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			var one int
			if err := tx.QueryRow(ctx, `SELECT 1 FROM events WHERE id = $1 FOR UPDATE`, pk(id)).Scan(&one); err != nil {
				if errors.Is(err, pgx.ErrNoRows) {
					return &store.NotFoundError{Kind: "event", ID: id}
				}
				return err
			}
			tag, err := tx.Exec(ctx, expungeEventSQL, pk(id), store.HeaderExpunged, at.UTC().Format(time.RFC3339Nano))
			if err != nil {
				return err
			}
			if tag.RowsAffected() > 0 {
				if _, err := tx.Exec(ctx, expungeMarkSQL, store.ObjectKindExpunge, store.ExpungeMarkID, now()); err != nil {
					return err
				}
			}
			_, err = tx.Exec(ctx, expungeDeliveriesSQL, pk(id), store.ExpungedError, now())
			return err
		})
	})
	return db.wrap("expunge event", err)
}

// ExpungeAttemptBody implements store.ContentExpunger.
func (db *DB) ExpungeAttemptBody(ctx context.Context, deliveryID string, number int) error {
	tag, err := db.pool.Exec(ctx, `UPDATE attempts SET response_body = $3 WHERE delivery_id = $1 AND number = $2`,
		pk(deliveryID), number, []byte(store.ExpungedBody))
	if err != nil {
		return db.wrap("expunge attempt", err)
	}
	if tag.RowsAffected() == 0 {
		return &store.NotFoundError{Kind: "attempt", ID: deliveryID}
	}
	return nil
}
