package postgres

import (
	"context"
	"fmt"
	"strings"

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
	args := []any{seqs}
	conds := []string{"e.seq = ANY($1)", "NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)"}
	add := func(format string, v any) {
		args = append(args, v)
		conds = append(conds, fmt.Sprintf(format, len(args)))
	}
	if q.Provider != "" {
		add("e.provider = $%d", q.Provider)
	}
	if q.TypePattern != "" {
		conds = append(conds, patternClause("e.type", q.TypePattern, &args))
	}
	if q.Source != "" {
		add("e.source = $%d", q.Source)
	}
	if q.Search != "" {
		add("position($%d::bytea in e.payload) > 0", []byte(q.Search))
	}
	rows, err := db.pool.Query(ctx, `SELECT e.seq, e.id, e.type, e.provider, e.content_type, e.source, e.verdict, e.created_at
		FROM events e WHERE `+strings.Join(conds, " AND ")+` ORDER BY e.seq`, args...)
	if err != nil {
		return nil, db.wrap("inspect events", err)
	}
	defer rows.Close()
	var out []*store.EventRow
	for rows.Next() {
		var e store.Event
		var r store.EventRow
		if err := rows.Scan(&r.Seq, &e.ID, &e.Type, &e.Provider, &e.ContentType, &e.Source, &e.Verdict, &e.CreatedAt); err != nil {
			return nil, db.wrap("inspect events", err)
		}
		e.CreatedAt = e.CreatedAt.UTC()
		r.Event = &e
		out = append(out, &r)
	}
	return out, db.wrap("inspect events", rows.Err())
}
