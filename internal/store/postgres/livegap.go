package postgres

import (
	"context"

	"github.com/hookctl/hookctl/internal/store"
)

// An event's seq, like a delivery's (see tailgap.go), is taken from its
// identity sequence inside the transaction that writes it, so events
// commit out of seq order. The inspector's live log keeps the event seqs
// missing below its event cursor for a while and re-reads them with these
// two methods; SQLite, with one writer assigning seq in commit order, has
// no such gaps and no such methods.

// MissingEventSeqs returns the seqs in (after, upto] no event has now
// (taken, not committed yet; rolled back; pruned), at most max of them,
// lowest first.
func (db *DB) MissingEventSeqs(ctx context.Context, after, upto int64, max int) ([]int64, error) {
	if upto <= after || max <= 0 {
		return nil, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT s FROM generate_series($1::bigint, $2::bigint) s
		WHERE NOT EXISTS (SELECT 1 FROM events WHERE seq = s) ORDER BY s LIMIT $3`, after+1, upto, max)
	if err != nil {
		return nil, db.wrap("inspect events", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var s int64
		if err := rows.Scan(&s); err != nil {
			return nil, db.wrap("inspect events", err)
		}
		out = append(out, s)
	}
	return out, db.wrap("inspect events", rows.Err())
}

// InspectEventSeqs returns the events with these seqs that have no
// delivery and match q's filters (as InspectEvents: provider, type,
// source, search; its bounds and limit are not used), by seq.
func (db *DB) InspectEventSeqs(ctx context.Context, q store.EventQuery, seqs []int64) ([]*store.EventRow, error) {
	if len(seqs) == 0 {
		return nil, nil
	}
	w := &where{conds: []string{"e.seq = ANY($1)"}, args: []any{seqs}}
	w.eventsWithoutDeliveries(q)
	return db.eventRows(ctx, w, "ORDER BY e.seq")
}
