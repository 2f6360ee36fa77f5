package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// WriteRecords writes records in order in one transaction: events (an
// existing ID is skipped), new deliveries exactly as given (status,
// attempt count… already final) and attempts. It is the batch path of
// `hookctl listen`'s recorder, which would otherwise spend a transaction
// per record; it is not part of the store.Store contract (the recorder
// falls back to CreateEvent/ClaimDue/RecordAttempt on stores without it).
func (s *Store) WriteRecords(ctx context.Context, recs []store.Record) error {
	s.startCheckpointer()
	return s.withTx(ctx, func(tx *sql.Tx) error {
		ctx := stmtContext(ctx) // see stmtContext; a spool batch is short
		var evStmt, dStmt, aStmt *sql.Stmt
		prep := func(p **sql.Stmt, q string) (*sql.Stmt, error) {
			if *p == nil {
				st, err := tx.PrepareContext(ctx, q)
				if err != nil {
					return nil, err
				}
				*p = st
			}
			return *p, nil
		}
		defer func() {
			for _, st := range []*sql.Stmt{evStmt, dStmt, aStmt} {
				if st != nil {
					st.Close()
				}
			}
		}()
		late := lateMarks{now: time.Now()}
		for _, r := range recs {
			switch {
			case r.Event != nil:
				e := r.Event
				st, err := prep(&evStmt, insertEventSQL)
				if err != nil {
					return err
				}
				payload := e.Payload
				if payload == nil {
					payload = []byte{}
				}
				if _, err := st.ExecContext(ctx, e.ID, e.Type, e.Provider, payload, e.ContentType, e.Source,
					jsonMap(e.Headers), tm(e.CreatedAt), e.Verdict); err != nil {
					return fmt.Errorf("writing event %s: %w", e.ID, err)
				}
			case r.Delivery != nil:
				st, err := prep(&dStmt, insertDeliverySQL)
				if err != nil {
					return err
				}
				if err := late.before(ctx, tx, r.Delivery.CreatedAt); err != nil {
					return err
				}
				if err := st.QueryRowContext(ctx, deliveryArgs(r.Delivery)...).Scan(&r.Delivery.Seq); err != nil {
					return fmt.Errorf("writing delivery %s: %w", r.Delivery.ID, err)
				}
				late.after(r.Delivery.Seq, r.Delivery.CreatedAt)
			case r.Attempt != nil:
				st, err := prep(&aStmt, insertAttemptSQL)
				if err != nil {
					return err
				}
				if _, err := st.ExecContext(ctx, attemptArgs(r.Attempt)...); err != nil {
					return fmt.Errorf("writing attempt %d of %s: %w", r.Attempt.Number, r.Attempt.DeliveryID, err)
				}
			}
		}
		return late.flush(ctx, tx)
	})
}
