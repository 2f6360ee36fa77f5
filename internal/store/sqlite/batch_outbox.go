package sqlite

// Group commit for the delivery engine (issue 5): SQLite has one writer,
// so a busy trigger writes many small transactions; these batch variants
// of CreateEvent and RecordAttempt do the same work for many records in one
// transaction. They are optional extensions found by type assertion
// (internal/delivery falls back to the Store methods elsewhere) and keep
// the exact semantics of the single-record methods.

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// CreateEvents writes several events, each with its deliveries, in one
// transaction: like CreateEvent for each (an event whose ID exists is not
// written again; its new deliveries are).
func (s *Store) CreateEvents(ctx context.Context, events []*store.Event, deliveries [][]*store.Delivery) error {
	if len(events) != len(deliveries) {
		return errors.New("sqlite: CreateEvents: events and deliveries differ in length")
	}
	s.startCheckpointer()
	now := time.Now().UTC().Truncate(time.Microsecond)
	for i, e := range events {
		store.PrepareEvent(e, deliveries[i], now)
	}
	// Arguments are built before the write lock is taken (see
	// RecordAttempts).
	evHeaders := make([]any, len(events))
	dargs := make([][][]any, len(events))
	for i, e := range events {
		evHeaders[i] = jsonMap(e.Headers)
		dargs[i] = make([][]any, len(deliveries[i]))
		for j, d := range deliveries[i] {
			dargs[i][j] = deliveryArgs(d)
		}
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		cancel := ctx
		ctx := stmtContext(ctx)
		insEvent, err := s.txStmt(ctx, tx, insertEventSQL)
		if err != nil {
			return err
		}
		insDelivery, err := s.txStmt(ctx, tx, insertDeliveryNumberedSQL)
		if err != nil {
			return err
		}
		// One writer: the deliveries' seqs can be numbered here, which
		// saves reading each back.
		var last int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM deliveries`).Scan(&last); err != nil {
			return err
		}
		for i, e := range events {
			if i%64 == 63 && cancel.Err() != nil {
				return cancel.Err()
			}
			if _, err := insEvent.ExecContext(ctx, e.ID, e.Type, e.Provider, e.Payload, e.ContentType, e.Source,
				evHeaders[i], tm(e.CreatedAt), e.Verdict); err != nil {
				return err
			}
			for j, d := range deliveries[i] {
				last++
				d.Seq = last
				args := dargs[i][j]
				args[0] = last
				if _, err := insDelivery.ExecContext(ctx, args...); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// recordOwnedUpdateSQL applies an attempt's outcome only while owner holds
// the lease and the attempt count is the one the attempt was made at.
const recordOwnedUpdateSQL = `UPDATE deliveries SET status = ?, attempt_count = attempt_count + 1,
	next_attempt_at = ?, last_error = ?, last_status = ?, lease_owner = '', lease_expires_at = NULL,
	updated_at = ? WHERE id = ? AND lease_owner = ? RETURNING seq`

// recordSeqUpdateSQL is recordOwnedUpdateSQL for a delivery known by seq.
const recordSeqUpdateSQL = `UPDATE deliveries SET status = ?, attempt_count = attempt_count + 1,
	next_attempt_at = ?, last_error = ?, last_status = ?, lease_owner = '', lease_expires_at = NULL,
	updated_at = ? WHERE seq = ? AND lease_owner = ?`

// insertAttemptNumberedSQL inserts an attempt under the number it was
// made at, unless another (a lease-lost attempt) took that number.
const insertAttemptNumberedSQL = `INSERT INTO attempts (` + attemptCols + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`

// insertNextAttemptSQL inserts an attempt numbered after the delivery's
// others (the arguments are the delivery's seq, attemptArgs without the
// delivery and the number, then the seq again).
const insertNextAttemptSQL = `INSERT INTO attempts (` + attemptCols + `)
	SELECT ?, coalesce(max(number), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM attempts WHERE delivery_seq = ?
	RETURNING number`

// RecordAttempts records several attempts, each with its delivery update,
// in one transaction: like RecordAttempt for each. errs[i] is attempt i's
// outcome (nil, store.ErrLeaseLost or a not-found error); err is a failure
// of the whole transaction (nothing was written).
func (s *Store) RecordAttempts(ctx context.Context, owner string, attempts []*store.Attempt, updates []store.DeliveryUpdate) (errs []error, err error) {
	if len(attempts) != len(updates) {
		return nil, errors.New("sqlite: RecordAttempts: attempts and updates differ in length")
	}
	s.startCheckpointer()
	errs = make([]error, len(attempts))
	// Arguments (JSON headers) are built before the write lock is taken:
	// the one writer is the outbox's bottleneck.
	pre := make([][]any, len(attempts))
	for i, a := range attempts {
		pre[i] = attemptArgs(a)
	}
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		ctx := stmtContext(ctx)
		clear(errs)
		sel, err := s.txStmt(ctx, tx, recordSelectSQL)
		if err != nil {
			return err
		}
		ins, err := s.txStmt(ctx, tx, insertAttemptSQL)
		if err != nil {
			return err
		}
		// The by-ID update and the renumbered insert are rare (a delivery
		// not known by seq, a lost lease): prepared when first needed.
		var upd, insNext *sql.Stmt
		prep := func(st **sql.Stmt, q string) error {
			if *st != nil {
				return nil
			}
			p, err := tx.PrepareContext(ctx, q)
			*st = p
			return err
		}
		defer func() {
			for _, st := range []*sql.Stmt{upd, insNext} {
				if st != nil {
					st.Close()
				}
			}
		}()
		updSeq, err := s.txStmt(ctx, tx, recordSeqUpdateSQL)
		if err != nil {
			return err
		}
		insNum, err := s.txStmt(ctx, tx, insertAttemptNumberedSQL)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		for i, a := range attempts {
			u := updates[i]
			var next any
			if u.Status == store.DeliveryPending {
				next = tm(u.NextAttemptAt)
				if next == nil {
					next = now.UnixMicro()
				}
			}
			// The common case: we still hold the lease of a delivery
			// known by seq; update it, then add the attempt under its
			// number (after the others if a lease-lost attempt took it).
			if a.DeliverySeq > 0 && a.Number > 0 {
				res, err := updSeq.ExecContext(ctx, u.Status, next, u.LastError, u.LastStatus, now.UnixMicro(), a.DeliverySeq, owner)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 1 {
					args := pre[i]
					args[0] = a.DeliverySeq
					res, err := insNum.ExecContext(ctx, args...)
					if err != nil {
						return err
					}
					if n, _ := res.RowsAffected(); n == 1 {
						continue
					}
					args = append(append([]any{a.DeliverySeq}, args[2:]...), a.DeliverySeq)
					if err := prep(&insNext, insertNextAttemptSQL); err != nil {
						return err
					}
					if err := insNext.QueryRowContext(ctx, args...).Scan(&a.Number); err != nil {
						return err
					}
					continue
				}
			}
			// Otherwise: update by ID, then add the attempt after the
			// delivery's others.
			var seq int64
			if err := prep(&upd, recordOwnedUpdateSQL); err != nil {
				return err
			}
			err = upd.QueryRowContext(ctx, u.Status, next, u.LastError, u.LastStatus, now.UnixMicro(), a.DeliveryID, owner).Scan(&seq)
			if err == nil {
				args := append(append([]any{seq}, pre[i][2:]...), seq)
				if err := prep(&insNext, insertNextAttemptSQL); err != nil {
					return err
				}
				if err := insNext.QueryRowContext(ctx, args...).Scan(&a.Number); err != nil {
					return err
				}
				continue
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			// Lease lost (or gone): keep the attempt, numbered after the
			// others, and leave the delivery alone.
			var leaseOwner string
			var maxNumber int
			err = sel.QueryRowContext(ctx, a.DeliveryID).Scan(&leaseOwner, &maxNumber)
			if errors.Is(err, sql.ErrNoRows) {
				errs[i] = &store.NotFoundError{Kind: "delivery", ID: a.DeliveryID}
				continue
			}
			if err != nil {
				return err
			}
			if a.Number <= maxNumber {
				a.Number = maxNumber + 1
			}
			if _, err := ins.ExecContext(ctx, attemptArgs(a)...); err != nil {
				return err
			}
			if leaseOwner != owner {
				errs[i] = store.ErrLeaseLost
				continue
			}
			// The update above found our lease: unreachable, but keep the
			// single-record semantics if it ever happens.
			updOne, err := s.txStmt(ctx, tx, recordUpdateSQL)
			if err != nil {
				return err
			}
			if _, err := updOne.ExecContext(ctx, u.Status, next, u.LastError, u.LastStatus, now.UnixMicro(), a.DeliveryID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return errs, nil
}
