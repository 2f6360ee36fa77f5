package postgres

import (
	"context"
	"sort"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// ClaimDue implements store.Store. The inner SELECT … FOR UPDATE SKIP
// LOCKED lets concurrent claimers (any number of processes) pass over rows
// another transaction is claiming instead of queueing behind it; the lease
// condition is re-checked on the locked row version, so a row another
// claimer leased first is never taken twice.
func (db *DB) ClaimDue(ctx context.Context, owner string, at time.Time, lease time.Duration, limit int, runID string) ([]*store.Delivery, error) {
	if limit <= 0 {
		return []*store.Delivery{}, nil
	}
	args := []any{owner, ts(at.Add(lease)), ts(at), limit}
	run := ""
	if runID != "" {
		args = append(args, runID)
		run = " AND run_id = $5"
	}
	rows, err := db.pool.Query(ctx, `UPDATE deliveries SET lease_owner = $1, lease_expires_at = $2
		WHERE id IN (
			SELECT id FROM deliveries
			WHERE status = 'pending' AND next_attempt_at <= $3
			  AND (lease_owner = '' OR lease_expires_at <= $3)`+run+`
			ORDER BY next_attempt_at, seq
			LIMIT $4
			FOR UPDATE SKIP LOCKED)
		RETURNING `+deliveryCols, args...)
	if err != nil {
		return nil, db.wrap("claim deliveries", err)
	}
	out, err := collectDeliveries(rows)
	if err != nil {
		return nil, db.wrap("claim deliveries", err)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].NextAttemptAt.Equal(out[j].NextAttemptAt) {
			return out[i].NextAttemptAt.Before(out[j].NextAttemptAt)
		}
		return out[i].Seq < out[j].Seq
	})
	return out, nil
}
