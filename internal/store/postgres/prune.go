package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
)

// busySQL is true for a delivery of the deliveries row alias (with its
// dot) that is still being delivered at the time parameter now (this
// process's clock, compared on the server's: onServer): pending, or
// leased to a live process — a bulk replay leases a failed delivery in
// place (RequeueMatching), so it stays failed until its attempt is
// recorded.
func busySQL(alias, now string) string {
	return `(` + alias + `status = 'pending' OR (` + alias + `lease_owner <> '' AND ` + alias + `lease_expires_at > ` + onServer(now, now) + `))`
}

// pruneWhere selects the events a prune may delete: created before $1, no
// delivery being delivered at $2.
var pruneWhere = sync.OnceValue(func() string {
	return `e.created_at < $1 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND ` + busySQL("d.", "$2") + `)`
})

var pruneKeptSQL = sync.OnceValue(func() string {
	return `SELECT count(*) FROM events e WHERE e.created_at < $1 AND EXISTS
	(SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND ` + busySQL("d.", "$2") + `)`
})

// pruneSQL deletes up to $3 events (the oldest first) with their
// deliveries and attempts in one statement, and the deleted deliveries'
// entries in deliveries_late (schema 18): left there, they widened the
// inspector's time ranges for deliveries that are gone. The events' deliveries are
// locked first; one that was made pending or leased meanwhile (a replay)
// is not deleted, and then neither is its event (the FOR UPDATE re-reads
// it).
var pruneSQL = sync.OnceValue(func() string {
	return `WITH ev AS (
		SELECT e.id FROM events e WHERE ` + pruneWhere() + ` ORDER BY e.seq LIMIT $3
	), dl AS (
		SELECT d.id, d.event_id, d.status, d.lease_owner, d.lease_expires_at FROM deliveries d
		WHERE d.event_id IN (SELECT id FROM ev) FOR UPDATE
	), gone AS (
		SELECT id FROM ev WHERE NOT EXISTS (SELECT 1 FROM dl WHERE dl.event_id = ev.id AND ` + busySQL("dl.", "$2") + `)
	), da AS (
		DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM dl WHERE event_id IN (SELECT id FROM gone)) RETURNING 1
	), dd AS (
		DELETE FROM deliveries WHERE id IN (SELECT id FROM dl WHERE event_id IN (SELECT id FROM gone)) RETURNING seq
	), dlate AS (
		DELETE FROM deliveries_late WHERE seq IN (SELECT seq FROM dd)
	), de AS (
		DELETE FROM events WHERE id IN (SELECT id FROM gone) RETURNING 1
	)
	SELECT (SELECT count(*) FROM de), (SELECT count(*) FROM dd), (SELECT count(*) FROM da)`
})

// pruneObjectsWhere selects the tombstones a prune deletes: of the kinds
// $2 (store.HistoryKinds), written before $1.
const pruneObjectsWhere = `deleted AND updated_at < $1 AND kind = ANY($2)`

// Prune implements store.Pruner.
func (db *DB) Prune(ctx context.Context, before time.Time, limit int, dryRun bool) (store.PruneCounts, error) {
	var c store.PruneCounts
	at, nowAt := ts(before), ts(now())
	if dryRun {
		err := db.pool.QueryRow(ctx, `WITH ev AS (SELECT e.id FROM events e WHERE `+pruneWhere()+`),
			dl AS (SELECT d.id FROM deliveries d WHERE d.event_id IN (SELECT id FROM ev))
			SELECT (SELECT count(*) FROM ev), (SELECT count(*) FROM dl),
				(SELECT count(*) FROM attempts a WHERE a.delivery_id IN (SELECT id FROM dl))`, at, nowAt).Scan(&c.Events, &c.Deliveries, &c.Attempts)
		if err != nil {
			return c, db.wrap("prune", err)
		}
		if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM objects WHERE `+pruneObjectsWhere, at, store.HistoryKinds).Scan(&c.Objects); err != nil {
			return c, db.wrap("prune", err)
		}
		return c, db.wrap("prune", db.pool.QueryRow(ctx, pruneKeptSQL(), at, nowAt).Scan(&c.KeptPending))
	}
	if limit <= 0 {
		limit = 1 << 62
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, pruneSQL(), at, nowAt, limit).Scan(&c.Events, &c.Deliveries, &c.Attempts); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM objects WHERE `+pruneObjectsWhere, at, store.HistoryKinds)
		if err != nil {
			return err
		}
		c.Objects = tag.RowsAffected()
		return tx.QueryRow(ctx, pruneKeptSQL(), at, nowAt).Scan(&c.KeptPending)
	})
	return c, db.wrap("prune", err)
}
