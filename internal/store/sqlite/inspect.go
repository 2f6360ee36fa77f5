package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

var _ store.Inspector = (*Store)(nil)

// inspectCols are a delivery, its event's columns and its last attempt's
// duration (a primary-key lookup per row).
const inspectCols = deliveryCols + `, e.type, e.provider, e.source, e.verdict,
	COALESCE((SELECT a.duration_ns FROM attempts a WHERE a.delivery_seq = d.seq AND a.number = d.attempt_count), 0)`

// inspectFrom drives the scan from deliveries by seq (CROSS JOIN keeps
// SQLite from starting at an events index and sorting).
const inspectFrom = ` FROM deliveries d CROSS JOIN events e ON e.seq = d.event_seq`

func scanInspectRows(rows *sql.Rows) ([]*store.DeliveryRow, error) {
	defer rows.Close()
	var out []*store.DeliveryRow
	for rows.Next() {
		var (
			d                             store.Delivery
			sub, deletedSub, headers      sql.NullString
			next, lease, created, updated sql.NullInt64
			r                             store.DeliveryRow
			dur                           int64
		)
		if err := rows.Scan(&d.Seq, &d.ID, &d.EventID, &sub, &d.URL, &d.Method, &d.Scheme, &d.Secret, &headers,
			&d.Status, &d.AttemptCount, &d.MaxAttempts, &d.Schedule, &next, &d.LastError, &d.LastStatus, &d.RunID,
			&d.LeaseOwner, &lease, &created, &updated, &d.OriginID, &d.Kind, &deletedSub,
			&r.EventType, &r.Provider, &r.Source, &r.Verdict, &dur); err != nil {
			return nil, err
		}
		var err error
		if d.Headers, err = fromHeaderMap(headers); err != nil {
			return nil, err
		}
		d.SubscriptionID, d.DeletedSubscriptionID = sub.String, deletedSub.String
		d.NextAttemptAt, d.LeaseExpiresAt = fromTm(next), fromTm(lease)
		d.CreatedAt, d.UpdatedAt = fromTm(created), fromTm(updated)
		r.Delivery = &d
		r.Latency = time.Duration(dur)
		out = append(out, &r)
	}
	return out, rows.Err()
}

func inspectWhere(q store.InspectQuery) (where []string, args []any) {
	if q.Status != "" {
		// Unary + keeps the status indexes out: the scan is by seq.
		where = append(where, "+d.status = ?")
		args = append(args, q.Status)
	}
	if q.Provider != "" {
		// As the status: the scan is by seq (deliveries' provider and
		// source: listDeliveriesSQL).
		where = append(where, "+e.provider = ?")
		args = append(args, q.Provider)
	}
	if q.TypePattern != "" {
		c, a := patternClause("+e.type", q.TypePattern)
		where = append(where, c)
		args = append(args, a...)
	}
	if q.SubscriptionID != "" {
		where = append(where, "d.subscription_id = ?")
		args = append(args, q.SubscriptionID)
	}
	if q.DeletedSubscriptionID != "" {
		where = append(where, deletedSubscriptionClause)
		args = append(args, q.DeletedSubscriptionID)
	}
	if q.Source != "" {
		where = append(where, "+e.source = ?")
		args = append(args, q.Source)
	}
	if q.Search != "" {
		where = append(where, "instr(e.payload, ?) > 0")
		args = append(args, []byte(q.Search))
	}
	// Unary + keeps the creation-time index out: the scan is by seq,
	// bounded by createdSeqs.
	if !q.Since.IsZero() {
		where = append(where, "+d.created_at >= ?")
		args = append(args, q.Since.UnixMicro())
	}
	if !q.Until.IsZero() {
		where = append(where, "+d.created_at < ?")
		args = append(args, q.Until.UnixMicro())
	}
	return where, args
}

// createdSeqs is the seq range [lo, hi) that holds the deliveries
// created in [since, until) (0: no bound on that side), read from the
// creation-time index (store.InspectRangeExact): exact for a range of
// few deliveries (read from the index alone: seq is its rowid), else
// with store.InspectRangeSlack on either side (two lookups), the lookups
// skipping the deliveries stored late (deliveries_late, schema 15) and
// the range widened to those created in it.
func (s *Store) createdSeqs(ctx context.Context, since, until time.Time) (lo, hi int64, err error) {
	if since.IsZero() && until.IsZero() {
		return 0, 0, nil
	}
	var conds []string
	var args []any
	if !since.IsZero() {
		conds, args = append(conds, "created_at >= ?"), append(args, since.UnixMicro())
	}
	if !until.IsZero() {
		conds, args = append(conds, "created_at < ?"), append(args, until.UnixMicro())
	}
	var first, last sql.NullInt64
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT min(seq), max(seq), count(*) FROM (SELECT seq FROM deliveries INDEXED BY deliveries_created
		WHERE `+strings.Join(conds, " AND ")+` LIMIT ?)`, append(args, store.InspectRangeExact+1)...).Scan(&first, &last, &n); err != nil {
		return 0, 0, err
	}
	if n > 0 && n <= store.InspectRangeExact {
		return first.Int64, last.Int64 + 1, nil
	}
	if !since.IsZero() {
		var seq sql.NullInt64
		err := s.r.QueryRowContext(ctx, `SELECT seq FROM deliveries INDEXED BY deliveries_created
			WHERE created_at < ? AND seq NOT IN (SELECT seq FROM deliveries_late)
			ORDER BY created_at DESC, seq DESC LIMIT 1`, since.Add(-store.InspectRangeSlack).UnixMicro()).Scan(&seq)
		if err != nil && err != sql.ErrNoRows {
			return 0, 0, err
		}
		if seq.Valid {
			lo = seq.Int64 + 1
		}
	}
	if !until.IsZero() {
		var seq sql.NullInt64
		err := s.r.QueryRowContext(ctx, `SELECT seq FROM deliveries INDEXED BY deliveries_created
			WHERE created_at >= ? AND seq NOT IN (SELECT seq FROM deliveries_late)
			ORDER BY created_at, seq LIMIT 1`, until.Add(store.InspectRangeSlack).UnixMicro()).Scan(&seq)
		if err != nil && err != sql.ErrNoRows {
			return 0, 0, err
		}
		if seq.Valid {
			hi = seq.Int64
		}
	}
	if lo > 0 || hi > 0 {
		var lateLo, lateHi sql.NullInt64
		if err := s.r.QueryRowContext(ctx, `SELECT min(seq), max(seq) FROM deliveries_late WHERE `+strings.Join(conds, " AND "),
			args...).Scan(&lateLo, &lateHi); err != nil {
			return 0, 0, err
		}
		if lateLo.Valid && lo > 0 {
			lo = min(lo, lateLo.Int64)
		}
		if lateHi.Valid && hi > 0 {
			hi = max(hi, lateHi.Int64+1)
		}
	}
	return lo, hi, nil
}

// InspectDeliveries pages the log by seq; a filtered query scans at most
// q.Window seq values.
func (s *Store) InspectDeliveries(ctx context.Context, q store.InspectQuery) (*store.InspectPage, error) {
	q = q.Normalize()
	if err := s.subscriptionSide(ctx, &q.SubscriptionID, &q.DeletedSubscriptionID); err != nil {
		return nil, err
	}
	where, args := inspectWhere(q)
	page := &store.InspectPage{}
	rangeLo, rangeHi, err := s.createdSeqs(ctx, q.Since, q.Until)
	if err != nil {
		return nil, err
	}
	if q.AfterSeq > 0 || q.Tail {
		where = append(where, "d.seq > ?")
		args = append(args, max(q.AfterSeq, rangeLo-1))
		if rangeHi > 0 {
			// A range that ended: the tail reads no further than it.
			where = append(where, "d.seq < ?")
			args = append(args, rangeHi)
		}
		query := `SELECT ` + inspectCols + inspectFrom + ` WHERE ` + strings.Join(where, " AND ") + ` ORDER BY d.seq LIMIT ?`
		rows, err := s.r.QueryContext(ctx, query, append(args, q.Limit)...)
		if err != nil {
			return nil, err
		}
		page.Rows, err = scanInspectRows(rows)
		return page, err
	}
	top := q.BeforeSeq
	if top <= 0 {
		var maxSeq sql.NullInt64
		if err := s.r.QueryRowContext(ctx, `SELECT max(seq) FROM deliveries`).Scan(&maxSeq); err != nil {
			return nil, err
		}
		top = maxSeq.Int64 + 1
	}
	if rangeHi > 0 {
		top = min(top, rangeHi)
	}
	where = append(where, "d.seq < ?")
	args = append(args, top)
	lo, windowed := q.ScanFloor(top, rangeLo)
	if top <= lo {
		page.ScannedFrom = lo
		return page, nil // the range holds nothing below the cursor
	}
	if lo > 0 {
		where = append(where, "d.seq >= ?")
		args = append(args, lo)
	}
	query := `SELECT ` + inspectCols + inspectFrom + ` WHERE ` + strings.Join(where, " AND ") + ` ORDER BY d.seq DESC LIMIT ?`
	rows, err := s.r.QueryContext(ctx, query, append(args, q.Limit)...)
	if err != nil {
		return nil, err
	}
	if page.Rows, err = scanInspectRows(rows); err != nil {
		return nil, err
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
func (s *Store) InspectByIDs(ctx context.Context, ids []string) ([]*store.DeliveryRow, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	query := `SELECT ` + inspectCols + inspectFrom + ` WHERE d.id IN (?` + strings.Repeat(",?", len(ids)-1) + `)`
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return scanInspectRows(rows)
}

// Throughput counts deliveries created since, per minute and status. It
// never scans the hour's deliveries: each minute is the seq range between
// two lookups in the creation-time index (seq grows with creation time),
// failed ones are counted in their partial index, pending ones in the
// queue's; the rest succeeded.
func (s *Store) Throughput(ctx context.Context, since time.Time) ([]store.ThroughputBucket, error) {
	since = since.UTC().Truncate(time.Minute)
	var maxSeq sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT max(seq) FROM deliveries`).Scan(&maxSeq); err != nil {
		return nil, err
	}
	var bounds []int64 // bounds[i]: first seq created at or after minute i
	var minutes []time.Time
	for m := since; !m.After(time.Now().UTC()); m = m.Add(time.Minute) {
		var first sql.NullInt64
		err := s.r.QueryRowContext(ctx, `SELECT seq FROM deliveries INDEXED BY deliveries_created
			WHERE created_at >= ? ORDER BY created_at, seq LIMIT 1`, m.UnixMicro()).Scan(&first)
		if err != nil && err != sql.ErrNoRows {
			return nil, err
		}
		if !first.Valid {
			first.Int64 = maxSeq.Int64 + 1
		}
		bounds, minutes = append(bounds, first.Int64), append(minutes, m)
	}
	bounds = append(bounds, maxSeq.Int64+1)
	if len(minutes) == 0 || bounds[0] > maxSeq.Int64 {
		return nil, nil
	}
	// Pending deliveries of the hour, by seq (the queue is small).
	var pending []int64
	rows, err := s.r.QueryContext(ctx, `SELECT seq FROM deliveries INDEXED BY deliveries_due WHERE status = 'pending' AND seq >= ?`, bounds[0])
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var q int64
		if err := rows.Scan(&q); err != nil {
			rows.Close()
			return nil, err
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
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM deliveries INDEXED BY deliveries_failed
			WHERE status = 'failed' AND seq >= ? AND seq < ?`, lo, hi).Scan(&failed); err != nil {
			return nil, err
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
func (s *Store) SlowestEndpoints(ctx context.Context, lastN, limit int) ([]store.EndpointLatency, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT d.url, count(*), CAST(avg(a.duration_ns) AS INTEGER), max(a.duration_ns)
		FROM (SELECT seq, url, attempt_count FROM deliveries ORDER BY seq DESC LIMIT ?) d
		JOIN attempts a ON a.delivery_seq = d.seq AND a.number = d.attempt_count
		GROUP BY d.url ORDER BY 3 DESC, d.url LIMIT ?`, lastN, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.EndpointLatency
	for rows.Next() {
		var e store.EndpointLatency
		var mean, mx int64
		if err := rows.Scan(&e.URL, &e.Attempts, &mean, &mx); err != nil {
			return nil, err
		}
		e.Mean, e.Max = time.Duration(mean), time.Duration(mx)
		out = append(out, e)
	}
	return out, rows.Err()
}

// InspectEvents returns events without deliveries, by creation time or
// after a seq.
func (s *Store) InspectEvents(ctx context.Context, q store.EventQuery) ([]*store.EventRow, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	where := []string{"NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = e.seq)"}
	var args []any
	add := func(c string, a ...any) { where = append(where, c); args = append(args, a...) }
	if q.Provider != "" {
		add("e.provider = ?", q.Provider)
	}
	if q.TypePattern != "" {
		c, a := patternClause("+e.type", q.TypePattern)
		add(c, a...)
	}
	if q.Source != "" {
		add("e.source = ?", q.Source)
	}
	if q.Search != "" {
		add("instr(e.payload, ?) > 0", []byte(q.Search))
	}
	// With a time bound the creation-time index serves the range; without
	// one, the seq range (MinSeq) does.
	order := "e.created_at DESC, e.seq DESC"
	if q.Since.IsZero() {
		order = "e.seq DESC"
	}
	if q.Tail {
		order = "e.seq"
		add("e.seq > ?", q.AfterSeq)
	} else if q.MinSeq > 0 {
		add("e.seq > ?", q.MinSeq)
	}
	if q.UpToSeq > 0 {
		add("e.seq <= ?", q.UpToSeq)
	}
	// The time range holds in the tail too (the inspector's log over a
	// range that ends), where the seq range leads (unary +).
	created := "e.created_at"
	if q.Tail {
		created = "+e.created_at"
	}
	if !q.Since.IsZero() {
		add(created+" >= ?", q.Since.UnixMicro())
	}
	if !q.Until.IsZero() {
		add(created+" < ?", q.Until.UnixMicro())
	}
	rows, err := s.r.QueryContext(ctx, `SELECT e.seq, e.id, e.type, e.provider, e.content_type, e.source, e.verdict, e.created_at
		FROM events e WHERE `+strings.Join(where, " AND ")+` ORDER BY `+order+` LIMIT ?`, append(args, q.Limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*store.EventRow
	for rows.Next() {
		var e store.Event
		var r store.EventRow
		var created sql.NullInt64
		if err := rows.Scan(&r.Seq, &e.ID, &e.Type, &e.Provider, &e.ContentType, &e.Source, &e.Verdict, &created); err != nil {
			return nil, err
		}
		e.CreatedAt = fromTm(created)
		r.Event = &e
		out = append(out, &r)
	}
	return out, rows.Err()
}

// MaxEventSeq is the newest event's seq.
func (s *Store) MaxEventSeq(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT max(seq) FROM events`).Scan(&n)
	return n.Int64, err
}
