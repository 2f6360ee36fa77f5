package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hookctl/hookctl/internal/store"
)

// A delivery's seq is taken from its sequence inside the transaction that
// writes it, so transactions commit out of seq order: a reader that has
// read up to seq N may later see a delivery with a lower seq (a slow
// import, a writer held mid-transaction). The log's followers (deliveries
// tail, the inspector's live log) find them by transaction
// (store.CommitReader; schema 14: deliveries.txid, the writer's
// txid_current()): each takes a snapshot (TxSnapshot) before its read up
// to its cursor, and at its next read asks for the deliveries at or below
// that cursor whose transaction the snapshot did not see
// (InspectCommittedAfter): those running then (its xip) or begun after it
// (>= its xmax). One indexed read per tick that returns only such rows,
// however far below the cursor their seq is and however long their
// transaction took.
var (
	_ store.CommitReader      = (*DB)(nil)
	_ store.EventCommitReader = (*DB)(nil)
)

// TxSnapshot is the server's transaction snapshot now, as text
// (txid_current_snapshot: "xmin:xmax:xip,…"), for InspectCommittedAfter.
func (db *DB) TxSnapshot(ctx context.Context) (string, error) {
	var s string
	if err := db.pool.QueryRow(ctx, `SELECT txid_current_snapshot()::text`).Scan(&s); err != nil {
		return "", db.wrap("inspect deliveries", err)
	}
	return s, nil
}

// InspectCommittedAfter returns the deliveries with seq <= upto that
// match q's filters and that the transaction snapshot snap (TxSnapshot's)
// did not see: committed since it was taken. The newest q.Limit of them,
// by seq; more is how many others there are (a large transaction, an
// import, committed late). With q.Tail (deliveries tail, which prints
// them all), the oldest q.Limit above q.AfterSeq, by seq, and more is 0.
func (db *DB) InspectCommittedAfter(ctx context.Context, q store.InspectQuery, upto int64, snap string) (rows []*store.DeliveryRow, more int, err error) {
	xmax, xip, err := parseTxSnapshot(snap)
	if err != nil {
		return nil, 0, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 1000
	}
	if err := db.subscriptionSide(ctx, &q.SubscriptionID, &q.DeletedSubscriptionID); err != nil {
		return nil, 0, err
	}
	args := []any{upto, xip, xmax, snap}
	conds := append([]string{"d.seq <= $1", "(d.txid = ANY($2::bigint[]) OR d.txid >= $3)",
		"NOT txid_visible_in_snapshot(d.txid, $4::txid_snapshot)"}, inspectWhere(q, &args)...)
	if q.Tail {
		args = append(args, q.AfterSeq)
		conds = append(conds, fmt.Sprintf("d.seq > $%d", len(args)))
		res, err := db.pool.Query(ctx, `SELECT `+inspectCols()+inspectFrom+` WHERE `+strings.Join(conds, " AND ")+
			fmt.Sprintf(` ORDER BY d.seq LIMIT %d`, limit), args...)
		if err != nil {
			return nil, 0, db.wrap("inspect deliveries", err)
		}
		rows, err = collectInspectRows(res)
		return rows, 0, db.wrap("inspect deliveries", err)
	}
	where := ` WHERE ` + strings.Join(conds, " AND ")
	res, err := db.pool.Query(ctx, `SELECT * FROM (SELECT `+inspectCols()+inspectFrom+where+
		fmt.Sprintf(` ORDER BY d.seq DESC LIMIT %d) r ORDER BY seq`, limit+1), args...)
	if err != nil {
		return nil, 0, db.wrap("inspect deliveries", err)
	}
	rows, err = collectInspectRows(res)
	if err != nil || len(rows) <= limit {
		return rows, 0, db.wrap("inspect deliveries", err)
	}
	rows = rows[1:]
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*)`+inspectFrom+where, args...).Scan(&n); err != nil {
		return nil, 0, db.wrap("inspect deliveries", err)
	}
	return rows, max(n-limit, 0), nil
}

// parseTxSnapshot reads txid_current_snapshot's text: xmin:xmax:xip,….
func parseTxSnapshot(s string) (xmax int64, xip []int64, err error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, nil, fmt.Errorf("invalid transaction snapshot %q", s)
	}
	if xmax, err = strconv.ParseInt(parts[1], 10, 64); err != nil {
		return 0, nil, fmt.Errorf("invalid transaction snapshot %q", s)
	}
	xip = []int64{}
	if parts[2] != "" {
		for _, p := range strings.Split(parts[2], ",") {
			x, err := strconv.ParseInt(p, 10, 64)
			if err != nil {
				return 0, nil, fmt.Errorf("invalid transaction snapshot %q", s)
			}
			xip = append(xip, x)
		}
	}
	return xmax, xip, nil
}

// InspectEventsCommittedAfter is InspectCommittedAfter for the events
// without deliveries that match q (as InspectEvents: provider, type,
// source, search, time range; its seq bounds and limit are not used): those with seq
// <= upto that snap did not see, the newest limit of them by seq, and how
// many more there are.
func (db *DB) InspectEventsCommittedAfter(ctx context.Context, q store.EventQuery, upto int64, snap string, limit int) (rows []*store.EventRow, more int, err error) {
	xmax, xip, err := parseTxSnapshot(snap)
	if err != nil {
		return nil, 0, err
	}
	w := &where{conds: []string{"e.seq <= $1", "(e.txid = ANY($2::bigint[]) OR e.txid >= $3)",
		"NOT txid_visible_in_snapshot(e.txid, $4::txid_snapshot)"}, args: []any{upto, xip, xmax, snap}}
	w.eventsWithoutDeliveries(q)
	rows, err = db.eventRows(ctx, w, fmt.Sprintf("ORDER BY e.seq DESC LIMIT %d", limit+1))
	if err != nil {
		return nil, 0, err
	}
	slices.Reverse(rows)
	if len(rows) <= limit {
		return rows, 0, nil
	}
	rows = rows[1:]
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM events e WHERE `+strings.Join(w.conds, " AND "), w.args...).Scan(&n); err != nil {
		return nil, 0, db.wrap("inspect events", err)
	}
	return rows, max(n-limit, 0), nil
}

var _ store.ChangeMarker = (*DB)(nil)

// ChangeMark is the server's transaction snapshot now, as text
// (store.ChangeMarker): it moves when any transaction that wrote (that
// has an xid) commits, this process's or another's. Not its xmax alone:
// xmax is one past the newest completed xid, so a writer whose xid is
// below a transaction that completed after it took it (in the xip list)
// commits without moving xmax; the xip list loses it then. Transactions
// of other databases of the server move it too (false alarms, fine); a
// read-only transaction (the live log's own reads) does not.
func (db *DB) ChangeMark(ctx context.Context) (string, error) {
	var s string
	if err := db.pool.QueryRow(ctx, `SELECT txid_current_snapshot()::text`).Scan(&s); err != nil {
		return "", db.wrap("read the change mark", err)
	}
	return s, nil
}
