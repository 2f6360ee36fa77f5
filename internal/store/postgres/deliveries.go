package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hookctl/hookctl/internal/store"
)

const deliveryCols = `seq, id, event_id, subscription_id, url, method, scheme, secret, headers, status,
	attempt_count, max_attempts, schedule, next_attempt_at, last_error, last_status, run_id,
	lease_owner, lease_expires_at, created_at, updated_at, origin_id, kind, deleted_subscription_id`

// deliveryInsert writes a new delivery (CreateEvent) and lets the store
// assign seq (DEFAULT): its due time ($13) and lease end ($18, when it
// comes leased to its creator) are moved onto the server's clock
// (onServer), given its updated_at ($20), which store.PrepareEvent stamps
// with the creator's clock.
var deliveryInsert = sync.OnceValue(func() string {
	return `INSERT INTO deliveries (id, event_id, subscription_id, url, method, scheme, secret, headers, status,
	attempt_count, max_attempts, schedule, next_attempt_at, last_error, last_status, run_id,
	lease_owner, lease_expires_at, created_at, updated_at, origin_id, kind)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, ` + onServer("$13", "$20") + `, $14, $15, $16,
		$17, ` + onServer("$18", "$20") + `, $19, $20, $21, $22)
	RETURNING seq`
})

// deliveryInsertAsGiven writes a delivery exactly as given (WriteRecords:
// a record of what listen received).
const deliveryInsertAsGiven = `INSERT INTO deliveries (id, event_id, subscription_id, url, method, scheme, secret, headers, status,
	attempt_count, max_attempts, schedule, next_attempt_at, last_error, last_status, run_id,
	lease_owner, lease_expires_at, created_at, updated_at, origin_id, kind)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
	RETURNING seq`

func deliveryArgs(d *store.Delivery) []any {
	return []any{pt(d.ID), pk(d.EventID), nullStr(d.SubscriptionID), pt(d.URL), pt(d.Method), d.Scheme, d.Secret, jmap(store.EncodeHeaderMap(d.Headers)), d.Status,
		d.AttemptCount, d.MaxAttempts, d.Schedule, ts(d.NextAttemptAt), pt(d.LastError), d.LastStatus, d.RunID,
		d.LeaseOwner, ts(d.LeaseExpiresAt), ts(d.CreatedAt), ts(d.UpdatedAt), pt(d.OriginID), d.Kind}
}

// subscriptionSide moves a subscription filter's id to its deleted side
// (deleted_subscription_id, store.Delivery.DeletedSubscriptionID) when no
// subscription has it: its deliveries, if any, belong to a deleted one
// (import links those of a subscription imported again). A query never
// asks for either side (d.subscription_id = $1 OR …): the rows of one
// side would then be sorted for every page, not read in order from its
// index.
func (db *DB) subscriptionSide(ctx context.Context, id, deleted *string) error {
	if *id == "" || *deleted != "" {
		return nil
	}
	var live bool
	if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM subscriptions WHERE id = $1)`, pt(*id)).Scan(&live); err != nil {
		return db.wrap("find subscription", err)
	}
	if !live {
		*id, *deleted = "", *id
	}
	return nil
}

// scanDelivery scans deliveryCols, then extra (columns that follow).
func scanDelivery(row pgx.Row, extra ...any) (*store.Delivery, error) {
	var d store.Delivery
	var sub, deletedSub *string
	var next, lease, created, updated *time.Time
	err := row.Scan(append([]any{&d.Seq, &d.ID, &d.EventID, &sub, &d.URL, &d.Method, &d.Scheme, &d.Secret, &d.Headers, &d.Status,
		&d.AttemptCount, &d.MaxAttempts, &d.Schedule, &next, &d.LastError, &d.LastStatus, &d.RunID,
		&d.LeaseOwner, &lease, &created, &updated, &d.OriginID, &d.Kind, &deletedSub}, extra...)...)
	if err != nil {
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
	return &d, nil
}

func collectDeliveries(rows pgx.Rows) ([]*store.Delivery, error) {
	defer rows.Close()
	out := []*store.Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// GetDelivery implements store.Store.
func (db *DB) GetDelivery(ctx context.Context, idOrPrefix string) (*store.Delivery, error) {
	// Fast path: a full ID (what workers and scripts pass) is one query.
	d, err := scanDelivery(db.pool.QueryRow(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE id = $1`, pt(idOrPrefix)))
	if errors.Is(err, pgx.ErrNoRows) {
		id, rerr := db.resolve(ctx, db.pool, "delivery", "deliveries", idOrPrefix)
		if rerr != nil {
			return nil, rerr
		}
		d, err = scanDelivery(db.pool.QueryRow(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE id = $1`, id))
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, &store.NotFoundError{Kind: "delivery", ID: idOrPrefix}
	}
	return d, db.wrap("get delivery", err)
}

// deliveryWhere builds the FROM and WHERE of a delivery filter.
func deliveryWhere(f store.DeliveryFilter, args *[]any) (from, where string) {
	from = "deliveries d"
	// The event's type is on the delivery (event_type, schema 17): a
	// type's page is a range of deliveries_event_type from the cursor,
	// with no lookup of each newer delivery's event.
	if f.Source != "" || f.Provider != "" {
		from += " JOIN events e ON e.id = d.event_id"
	}
	conds := []string{"TRUE"}
	add := func(cond string, v any) {
		*args = append(*args, v)
		conds = append(conds, fmt.Sprintf(cond, len(*args)))
	}
	switch f.Status {
	case "":
	case store.DeliveryPending, store.DeliveryFailed, store.DeliverySucceeded:
		// A literal, as on SQLite: the partial indexes deliveries_failed
		// and deliveries_due stay usable by a generic plan (a prepared
		// statement run again and again in serve or the inspector),
		// which cannot tell what a parameter holds.
		conds = append(conds, "d.status = '"+f.Status+"'")
	default:
		add("d.status = $%d", f.Status)
	}
	if f.EventPattern != "" {
		conds = append(conds, patternClause("d.event_type", f.EventPattern, args))
	}
	if c, ok := store.DeliverySourceClause(f.Source); ok {
		conds = append(conds, c)
	} else if f.Source != "" {
		add("e.source = $%d", f.Source)
	}
	if f.Provider != "" {
		add("e.provider = $%d", f.Provider)
	}
	if f.ExcludeLinked {
		conds = append(conds, store.NotLinkedForwardClause)
	}
	if f.ExcludeProbes {
		conds = append(conds, store.NotProbeClause)
	}
	if f.SubscriptionID != "" {
		add("d.subscription_id = $%d", f.SubscriptionID)
	}
	if f.DeletedSubscriptionID != "" {
		add("d.deleted_subscription_id = $%d", f.DeletedSubscriptionID)
	}
	if f.EventID != "" {
		add("d.event_id = $%d", pk(f.EventID))
	}
	if len(f.EventIDs) > 0 {
		keys := make([]string, len(f.EventIDs))
		for i, id := range f.EventIDs {
			keys[i] = pk(id)
		}
		add("d.event_id = ANY($%d::text[])", keys)
	}
	if f.OriginID != "" {
		// "<> ''" keeps the partial index deliveries_origin usable by a
		// generic plan (one that does not know the value), as on SQLite.
		add("d.origin_id = $%d AND d.origin_id <> ''", f.OriginID)
	}
	if f.RunID != "" {
		add("d.run_id = $%d AND d.run_id <> ''", f.RunID) // the partial index deliveries_run
	}
	if !f.Since.IsZero() {
		add("d.created_at >= $%d", ts(f.Since))
	}
	if !f.Until.IsZero() {
		add("d.created_at < $%d", ts(f.Until))
	}
	if f.AfterSeq > 0 {
		add("d.seq > $%d", f.AfterSeq)
	}
	if f.BeforeSeq > 0 {
		add("d.seq < $%d", f.BeforeSeq)
	}
	return from, strings.Join(conds, " AND ")
}

// ListDeliveries implements store.Store: by Seq ascending, or descending
// with f.Newest.
func (db *DB) ListDeliveries(ctx context.Context, f store.DeliveryFilter) ([]*store.Delivery, error) {
	if err := db.subscriptionSide(ctx, &f.SubscriptionID, &f.DeletedSubscriptionID); err != nil {
		return nil, err
	}
	q, args := deliveryListQuery(f)
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, db.wrap("list deliveries", err)
	}
	out, err := collectDeliveries(rows)
	return out, db.wrap("list deliveries", err)
}

// deliveryListQuery is ListDeliveries' query.
func deliveryListQuery(f store.DeliveryFilter) (string, []any) {
	args := []any{}
	from, where := deliveryWhere(f, &args)
	q := `SELECT ` + prefixCols("d.", deliveryCols) + ` FROM ` + from + ` WHERE ` + where + ` ORDER BY d.seq`
	if f.Newest {
		q += " DESC"
	}
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return q, args
}

func prefixCols(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// CountDeliveries implements store.Store: counts by status.
func (db *DB) CountDeliveries(ctx context.Context, f store.DeliveryFilter) (map[string]int64, error) {
	if err := db.subscriptionSide(ctx, &f.SubscriptionID, &f.DeletedSubscriptionID); err != nil {
		return nil, err
	}
	args := []any{}
	from, where := deliveryWhere(f, &args)
	rows, err := db.pool.Query(ctx, `SELECT d.status, count(*) FROM `+from+` WHERE `+where+` GROUP BY d.status`, args...)
	if err != nil {
		return nil, db.wrap("count deliveries", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var s string
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			return nil, db.wrap("count deliveries", err)
		}
		out[s] = n
	}
	return out, db.wrap("count deliveries", rows.Err())
}

const attemptCols = `delivery_id, number, started_at, duration_ns, request_url, request_method, request_headers,
	response_status, response_headers, response_body, error, manual, insecure`

func scanAttempt(row pgx.Row, extra ...any) (*store.Attempt, error) {
	var a store.Attempt
	var started *time.Time
	var dur int64
	err := row.Scan(append([]any{&a.DeliveryID, &a.Number, &started, &dur, &a.RequestURL, &a.RequestMethod, &a.RequestHeaders,
		&a.ResponseStatus, &a.ResponseHeaders, &a.ResponseBody, &a.Error, &a.Manual, &a.Insecure}, extra...)...)
	if err != nil {
		return nil, err
	}
	a.RequestHeaders, a.ResponseHeaders = store.DecodeHeaderBytes(nilIfEmpty(a.RequestHeaders)), store.DecodeHeaderBytes(nilIfEmpty(a.ResponseHeaders))
	if len(a.ResponseBody) == 0 {
		a.ResponseBody = nil
	}
	a.StartedAt, a.Duration = fromTs(started), time.Duration(dur)
	return &a, nil
}

func attemptArgs(a *store.Attempt) []any {
	return []any{pt(a.DeliveryID), a.Number, ts(a.StartedAt), int64(a.Duration), pt(a.RequestURL), pt(a.RequestMethod), jmap(a.RequestHeaders),
		a.ResponseStatus, jmap(a.ResponseHeaders), a.ResponseBody, pt(a.Error), a.Manual, a.Insecure}
}

const attemptInsert = `INSERT INTO attempts (` + attemptCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`

// ListAttempts implements store.Store: a delivery's attempts by number.
func (db *DB) ListAttempts(ctx context.Context, deliveryID string) ([]*store.Attempt, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+attemptCols+` FROM attempts WHERE delivery_id = $1 ORDER BY number`, deliveryID)
	if err != nil {
		return nil, db.wrap("list attempts", err)
	}
	defer rows.Close()
	out := []*store.Attempt{}
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, db.wrap("list attempts", err)
		}
		out = append(out, a)
	}
	return out, db.wrap("list attempts", rows.Err())
}

// ListAttemptRows implements store.Store. The newest attempts are found
// by their keys first (narrow rows to sort), then read whole.
func (db *DB) ListAttemptRows(ctx context.Context, f store.AttemptFilter) ([]*store.AttemptRow, error) {
	if err := db.subscriptionSide(ctx, &f.SubscriptionID, &f.DeletedSubscriptionID); err != nil {
		return nil, err
	}
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.SubscriptionID != "" {
		where = append(where, "d.subscription_id = "+arg(f.SubscriptionID))
	}
	if f.DeletedSubscriptionID != "" {
		where = append(where, "d.deleted_subscription_id = "+arg(f.DeletedSubscriptionID))
	}
	if f.EventID != "" {
		where = append(where, "d.event_id = "+arg(pk(f.EventID)))
	}
	order := " ORDER BY a.started_at DESC, d.seq DESC, a.number DESC"
	for _, c := range []struct {
		key *store.AttemptKey
		at  *store.AttemptCursor
		cmp string
	}{{f.Before, f.BeforeAt, "<"}, {f.After, f.AfterAt, ">"}} {
		if c.key == nil && c.at != nil {
			where = append(where, "(a.started_at, d.seq, a.number) "+c.cmp+" ("+arg(c.at.StartedAt)+"::timestamptz, "+arg(c.at.DeliverySeq)+", "+arg(c.at.Number)+")")
			continue
		}
		if c.key == nil {
			continue
		}
		var at time.Time
		var seq int64
		err := db.pool.QueryRow(ctx, `SELECT a.started_at, d.seq FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
			WHERE a.delivery_id = $1 AND a.number = $2`, c.key.DeliveryID, c.key.Number).Scan(&at, &seq)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, &store.NotFoundError{Kind: "attempt", ID: fmt.Sprintf("%s #%d", c.key.DeliveryID, c.key.Number)}
		}
		if err != nil {
			return nil, db.wrap("list attempts", err)
		}
		where = append(where, "(a.started_at, d.seq, a.number) "+c.cmp+" ("+arg(at)+"::timestamptz, "+arg(seq)+", "+arg(c.key.Number)+")")
	}
	if f.After != nil || f.AfterAt != nil {
		order = " ORDER BY a.started_at, d.seq, a.number"
	}
	keys := "SELECT a.delivery_id AS id, a.number AS n, a.started_at, d.seq FROM attempts a JOIN deliveries d ON d.id = a.delivery_id"
	if len(where) > 0 {
		keys += " WHERE " + strings.Join(where, " AND ")
	}
	keys += order
	if f.Limit > 0 {
		keys += " LIMIT " + arg(f.Limit)
	}
	q := `SELECT a.delivery_id, a.number, a.started_at, a.duration_ns, a.request_url, a.request_method, a.request_headers,
		a.response_status, a.response_headers, a.response_body, a.error, a.manual, a.insecure, d.event_id, coalesce(d.subscription_id, ''), d.seq
		FROM (` + keys + `) k JOIN attempts a ON a.delivery_id = k.id AND a.number = k.n JOIN deliveries d ON d.id = a.delivery_id` + order
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, db.wrap("list attempts", err)
	}
	defer rows.Close()
	out := []*store.AttemptRow{}
	for rows.Next() {
		var r store.AttemptRow
		var dseq int64
		a, err := scanAttempt(rows, &r.EventID, &r.SubscriptionID, &dseq)
		if err != nil {
			return nil, db.wrap("list attempts", err)
		}
		r.Attempt = *a
		r.DeliverySeq = dseq
		out = append(out, &r)
	}
	return out, db.wrap("list attempts", rows.Err())
}

// recordAttemptSQL stores an attempt and, while $14 still holds the
// lease, applies the update (the run, when $20 gives one; the next due
// time $16 on the server's clock, $19 being the recorder's: onServer) and
// releases the lease: one statement, so one round trip and one implicit
// transaction. The delivery row is locked
// first (FOR UPDATE), which serialises recorders of one delivery.
var recordAttemptSQL = sync.OnceValue(func() string {
	return `WITH d AS (
		SELECT id, lease_owner, status, attempt_count FROM deliveries WHERE id = $1 FOR UPDATE
	), ins AS (
		INSERT INTO attempts (` + attemptCols + `)
		SELECT d.id, GREATEST($2::int, coalesce((SELECT max(number) FROM attempts a WHERE a.delivery_id = d.id), 0) + 1),
			$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13
		FROM d
		RETURNING number
	), upd AS (
		UPDATE deliveries SET status = $15, attempt_count = deliveries.attempt_count + 1, next_attempt_at = ` + onServer("$16", "$19") + `,
			last_error = $17, last_status = $18, run_id = CASE WHEN $20::text <> '' THEN $20 ELSE deliveries.run_id END,
			lease_owner = '', lease_expires_at = NULL, updated_at = $19
		FROM d WHERE deliveries.id = d.id AND d.lease_owner = $14
		RETURNING 1
	), stopped AS (
		UPDATE deliveries SET attempt_count = deliveries.attempt_count + 1, last_status = $18, updated_at = $19
		FROM d WHERE deliveries.id = d.id AND d.lease_owner = '' AND d.lease_owner <> $14 AND ` + stoppedUnder("d", "$2::int") + `
	)
	SELECT (SELECT number FROM ins), EXISTS (SELECT 1 FROM upd)`
})

// stoppedUnder: delivery d was stopped under the sender of its attempt
// numbered n (as the sender made it: AttemptCount+1 at its claim): its
// subscription deleted, its event expunged — failed (or finished), no
// longer leased — and nobody made an attempt since that claim. A
// lease-lost attempt of such a delivery was really sent: it is counted
// (attempt_count, last_status), the delivery staying failed with its
// error. One another worker holds (pending, or leased for a replay) or
// recorded since is left alone, and an attempt recorded again is not
// counted twice (attempt_count is no longer n-1).
func stoppedUnder(d, n string) string {
	return d + `.status <> 'pending' AND ` + d + `.lease_owner = '' AND ` + n + ` > 0 AND ` + d + `.attempt_count = ` + n + ` - 1`
}

// RecordAttempt implements store.Store: the attempt is always kept; the
// delivery is updated (and its lease released) only while owner holds the
// lease, else ErrLeaseLost.
func (db *DB) RecordAttempt(ctx context.Context, owner string, a *store.Attempt, u store.DeliveryUpdate) error {
	n := db.clockNow()
	if a.StartedAt.IsZero() {
		a.StartedAt = n
	}
	var next any
	if u.Status == store.DeliveryPending {
		next = ts(u.NextAttemptAt)
		if next == nil {
			next = n
		}
	}
	args := append(attemptArgs(a), owner, u.Status, next, pt(u.LastError), u.LastStatus, n, u.RunID)
	for try := 0; ; try++ {
		var number *int
		var applied bool
		err := db.pool.QueryRow(ctx, recordAttemptSQL(), args...).Scan(&number, &applied)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" && try < 3 {
			// A concurrent recorder of the same delivery (one whose lease
			// was lost) took the number our snapshot computed: again.
			continue
		}
		if err != nil {
			return db.wrap("record attempt", err)
		}
		if number == nil {
			return &store.NotFoundError{Kind: "delivery", ID: a.DeliveryID}
		}
		a.Number = *number
		if !applied {
			return store.ErrLeaseLost
		}
		return nil
	}
}
