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
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// CreateEvents writes several events, each with its deliveries, in one
// transaction: like CreateEvent for each (an event whose ID exists is not
// written again; its new deliveries are).
//
// Rows go in multi-row INSERTs (bulkEventRows, bulkDeliveryRows at a
// time): one statement run costs about as much as the b-tree work of a
// row, and opening a statement's cursors on every index is paid once per
// chunk instead of once per row. The one writer numbers the seqs itself,
// so deliveries carry their event's seq instead of looking it up.
func (s *Store) CreateEvents(ctx context.Context, events []*store.Event, deliveries [][]*store.Delivery) error {
	if len(events) != len(deliveries) {
		return errors.New("sqlite: CreateEvents: events and deliveries differ in length")
	}
	s.startCheckpointer()
	now := time.Now().UTC().Truncate(time.Microsecond)
	for i, e := range events {
		store.PrepareEvent(e, deliveries[i], now)
	}
	for _, ds := range deliveries {
		s.holdLeases(ds)
	}
	// Arguments are built before the write lock is taken (see
	// RecordAttempts): evArgs holds each distinct event's row (its seq,
	// first, is set under the lock), dArgs each delivery's (seq first,
	// event seq last).
	first := make(map[string]int, len(events)) // event ID → index of its row in evArgs
	evOf := make([]int, len(events))           // events[i] → its row
	var evArgs []any
	nd := 0
	for i, e := range events {
		k, ok := first[e.ID]
		if !ok {
			k = len(first)
			first[e.ID] = k
			payload := e.Payload
			if payload == nil {
				payload = []byte{}
			}
			evArgs = append(evArgs, nil, e.ID, e.Type, e.Provider, payload, e.ContentType, e.Source,
				jsonMap(e.Headers), tm(e.CreatedAt), e.Verdict)
		}
		evOf[i] = k
		nd += len(deliveries[i])
	}
	nev := len(first)
	dArgs := make([]any, 0, nd*deliveryRowArgs)
	for i := range events {
		for _, d := range deliveries[i] {
			a := deliveryArgs(d)
			a[len(a)-1] = nil // the event's seq, set under the lock
			dArgs = append(dArgs, a...)
		}
	}
	if err := s.prepareBulk(stmtContext(ctx)); err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		cancel := ctx
		ctx := stmtContext(ctx)
		var lastEv, lastD int64
		if err := tx.QueryRowContext(ctx, `SELECT `+topEventSeq+`, `+topDeliverySeq).
			Scan(&lastEv, &lastD); err != nil {
			return err
		}
		seqs := make([]int64, nev)
		for k := range seqs {
			seqs[k] = lastEv + 1 + int64(k)
			evArgs[k*eventRowArgs] = seqs[k]
		}
		inserted, err := s.bulkInsert(ctx, tx, cancel, bulkEvents, evArgs)
		if err != nil {
			return err
		}
		if inserted < int64(nev) {
			// Some events exist already (an earlier batch, --duplicate):
			// their deliveries take the stored event's seq.
			for id, k := range first {
				if err := tx.QueryRowContext(ctx, `SELECT seq FROM events WHERE id = ?`, id).Scan(&seqs[k]); err != nil {
					return err
				}
			}
		}
		late := lateMarks{now: now}
		n := 0
		for i := range events {
			for _, d := range deliveries[i] {
				if !late.known && late.old(d.CreatedAt) {
					// The newest created_at stored before the batch, then
					// the batch's rows in seq order (after).
					if err := late.load(ctx, tx); err != nil {
						return err
					}
				}
				lastD++
				d.Seq = lastD
				row := dArgs[n*deliveryRowArgs : (n+1)*deliveryRowArgs]
				row[0] = lastD
				row[deliveryRowArgs-1] = seqs[evOf[i]]
				n++
			}
		}
		if late.known {
			for i := range events {
				for _, d := range deliveries[i] {
					late.after(d.Seq, d.CreatedAt)
				}
			}
		}
		if _, err = s.bulkInsert(ctx, tx, cancel, bulkDeliveries, dArgs); err != nil {
			return err
		}
		return late.flush(ctx, tx)
	})
}

// Multi-row inserts of CreateEvents: the column lists and how many rows
// one statement takes (a few hundred parameters each).
const (
	eventRowArgs     = 10
	bulkEventRows    = 64
	deliveryRowArgs  = 24
	bulkDeliveryRows = 32
)

// bulkShape is one table's multi-row insert. vary are the columns that
// differ from row to row in a bulk trigger; when every other column holds
// the same value in all rows of a chunk (one run's deliveries to one
// subscription), those are bound once (numbered parameters the rows
// share) instead of once a row: binding is a good part of an insert.
type bulkShape struct {
	table  string
	cols   []string
	suffix string
	rows   int
	vary   []int
}

var (
	bulkEvents = &bulkShape{
		table: "events", cols: strings.Split("seq, "+eventCols, ", "), suffix: ` ON CONFLICT (id) DO NOTHING`,
		rows: bulkEventRows,
		vary: []int{0, 1, 4}, // seq, id, payload
	}
	bulkDeliveries = &bulkShape{
		table: "deliveries",
		cols: []string{"seq", "id", "event_id", "subscription_id", "url", "method", "scheme", "secret", "headers",
			"status", "attempt_count", "max_attempts", "schedule", "next_attempt_at", "last_error", "last_status", "run_id",
			"lease_owner", "lease_expires_at", "created_at", "updated_at", "origin_id", "kind", "event_seq"},
		rows: bulkDeliveryRows,
		vary: []int{0, 1, 2, 13, 23}, // seq, id, event_id, next_attempt_at, event_seq
	}
)

func init() {
	if len(bulkEvents.cols) != eventRowArgs || len(bulkDeliveries.cols) != deliveryRowArgs {
		panic("sqlite: bulk insert columns out of step")
	}
}

func (b *bulkShape) varies(c int) bool { return slices.Contains(b.vary, c) }

// sql returns the statement for n rows: every value its own parameter in
// the table's column order, or (shared) the columns outside vary first,
// as ?1…?k in every row, then the varying ones as plain parameters (?k+1
// on). Plain parameters keep binding linear: the driver looks each
// parameter's name up, and SQLite finds a numbered one by a list scan.
func (b *bulkShape) sql(n int, shared bool) string {
	var sb strings.Builder
	sb.WriteString("INSERT INTO " + b.table + " (")
	order := make([]string, 0, len(b.cols))
	k := 0
	if shared {
		for c, name := range b.cols {
			if !b.varies(c) {
				order = append(order, name)
			}
		}
		k = len(order)
		for _, c := range b.vary {
			order = append(order, b.cols[c])
		}
	} else {
		order = append(order, b.cols...)
	}
	sb.WriteString(strings.Join(order, ", "))
	sb.WriteString(") VALUES ")
	for r := range n {
		if r > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('(')
		for c := range order {
			if c > 0 {
				sb.WriteByte(',')
			}
			if c < k {
				fmt.Fprintf(&sb, "?%d", c+1)
			} else {
				sb.WriteByte('?')
			}
		}
		sb.WriteByte(')')
	}
	sb.WriteString(b.suffix)
	return sb.String()
}

// uniform reports whether the rows of args (cols values each) agree on
// every column outside vary. Those hold strings, integers and NULLs.
func (b *bulkShape) uniform(args []any) bool {
	first := args[:len(b.cols)]
	for r := len(b.cols); r < len(args); r += len(b.cols) {
		vi := 0
		for c := range b.cols {
			if vi < len(b.vary) && b.vary[vi] == c {
				vi++
				continue
			}
			if !sameArg(args[r+c], first[c]) {
				return false
			}
		}
	}
	return true
}

func sameArg(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case string:
		b, ok := b.(string)
		return ok && a == b
	case int:
		b, ok := b.(int)
		return ok && a == b
	case int64:
		b, ok := b.(int64)
		return ok && a == b
	}
	return false // anything else ([]byte…) is bound row by row
}

// bulkInsert inserts args (b.cols values a row) up to b.rows rows a
// statement and returns the rows inserted.
func (s *Store) bulkInsert(ctx context.Context, tx *sql.Tx, cancel context.Context, b *bulkShape, args []any) (int64, error) {
	var total int64
	var packed []any
	for len(args) > 0 {
		if cancel.Err() != nil {
			return 0, cancel.Err()
		}
		n := min(b.rows, len(args)/len(b.cols))
		chunk := args[:n*len(b.cols)]
		args = args[n*len(b.cols):]
		shared := n > 1 && b.uniform(chunk)
		st, err := s.bulkStmt(ctx, tx, b, n, shared)
		if err != nil {
			return 0, err
		}
		if shared {
			packed = packed[:0]
			vi := 0
			for c := range b.cols {
				if vi < len(b.vary) && b.vary[vi] == c {
					vi++
					continue
				}
				packed = append(packed, chunk[c])
			}
			for r := 0; r < len(chunk); r += len(b.cols) {
				for _, c := range b.vary {
					packed = append(packed, chunk[r+c])
				}
			}
			chunk = packed
		}
		res, err := st.ExecContext(ctx, chunk...)
		if err != nil {
			return 0, err
		}
		k, _ := res.RowsAffected()
		total += k
	}
	return total, nil
}

type bulkKey struct {
	shape  *bulkShape
	rows   int
	shared bool
}

// bulkStmt returns the statement inserting n rows: a full chunk's is
// prepared once on the writer's connection (by prepareBulk), a
// remainder's on the transaction (closed with it).
func (s *Store) bulkStmt(ctx context.Context, tx *sql.Tx, b *bulkShape, n int, shared bool) (*sql.Stmt, error) {
	s.bulkMu.Lock()
	st, ok := s.bulk[bulkKey{b, n, shared}]
	s.bulkMu.Unlock()
	if ok {
		return tx.StmtContext(ctx, st), nil
	}
	return tx.PrepareContext(ctx, b.sql(n, shared))
}

// prepareBulk prepares the full-chunk inserts on first use (not at open:
// most commands never write in bulk). It must run outside a transaction:
// the writer has one connection.
func (s *Store) prepareBulk(ctx context.Context) error {
	s.bulkMu.Lock()
	defer s.bulkMu.Unlock()
	if s.bulk != nil {
		return nil
	}
	m := map[bulkKey]*sql.Stmt{}
	for _, b := range []*bulkShape{bulkEvents, bulkDeliveries} {
		for _, shared := range []bool{false, true} {
			st, err := s.w.PrepareContext(ctx, b.sql(b.rows, shared))
			if err != nil {
				for _, st := range m {
					st.Close()
				}
				return err
			}
			m[bulkKey{b, b.rows, shared}] = st
		}
	}
	s.bulk = m
	return nil
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
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`

// insertNextAttemptSQL inserts an attempt numbered after the delivery's
// others (the arguments are the delivery's seq, attemptArgs without the
// delivery and the number, then the seq again).
const insertNextAttemptSQL = `INSERT INTO attempts (` + attemptCols + `)
	SELECT ?, coalesce(max(number), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM attempts WHERE delivery_seq = ?
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
			number := a.Number // as its sender made it (recordStoppedSQL)
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
				if _, err := tx.ExecContext(ctx, recordStoppedSQL, u.LastStatus, now.UnixMicro(), a.DeliveryID, number); err != nil {
					return err
				}
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
