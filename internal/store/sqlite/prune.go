package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// pruneWhere selects the events a prune may delete: created before ?, no
// delivery pending.
const pruneWhere = `e.created_at < ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = e.seq AND d.status = 'pending')`

// Prune implements store.Pruner.
func (s *Store) Prune(ctx context.Context, before time.Time, limit int, dryRun bool) (store.PruneCounts, error) {
	c, err := s.prune(ctx, before, limit, dryRun)
	// The writer's errors (a store locked by another process past the
	// busy timeout, a full disk) as the other writes say them (withTx).
	return c, s.fault(err)
}

func (s *Store) prune(ctx context.Context, before time.Time, limit int, dryRun bool) (store.PruneCounts, error) {
	var c store.PruneCounts
	at := before.UnixMicro()
	kept := func(q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) error {
		return q.QueryRowContext(ctx, `SELECT count(*) FROM events e WHERE e.created_at < ? AND EXISTS
			(SELECT 1 FROM deliveries d WHERE d.event_seq = e.seq AND d.status = 'pending')`, at).Scan(&c.KeptPending)
	}
	if dryRun {
		err := s.r.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(nd), 0), coalesce(sum(na), 0) FROM (SELECT
			(SELECT count(*) FROM deliveries d WHERE d.event_seq = e.seq) AS nd,
			(SELECT count(*) FROM deliveries d JOIN attempts a ON a.delivery_seq = d.seq WHERE d.event_seq = e.seq) AS na
			FROM events e WHERE `+pruneWhere+`)`, at).Scan(&c.Events, &c.Deliveries, &c.Attempts)
		if err != nil {
			return c, err
		}
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM objects WHERE `+pruneObjectsWhere, at, historyKinds()).Scan(&c.Objects); err != nil {
			return c, err
		}
		return c, kept(s.r)
	}
	// deliveries.event_id still references events(id) but has no index
	// (schema 2 dropped it: deliveries find their event by seq), so with
	// foreign keys on, every deleted event scans every delivery. The
	// transaction deletes an event's deliveries and attempts before it, so
	// it runs with the checks off on the writer's connection (a
	// connection setting: on again before the connection is reused).
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return c, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return c, err
	}
	defer func() {
		if _, err := conn.ExecContext(context.Background(), `PRAGMA foreign_keys = ON`); err != nil {
			// Never hand a connection without the checks back to the pool.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	tx, err := conn.BeginTx(ctx, nil) // BEGIN IMMEDIATE, as the writer's DSN says
	err = inTx(tx, err, func(tx *sql.Tx) error {
		q := `SELECT e.seq FROM events e WHERE ` + pruneWhere + ` ORDER BY e.seq`
		args := []any{at}
		if limit > 0 {
			q += ` LIMIT ?`
			args = append(args, limit)
		}
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		var seqs []int64
		for rows.Next() {
			var seq int64
			if err := rows.Scan(&seq); err != nil {
				rows.Close()
				return err
			}
			seqs = append(seqs, seq)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(seqs) > 0 {
			list, _ := json.Marshal(seqs)
			for _, st := range []struct {
				n   *int64
				sql string
			}{
				{&c.Attempts, `DELETE FROM attempts WHERE delivery_seq IN (SELECT d.seq FROM deliveries d WHERE d.event_seq IN (SELECT value FROM json_each(?)))`},
				// The deleted deliveries' entries in the list of late
				// ones (schema 15): left there, they widened the
				// inspector's time ranges for deliveries that are gone.
				{new(int64), `DELETE FROM deliveries_late WHERE seq IN (SELECT d.seq FROM deliveries d WHERE d.event_seq IN (SELECT value FROM json_each(?)))`},
				{&c.Deliveries, `DELETE FROM deliveries WHERE event_seq IN (SELECT value FROM json_each(?))`},
				{&c.Events, `DELETE FROM events WHERE seq IN (SELECT value FROM json_each(?))`},
			} {
				res, err := tx.ExecContext(ctx, st.sql, string(list))
				if err != nil {
					return err
				}
				if *st.n, err = res.RowsAffected(); err != nil {
					return err
				}
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM objects WHERE `+pruneObjectsWhere, at, historyKinds())
		if err != nil {
			return err
		}
		if c.Objects, err = res.RowsAffected(); err != nil {
			return err
		}
		return kept(tx)
	})
	return c, err
}

// pruneObjectsWhere selects the tombstones a prune deletes: of
// store.HistoryKinds (a JSON list, the second argument), written before
// the first.
const pruneObjectsWhere = `deleted = 1 AND updated_at < ? AND kind IN (SELECT value FROM json_each(?))`

// historyKinds is store.HistoryKinds as pruneObjectsWhere reads it.
// Made on first use: json.Marshal at package init cost every process
// (hookctl --help too) encoding/json's first-use work.
var historyKinds = sync.OnceValue(func() string {
	b, _ := json.Marshal(store.HistoryKinds)
	return string(b)
})

// Vacuum implements store.Vacuumer: it rewrites the file without the
// space of deleted rows.
func (s *Store) Vacuum(ctx context.Context) error {
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return s.fault(err)
	}
	defer conn.Close()
	// It takes the write lock as a transaction does: in its turn.
	err = s.turns.wait(ctx, func() error {
		_, err := conn.ExecContext(ctx, `VACUUM`)
		return err
	})
	return s.fault(err)
}
