package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

const eventCols = `id, type, provider, payload, content_type, source, headers, created_at, verdict`

func scanEvent(r scanner, extra ...any) (*store.Event, error) {
	var (
		e       store.Event
		headers sql.NullString
		created sql.NullInt64
	)
	dst := append([]any{&e.ID, &e.Type, &e.Provider, &e.Payload, &e.ContentType, &e.Source, &headers, &created, &e.Verdict}, extra...)
	if err := r.Scan(dst...); err != nil {
		return nil, err
	}
	var err error
	if e.Headers, err = fromJSONMap[[]string](headers); err != nil {
		return nil, err
	}
	if e.Payload == nil {
		e.Payload = []byte{}
	}
	e.CreatedAt = fromTm(created)
	return &e, nil
}

const insertEventSQL = `INSERT INTO events (` + eventCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`

const insertDeliveryNumberedSQL = `INSERT INTO deliveries (seq, id, event_id, subscription_id, url, method, scheme, secret, headers,
	status, attempt_count, max_attempts, schedule, next_attempt_at, last_error, last_status, run_id,
	lease_owner, lease_expires_at, created_at, updated_at, origin_id, kind, event_seq)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT seq FROM events WHERE id = ?))`

// topSeq is, in SQL, the highest seq of table (deliveries, events) ever
// taken (schemas 11 and 12: AUTOINCREMENT keeps it in sqlite_sequence,
// also once the rows holding it were deleted), or the highest stored: a
// row written with its own seq takes one above it, never a deleted one's.
func topSeq(table string) string {
	return `max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = '` + table + `'), 0), coalesce((SELECT max(seq) FROM ` + table + `), 0))`
}

var (
	topDeliverySeq = topSeq("deliveries")
	topEventSeq    = topSeq("events")
)

// insertDeliverySQL is insertDeliveryNumberedSQL reading the seq back.
const insertDeliverySQL = insertDeliveryNumberedSQL + ` RETURNING seq`

func deliveryArgs(d *store.Delivery) []any {
	var seq any
	if d.Seq > 0 {
		seq = d.Seq
	}
	return []any{seq, d.ID, d.EventID, nullStr(d.SubscriptionID), d.URL, d.Method, d.Scheme, d.Secret, headerMap(d.Headers),
		d.Status, d.AttemptCount, d.MaxAttempts, d.Schedule, tm(d.NextAttemptAt), d.LastError, d.LastStatus, d.RunID,
		d.LeaseOwner, tm(d.LeaseExpiresAt), tm(d.CreatedAt), tm(d.UpdatedAt), d.OriginID, d.Kind, d.EventID}
}

// lateMarks lists, in deliveries_late (schema 15), the deliveries a
// transaction stores late: created more than store.InspectRangeSlack
// before the newest delivery stored before them (store import of an older
// store's history), which the inspector's time range finds outside the
// seq range its lookups give (createdSeqs). Only a delivery created that
// long before now (the writer's clock) is compared: the newest created_at
// is read once, when the first such delivery comes, then kept up to date
// from the rows the transaction writes. A delivery stamped as it is
// written costs nothing (an insert trigger cost every single-event
// commit ~13 us of CPU, +12 %).
type lateMarks struct {
	now    time.Time
	known  bool  // newest holds the newest created_at stored before
	newest int64 // microseconds
	late   []int64
}

// old reports whether c is old enough to be compared.
func (l *lateMarks) old(c time.Time) bool { return c.Before(l.now.Add(-store.InspectRangeSlack)) }

// load reads the newest created_at stored so far.
func (l *lateMarks) load(ctx context.Context, tx *sql.Tx) error {
	var newest sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(created_at) FROM deliveries`).Scan(&newest); err != nil {
		return err
	}
	l.known, l.newest = true, math.MinInt64
	if newest.Valid {
		l.newest = newest.Int64
	}
	return nil
}

// before is called before a delivery created at c is inserted on its
// own: it loads the newest created_at for the first old one.
func (l *lateMarks) before(ctx context.Context, tx *sql.Tx, c time.Time) error {
	if l.known || !l.old(c) {
		return nil
	}
	return l.load(ctx, tx)
}

// after is called, in seq order, for each delivery stored (seq, created
// at c) once the newest created_at is known or for every one after.
func (l *lateMarks) after(seq int64, c time.Time) {
	if !l.known {
		return
	}
	us := c.UnixMicro()
	if l.newest != math.MinInt64 && us < l.newest-store.InspectRangeSlack.Microseconds() {
		l.late = append(l.late, seq, us)
	}
	l.newest = max(l.newest, us)
}

// flush writes the late deliveries found.
func (l *lateMarks) flush(ctx context.Context, tx *sql.Tx) error {
	for i := 0; i < len(l.late); i += 2 {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO deliveries_late (seq, created_at) VALUES (?, ?)`, l.late[i], l.late[i+1]); err != nil {
			return err
		}
	}
	l.late = l.late[:0]
	return nil
}

// CreateEvent writes the event (unless its ID exists) and its deliveries in
// one transaction.
func (s *Store) CreateEvent(ctx context.Context, e *store.Event, deliveries []*store.Delivery) error {
	now := time.Now().UTC().Truncate(time.Microsecond)
	store.PrepareEvent(e, deliveries, now)
	s.holdLeases(deliveries)
	return s.withTx(ctx, func(tx *sql.Tx) error {
		insEvent, err := s.txStmt(ctx, tx, insertEventSQL)
		if err != nil {
			return err
		}
		if _, err := insEvent.ExecContext(ctx, e.ID, e.Type, e.Provider, e.Payload, e.ContentType, e.Source,
			jsonMap(e.Headers), tm(e.CreatedAt), e.Verdict); err != nil {
			return err
		}
		if len(deliveries) == 0 {
			return nil
		}
		stmt, err := s.txStmt(ctx, tx, insertDeliverySQL)
		if err != nil {
			return err
		}
		late := lateMarks{now: now}
		for _, d := range deliveries {
			if err := late.before(ctx, tx, d.CreatedAt); err != nil {
				return err
			}
			if err := stmt.QueryRowContext(ctx, deliveryArgs(d)...).Scan(&d.Seq); err != nil {
				return err
			}
			late.after(d.Seq, d.CreatedAt)
		}
		return late.flush(ctx, tx)
	})
}

// GetEvent finds an event by ID or unique prefix.
func (s *Store) GetEvent(ctx context.Context, idOrPrefix string) (*store.Event, error) {
	// An exact id (what the engine asks for) is one prepared read; an
	// exact match wins over longer ids it prefixes, as in lookupPrefix.
	byID, err := s.eventByID.get(ctx, s.r, `SELECT `+eventCols+` FROM events WHERE id = ?`)
	if err != nil {
		return nil, err
	}
	e, err := scanEvent(byID.QueryRowContext(ctx, idOrPrefix))
	if err != sql.ErrNoRows {
		return e, err
	}
	id, err := lookupPrefix(ctx, s.r, "event", "events", idOrPrefix)
	if err != nil {
		return nil, err
	}
	e, err = scanEvent(byID.QueryRowContext(ctx, id))
	if err == sql.ErrNoRows {
		return nil, &store.NotFoundError{Kind: "event", ID: idOrPrefix}
	}
	return e, err
}

// ListEvents lists events newest first with the states of their deliveries.
func (s *Store) ListEvents(ctx context.Context, f store.EventFilter) ([]*store.EventSummary, error) {
	before, after := f.BeforeAt, f.AfterAt
	for _, c := range []struct {
		id  string
		pos **store.EventCursor
	}{{f.Before, &before}, {f.After, &after}} {
		if c.id == "" {
			continue
		}
		var at, seq int64
		err := s.r.QueryRowContext(ctx, `SELECT created_at, seq FROM events WHERE id = ?`, c.id).Scan(&at, &seq)
		if err == sql.ErrNoRows {
			return nil, &store.NotFoundError{Kind: "event", ID: c.id}
		}
		if err != nil {
			return nil, err
		}
		*c.pos = &store.EventCursor{CreatedAt: time.UnixMicro(at), Seq: seq}
	}
	q, args, err := listEventsSQL(f, before, after)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*store.EventSummary{}
	for rows.Next() {
		var sum store.EventSummary
		e, err := scanEvent(rows, &sum.Pending, &sum.Succeeded, &sum.Failed, &sum.Seq)
		if err != nil {
			return nil, err
		}
		sum.Event = *e
		out = append(out, &sum)
	}
	return out, rows.Err()
}

// listEventsSQL is ListEvents' query for f, with before and after the
// positions of f.Before and f.After (nil when unset).
func listEventsSQL(f store.EventFilter, before, after *store.EventCursor) (string, []any, error) {
	cols := `e.id, e.type, e.provider, e.payload, e.content_type, e.source, e.headers, e.created_at, e.verdict, 0, 0, 0, e.seq`
	if !f.NoCounts {
		cols = `e.id, e.type, e.provider, e.payload, e.content_type, e.source, e.headers, e.created_at, e.verdict,
		(SELECT count(*) FROM deliveries d WHERE d.event_seq = e.seq AND d.status = 'pending'),
		(SELECT count(*) FROM deliveries d WHERE d.event_seq = e.seq AND d.status = 'succeeded'),
		(SELECT count(*) FROM deliveries d WHERE d.event_seq = e.seq AND d.status = 'failed'), e.seq`
	}
	if f.NoPayload {
		cols = strings.Replace(strings.Replace(cols, "e.payload", "x''", 1), "e.headers", "NULL", 1)
	}
	// The page's seqs first, then its rows and counts: with cols in the
	// filtered, ordered query SQLite read every matching event and ran
	// the three counts for each before sorting them (a type of 200,000
	// events: 3 s); the seqs alone come from an index when the filter is
	// on type and position only (events_type_created).
	inner, args, err := eventSQL.Query("e.seq", f, before, after)
	if err != nil {
		return "", nil, err
	}
	order := " ORDER BY e.created_at DESC, e.seq DESC"
	if f.Oldest {
		order = " ORDER BY e.created_at, e.seq"
	}
	q := `SELECT ` + cols + ` FROM events e WHERE e.seq IN (` + inner + `)` + order
	return q, args, nil
}

var eventSQL = store.EventSQL{
	Arg:    func(int) string { return "?" },
	Header: headerExpr,
	Time:   tm,
	Pattern: func(col, pattern string, args *[]any) string {
		c, a := patternClause(col, pattern)
		*args = append(*args, a...)
		return c
	},
}

// headerExpr is the first value of an event's stored header k (a
// store.ValidHeaderKey) in SQL: migration 5 indexes this very expression
// for serve's keys. It names the column unqualified, as the index does.
func headerExpr(k string) string { return `json_extract(headers, '$."` + k + `"[0]')` }

// GetEventHeads implements store.Store: the columns a listing shows, in
// one query (the IDs as a JSON array); no payload or headers are read.
func (s *Store) GetEventHeads(ctx context.Context, ids []string) ([]*store.EventHead, error) {
	if len(ids) == 0 {
		return []*store.EventHead{}, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, type, provider, source, created_at FROM events WHERE id IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]*store.EventHead, 0, len(ids))
	for rows.Next() {
		var h store.EventHead
		var created sql.NullInt64
		if err := rows.Scan(&h.ID, &h.Type, &h.Provider, &h.Source, &created); err != nil {
			return nil, err
		}
		h.CreatedAt = fromTm(created)
		out = append(out, &h)
	}
	return out, rows.Err()
}
