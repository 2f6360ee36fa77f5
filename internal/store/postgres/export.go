package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hookctl/hookctl/internal/store"
)

// Export implements store.Store: every record from one consistent snapshot
// (REPEATABLE READ), streamed: subscriptions, objects (tombstones too; by
// kind, then creation), events, deliveries, attempts, each in creation
// order.
func (db *DB) Export(ctx context.Context, fn func(store.Record) error) error {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return db.wrap("export", err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	var fnErr error
	each := func(q string, scan func(pgx.Rows) (store.Record, error)) error {
		rows, err := tx.Query(ctx, q)
		if err != nil {
			return db.wrap("export", err)
		}
		defer rows.Close()
		for rows.Next() {
			rec, err := scan(rows)
			if err != nil {
				return db.wrap("export", err)
			}
			if err := fn(rec); err != nil {
				fnErr = err
				return err
			}
		}
		return db.wrap("export", rows.Err())
	}
	steps := []func() error{
		func() error {
			return each(`SELECT `+subscriptionCols+` FROM subscriptions ORDER BY created_at, id`, func(r pgx.Rows) (store.Record, error) {
				s, err := scanSubscription(r)
				return store.Record{Subscription: s}, err
			})
		},
		func() error {
			return each(`SELECT `+objectCols+` FROM objects ORDER BY kind, created_at, id`, func(r pgx.Rows) (store.Record, error) {
				o, err := scanObject(r)
				return store.Record{Object: o}, err
			})
		},
		func() error {
			return each(`SELECT `+eventCols+` FROM events ORDER BY seq`, func(r pgx.Rows) (store.Record, error) {
				e, err := scanEvent(r)
				return store.Record{Event: e}, err
			})
		},
		func() error {
			return each(`SELECT `+deliveryCols+` FROM deliveries ORDER BY seq`, func(r pgx.Rows) (store.Record, error) {
				d, err := scanDelivery(r)
				return store.Record{Delivery: d}, err
			})
		},
		func() error {
			return each(`SELECT `+prefixCols("a.", attemptCols)+` FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
				ORDER BY d.seq, a.number`, func(r pgx.Rows) (store.Record, error) {
				a, err := scanAttempt(r)
				return store.Record{Attempt: a}, err
			})
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			if fnErr != nil {
				return fnErr
			}
			return err
		}
	}
	return nil
}

// Import implements store.Store: writes one record as is, skipping it when
// its ID (for attempts: delivery and number; for objects: kind and ID)
// exists. A delivery keeps its Seq when it is above every seq the
// store gave (also to a delivery deleted since), else it takes the next one (the end of the log: never below
// a follower's cursor, as SQLite's import); a
// delivery whose subscription is not in the store keeps its history with
// no subscription. A live object whose Key another live object of its
// kind has is a *store.ImportKeyError.
func (db *DB) Import(ctx context.Context, r store.Record) error {
	return db.ImportBatch(ctx, []store.Record{r})
}

// ImportBatch implements store.BatchImporter with Import's semantics, in
// one transaction: each kind is loaded with COPY into a temporary table and
// inserted from there (subscriptions, events, deliveries, attempts: the
// order of an export); objects, a few, are written one by one.
func (db *DB) ImportBatch(ctx context.Context, records []store.Record) error {
	_, err := db.ImportBatchStats(ctx, records)
	return err
}

// ImportBatchStats implements store.StatsImporter: ImportBatch, saying
// how many stored deliveries it refreshed.
func (db *DB) ImportBatchStats(ctx context.Context, records []store.Record) (store.ImportStats, error) {
	var stats store.ImportStats
	err := db.importBatch(ctx, records, &stats)
	return stats, err
}

func (db *DB) importBatch(ctx context.Context, records []store.Record, stats *store.ImportStats) error {
	var subs, evs, dels, atts [][]any
	var objs []int
	for i, r := range records {
		switch {
		case r.Object != nil:
			if r.Object.Kind == "" || r.Object.ID == "" {
				return fmt.Errorf("import: record %d: object without a kind or id", i+1)
			}
			objs = append(objs, i)
		case r.Subscription != nil:
			s := *r.Subscription
			if s.ID == "" {
				return fmt.Errorf("import: record %d: subscription without an id", i+1)
			}
			subs = append(subs, append(subscriptionArgs(&s), int64(i)))
		case r.Event != nil:
			if r.Event.ID == "" {
				return fmt.Errorf("import: record %d: event without an id", i+1)
			}
			evs = append(evs, append(eventArgs(r.Event), int64(i)))
		case r.Delivery != nil:
			d := r.Delivery
			if d.ID == "" || d.EventID == "" {
				return fmt.Errorf("import: record %d: delivery without an id or event id", i+1)
			}
			dels = append(dels, append(append([]any{d.Seq}, deliveryArgs(d)...), nullStr(d.DeletedSubscriptionID), int64(i)))
		case r.Attempt != nil:
			if r.Attempt.DeliveryID == "" {
				return fmt.Errorf("import: record %d: attempt without a delivery id", i+1)
			}
			atts = append(atts, append(attemptArgs(r.Attempt), int64(i)))
		}
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := copyTemp(ctx, tx, "subscriptions", subscriptionCols, subs); err != nil {
			return err
		}
		if err := copyTemp(ctx, tx, "events", eventCols, evs); err != nil {
			return err
		}
		if err := copyTemp(ctx, tx, "deliveries", deliveryCols, dels); err != nil {
			return err
		}
		if err := copyTemp(ctx, tx, "attempts", attemptCols, atts); err != nil {
			return err
		}
		// The first record that fails is named, as SQLite's import, record
		// by record, does: an object whose key is taken, or a reference.
		keyErr, err := importObjects(ctx, tx, records, objs, &stats.Written.Objects)
		if err != nil {
			return err
		}
		refOrd, refErr := importRefs(ctx, tx, len(evs) > 0, len(dels) > 0, len(atts) > 0)
		if refErr != nil && (keyErr == nil || refOrd < int64(keyErr.Record)) {
			return refErr
		}
		if keyErr != nil {
			return keyErr
		}
		if len(subs) > 0 {
			tag, err := tx.Exec(ctx, `INSERT INTO subscriptions (`+subscriptionCols+`)
				SELECT `+prefixCols("t.", subscriptionCols)+` FROM hookctl_import_subscriptions t ON CONFLICT (id) DO NOTHING`)
			if err != nil {
				return err
			}
			stats.Written.Subscriptions = tag.RowsAffected()
			// A subscription deleted here and imported again gets its
			// deliveries back: a delivery keeps a deleted subscription's
			// id only while no subscription has it (ListDeliveries'
			// filter looks on one side: subscriptionSide).
			if _, err := tx.Exec(ctx, `UPDATE deliveries d SET subscription_id = d.deleted_subscription_id, deleted_subscription_id = NULL
				FROM hookctl_import_subscriptions t JOIN subscriptions s ON s.id = t.id
				WHERE d.deleted_subscription_id = t.id`); err != nil {
				return err
			}
		}
		if len(evs) > 0 {
			tag, err := tx.Exec(ctx, `INSERT INTO events (`+eventCols+`)
				SELECT `+prefixCols("t.", eventCols)+` FROM hookctl_import_events t ORDER BY t.ord ON CONFLICT (id) DO NOTHING`)
			if err != nil {
				return err
			}
			stats.Written.Events = tag.RowsAffected()
		}
		if len(dels) > 0 {
			// Keeping imported Seqs while other processes insert: hold off
			// concurrent writers of deliveries for this transaction, number
			// the batch, insert, and move the identity past every Seq.
			if _, err := tx.Exec(ctx, `LOCK TABLE deliveries IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return err
			}
			if err := numberImport(ctx, tx, dels); err != nil {
				return err
			}
			cols := strings.Replace(deliveryCols, "seq, ", "", 1)
			// A delivery whose subscription is not here was deleted
			// before the export: it keeps the id as a deleted one's. A
			// deleted subscription's is linked to it if it is here
			// (imported again), as SQLite's import does.
			sel := strings.NewReplacer("t.subscription_id,",
				`(SELECT s.id FROM subscriptions s WHERE s.id = coalesce(t.subscription_id, t.deleted_subscription_id)),`,
				"t.deleted_subscription_id", `CASE WHEN NOT EXISTS (SELECT 1 FROM subscriptions s
					WHERE s.id = coalesce(t.subscription_id, t.deleted_subscription_id)) THEN coalesce(t.deleted_subscription_id, t.subscription_id) END`,
			).Replace(prefixCols("t.", cols))
			tag, err := tx.Exec(ctx, `INSERT INTO deliveries (seq, `+cols+`)
				SELECT t.seq, `+sel+` FROM hookctl_import_deliveries t WHERE t.seq > 0 ORDER BY t.ord`)
			if err != nil {
				return err
			}
			stats.Written.Deliveries = tag.RowsAffected()
			if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('deliveries', 'seq'), GREATEST(`+topDeliverySeq+`, 1))`); err != nil {
				return err
			}
			// A stored delivery is brought up to date from a newer copy in
			// the batch (the same history exported again after a replay or
			// a retry there), as SQLite's import does: see refreshDelivery
			// there. One whose lease ended is refreshed only if the import
			// could lock its row without waiting and no renewal holds or
			// awaits its lease-wait lock: importEnded, then
			// importFreeSQL.
			if err := importEnded(ctx, tx, db.clockNow()); err != nil {
				return err
			}
			tag, err = tx.Exec(ctx, `UPDATE deliveries d SET url = t.url, status = t.status, attempt_count = t.attempt_count,
				max_attempts = t.max_attempts, schedule = t.schedule, next_attempt_at = t.next_attempt_at, last_error = t.last_error,
				last_status = t.last_status, lease_owner = t.lease_owner, lease_expires_at = t.lease_expires_at, updated_at = t.updated_at
				FROM (SELECT DISTINCT ON (id) * FROM hookctl_import_deliveries ORDER BY id, updated_at DESC) t
				WHERE d.id = t.id AND d.updated_at < t.updated_at
				AND `+importFreeSQL)
			if err != nil {
				return err
			}
			stats.Refreshed = tag.RowsAffected()
		}
		if len(atts) > 0 {
			tag, err := tx.Exec(ctx, `INSERT INTO attempts (`+attemptCols+`)
				SELECT `+prefixCols("t.", attemptCols)+` FROM hookctl_import_attempts t ON CONFLICT (delivery_id, number) DO NOTHING`)
			if err != nil {
				return err
			}
			stats.Written.Attempts = tag.RowsAffected()
		}
		return nil
	})
	if err != nil {
		var refErr *store.ImportRefError
		if errors.As(err, &refErr) {
			return refErr
		}
		var keyErr *store.ImportKeyError
		if errors.As(err, &keyErr) {
			return keyErr
		}
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23503" { // foreign_key_violation
			return fmt.Errorf("import: %s (records must come in export order: subscriptions, objects, events, deliveries, attempts)", pgErr.Detail)
		}
		return db.wrap("import", err)
	}
	return nil
}

// importEnded locks, without waiting (SKIP LOCKED), the stored
// deliveries whose lease ended by now and that a newer copy in the
// import's batch would refresh, and lists them in hookctl_import_ended
// (a temporary table, dropped at commit): the ones importFreeSQL may
// refresh. A row another transaction holds is passed over: the owner's
// renewal (HoldRenewLeases, WaitRenewLease) holding it while it waits
// for the table lock the import holds. The import waiting for that row
// was a deadlock, broken after deadlock_timeout by failing the import
// (its batch undone) or the renewal (the import then gave a delivery in
// flight to the next claim). A row lock is kept in the row itself, not
// in the server's lock table: the import locks any number of rows.
// now is the caller's clock (onServer).
func importEnded(ctx context.Context, tx pgx.Tx, now time.Time) error {
	for _, q := range []string{`DROP TABLE IF EXISTS hookctl_import_ended`,
		`CREATE TEMP TABLE hookctl_import_ended (id text PRIMARY KEY) ON COMMIT DROP`} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO hookctl_import_ended (id)
		SELECT d.id FROM deliveries d JOIN (SELECT id, max(updated_at) AS updated_at FROM hookctl_import_deliveries GROUP BY id) t
			ON d.id = t.id
		WHERE d.lease_owner <> '' AND d.lease_expires_at < `+onServer("$1", "$1")+` AND d.updated_at < t.updated_at
		FOR NO KEY UPDATE OF d SKIP LOCKED`, now)
	return err
}

// importFreeSQL is true for a stored delivery (d) that the newer copy in
// an import's batch (t) may refresh: one no live process holds, its lease
// none, or ended and its row locked by importEnded, unless its owner
// waits to renew it (holds or awaits the row's lease-wait lock, as
// leaseEndedSQL's try-lock would find: read once from pg_locks). The
// rows were locked first: a renewal that takes the lease-wait lock after
// pg_locks was read then waits for the import's row lock and sees the
// row as the import left it, as it waited for the import's lease-wait
// lock before. The import takes no lock for each row: it tried each
// one's lease-wait lock, an entry of the server's lock table held until
// the commit (max_locks_per_transaction × connections, shared by every
// session), and a batch refreshing some 14,000 deliveries whose lease
// ended (a newer export of a store that had as many in flight) failed
// with "out of shared memory" whatever was retried.
var importFreeSQL = `(d.lease_owner = '' OR d.lease_expires_at IS NULL
		OR (EXISTS (SELECT 1 FROM hookctl_import_ended e WHERE e.id = d.id)
			AND (hashtext(d.id)::bigint & 4294967295) NOT IN (SELECT l.objid::bigint FROM pg_locks l
				WHERE l.locktype = 'advisory' AND l.classid = ` + leaseWaitClassSQL + ` AND l.objsubid = 2 AND l.mode = 'ExclusiveLock'
				AND l.pid <> pg_backend_pid() AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()))))`

// importRefs checks, before anything is inserted, that each delivery's
// event and each attempt's delivery is in the store or earlier in the batch
// (the temporary tables of the kinds present), and names the first record
// that fails, as SQLite's import, record by record, does. A delivery
// already stored is skipped, unchecked.
func importRefs(ctx context.Context, tx pgx.Tx, evs, dels, atts bool) (ord int64, err error) {
	var parts []string
	if dels {
		earlier := ""
		if evs {
			earlier = ` AND NOT EXISTS (SELECT 1 FROM hookctl_import_events i WHERE i.id = t.event_id AND i.ord < t.ord)`
		}
		parts = append(parts, `SELECT t.ord, 'delivery' AS kind, t.id, t.event_id AS ref FROM hookctl_import_deliveries t
			WHERE NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.id = t.id)
			AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = t.event_id)`+earlier)
	}
	if atts {
		earlier := ""
		if dels {
			earlier = ` AND NOT EXISTS (SELECT 1 FROM hookctl_import_deliveries i WHERE i.id = t.delivery_id AND i.ord < t.ord)`
		}
		parts = append(parts, `SELECT t.ord, 'attempt', t.number::text, t.delivery_id FROM hookctl_import_attempts t
			WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = t.delivery_id)`+earlier)
	}
	if len(parts) == 0 {
		return 0, nil
	}
	var kind, id, ref string
	err = tx.QueryRow(ctx, strings.Join(parts, " UNION ALL ")+` ORDER BY 1 LIMIT 1`).Scan(&ord, &kind, &id, &ref)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, err
	case kind == "delivery":
		return ord, &store.ImportRefError{Kind: kind, ID: id, RefKind: "event", RefID: ref, Record: int(ord)}
	default:
		return ord, &store.ImportRefError{Kind: kind, ID: id, RefKind: "delivery", RefID: ref, Record: int(ord)}
	}
}

// importObjects writes the objects of records at places objs, in order,
// each as given (store.ImportForm), skipping one whose kind and ID are
// stored or came earlier. It stops at the first live object whose key
// another live object of its kind has (in the store or earlier in the
// batch) and returns that as keyErr, with err nil: the caller names it
// unless a record before it fails too.
func importObjects(ctx context.Context, tx pgx.Tx, records []store.Record, objs []int, written *int64) (keyErr *store.ImportKeyError, err error) {
	n := now()
	for _, i := range objs {
		o, _ := store.ImportForm(records[i].Object, n)
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM objects WHERE kind = $1 AND id = $2`, pt(o.Kind), pt(o.ID)).Scan(&one)
		if err == nil {
			continue
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return nil, err
		}
		if o.Key != "" {
			var other string
			err := tx.QueryRow(ctx, `SELECT id FROM objects WHERE kind = $1 AND key = $2 AND key <> ''`, pt(o.Kind), pt(o.Key)).Scan(&other)
			if err == nil {
				return &store.ImportKeyError{Kind: o.Kind, ID: o.ID, Key: o.Key, Other: other, Record: i}, nil
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return nil, err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO objects (`+objectCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			pt(o.Kind), pt(o.ID), pt(o.Key), pt(string(o.Data)), o.Deleted, ts(o.CreatedAt), ts(o.UpdatedAt)); err != nil {
			return nil, err
		}
		*written++
	}
	return nil, nil
}

// numberImport gives the batch's deliveries (rows of
// hookctl_import_deliveries, in file order) their Seq as SQLite's import
// does, one after the other: a delivery whose ID is stored already, or
// came earlier in the batch, is skipped (Seq 0); one keeps its Seq when it
// is above the highest Seq given so far (topDeliverySeq), else it gets
// that plus one: an import
// appends to the log, as a trigger does, so the seqs of a dump restored
// after a prune (or of another store's) do not land below where a
// follower (deliveries tail, the live log) has read. (A file of two
// stores' exports holds the same Seqs twice, and a written one may have
// none.)
func numberImport(ctx context.Context, tx pgx.Tx, dels [][]any) error {
	ids := make([]string, len(dels))
	seqs := make([]int64, len(dels))
	for i, d := range dels {
		seqs[i], ids[i] = d[0].(int64), d[1].(string)
	}
	var top int64
	if err := tx.QueryRow(ctx, `SELECT `+topDeliverySeq).Scan(&top); err != nil {
		return err
	}
	stored := map[string]bool{}
	rows, err := tx.Query(ctx, `SELECT id FROM deliveries WHERE id = ANY($1)`, ids)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		stored[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	ord := make([]int64, len(dels))
	for i, d := range dels {
		ord[i] = d[len(d)-1].(int64)
		switch {
		case stored[ids[i]]:
			seqs[i] = 0
			continue
		case seqs[i] <= top:
			seqs[i] = top + 1
		}
		stored[ids[i]] = true
		top = seqs[i]
	}
	_, err = tx.Exec(ctx, `UPDATE hookctl_import_deliveries t SET seq = v.seq
		FROM unnest($1::bigint[], $2::bigint[]) AS v(ord, seq) WHERE t.ord = v.ord`, ord, seqs)
	return err
}

// topDeliverySeq is, in SQL, the highest delivery seq ever given: the
// identity's last value (also once the deliveries holding it were deleted:
// a prune of the newest, a reset), or the highest stored (an import's
// own). An import numbers from it and moves the identity to it, never
// back: setting it to the highest stored gave a pruned delivery's seq
// again to the next trigger.
const topDeliverySeq = `GREATEST((SELECT coalesce(max(seq), 0) FROM deliveries),
	coalesce(pg_sequence_last_value(pg_get_serial_sequence('deliveries', 'seq')::regclass), 0))`

// copyTemp loads rows with COPY into hookctl_import_<table>, a temporary
// table with table's columns and no constraints, dropped at commit.
func copyTemp(ctx context.Context, tx pgx.Tx, table, cols string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	tmp := "hookctl_import_" + table
	if _, err := tx.Exec(ctx, `DROP TABLE IF EXISTS `+tmp); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE `+tmp+` ON COMMIT DROP AS SELECT `+cols+` FROM `+table+` WITH NO DATA`); err != nil {
		return err
	}
	// ord, each row's last value, is its record's place in the batch: the
	// inserts follow the file (an event's Seq, given in that order, as
	// SQLite's import) and a reference must point back (importRefs).
	if _, err := tx.Exec(ctx, `ALTER TABLE `+tmp+` ADD COLUMN ord bigint`); err != nil {
		return err
	}
	names := strings.Split(cols, ",")
	for i := range names {
		names[i] = strings.TrimSpace(names[i])
	}
	names = append(names, "ord")
	_, err := tx.CopyFrom(ctx, pgx.Identifier{tmp}, names, pgx.CopyFromRows(rows))
	return err
}

// Backend names the backend in a dump's header.
func (db *DB) Backend() string { return "postgres" }

// Location implements store.Locator: Info's location.
func (db *DB) Location() string { return db.location }
