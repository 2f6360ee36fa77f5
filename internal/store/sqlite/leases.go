package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

var (
	_ store.LeaseExtender       = (*Store)(nil)
	_ store.BatchRecorder       = (*Store)(nil)
	_ store.BatchCreator        = (*Store)(nil)
	_ store.LeasingRequeuer     = (*Store)(nil)
	_ store.RequeueLog          = (*Store)(nil)
	_ store.SubscriptionUpdater = (*Store)(nil)
	_ store.UnsentReturner      = (*Store)(nil)
	_ store.UnsentRestorer      = (*Store)(nil)
)

// ReturnUnsent implements store.UnsentReturner: one statement (the IDs as
// one JSON array).
func (s *Store) ReturnUnsent(ctx context.Context, owner string, ids []string) ([]string, error) {
	return s.updateOwned(ctx, `UPDATE deliveries SET status = 'failed', max_attempts = attempt_count, run_id = '',
		lease_owner = '', lease_expires_at = NULL, updated_at = ?`, time.Now().UnixMicro(), owner, ids)
}

// restoreUnsentSQL puts back each delivery of a JSON array of prior
// states still leased to owner, pending and with its prior attempt count.
const restoreUnsentSQL = `UPDATE deliveries SET status = p.status, max_attempts = p.max_attempts,
		next_attempt_at = p.next_attempt_at, url = p.url, schedule = p.schedule, run_id = p.run_id,
		lease_owner = '', lease_expires_at = NULL, updated_at = ?
	FROM (SELECT value->>'id' AS id, value->>'status' AS status, value->>'attempt_count' AS attempt_count,
			value->>'max_attempts' AS max_attempts, value->>'next_attempt_at' AS next_attempt_at,
			value->>'url' AS url, value->>'schedule' AS schedule, value->>'run_id' AS run_id
		FROM json_each(?)) AS p
	WHERE deliveries.id = p.id AND deliveries.lease_owner = ? AND deliveries.status = 'pending'
		AND deliveries.attempt_count = p.attempt_count
	RETURNING deliveries.id`

// RestoreUnsent implements store.UnsentRestorer: one statement (the prior
// states as one JSON array).
func (s *Store) RestoreUnsent(ctx context.Context, owner string, prior []*store.Delivery) ([]string, error) {
	if len(prior) == 0 {
		return []string{}, nil
	}
	type state struct {
		ID            string `json:"id"`
		Status        string `json:"status"`
		AttemptCount  int    `json:"attempt_count"`
		MaxAttempts   int    `json:"max_attempts"`
		NextAttemptAt any    `json:"next_attempt_at"`
		URL           string `json:"url"`
		Schedule      string `json:"schedule"`
		RunID         string `json:"run_id"`
	}
	states := make([]state, len(prior))
	for i, d := range prior {
		states[i] = state{ID: d.ID, Status: d.Status, AttemptCount: d.AttemptCount, MaxAttempts: d.MaxAttempts,
			NextAttemptAt: tm(d.NextAttemptAt), URL: d.URL, Schedule: d.Schedule, RunID: d.RunID}
	}
	list, err := json.Marshal(states)
	if err != nil {
		return nil, err
	}
	return s.updateIDs(ctx, len(prior), restoreUnsentSQL, time.Now().UnixMicro(), string(list), owner)
}

// ExtendLeases implements store.LeaseExtender: one statement (the IDs as
// one JSON array) for all the caller's in-flight deliveries. It first
// touches owner's lock file (the heartbeat beats), which needs no room on
// the disk: a renewal the store refuses (a full disk) does not make a
// live owner's leases look stalled to other processes (leaseclock.go).
func (s *Store) ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) ([]string, error) {
	s.holdLock(owner)
	s.locks.beat(owner)
	return s.updateOwned(ctx, `UPDATE deliveries SET lease_expires_at = ?`, until.UnixMicro(), owner, ids)
}

// updateOwned runs set (an UPDATE deliveries SET … with one parameter,
// arg) on each delivery in ids still leased to owner and pending, in one
// statement and transaction, and returns the IDs it updated.
func (s *Store) updateOwned(ctx context.Context, set string, arg any, owner string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return []string{}, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	return s.updateIDs(ctx, len(ids), set+`
			WHERE id IN (SELECT value FROM json_each(?)) AND lease_owner = ? AND status = 'pending' RETURNING id`,
		arg, string(list), owner)
}

// updateIDs runs query (an UPDATE … RETURNING id of at most n rows) in one
// write transaction and returns the IDs it updated.
func (s *Store) updateIDs(ctx context.Context, n int, query string, args ...any) ([]string, error) {
	out := make([]string, 0, n)
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			out = append(out, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

var _ store.EventsGetter = (*Store)(nil)

// GetEvents implements store.EventsGetter: one query (the IDs as a JSON
// array).
func (s *Store) GetEvents(ctx context.Context, ids []string) ([]*store.Event, error) {
	if len(ids) == 0 {
		return []*store.Event{}, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+eventCols+` FROM events WHERE id IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]*store.Event, 0, len(ids))
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
