package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

var (
	_ store.ContentExpunger = (*Store)(nil)
	_ store.ExpungeMarker   = (*Store)(nil)
)

// expungeMarkSQL moves the expunge mark forward (store.ExpungeMarker):
// its updated_at, by at least one even when the clock did not.
const expungeMarkSQL = `INSERT INTO objects (kind, id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
	ON CONFLICT (kind, id) DO UPDATE SET updated_at = max(objects.updated_at + 1, excluded.updated_at)`

// ExpungeMark implements store.ExpungeMarker.
func (s *Store) ExpungeMark(ctx context.Context) (int64, error) {
	var mark int64
	err := s.r.QueryRowContext(ctx, `SELECT updated_at FROM objects WHERE kind = ? AND id = ?`, store.ObjectKindExpunge, store.ExpungeMarkID).Scan(&mark)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return mark, s.fault(err)
}

// expungeDeliveriesSQL stops an expunged event's pending deliveries:
// failed, and no longer leased (as orphanDeliveriesSQL does), so a
// process sending one right now cannot record it back to pending.
// A failed one leased for a replay loses its lease too.
const expungeDeliveriesSQL = `UPDATE deliveries SET
	last_error = CASE WHEN status = 'pending' THEN ?1 ELSE last_error END,
	status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END,
	lease_owner = '', lease_expires_at = NULL, updated_at = ?2
	WHERE event_id = ?3 AND (status = 'pending' OR (status = 'failed' AND lease_owner <> ''))`

// ExpungeEvent implements store.ContentExpunger. The payload's bytes are
// gone from the store's files too, not only from its rows: the
// transaction runs with secure_delete on (SQLite then overwrites with
// zeros the row's old cell and the overflow pages it frees; off, the
// store's default, they stayed readable with `strings STORE.db` until
// reused), and the WAL, which still held the frames that wrote the
// payload, is checkpointed into the database file and truncated after
// it (truncateWAL).
func (s *Store) ExpungeEvent(ctx context.Context, id string, at time.Time) error {
	expunged := false
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		restore, err := secureDelete(ctx, tx)
		if err != nil {
			return err
		}
		defer restore()
		var headers sql.NullString
		err = tx.QueryRowContext(ctx, `SELECT headers FROM events WHERE id = ?`, id).Scan(&headers)
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
			expunged = true
			if _, err := tx.ExecContext(ctx, expungeMarkSQL, store.ObjectKindExpunge, store.ExpungeMarkID, tm(time.Now())); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, expungeDeliveriesSQL, store.ExpungedError, tm(time.Now()), id)
		return err
	})
	if err == nil && expunged {
		s.truncateWAL(ctx)
	}
	return err
}

// secureDelete turns secure_delete on for the rest of tx (the writer's
// connection) and returns what puts the connection's setting back: the
// zeroing happens as the statements change pages, so the setting is
// needed only while they run, and the store's other writes keep theirs.
func secureDelete(ctx context.Context, tx *sql.Tx) (restore func(), err error) {
	var was int
	if err := tx.QueryRowContext(ctx, `PRAGMA secure_delete`).Scan(&was); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return nil, err
	}
	return func() {
		tx.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA secure_delete = %d`, was))
	}, nil
}

// truncateWAL copies the WAL into the database file and empties it
// (wal_checkpoint(TRUNCATE)), so no frame written before an expunge keeps
// the payload it expunged: SQLite reuses a WAL from its start, and an old
// frame beyond what it rewrote stayed in the file. Such a checkpoint
// waits for the readers of older snapshots and holds the other writers
// meanwhile: it waits at most truncateWait (not the store's 10 s busy
// timeout), and a reader still there then (a long export) leaves the WAL
// to be emptied when the writer next starts it over. Best effort: the
// expunge itself is committed.
func (s *Store) truncateWAL(ctx context.Context) {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA busy_timeout = %d`, truncateWait.Milliseconds())); err != nil {
		return
	}
	var busy, log, done int
	conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &log, &done)
	conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA busy_timeout = %d`, writerBusyTimeout().Milliseconds()))
}

// truncateWait bounds how long an expunge's WAL truncation waits for
// older readers (and holds the store's writers).
const truncateWait = time.Second

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
