package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// Export streams every record from one consistent snapshot: subscriptions,
// objects (tombstones too; by kind, then creation), events, deliveries,
// attempts, each in creation order.
func (s *Store) Export(ctx context.Context, fn func(store.Record) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	each := func(q string, scan func(*sql.Rows) error) error {
		rows, err := tx.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	if err := each(`SELECT `+subCols+` FROM subscriptions ORDER BY created_at, id`, func(r *sql.Rows) error {
		sub, err := scanSubscription(r)
		if err != nil {
			return err
		}
		return fn(store.Record{Subscription: sub})
	}); err != nil {
		return err
	}
	if err := each(`SELECT `+objectCols+` FROM objects ORDER BY kind, created_at, id`, func(r *sql.Rows) error {
		o, err := scanObject(r)
		if err != nil {
			return err
		}
		return fn(store.Record{Object: o})
	}); err != nil {
		return err
	}
	if err := each(`SELECT `+eventCols+` FROM events ORDER BY seq`, func(r *sql.Rows) error {
		e, err := scanEvent(r)
		if err != nil {
			return err
		}
		return fn(store.Record{Event: e})
	}); err != nil {
		return err
	}
	if err := each(`SELECT `+deliveryCols+` FROM deliveries d ORDER BY seq`, func(r *sql.Rows) error {
		d, err := scanDelivery(r)
		if err != nil {
			return err
		}
		return fn(store.Record{Delivery: d})
	}); err != nil {
		return err
	}
	return each(attemptSelect+` ORDER BY a.delivery_seq, a.number`, func(r *sql.Rows) error {
		a, err := scanAttempt(r)
		if err != nil {
			return err
		}
		return fn(store.Record{Attempt: a})
	})
}

var _ store.BatchImporter = (*Store)(nil)

// Import writes one record as is, skipping it when its ID (for attempts:
// delivery and number; for objects: kind and ID) exists. A live object
// whose Key another live object of its kind has is a
// *store.ImportKeyError. A delivery keeps its Seq unless another
// delivery has it.
func (s *Store) Import(ctx context.Context, r store.Record) error {
	return s.withTx(ctx, func(tx *sql.Tx) error { return importRecord(ctx, tx, r) })
}

// ImportBatch implements store.BatchImporter: Import of each record in
// order, in one transaction (store import's --batch-size records per
// transaction: a failing record leaves none of its batch, as on
// PostgreSQL).
func (s *Store) ImportBatch(ctx context.Context, records []store.Record) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		for i, r := range records {
			if err := importRecord(ctx, tx, r); err != nil {
				var ke *store.ImportKeyError
				if errors.As(err, &ke) {
					ke.Record = i
				}
				return err
			}
		}
		return nil
	})
}

func importRecord(ctx context.Context, tx *sql.Tx, r store.Record) error {
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
		_, err := tx.ExecContext(ctx, `INSERT INTO subscriptions (`+subCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			sub.ID, sub.CallbackURL, jsonList(sub.Events), sub.Description, sub.Status, sub.Secret, sub.PreviousSecret,
			tm(sub.PreviousSecretExpiresAt), sub.Provider, sub.Scheme, sub.Method, jsonMap(sub.Headers),
			jsonMap(sub.Metadata), tm(sub.CreatedAt), tm(sub.UpdatedAt))
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
			err := tx.QueryRowContext(ctx, `SELECT id FROM objects WHERE kind = ? AND key = ?`, o.Kind, o.Key).Scan(&other)
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
		_, err := tx.ExecContext(ctx, `INSERT INTO objects (`+objectCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			o.Kind, o.ID, o.Key, string(o.Data), deleted, tm(o.CreatedAt), tm(o.UpdatedAt))
		return err
	case r.Event != nil:
		e := r.Event
		payload := e.Payload
		if payload == nil {
			payload = []byte{}
		}
		_, err := tx.ExecContext(ctx, insertEventSQL, e.ID, e.Type, e.Provider, payload, e.ContentType, e.Source,
			jsonMap(e.Headers), tm(e.CreatedAt), e.Verdict)
		return err
	case r.Delivery != nil:
		d := *r.Delivery
		if ok, err := exists(`SELECT 1 FROM deliveries WHERE id = ?`, d.ID); ok || err != nil {
			return err
		}
		if ok, err := exists(`SELECT 1 FROM events WHERE id = ?`, d.EventID); err != nil {
			return err
		} else if !ok {
			return &store.ImportRefError{Kind: "delivery", ID: d.ID, RefKind: "event", RefID: d.EventID}
		}
		if d.Seq > 0 {
			if ok, err := exists(`SELECT 1 FROM deliveries WHERE seq = ?`, d.Seq); err != nil {
				return err
			} else if ok {
				d.Seq = 0
			}
		}
		if d.SubscriptionID != "" {
			if ok, err := exists(`SELECT 1 FROM subscriptions WHERE id = ?`, d.SubscriptionID); err != nil {
				return err
			} else if !ok {
				d.SubscriptionID = "" // its subscription was deleted before the export
			}
		}
		var seq int64
		return tx.QueryRowContext(ctx, insertDeliverySQL, deliveryArgs(&d)...).Scan(&seq)
	case r.Attempt != nil:
		a := r.Attempt
		if ok, err := exists(`SELECT 1 FROM deliveries WHERE id = ?`, a.DeliveryID); err != nil {
			return err
		} else if !ok {
			return &store.ImportRefError{Kind: "attempt", ID: strconv.Itoa(a.Number), RefKind: "delivery", RefID: a.DeliveryID}
		}
		_, err := tx.ExecContext(ctx, insertAttemptSQL+` ON CONFLICT (delivery_seq, number) DO NOTHING`,
			attemptArgs(a)...)
		return err
	}
	return nil
}
