package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
)

const eventCols = `id, type, provider, payload, content_type, source, headers, created_at, verdict`

func scanEvent(row pgx.Row, extra ...any) (*store.Event, error) {
	var e store.Event
	var created *time.Time
	dest := append([]any{&e.ID, &e.Type, &e.Provider, &e.Payload, &e.ContentType, &e.Source, &e.Headers, &created, &e.Verdict}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if e.Payload == nil {
		e.Payload = []byte{}
	}
	e.Headers = store.DecodeHeaderBytes(nilIfEmpty(e.Headers))
	e.CreatedAt = fromTs(created)
	return &e, nil
}

func eventArgs(e *store.Event) []any {
	payload := e.Payload
	if payload == nil {
		payload = []byte{}
	}
	return []any{pk(e.ID), pk(e.Type), pt(e.Provider), payload, pt(e.ContentType), pt(e.Source), jmap(e.Headers), ts(e.CreatedAt), pt(e.Verdict)}
}

const eventInsert = `INSERT INTO events (` + eventCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`

// CreateEvent implements store.Store: the event (unless its ID exists) and
// its deliveries in one transaction, sent as one pipelined batch.
func (db *DB) CreateEvent(ctx context.Context, e *store.Event, deliveries []*store.Delivery) error {
	store.PrepareEvent(e, deliveries, now())
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(eventInsert, eventArgs(e)...)
		for _, d := range deliveries {
			b.Queue(deliveryInsert(), deliveryArgs(d)...).QueryRow(func(row pgx.Row) error { return row.Scan(&d.Seq) })
		}
		return tx.SendBatch(ctx, b).Close()
	})
	return db.wrap("create event", err)
}

// GetEvent implements store.Store.
func (db *DB) GetEvent(ctx context.Context, idOrPrefix string) (*store.Event, error) {
	// Fast path: a full ID (what workers and scripts pass) is one query.
	e, err := scanEvent(db.pool.QueryRow(ctx, `SELECT `+eventCols+` FROM events WHERE id = $1`, pk(idOrPrefix)))
	if errors.Is(err, pgx.ErrNoRows) {
		id, rerr := db.resolve(ctx, db.pool, "event", "events", idOrPrefix)
		if rerr != nil {
			return nil, rerr
		}
		e, err = scanEvent(db.pool.QueryRow(ctx, `SELECT `+eventCols+` FROM events WHERE id = $1`, id))
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, &store.NotFoundError{Kind: "event", ID: idOrPrefix}
	}
	return e, db.wrap("get event", err)
}

// ListEvents implements store.Store: newest first, with delivery states.
func (db *DB) ListEvents(ctx context.Context, f store.EventFilter) ([]*store.EventSummary, error) {
	before, after := f.BeforeAt, f.AfterAt
	for _, c := range []struct {
		id  string
		pos **store.EventCursor
	}{{f.Before, &before}, {f.After, &after}} {
		if c.id == "" {
			continue
		}
		var pos store.EventCursor
		err := db.pool.QueryRow(ctx, `SELECT created_at, seq FROM events WHERE id = $1`, pk(c.id)).Scan(&pos.CreatedAt, &pos.Seq)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, &store.NotFoundError{Kind: "event", ID: c.id}
		}
		if err != nil {
			return nil, db.wrap("list events", err)
		}
		*c.pos = &pos
	}
	q, args, err := listEventsQuery(f, before, after)
	if err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, db.wrap("list events", err)
	}
	defer rows.Close()
	out := []*store.EventSummary{}
	for rows.Next() {
		var sum store.EventSummary
		e, err := scanEvent(rows, &sum.Pending, &sum.Succeeded, &sum.Failed, &sum.Seq)
		if err != nil {
			return nil, db.wrap("list events", err)
		}
		sum.Event = *e
		out = append(out, &sum)
	}
	return out, db.wrap("list events", rows.Err())
}

// listEventsQuery is ListEvents' query for f, with before and after the
// positions of f.Before and f.After (nil when unset).
func listEventsQuery(f store.EventFilter, before, after *store.EventCursor) (string, []any, error) {
	inner, args, err := eventSQL.Query("e.*", f, before, after)
	if err != nil {
		return "", nil, err
	}
	order := " ORDER BY e.created_at DESC, e.seq DESC"
	if f.Oldest {
		order = " ORDER BY e.created_at, e.seq"
	}
	q := `SELECT e.id, e.type, e.provider, e.payload, e.content_type, e.source, e.headers, e.created_at, e.verdict, 0, 0, 0, e.seq
		FROM (` + inner + `) e` + order
	if !f.NoCounts {
		q = `SELECT e.id, e.type, e.provider, e.payload, e.content_type, e.source, e.headers, e.created_at, e.verdict,
		coalesce(c.pending, 0), coalesce(c.succeeded, 0), coalesce(c.failed, 0), e.seq
		FROM (` + inner + `) e
		LEFT JOIN LATERAL (SELECT
			count(*) FILTER (WHERE status = 'pending') AS pending,
			count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
			count(*) FILTER (WHERE status = 'failed') AS failed
			FROM deliveries d WHERE d.event_id = e.id) c ON TRUE` + order
	}
	if f.NoPayload {
		// Neither column read: the bodies stay in their TOAST tables.
		q = strings.Replace(strings.Replace(q, "e.payload", "''::bytea", 1), "e.headers", "NULL::jsonb", 1)
	}
	return q, args, nil
}

var eventSQL = store.EventSQL{
	Arg:      func(n int) string { return "$" + strconv.Itoa(n) },
	Header:   headerExpr,
	Time:     ts,
	TimeCast: "::timestamptz",
	Pattern:  patternClause,
}

// headerExpr is the first value of an event's stored header k (a
// store.ValidHeaderKey) in SQL: migration 6 indexes this very expression
// for serve's keys.
func headerExpr(k string) string { return `(headers->'` + k + `'->>0)` }

// GetEventHeads implements store.Store: the columns a listing shows, in
// one query for all of ids; no payload or headers cross the wire (nor
// are a TOASTed payload's chunks read).
func (db *DB) GetEventHeads(ctx context.Context, ids []string) ([]*store.EventHead, error) {
	if len(ids) == 0 {
		return []*store.EventHead{}, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = pk(id)
	}
	rows, err := db.pool.Query(ctx, `SELECT id, type, provider, source, created_at FROM events WHERE id = ANY($1::text[])`, keys)
	if err != nil {
		return nil, db.wrap("get events", err)
	}
	defer rows.Close()
	out := make([]*store.EventHead, 0, len(ids))
	for rows.Next() {
		var h store.EventHead
		var created *time.Time
		if err := rows.Scan(&h.ID, &h.Type, &h.Provider, &h.Source, &created); err != nil {
			return nil, db.wrap("get events", err)
		}
		h.CreatedAt = fromTs(created)
		out = append(out, &h)
	}
	return out, db.wrap("get events", rows.Err())
}
