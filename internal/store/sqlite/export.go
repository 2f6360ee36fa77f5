package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"

	"github.com/hookctl/hookctl/internal/store"
)

// Export streams every record from one consistent snapshot: subscriptions,
// objects (tombstones too; by kind, then creation), events, deliveries,
// attempts, each in creation order.
//
// A damaged store (SQLite's "database disk image is malformed") is read
// as far as it can be: a table is read up to the damage, then the export
// goes on with the next one, and what a cut table held is left out of
// those that follow too (the deliveries of events it could not read,
// the attempts of those deliveries), so that what was written imports
// into a new store. It then returns an *store.EnvironmentError wrapping
// a *store.ExportSkippedError that says what was left out.
func (s *Store) Export(ctx context.Context, fn func(store.Record) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var skipped *store.ExportSkippedError
	// each runs q and scans its rows; a damaged table ends its rows and is
	// noted (n: how many of them were written), every other error (fn's
	// own: a closed stdout) ends the export.
	each := func(what string, q string, args []any, scan func(*sql.Rows) error) error {
		n := 0
		err := func() error {
			rows, err := tx.QueryContext(ctx, q, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				if err := scan(rows); err != nil {
					return err
				}
				n++
			}
			return rows.Err()
		}()
		damage := damaged(err)
		var bad unreadable
		if damage == nil && errors.As(err, &bad) {
			// A row that does not scan (a NULL in a NOT NULL column: a
			// page of a file cut short, read as zeros) is damage too.
			damage = errors.New("rows that do not read (a file cut short or damaged)")
		}
		if damage == nil {
			return err
		}
		if skipped == nil {
			skipped = &store.ExportSkippedError{Err: damage}
		}
		skipped.Skipped = append(skipped.Skipped, fmt.Sprintf("left out the %s after the first %d: they could not be read", what, n))
		return errCut
	}
	done := func(err error) (cut bool, _ error) {
		if errors.Is(err, errCut) {
			return true, nil
		}
		return false, err
	}
	if _, err := done(each("subscriptions", `SELECT `+subCols+` FROM subscriptions ORDER BY created_at, id`, nil, func(r *sql.Rows) error {
		sub, err := scanSubscription(r)
		if err != nil {
			return unreadable{err}
		}
		return fn(store.Record{Subscription: sub})
	})); err != nil {
		return err
	}
	if _, err := done(each("objects", `SELECT `+objectCols+` FROM objects ORDER BY kind, created_at, id`, nil, func(r *sql.Rows) error {
		o, err := scanObject(r)
		if err != nil {
			return unreadable{err}
		}
		return fn(store.Record{Object: o})
	})); err != nil {
		return err
	}
	var lastEvent int64 // the seq of the last event written
	eventsCut, err := done(each("events", `SELECT `+eventCols+`, seq FROM events ORDER BY seq`, nil, func(r *sql.Rows) error {
		e, err := scanEvent(r, &lastEvent)
		if err != nil {
			return unreadable{err}
		}
		return fn(store.Record{Event: e})
	}))
	if err != nil {
		return err
	}
	// Deliveries and attempts of what was left out are left out too: an
	// import refuses a delivery whose event is not there.
	where, args := "", []any{}
	if eventsCut {
		where, args = ` WHERE d.event_id IN (SELECT id FROM events WHERE seq <= ?)`, append(args, lastEvent)
		skipped.Skipped = append(skipped.Skipped, "left out the deliveries and attempts of the events left out")
	}
	var lastDelivery int64
	deliveriesCut, err := done(each("deliveries", `SELECT `+deliveryCols+` FROM deliveries d`+where+` ORDER BY seq`, args, func(r *sql.Rows) error {
		d, err := scanDelivery(r)
		if err != nil {
			return unreadable{err}
		}
		lastDelivery = d.Seq
		return fn(store.Record{Delivery: d})
	}))
	if err != nil {
		return err
	}
	if deliveriesCut {
		if where == "" {
			where = ` WHERE`
		} else {
			where += ` AND`
		}
		where, args = where+` d.seq <= ?`, append(args, lastDelivery)
		skipped.Skipped = append(skipped.Skipped, "left out the attempts of the deliveries left out")
	}
	if _, err := done(each("attempts", attemptSelect+where+` ORDER BY a.delivery_seq, a.number`, args, func(r *sql.Rows) error {
		a, err := scanAttempt(r)
		if err != nil {
			return unreadable{err}
		}
		return fn(store.Record{Attempt: a})
	})); err != nil {
		return err
	}
	if skipped != nil {
		return envErr("import what was written into a new store (hookctl store import FILE --store NEW), then use that one",
			"store %s is damaged: %w", s.path, skipped)
	}
	return nil
}

// unreadable is a row Export could not scan into its record.
type unreadable struct{ err error }

func (u unreadable) Error() string { return u.err.Error() }
func (u unreadable) Unwrap() error { return u.err }

// errCut: a table of Export was cut short by damage (noted in its
// ExportSkippedError).
var errCut = errors.New("cut")

// damaged returns SQLite's SQLITE_CORRUPT or SQLITE_NOTADB error in err,
// or nil.
func damaged(err error) error {
	var se *sqlite3.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3lib.SQLITE_CORRUPT, sqlite3lib.SQLITE_NOTADB:
			return se
		}
	}
	return nil
}

var (
	_ store.BatchImporter = (*Store)(nil)
	_ store.StatsImporter = (*Store)(nil)
	_ store.Locator       = (*Store)(nil)
)

// Import writes one record as is, skipping it when its ID (for attempts:
// delivery and number; for objects: kind and ID) exists. A live object
// whose Key another live object of its kind has is a
// *store.ImportKeyError. A delivery keeps its Seq when it is above every
// seq the store gave (also to a delivery deleted since), else it takes
// the next one: an import appends to the
// log, so a delivery restored after a prune (or another store's) is not
// placed below where a follower of the log (deliveries tail, the live
// log) has read, and seqs commit in order (store.CommitReader).
func (s *Store) Import(ctx context.Context, r store.Record) error {
	return s.withTx(ctx, func(tx *sql.Tx) error { return importRecord(ctx, tx, r, new(store.ImportStats)) })
}

// refreshDelivery brings a stored delivery up to date from an imported
// copy that is newer (a later updated_at: the same history exported again
// after a replay or a retry there): its URL, status, attempt count,
// schedule, next attempt, last answer and lease, so that it agrees with
// the attempts imported after it. An older or equal copy changes nothing,
// nor does any copy while a process here holds the delivery's lease.
func refreshDelivery(ctx context.Context, tx *sql.Tx, d *store.Delivery, stats *store.ImportStats) error {
	res, err := tx.ExecContext(ctx, `UPDATE deliveries SET url = ?, status = ?, attempt_count = ?, max_attempts = ?,
		schedule = ?, next_attempt_at = ?, last_error = ?, last_status = ?, lease_owner = ?, lease_expires_at = ?, updated_at = ?
		WHERE id = ? AND updated_at < ? AND (lease_owner = '' OR lease_expires_at IS NULL OR lease_expires_at < ?)`,
		d.URL, d.Status, d.AttemptCount, d.MaxAttempts, d.Schedule, tm(d.NextAttemptAt), d.LastError, d.LastStatus,
		d.LeaseOwner, tm(d.LeaseExpiresAt), tm(d.UpdatedAt), d.ID, tm(d.UpdatedAt), time.Now().UnixMicro())
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	stats.Refreshed += n
	return err
}

// ImportBatch implements store.BatchImporter: Import of each record in
// order, in one transaction (store import's --batch-size records per
// transaction: a failing record leaves none of its batch, as on
// PostgreSQL).
func (s *Store) ImportBatch(ctx context.Context, records []store.Record) error {
	_, err := s.ImportBatchStats(ctx, records)
	return err
}

// ImportBatchStats implements store.StatsImporter: ImportBatch, saying
// how many stored deliveries it refreshed.
func (s *Store) ImportBatchStats(ctx context.Context, records []store.Record) (store.ImportStats, error) {
	var stats store.ImportStats
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		stats = store.ImportStats{} // a retried transaction counts again
		for i, r := range records {
			if err := importRecord(ctx, tx, r, &stats); err != nil {
				var ke *store.ImportKeyError
				if errors.As(err, &ke) {
					ke.Record = i
				}
				var re *store.ImportRefError
				if errors.As(err, &re) {
					re.Record = i
				}
				return err
			}
		}
		return nil
	})
	return stats, err
}

func importRecord(ctx context.Context, tx *sql.Tx, r store.Record, stats *store.ImportStats) error {
	exists := func(q string, args ...any) (bool, error) {
		var one int
		err := tx.QueryRowContext(ctx, q, args...).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		return err == nil, err
	}
	switch {
	case r.Subscription != nil:
		sub := r.Subscription
		res, err := tx.ExecContext(ctx, `INSERT INTO subscriptions (`+subCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			sub.ID, sub.CallbackURL, jsonList(sub.Events), sub.Description, sub.Status, sub.Secret, sub.PreviousSecret,
			tm(sub.PreviousSecretExpiresAt), sub.Provider, sub.Scheme, sub.Method, headerMap(sub.Headers),
			jsonMap(sub.Metadata), tm(sub.CreatedAt), tm(sub.UpdatedAt))
		if err := counted(res, err, &stats.Written.Subscriptions); err != nil {
			return err
		}
		// A subscription deleted here and imported again gets its
		// deliveries back: a delivery keeps a deleted subscription's id
		// only while no subscription has it (ListDeliveries' filter
		// looks on one side: subscriptionSide).
		_, err = tx.ExecContext(ctx, `UPDATE deliveries SET subscription_id = ?1, deleted_subscription_id = NULL
			WHERE deleted_subscription_id = ?1 AND EXISTS (SELECT 1 FROM subscriptions WHERE id = ?1)`, sub.ID)
		return err
	case r.Object != nil:
		o, ok := store.ImportForm(r.Object, time.Now())
		if !ok {
			return errors.New("import: an object without a kind or id")
		}
		if ok, err := exists(`SELECT 1 FROM objects WHERE kind = ? AND id = ?`, o.Kind, o.ID); ok || err != nil {
			return err
		}
		if o.Key != "" {
			var other string
			err := tx.QueryRowContext(ctx, objectKeyHolderSQL, o.Kind, o.Key).Scan(&other)
			if err == nil {
				return &store.ImportKeyError{Kind: o.Kind, ID: o.ID, Key: o.Key, Other: other}
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		deleted := 0
		if o.Deleted {
			deleted = 1
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO objects (`+objectCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			o.Kind, o.ID, o.Key, string(o.Data), deleted, tm(o.CreatedAt), tm(o.UpdatedAt))
		return counted(res, err, &stats.Written.Objects)
	case r.Event != nil:
		e := r.Event
		payload := e.Payload
		if payload == nil {
			payload = []byte{}
		}
		res, err := tx.ExecContext(ctx, insertEventSQL, e.ID, e.Type, e.Provider, payload, e.ContentType, e.Source,
			jsonMap(e.Headers), tm(e.CreatedAt), e.Verdict)
		return counted(res, err, &stats.Written.Events)
	case r.Delivery != nil:
		d := *r.Delivery
		if ok, err := exists(`SELECT 1 FROM deliveries WHERE id = ?`, d.ID); err != nil {
			return err
		} else if ok {
			return refreshDelivery(ctx, tx, &d, stats)
		}
		if ok, err := exists(`SELECT 1 FROM events WHERE id = ?`, d.EventID); err != nil {
			return err
		} else if !ok {
			return &store.ImportRefError{Kind: "delivery", ID: d.ID, RefKind: "event", RefID: d.EventID}
		}
		if d.Seq > 0 {
			var top int64
			if err := tx.QueryRowContext(ctx, `SELECT `+topDeliverySeq).Scan(&top); err != nil {
				return err
			}
			if d.Seq <= top {
				d.Seq = 0 // the next seq
			}
		}
		if d.SubscriptionID == "" && d.DeletedSubscriptionID != "" {
			// A deleted subscription's: linked to it if it is here
			// (imported again), else kept as a deleted one's below.
			d.SubscriptionID, d.DeletedSubscriptionID = d.DeletedSubscriptionID, ""
		}
		if d.SubscriptionID != "" {
			if ok, err := exists(`SELECT 1 FROM subscriptions WHERE id = ?`, d.SubscriptionID); err != nil {
				return err
			} else if !ok {
				// Its subscription was deleted before the export: the
				// delivery keeps the id as a deleted one's.
				if d.DeletedSubscriptionID == "" {
					d.DeletedSubscriptionID = d.SubscriptionID
				}
				d.SubscriptionID = ""
			}
		}
		late := lateMarks{now: time.Now()}
		if err := late.before(ctx, tx, d.CreatedAt); err != nil {
			return err
		}
		var seq int64
		if err := tx.QueryRowContext(ctx, insertDeliverySQL, deliveryArgs(&d)...).Scan(&seq); err != nil {
			return err
		}
		late.after(seq, d.CreatedAt)
		if err := late.flush(ctx, tx); err != nil {
			return err
		}
		if d.DeletedSubscriptionID != "" {
			// Apart from insertDeliverySQL, which new deliveries (never
			// of a deleted subscription) share.
			if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET deleted_subscription_id = ? WHERE seq = ?`, d.DeletedSubscriptionID, seq); err != nil {
				return err
			}
		}
		stats.Written.Deliveries++
		return nil
	case r.Attempt != nil:
		a := r.Attempt
		if ok, err := exists(`SELECT 1 FROM deliveries WHERE id = ?`, a.DeliveryID); err != nil {
			return err
		} else if !ok {
			return &store.ImportRefError{Kind: "attempt", ID: strconv.Itoa(a.Number), RefKind: "delivery", RefID: a.DeliveryID}
		}
		res, err := tx.ExecContext(ctx, insertAttemptSQL+` ON CONFLICT (delivery_seq, number) DO NOTHING`,
			attemptArgs(a)...)
		return counted(res, err, &stats.Written.Attempts)
	}
	return nil
}

// counted adds the rows res inserted to n.
func counted(res sql.Result, err error, n *int64) error {
	if err != nil {
		return err
	}
	k, err := res.RowsAffected()
	*n += k
	return err
}

// Backend names the backend in a dump's header.
func (s *Store) Backend() string { return "sqlite" }

// Location implements store.Locator: Info's location.
func (s *Store) Location() string { return s.path }
