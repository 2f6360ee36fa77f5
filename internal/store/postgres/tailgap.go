package postgres

import (
	"context"
	"strings"

	"github.com/hookctl/hookctl/internal/store"
)

// A delivery's seq is taken from its sequence inside the transaction that
// writes it, so transactions commit out of seq order: a reader that has
// read up to seq N may later see a delivery with a lower seq. The log's
// followers (deliveries tail, the inspector's live log) keep the seqs
// missing below their cursor for a while and re-read them with these two
// methods (delivery.SeqGapInspector); SQLite, with one writer assigning
// seq in commit order, has no such gaps and no such methods.

// MissingSeqs returns the seqs in (after, upto] no delivery has now
// (taken, not committed yet; rolled back; deleted), at most max of them,
// lowest first.
func (db *DB) MissingSeqs(ctx context.Context, after, upto int64, max int) ([]int64, error) {
	if upto <= after || max <= 0 {
		return nil, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT s FROM generate_series($1::bigint, $2::bigint) s
		WHERE NOT EXISTS (SELECT 1 FROM deliveries WHERE seq = s) ORDER BY s LIMIT $3`, after+1, upto, max)
	if err != nil {
		return nil, db.wrap("inspect deliveries", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var s int64
		if err := rows.Scan(&s); err != nil {
			return nil, db.wrap("inspect deliveries", err)
		}
		out = append(out, s)
	}
	return out, db.wrap("inspect deliveries", rows.Err())
}

// InspectSeqs returns the rows with these seqs that match q's filters
// (its cursor and limit are not used), by seq.
func (db *DB) InspectSeqs(ctx context.Context, q store.InspectQuery, seqs []int64) ([]*store.DeliveryRow, error) {
	if len(seqs) == 0 {
		return nil, nil
	}
	args := []any{seqs}
	conds := append([]string{"d.seq = ANY($1)"}, inspectWhere(q, &args)...)
	rows, err := db.pool.Query(ctx, `SELECT `+inspectCols+inspectFrom+` WHERE `+strings.Join(conds, " AND ")+` ORDER BY d.seq`, args...)
	if err != nil {
		return nil, db.wrap("inspect deliveries", err)
	}
	out, err := collectInspectRows(rows)
	return out, db.wrap("inspect deliveries", err)
}
