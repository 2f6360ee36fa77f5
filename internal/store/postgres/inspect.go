package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
)

var _ store.Inspector = (*DB)(nil)

var inspectCols = sync.OnceValue(func() string {
	return prefixCols("d.", deliveryCols) + `, e.type, e.provider, e.source, e.verdict,
	COALESCE((SELECT a.duration_ns FROM attempts a WHERE a.delivery_id = d.id AND a.number = d.attempt_count), 0)`
})

const inspectFrom = ` FROM deliveries d JOIN events e ON e.id = d.event_id`

func collectInspectRows(rows pgx.Rows) ([]*store.DeliveryRow, error) {
	defer rows.Close()
	var out []*store.DeliveryRow
	for rows.Next() {
		var (
			d                             store.Delivery
			sub, deletedSub               *string
			next, lease, created, updated *time.Time
			r                             store.DeliveryRow
			dur                           int64
		)
		if err := rows.Scan(&d.Seq, &d.ID, &d.EventID, &sub, &d.URL, &d.Method, &d.Scheme, &d.Secret, &d.Headers, &d.Status,
			&d.AttemptCount, &d.MaxAttempts, &d.Schedule, &next, &d.LastError, &d.LastStatus, &d.RunID,
			&d.LeaseOwner, &lease, &created, &updated, &d.OriginID, &d.Kind, &deletedSub,
			&r.EventType, &r.Provider, &r.Source, &r.Verdict, &dur); err != nil {
			return nil, err
		}
		if sub != nil {
			d.SubscriptionID = *sub
		}
		if deletedSub != nil {
			d.DeletedSubscriptionID = *deletedSub
		}
		d.Headers = store.DecodeHeaderMap(nilIfEmpty(d.Headers))
		d.NextAttemptAt, d.LeaseExpiresAt, d.CreatedAt, d.UpdatedAt = fromTs(next), fromTs(lease), fromTs(created), fromTs(updated)
		r.Delivery = &d
		r.Latency = time.Duration(dur)
		out = append(out, &r)
	}
	return out, rows.Err()
}

func inspectWhere(q store.InspectQuery, args *[]any) []string {
	var conds []string
	add := func(format string, v any) {
		*args = append(*args, v)
		conds = append(conds, fmt.Sprintf(format, len(*args)))
	}
	if q.Status != "" {
		add("d.status = $%d", q.Status)
	}
	if q.Provider != "" {
		add("e.provider = $%d", q.Provider)
	}
	if q.TypePattern != "" {
		// The delivery's own copy of its event's type (event_type,
		// schema 17): the rows of other types are left out as they are
		// read, and only the page's events are looked up; on e.type every
		// delivery scanned read its event first (5 lookups per row shown
		// for a type of 1 in 5).
		conds = append(conds, patternClause("d.event_type", q.TypePattern, args))
	}
	if q.SubscriptionID != "" {
		add("d.subscription_id = $%d", q.SubscriptionID)
	}
	if q.DeletedSubscriptionID != "" {
		add("d.deleted_subscription_id = $%d", q.DeletedSubscriptionID)
	}
	if q.Source != "" {
		add("e.source = $%d", q.Source)
	}
	if q.Search != "" {
		add("position($%d::bytea in e.payload) > 0", []byte(q.Search))
	}
	// An expression keeps the creation-time index out: the scan is by
	// seq, bounded by createdSeqs (the planner read a wide range through
	// it and sorted it).
	if !q.Since.IsZero() {
		add("(d.created_at + interval '0') >= $%d", q.Since)
	}
	if !q.Until.IsZero() {
		add("(d.created_at + interval '0') < $%d", q.Until)
	}
	return conds
}

// createdSeqs is the seq range [lo, hi) that holds the deliveries
// created in [since, until) (0: no bound on that side), read from the
// creation-time index (store.InspectRangeExact): exact for a range of
// few deliveries, else with store.InspectRangeSlack on either side (two
// lookups), the lookups skipping the deliveries stored late
// (deliveries_late, schema 18) and the range widened to those created in
// it.
func createdSeqs(ctx context.Context, qr rowsQuerier, since, until time.Time) (lo, hi int64, err error) {
	if since.IsZero() && until.IsZero() {
		return 0, 0, nil
	}
	w := &where{}
	if !since.IsZero() {
		w.add("created_at >= $%d", since)
	}
	if !until.IsZero() {
		w.add("created_at < $%d", until)
	}
	var first, last *int64
	var n int
	if err := qr.QueryRow(ctx, `SELECT min(seq), max(seq), count(*) FROM (SELECT seq FROM deliveries WHERE `+
		strings.Join(w.conds, " AND ")+fmt.Sprintf(` LIMIT %d) r`, store.InspectRangeExact+1), w.args...).Scan(&first, &last, &n); err != nil {
		return 0, 0, err
	}
	if n > 0 && n <= store.InspectRangeExact {
		return *first, *last + 1, nil
	}
	if !since.IsZero() {
		var seq int64
		err := qr.QueryRow(ctx, `SELECT seq FROM deliveries d WHERE created_at < $1
			AND NOT EXISTS (SELECT 1 FROM deliveries_late l WHERE l.seq = d.seq) ORDER BY created_at DESC, seq DESC LIMIT 1`,
			since.Add(-store.InspectRangeSlack)).Scan(&seq)
		switch {
		case err == nil:
			lo = seq + 1
		case err != pgx.ErrNoRows:
			return 0, 0, err
		}
	}
	if !until.IsZero() {
		var seq int64
		err := qr.QueryRow(ctx, `SELECT seq FROM deliveries d WHERE created_at >= $1
			AND NOT EXISTS (SELECT 1 FROM deliveries_late l WHERE l.seq = d.seq) ORDER BY created_at, seq LIMIT 1`,
			until.Add(store.InspectRangeSlack)).Scan(&seq)
		switch {
		case err == nil:
			hi = seq
		case err != pgx.ErrNoRows:
			return 0, 0, err
		}
	}
	if lo > 0 || hi > 0 {
		var lateLo, lateHi *int64
		if err := qr.QueryRow(ctx, `SELECT min(seq), max(seq) FROM deliveries_late WHERE `+strings.Join(w.conds, " AND "),
			w.args...).Scan(&lateLo, &lateHi); err != nil {
			return 0, 0, err
		}
		if lateLo != nil && lo > 0 {
			lo = min(lo, *lateLo)
		}
		if lateHi != nil && hi > 0 {
			hi = max(hi, *lateHi+1)
		}
	}
	return lo, hi, nil
}

// InspectDeliveries pages the log by seq; a filtered query scans at most
// q.Window seq values.
func (db *DB) InspectDeliveries(ctx context.Context, q store.InspectQuery) (*store.InspectPage, error) {
	return db.inspectDeliveries(ctx, db.pool, q)
}

// rowsQuerier is the pool, or a transaction.
type rowsQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// InspectDeliveriesSnapshot implements store.CommitReader: InspectDeliveries
// and TxSnapshot in one read-only repeatable-read transaction, so the
// snapshot is the one the read saw. Taken before the read, a snapshot
// missed what committed between the two, which the read returned (or put
// on an older page): a follower handed that snapshot sent it again, as
// committed late.
func (db *DB) InspectDeliveriesSnapshot(ctx context.Context, q store.InspectQuery) (*store.InspectPage, string, error) {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, "", db.wrap("inspect deliveries", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var snap string
	if err := tx.QueryRow(ctx, `SELECT txid_current_snapshot()::text`).Scan(&snap); err != nil {
		return nil, "", db.wrap("inspect deliveries", err)
	}
	page, err := db.inspectDeliveries(ctx, tx, q)
	if err != nil {
		return nil, "", err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, "", db.wrap("inspect deliveries", err)
	}
	return page, snap, nil
}

func (db *DB) inspectDeliveries(ctx context.Context, qr rowsQuerier, q store.InspectQuery) (*store.InspectPage, error) {
	q = q.Normalize()
	if err := db.subscriptionSide(ctx, &q.SubscriptionID, &q.DeletedSubscriptionID); err != nil {
		return nil, err
	}
	args := []any{}
	conds := inspectWhere(q, &args)
	page := &store.InspectPage{}
	add := func(format string, v any) {
		args = append(args, v)
		conds = append(conds, fmt.Sprintf(format, len(args)))
	}
	rangeLo, rangeHi, err := createdSeqs(ctx, qr, q.Since, q.Until)
	if err != nil {
		return nil, db.wrap("inspect deliveries", err)
	}
	if q.AfterSeq > 0 || q.Tail {
		add("d.seq > $%d", max(q.AfterSeq, rangeLo-1))
		if rangeHi > 0 {
			// A range that ended: the tail reads no further than it.
			add("d.seq < $%d", rangeHi)
		}
		rows, err := qr.Query(ctx, `SELECT `+inspectCols()+inspectFrom+` WHERE `+strings.Join(conds, " AND ")+
			fmt.Sprintf(` ORDER BY d.seq LIMIT %d`, q.Limit), args...)
		if err != nil {
			return nil, db.wrap("inspect deliveries", err)
		}
		page.Rows, err = collectInspectRows(rows)
		return page, db.wrap("inspect deliveries", err)
	}
	top := q.BeforeSeq
	if top <= 0 {
		var maxSeq *int64
		if err := qr.QueryRow(ctx, `SELECT max(seq) FROM deliveries`).Scan(&maxSeq); err != nil {
			return nil, db.wrap("inspect deliveries", err)
		}
		if maxSeq != nil {
			top = *maxSeq + 1
		} else {
			top = 1
		}
	}
	if rangeHi > 0 {
		top = min(top, rangeHi)
	}
	add("d.seq < $%d", top)
	lo, windowed := q.ScanFloor(top, rangeLo)
	if top <= lo {
		page.ScannedFrom = lo
		return page, nil // the range holds nothing below the cursor
	}
	if lo > 0 {
		add("d.seq >= $%d", lo)
	}
	rows, err := qr.Query(ctx, `SELECT `+inspectCols()+inspectFrom+` WHERE `+strings.Join(conds, " AND ")+
		fmt.Sprintf(` ORDER BY d.seq DESC LIMIT %d`, q.Limit), args...)
	if err != nil {
		return nil, db.wrap("inspect deliveries", err)
	}
	if page.Rows, err = collectInspectRows(rows); err != nil {
		return nil, db.wrap("inspect deliveries", err)
	}
	page.ScannedFrom = lo
	switch {
	case len(page.Rows) == q.Limit:
		page.NextBefore = page.Rows[len(page.Rows)-1].Seq
		page.ScannedFrom = page.NextBefore
	case windowed && lo > 1:
		page.NextBefore, page.Partial = lo, true
	}
	return page, nil
}

// InspectByIDs returns the rows of these deliveries.
func (db *DB) InspectByIDs(ctx context.Context, ids []string) ([]*store.DeliveryRow, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT `+inspectCols()+inspectFrom+` WHERE d.id = ANY($1)`, ids)
	if err != nil {
		return nil, db.wrap("inspect deliveries", err)
	}
	out, err := collectInspectRows(rows)
	return out, db.wrap("inspect deliveries", err)
}

// Throughput counts deliveries created since, per minute and status,
// without scanning the hour: each minute is the seq range between two
// lookups in the creation-time index, failed ones are counted in the
// (status, seq) index, pending ones in the queue's; the rest succeeded.
func (db *DB) Throughput(ctx context.Context, since time.Time) ([]store.ThroughputBucket, error) {
	since = since.UTC().Truncate(time.Minute)
	var maxSeq *int64
	if err := db.pool.QueryRow(ctx, `SELECT max(seq) FROM deliveries`).Scan(&maxSeq); err != nil {
		return nil, db.wrap("throughput", err)
	}
	if maxSeq == nil {
		return nil, nil
	}
	var bounds []int64
	var minutes []time.Time
	for m := since; !m.After(time.Now().UTC()); m = m.Add(time.Minute) {
		first := *maxSeq + 1
		err := db.pool.QueryRow(ctx, `SELECT seq FROM deliveries WHERE created_at >= $1 ORDER BY created_at, seq LIMIT 1`, m).Scan(&first)
		if err != nil && err != pgx.ErrNoRows {
			return nil, db.wrap("throughput", err)
		}
		bounds, minutes = append(bounds, first), append(minutes, m)
	}
	bounds = append(bounds, *maxSeq+1)
	if len(minutes) == 0 || bounds[0] > *maxSeq {
		return nil, nil
	}
	var pending []int64
	rows, err := db.pool.Query(ctx, `SELECT seq FROM deliveries WHERE status = 'pending' AND seq >= $1`, bounds[0])
	if err != nil {
		return nil, db.wrap("throughput", err)
	}
	for rows.Next() {
		var q int64
		if err := rows.Scan(&q); err != nil {
			rows.Close()
			return nil, db.wrap("throughput", err)
		}
		pending = append(pending, q)
	}
	rows.Close()
	var out []store.ThroughputBucket
	for i, m := range minutes {
		lo, hi := bounds[i], bounds[i+1]
		if hi <= lo {
			continue
		}
		var failed int64
		if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM deliveries WHERE status = 'failed' AND seq >= $1 AND seq < $2`, lo, hi).Scan(&failed); err != nil {
			return nil, db.wrap("throughput", err)
		}
		var pend int64
		for _, q := range pending {
			if q >= lo && q < hi {
				pend++
			}
		}
		for st, n := range map[string]int64{store.DeliveryFailed: failed, store.DeliveryPending: pend, store.DeliverySucceeded: hi - lo - failed - pend} {
			if n > 0 {
				out = append(out, store.ThroughputBucket{Minute: m, Status: st, Count: n})
			}
		}
	}
	return out, nil
}

// SlowestEndpoints ranks URLs by the mean duration of the newest lastN
// deliveries' last attempts.
func (db *DB) SlowestEndpoints(ctx context.Context, lastN, limit int) ([]store.EndpointLatency, error) {
	// The mean is truncated and ties go by URL bytes, as in SQLite.
	rows, err := db.pool.Query(ctx, `SELECT d.url, count(*), trunc(avg(a.duration_ns))::bigint, max(a.duration_ns)
		FROM (SELECT id, url, attempt_count FROM deliveries ORDER BY seq DESC LIMIT $1) d
		JOIN attempts a ON a.delivery_id = d.id AND a.number = d.attempt_count
		GROUP BY d.url ORDER BY 3 DESC, d.url COLLATE "C" LIMIT $2`, lastN, limit)
	if err != nil {
		return nil, db.wrap("slowest endpoints", err)
	}
	defer rows.Close()
	var out []store.EndpointLatency
	for rows.Next() {
		var e store.EndpointLatency
		var mean, mx int64
		if err := rows.Scan(&e.URL, &e.Attempts, &mean, &mx); err != nil {
			return nil, db.wrap("slowest endpoints", err)
		}
		e.Mean, e.Max = time.Duration(mean), time.Duration(mx)
		out = append(out, e)
	}
	return out, db.wrap("slowest endpoints", rows.Err())
}

// InspectEvents returns events without deliveries, by creation time or
// after a seq.
func (db *DB) InspectEvents(ctx context.Context, q store.EventQuery) ([]*store.EventRow, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	w := &where{}
	w.eventsWithoutDeliveries(q)
	// With a time bound the creation-time index serves the range; without
	// one, the seq range (MinSeq) does.
	order := "e.created_at DESC, e.seq DESC"
	if q.Since.IsZero() {
		order = "e.seq DESC"
	}
	if q.Tail {
		order = "e.seq"
		w.add("e.seq > $%d", q.AfterSeq)
	} else if q.MinSeq > 0 {
		w.add("e.seq > $%d", q.MinSeq)
	}
	if q.UpToSeq > 0 {
		w.add("e.seq <= $%d", q.UpToSeq)
	}
	return db.eventRows(ctx, w, fmt.Sprintf(`ORDER BY %s LIMIT %d`, order, q.Limit))
}

// where is a WHERE clause being built: its conditions, joined by AND, and
// their arguments ($1…).
type where struct {
	conds []string
	args  []any
}

// add appends the condition format with $%d for v's argument number.
func (w *where) add(format string, v any) {
	w.args = append(w.args, v)
	w.conds = append(w.conds, fmt.Sprintf(format, len(w.args)))
}

// eventsWithoutDeliveries adds the inspector's conditions on events e
// without deliveries: q's provider, type pattern, source, search and
// time range.
func (w *where) eventsWithoutDeliveries(q store.EventQuery) {
	w.conds = append(w.conds, "NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)")
	if q.Provider != "" {
		w.add("e.provider = $%d", q.Provider)
	}
	if q.TypePattern != "" {
		w.conds = append(w.conds, patternClause("e.type", q.TypePattern, &w.args))
	}
	if q.Source != "" {
		w.add("e.source = $%d", q.Source)
	}
	if q.Search != "" {
		w.add("position($%d::bytea in e.payload) > 0", []byte(q.Search))
	}
	// The time range holds in the tail too (the inspector's log over a
	// range that ends).
	if !q.Since.IsZero() {
		w.add("e.created_at >= $%d", q.Since)
	}
	if !q.Until.IsZero() {
		w.add("e.created_at < $%d", q.Until)
	}
}

// eventRows reads the events e matching w, then tail (ORDER BY, LIMIT),
// as the inspector's rows.
func (db *DB) eventRows(ctx context.Context, w *where, tail string) ([]*store.EventRow, error) {
	rows, err := db.pool.Query(ctx, `SELECT e.seq, e.id, e.type, e.provider, e.content_type, e.source, e.verdict, e.created_at
		FROM events e WHERE `+strings.Join(w.conds, " AND ")+" "+tail, w.args...)
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

// MaxEventSeq is the newest event's seq.
func (db *DB) MaxEventSeq(ctx context.Context) (int64, error) {
	var n *int64
	if err := db.pool.QueryRow(ctx, `SELECT max(seq) FROM events`).Scan(&n); err != nil {
		return 0, db.wrap("max event seq", err)
	}
	if n == nil {
		return 0, nil
	}
	return *n, nil
}
