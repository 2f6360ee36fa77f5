package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

const deliveryCols = `d.seq, d.id, d.event_id, d.subscription_id, d.url, d.method, d.scheme, d.secret, d.headers,
	d.status, d.attempt_count, d.max_attempts, d.schedule, d.next_attempt_at, d.last_error, d.last_status, d.run_id,
	d.lease_owner, d.lease_expires_at, d.created_at, d.updated_at, d.origin_id, d.kind, d.deleted_subscription_id`

// deletedSubscriptionClause selects a deleted subscription's deliveries
// through deliveries_deleted_subscription (partial: "= ?" implies NOT
// NULL). A query never asks for either side (d.subscription_id = ? OR
// …): the rows of one side would then be sorted for every page, not read
// in order from its index (0.9 s instead of 13 ms for the newest 10 of a
// subscription of 100,000 deliveries). The store picks the side:
// subscriptionSide.
const deletedSubscriptionClause = `d.deleted_subscription_id = ?`

// subscriptionSide moves a subscription filter's id to its deleted side
// when no subscription has it: its deliveries, if any, belong to a
// deleted one (import links those of a subscription imported again).
func (s *Store) subscriptionSide(ctx context.Context, id, deleted *string) error {
	if *id == "" || *deleted != "" {
		return nil
	}
	var live bool
	if err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM subscriptions WHERE id = ?)`, *id).Scan(&live); err != nil {
		return err
	}
	if !live {
		*id, *deleted = "", *id
	}
	return nil
}

// deliveryColsBare is deliveryCols without the table alias (RETURNING).
var deliveryColsBare = sync.OnceValue(func() string {
	return strings.ReplaceAll(deliveryCols, "d.", "")
})

func scanDelivery(r scanner) (*store.Delivery, error) {
	var (
		d                             store.Delivery
		sub, deletedSub, headers      sql.NullString
		next, lease, created, updated sql.NullInt64
	)
	if err := r.Scan(&d.Seq, &d.ID, &d.EventID, &sub, &d.URL, &d.Method, &d.Scheme, &d.Secret, &headers,
		&d.Status, &d.AttemptCount, &d.MaxAttempts, &d.Schedule, &next, &d.LastError, &d.LastStatus, &d.RunID,
		&d.LeaseOwner, &lease, &created, &updated, &d.OriginID, &d.Kind, &deletedSub); err != nil {
		return nil, err
	}
	var err error
	if d.Headers, err = fromHeaderMap(headers); err != nil {
		return nil, err
	}
	d.SubscriptionID, d.DeletedSubscriptionID = sub.String, deletedSub.String
	d.NextAttemptAt, d.LeaseExpiresAt = fromTm(next), fromTm(lease)
	d.CreatedAt, d.UpdatedAt = fromTm(created), fromTm(updated)
	return &d, nil
}

func scanDeliveries(rows *sql.Rows) ([]*store.Delivery, error) {
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

// GetDelivery finds a delivery by ID or unique prefix.
func (s *Store) GetDelivery(ctx context.Context, idOrPrefix string) (*store.Delivery, error) {
	id, err := lookupPrefix(ctx, s.r, "delivery", "deliveries", idOrPrefix)
	if err != nil {
		return nil, err
	}
	d, err := scanDelivery(s.r.QueryRowContext(ctx, `SELECT `+deliveryCols+` FROM deliveries d WHERE d.id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, &store.NotFoundError{Kind: "delivery", ID: idOrPrefix}
	}
	return d, err
}

func deliveryWhere(f store.DeliveryFilter) (from string, where []string, args []any) {
	from = "deliveries d"
	if f.RunID == "" && (f.Status == store.DeliveryPending || f.Status == store.DeliveryFailed) {
		from += " INDEXED BY " + map[string]string{store.DeliveryPending: "deliveries_due", store.DeliveryFailed: "deliveries_failed"}[f.Status]
	}
	if f.EventPattern != "" || f.Source != "" || f.Provider != "" {
		from += " JOIN events e ON e.seq = d.event_seq"
	}
	switch f.Status {
	case "":
	case store.DeliveryPending, store.DeliverySucceeded, store.DeliveryFailed:
		// A literal, so the partial indexes (status = 'failed',
		// status = 'pending') apply; named unless a run narrows the
		// search better, or the planner may prefer a newest-first scan
		// of the whole table. Succeeded deliveries are most of the
		// table: that scan finds them at once.
		where = append(where, "d.status = '"+f.Status+"'")
	default:
		where = append(where, "d.status = ?")
		args = append(args, f.Status)
	}
	if f.EventPattern != "" {
		c, a := patternClause("e.type", f.EventPattern)
		where = append(where, c)
		args = append(args, a...)
	}
	if c, ok := store.DeliverySourceClause(f.Source); ok {
		where = append(where, c)
	} else if f.Source != "" {
		where = append(where, "+e.source = ?")
		args = append(args, f.Source)
	}
	if f.Provider != "" {
		// Unary + keeps events_provider_created (schema 15) out: the
		// page is read by the deliveries' seq, each one's event by its
		// key, and stops once full; SQLite, without statistics, would
		// take every event of the provider and sort all their
		// deliveries (TestDeliveriesByProviderPlan).
		where = append(where, "+e.provider = ?")
		args = append(args, f.Provider)
	}
	if f.ExcludeLinked {
		where = append(where, store.NotLinkedForwardClause)
	}
	if f.ExcludeProbes {
		where = append(where, store.NotProbeClause)
	}
	if f.SubscriptionID != "" {
		where = append(where, "d.subscription_id = ?")
		args = append(args, f.SubscriptionID)
	}
	if f.DeletedSubscriptionID != "" {
		where = append(where, deletedSubscriptionClause)
		args = append(args, f.DeletedSubscriptionID)
	}
	if f.EventID != "" {
		where = append(where, "d.event_seq = (SELECT seq FROM events WHERE id = ?)")
		args = append(args, f.EventID)
	}
	if len(f.EventIDs) > 0 {
		ids, _ := json.Marshal(f.EventIDs)
		where = append(where, "d.event_seq IN (SELECT seq FROM events WHERE id IN (SELECT value FROM json_each(?)))")
		args = append(args, string(ids))
	}
	if f.RunID != "" {
		where = append(where, "d.run_id = ?")
		args = append(args, f.RunID)
	}
	if f.OriginID != "" {
		// "<> ''" lets SQLite use the partial index deliveries_origin (it
		// cannot tell that a bound value is not ''): without it,
		// deliveries show of a delivery with no copies read the whole
		// table (220 ms at 1M deliveries).
		where = append(where, "d.origin_id = ? AND d.origin_id <> ''")
		args = append(args, f.OriginID)
	}
	if !f.Since.IsZero() {
		where = append(where, "d.created_at >= ?")
		args = append(args, f.Since.UnixMicro())
	}
	if !f.Until.IsZero() {
		where = append(where, "d.created_at < ?")
		args = append(args, f.Until.UnixMicro())
	}
	if f.AfterSeq > 0 {
		where = append(where, "d.seq > ?")
		args = append(args, f.AfterSeq)
	}
	if f.BeforeSeq > 0 {
		where = append(where, "d.seq < ?")
		args = append(args, f.BeforeSeq)
	}
	return from, where, args
}

// ListDeliveries lists deliveries by Seq (ascending, or descending with
// f.Newest).
func (s *Store) ListDeliveries(ctx context.Context, f store.DeliveryFilter) ([]*store.Delivery, error) {
	if err := s.subscriptionSide(ctx, &f.SubscriptionID, &f.DeletedSubscriptionID); err != nil {
		return nil, err
	}
	q, args := listDeliveriesSQL(f)
	if typePage(f) {
		return s.listTypePage(ctx, f)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanDeliveries(rows)
}

func (s *Store) queryDeliveries(ctx context.Context, q string, args []any) ([]*store.Delivery, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanDeliveries(rows)
}

// A page of the deliveries of an event type, newest first (deliveries
// list --event, serve's ?event=): SQLite found every event of the type
// through events_type_created, their deliveries, and sorted them all for
// the page (100,000 deliveries of one type in 500,000: 0.12–0.64 s). No
// index orders deliveries by their event's type, so the page is read one
// of two ways, by how many events the type has (counted in the index, up
// to typeFewEvents):
//   - fewer: as before, through the events (a few thousand to sort);
//   - more: deliveries newest first from the cursor, each event looked
//     up by its seq, over the newest typeWindow deliveries only (a type
//     of 1 in 5 fills a page of 50 in ~250 rows); a page the window
//     does not fill is finished through the events, below the window.
//
// The second is bounded by the window and then by the first: never a
// scan of the whole table for a type whose events are all old.
var (
	typeFewEvents = 10_000
	typeWindow    = int64(20_000) // vars: tests set them small
)

// typePage reports whether f is a page of a type's deliveries that
// listTypePage reads (no narrower filter: an event, a run, an origin).
func typePage(f store.DeliveryFilter) bool {
	return f.EventPattern != "" && f.EventPattern != "*" && f.Newest && f.Limit > 0 &&
		f.EventID == "" && len(f.EventIDs) == 0 && f.RunID == "" && f.OriginID == ""
}

func (s *Store) listTypePage(ctx context.Context, f store.DeliveryFilter) ([]*store.Delivery, error) {
	c, a := patternClause("type", f.EventPattern)
	var events int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM events WHERE `+c+` LIMIT ?)`, append(a, typeFewEvents)...).Scan(&events)
	if err != nil {
		return nil, err
	}
	if events < typeFewEvents {
		q, args := listDeliveriesSQL(f)
		return s.queryDeliveries(ctx, q, args)
	}
	top := f.BeforeSeq - 1
	if f.BeforeSeq <= 0 {
		if err := s.r.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM deliveries`).Scan(&top); err != nil {
			return nil, err
		}
	}
	win := f
	win.AfterSeq = max(f.AfterSeq, top-typeWindow)
	q, args := typeWindowSQL(win)
	out, err := s.queryDeliveries(ctx, q, args)
	if err != nil || len(out) >= f.Limit || win.AfterSeq == f.AfterSeq {
		return out, err
	}
	rest := f
	rest.BeforeSeq, rest.Limit = win.AfterSeq+1, f.Limit-len(out)
	q, args = listDeliveriesSQL(rest)
	more, err := s.queryDeliveries(ctx, q, args)
	return append(out, more...), err
}

// typeWindowSQL is listDeliveriesSQL(f) with the deliveries read first,
// newest first (CROSS JOIN keeps SQLite's join order), and each one's
// event looked up by its seq: f's seq range bounds the rows read.
func typeWindowSQL(f store.DeliveryFilter) (string, []any) {
	q, args := listDeliveriesSQL(f)
	return strings.Replace(q, " JOIN events e ON ", " CROSS JOIN events e ON ", 1), args
}

func listDeliveriesSQL(f store.DeliveryFilter) (string, []any) {
	from, where, args := deliveryWhere(f)
	q := `SELECT ` + deliveryCols + ` FROM ` + from
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Newest {
		q += " ORDER BY d.seq DESC"
	} else {
		q += " ORDER BY d.seq"
	}
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	return q, args
}

// CountDeliveries counts the deliveries f selects, by status.
func (s *Store) CountDeliveries(ctx context.Context, f store.DeliveryFilter) (map[string]int64, error) {
	if err := s.subscriptionSide(ctx, &f.SubscriptionID, &f.DeletedSubscriptionID); err != nil {
		return nil, err
	}
	from, where, args := deliveryWhere(f)
	q := `SELECT d.status, count(*) FROM ` + from
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " GROUP BY d.status"
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var st string
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

// attemptCols are the attempts columns in scanAttempt's order; the
// delivery is stored by its seq (attempts.delivery_seq), so reads join
// deliveries for its ID (attemptSelect) and writes look the seq up.
const attemptCols = `delivery_seq, number, started_at, duration_ns, request_url, request_method, request_headers,
	response_status, response_headers, response_body, error, manual, insecure`

// attemptSelect reads attempts (alias a) with their delivery's ID, for
// scanAttempt; append WHERE/ORDER BY.
const (
	attemptSelCols = `d.id, a.number, a.started_at, a.duration_ns, a.request_url, a.request_method,
	a.request_headers, a.response_status, a.response_headers, a.response_body, a.error, a.manual, a.insecure`
	attemptSelect = `SELECT ` + attemptSelCols + ` FROM attempts a JOIN deliveries d ON d.seq = a.delivery_seq`
)

func scanAttempt(r scanner, extra ...any) (*store.Attempt, error) {
	var (
		a           store.Attempt
		started     sql.NullInt64
		dur         int64
		reqH, respH sql.NullString
	)
	if err := r.Scan(append([]any{&a.DeliveryID, &a.Number, &started, &dur, &a.RequestURL, &a.RequestMethod, &reqH,
		&a.ResponseStatus, &respH, &a.ResponseBody, &a.Error, &a.Manual, &a.Insecure}, extra...)...); err != nil {
		return nil, err
	}
	var err error
	if a.RequestHeaders, err = fromJSONMap[[]string](reqH); err != nil {
		return nil, err
	}
	if a.ResponseHeaders, err = fromJSONMap[[]string](respH); err != nil {
		return nil, err
	}
	if len(a.ResponseBody) == 0 {
		a.ResponseBody = nil
	}
	a.StartedAt = fromTm(started)
	a.Duration = time.Duration(dur)
	return &a, nil
}

// ListAttempts lists a delivery's attempts by number.
func (s *Store) ListAttempts(ctx context.Context, deliveryID string) ([]*store.Attempt, error) {
	rows, err := s.r.QueryContext(ctx, attemptSelect+` WHERE d.id = ? ORDER BY a.number`, deliveryID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*store.Attempt{}
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ListAttemptRows implements store.Store. The newest attempts are found
// by their keys first (narrow rows to sort), then read whole.
func (s *Store) ListAttemptRows(ctx context.Context, f store.AttemptFilter) ([]*store.AttemptRow, error) {
	if err := s.subscriptionSide(ctx, &f.SubscriptionID, &f.DeletedSubscriptionID); err != nil {
		return nil, err
	}
	var (
		where []string
		args  []any
	)
	if f.SubscriptionID != "" {
		where = append(where, "d.subscription_id = ?")
		args = append(args, f.SubscriptionID)
	}
	if f.DeletedSubscriptionID != "" {
		where = append(where, deletedSubscriptionClause)
		args = append(args, f.DeletedSubscriptionID)
	}
	if f.EventID != "" {
		where = append(where, "d.event_seq = (SELECT seq FROM events WHERE id = ?)")
		args = append(args, f.EventID)
	}
	order := " ORDER BY a.started_at DESC, a.delivery_seq DESC, a.number DESC"
	for _, c := range []struct {
		key *store.AttemptKey
		at  *store.AttemptCursor
		cmp string
	}{{f.Before, f.BeforeAt, "<"}, {f.After, f.AfterAt, ">"}} {
		if c.key == nil && c.at != nil {
			where = append(where, "(a.started_at, a.delivery_seq, a.number) "+c.cmp+" (?, ?, ?)")
			args = append(args, tm(c.at.StartedAt), c.at.DeliverySeq, c.at.Number)
			continue
		}
		if c.key == nil {
			continue
		}
		var at, seq int64
		err := s.r.QueryRowContext(ctx, `SELECT a.started_at, a.delivery_seq FROM attempts a JOIN deliveries d ON d.seq = a.delivery_seq
			WHERE d.id = ? AND a.number = ?`, c.key.DeliveryID, c.key.Number).Scan(&at, &seq)
		if err == sql.ErrNoRows {
			return nil, &store.NotFoundError{Kind: "attempt", ID: fmt.Sprintf("%s #%d", c.key.DeliveryID, c.key.Number)}
		}
		if err != nil {
			return nil, err
		}
		where = append(where, "(a.started_at, a.delivery_seq, a.number) "+c.cmp+" (?, ?, ?)")
		args = append(args, at, seq, c.key.Number)
	}
	if f.After != nil || f.AfterAt != nil {
		order = " ORDER BY a.started_at, a.delivery_seq, a.number"
	}
	keys := "SELECT a.delivery_seq AS s, a.number AS n FROM attempts a JOIN deliveries d ON d.seq = a.delivery_seq"
	if len(where) > 0 {
		keys += " WHERE " + strings.Join(where, " AND ")
	}
	keys += order
	if f.Limit > 0 {
		keys += " LIMIT ?"
		args = append(args, f.Limit)
	}
	q := `SELECT ` + attemptSelCols + `, d.event_id, coalesce(d.subscription_id, ''), d.seq FROM (` + keys + `) k
		JOIN attempts a ON a.delivery_seq = k.s AND a.number = k.n JOIN deliveries d ON d.seq = a.delivery_seq` + order
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*store.AttemptRow{}
	for rows.Next() {
		var r store.AttemptRow
		var dseq int64
		a, err := scanAttempt(rows, &r.EventID, &r.SubscriptionID, &dseq)
		if err != nil {
			return nil, err
		}
		r.Attempt = *a
		r.DeliverySeq = dseq
		out = append(out, &r)
	}
	return out, rows.Err()
}

// claimSelectQuery lists, in claim order, the due pending deliveries a
// claim may take: free, under a lease expired by the claimer's clock or
// ending further than a lease from now (written by a clock ahead of this
// one's), or leased to a dead owner (the last JSON array); claimDue then
// decides about the leases of live owners (leaseclock.go). It starts
// after (next_attempt_at, seq): a claim that passed over such leases
// reads on.
func claimSelectQuery(byRun bool) string {
	// The claim indexes are partial (status = 'pending'); name them, or the
	// planner may pick another index and sort the whole queue.
	idx := "deliveries_due"
	if byRun {
		idx = "deliveries_run"
	}
	q := `SELECT seq, next_attempt_at, lease_owner, coalesce(lease_expires_at, 0) FROM deliveries INDEXED BY ` + idx + `
		WHERE status = 'pending' AND next_attempt_at <= ? AND (next_attempt_at, seq) > (?, ?)
			AND (lease_owner = '' OR lease_expires_at <= ? OR lease_expires_at > ? OR lease_owner IN (SELECT value FROM json_each(?)))`
	if byRun {
		q += ` AND run_id = ?`
	}
	return q + ` ORDER BY next_attempt_at, seq LIMIT ?`
}

var (
	claimSQL    = claimSelectQuery(false)
	claimRunSQL = claimSelectQuery(true)
)

// claimTakeSQL leases the deliveries chosen (their seqs as a JSON array).
var claimTakeSQL = sync.OnceValue(func() string {
	return `UPDATE deliveries SET lease_owner = ?, lease_expires_at = ?
	WHERE seq IN (SELECT value FROM json_each(?)) RETURNING ` + deliveryColsBare()
})

const recordSelectSQL = `SELECT lease_owner, coalesce((SELECT max(number) FROM attempts WHERE delivery_seq = d.seq), 0)
	FROM deliveries d WHERE id = ?`

const recordUpdateSQL = `UPDATE deliveries SET status = ?, attempt_count = attempt_count + 1,
	next_attempt_at = ?, last_error = ?, last_status = ?, lease_owner = '', lease_expires_at = NULL,
	updated_at = ? WHERE id = ?`

// recordStoppedSQL counts a lease-lost attempt of a delivery that was
// stopped under its sender (its subscription deleted, its event
// expunged: failed, no lease) while nobody else made an attempt since
// the sender's claim (attempt_count is still the attempt's number, ?4,
// less one): the request was sent, so it is history, counted, and its
// status is the delivery's last; the delivery stays failed with its
// error. A delivery another worker holds (pending, or leased for a
// replay) or recorded since is left alone, and an attempt recorded
// again is not counted twice. The arguments: last_status, updated_at,
// the delivery's id, the attempt's number as its sender made it.
const recordStoppedSQL = `UPDATE deliveries SET attempt_count = attempt_count + 1, last_status = ?1, updated_at = ?2
	WHERE id = ?3 AND status <> 'pending' AND lease_owner = '' AND ?4 > 0 AND attempt_count = ?4 - 1`

// ClaimDue leases up to limit due pending deliveries to owner: free ones,
// ones whose owner is dead (its lock is free), and ones whose lease
// expired by now, unless their owner is alive (its lock is held) and has
// not let the lease lapse for a whole lease on this process's monotonic
// clock (leaseclock.go: a wall clock that steps forward does not hand a
// live owner's deliveries to a second sender). A live owner's lease that
// ends further than a lease from now (its clock is ahead) is taken on the
// same monotonic rule, before it ends: a stopped owner's far-future lease
// does not keep its deliveries for as long as the clocks differ.
func (s *Store) ClaimDue(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int, runID string) ([]*store.Delivery, error) {
	if limit <= 0 {
		return []*store.Delivery{}, nil
	}
	s.holdLock(owner)
	dead := s.locks.deadOwners()
	deadJSON := "[]"
	if len(dead) > 0 {
		b, err := json.Marshal(dead)
		if err != nil {
			return nil, err
		}
		deadJSON = string(b)
	}
	nowUS := now.UnixMicro()
	until := now.Add(lease).UnixMicro()
	farUS := until // a lease ending later: its owner's clock is ahead
	q := claimSQL
	if runID != "" {
		q = claimRunSQL
	}
	var out []*store.Delivery
	var passed bool    // a live owner's expired lease was passed over
	var exhausted bool // every candidate was listed (none left unread)
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		passed, exhausted = false, false
		sel, err := s.txStmt(ctx, tx, q)
		if err != nil {
			return err
		}
		take := make([]int64, 0, limit)
		states := map[string]ownerProbe{}
		afterAt, afterSeq := int64(math.MinInt64), int64(math.MinInt64)
		for len(take) < limit {
			args := []any{nowUS, afterAt, afterSeq, nowUS, farUS, deadJSON}
			if runID != "" {
				args = append(args, runID)
			}
			page := limit - len(take)
			rows, err := sel.QueryContext(ctx, append(args, page)...)
			if err != nil {
				return err
			}
			n := 0
			for rows.Next() {
				var seq, at, expires int64
				var holder string
				if err := rows.Scan(&seq, &at, &holder, &expires); err != nil {
					rows.Close()
					return err
				}
				n++
				afterAt, afterSeq = at, seq
				if s.takeable(holder, owner, expires, nowUS, seq, lease, dead, states) {
					take = append(take, seq)
				} else {
					passed = true
				}
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if n < page {
				exhausted = true
				break
			}
		}
		if len(take) == 0 {
			out = []*store.Delivery{}
			return nil
		}
		list, err := json.Marshal(take)
		if err != nil {
			return err
		}
		upd, err := s.txStmt(ctx, tx, claimTakeSQL())
		if err != nil {
			return err
		}
		rows, err := upd.QueryContext(ctx, owner, until, string(list))
		if err != nil {
			return err
		}
		out, err = scanDeliveries(rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	if passed {
		s.locks.pruneSeen(10 * lease)
	}
	// A claim of every due delivery (not one run's) that listed every
	// candidate took all the dead owners' leases (they are all
	// candidates): their lock files can go.
	if exhausted && runID == "" {
		for _, o := range dead {
			s.locks.forget(o)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].NextAttemptAt.Equal(out[j].NextAttemptAt) {
			return out[i].NextAttemptAt.Before(out[j].NextAttemptAt)
		}
		return out[i].Seq < out[j].Seq
	})
	return out, nil
}

// ownerProbe is what a claim found of a lease owner's lock (once per
// owner and claim): its state and, for a live owner, its heartbeat.
type ownerProbe struct {
	state ownerState
	beat  int64
}

// takeable decides about one delivery the claim query listed, held by
// holder until expires (µs).
func (s *Store) takeable(holder, owner string, expires, nowUS, seq int64, lease time.Duration, dead []string, states map[string]ownerProbe) bool {
	if holder == owner {
		// The claimer's own lease is taken back once it ended (a
		// delivery its engine left to the claim path). One not ended
		// is its engine's (queued or in flight), listed only as ending
		// further ahead than this claim's lease: its engine wrote it
		// after this claim read its clock (an Enqueue's hand-over, a
		// heartbeat), by microseconds. Taken, the engine sent it twice
		// when it did not yet know it held it.
		return expires <= nowUS
	}
	if holder == "" || slices.Contains(dead, holder) {
		return true
	}
	p, ok := states[holder]
	if !ok {
		p.state, p.beat = s.locks.probe(holder)
		states[holder] = p
	}
	switch p.state {
	case ownerDead:
		return true
	case ownerLive:
		// Expired by this clock, or ending further ahead than any lease
		// it could write now (the owner's wall clock is ahead of this
		// one's: a stopped owner's far-future end would keep its
		// deliveries for as long as the clocks differ): taken once seen
		// so, not renewed, its heartbeat not beating, for a whole lease
		// on this monotonic clock. A live owner renews at least every quarter
		// lease, and its heartbeat beats even when the store refuses the
		// renewal (a full disk: leaseclock.go).
		return (expires <= nowUS || expires > nowUS+lease.Microseconds()) && s.locks.stalled(seq, holder, expires, p.beat, lease)
	}
	return expires <= nowUS // no lock file: the wall-clock rule
}

// insertAttemptSQL takes attemptArgs (the delivery by ID; a missing one
// fails the NOT NULL constraint).
const insertAttemptSQL = `INSERT INTO attempts (` + attemptCols + `)
	VALUES ((SELECT seq FROM deliveries WHERE id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func attemptArgs(a *store.Attempt) []any {
	return []any{a.DeliveryID, a.Number, tm(a.StartedAt), int64(a.Duration), a.RequestURL, a.RequestMethod,
		jsonMap(a.RequestHeaders), a.ResponseStatus, jsonMap(a.ResponseHeaders), a.ResponseBody, a.Error, a.Manual, a.Insecure}
}

// RecordAttempt stores the attempt and, while owner holds the lease,
// applies u and releases the lease, in one transaction.
func (s *Store) RecordAttempt(ctx context.Context, owner string, a *store.Attempt, u store.DeliveryUpdate) error {
	if a.StartedAt.IsZero() {
		a.StartedAt = time.Now()
	}
	lost := false
	number := a.Number // as its sender made it: AttemptCount+1 at the claim
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var leaseOwner string
		var maxNumber int
		sel, err := s.txStmt(ctx, tx, recordSelectSQL)
		if err != nil {
			return err
		}
		err = sel.QueryRowContext(ctx, a.DeliveryID).Scan(&leaseOwner, &maxNumber)
		if errors.Is(err, sql.ErrNoRows) {
			return &store.NotFoundError{Kind: "delivery", ID: a.DeliveryID}
		}
		if err != nil {
			return err
		}
		if a.Number <= maxNumber {
			a.Number = maxNumber + 1
		}
		ins, err := s.txStmt(ctx, tx, insertAttemptSQL)
		if err != nil {
			return err
		}
		if _, err := ins.ExecContext(ctx, attemptArgs(a)...); err != nil {
			return err
		}
		if leaseOwner != owner {
			lost = true
			// Keep the attempt; the delivery is someone else's now, or
			// was stopped under us: then the attempt counts.
			_, err := tx.ExecContext(ctx, recordStoppedSQL, u.LastStatus, time.Now().UnixMicro(), a.DeliveryID, number)
			return err
		}
		now := time.Now().UTC()
		var next any
		if u.Status == store.DeliveryPending {
			next = tm(u.NextAttemptAt)
			if next == nil {
				next = now.UnixMicro()
			}
		}
		upd, err := s.txStmt(ctx, tx, recordUpdateSQL)
		if err != nil {
			return err
		}
		_, err = upd.ExecContext(ctx, u.Status, next, u.LastError, u.LastStatus, now.UnixMicro(), a.DeliveryID)
		return err
	})
	if err != nil {
		return err
	}
	if lost {
		return store.ErrLeaseLost
	}
	return nil
}

// Requeue makes deliveries pending again, due now.
func (s *Store) Requeue(ctx context.Context, ids []string, r store.Requeue) ([]string, error) {
	out := []string{}
	err := s.requeue(ctx, ids, r, "", time.Time{}, func(d *store.Delivery) { out = append(out, d.ID) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RequeueLeased is Requeue leasing the deliveries to owner until until,
// returning them as requeued (store.LeasingRequeuer).
func (s *Store) RequeueLeased(ctx context.Context, ids []string, r store.Requeue, owner string, until time.Time) ([]*store.Delivery, error) {
	out := []*store.Delivery{}
	err := s.requeue(ctx, ids, r, owner, until, func(d *store.Delivery) { out = append(out, d) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

const requeueSelectSQL = `SELECT status FROM deliveries WHERE id = ?`

// requeueSQL requeues one delivery unless it succeeded (the second
// argument forces it) or, with r.Unheld, a live process holds it: its
// lease has not expired and its owner is not among the dead (the first
// JSON array), or its owner's lock is held (the second: a wall clock
// stepped forward does not make a live owner's lease look over).
var requeueSQL = sync.OnceValue(func() string {
	return `UPDATE deliveries SET status = 'pending', next_attempt_at = ?,
	max_attempts = attempt_count + ?,
	url = CASE WHEN ? <> '' THEN ? ELSE url END,
	schedule = CASE WHEN ? <> '' THEN ? ELSE schedule END,
	run_id = CASE WHEN ? <> '' THEN ? ELSE run_id END,
	lease_owner = ?, lease_expires_at = ?, updated_at = ?
	WHERE id = ? AND (? OR status <> 'succeeded')
	AND (NOT ? OR status <> 'pending' OR lease_owner = '' OR lease_owner IN (SELECT value FROM json_each(?))
		OR ((lease_expires_at IS NULL OR lease_expires_at <= ?) AND lease_owner NOT IN (SELECT value FROM json_each(?))))
	RETURNING ` + deliveryColsBare()
})

// requeue applies r to each delivery in one transaction, leased to owner
// ("" = free), and calls each with the requeued delivery.
func (s *Store) requeue(ctx context.Context, ids []string, r store.Requeue, owner string, until time.Time, each func(d *store.Delivery)) error {
	now := r.Now
	if now.IsZero() {
		now = time.Now()
	}
	extra := max(r.ExtraAttempts, 1)
	var untilUS any
	if owner != "" {
		untilUS = until.UnixMicro()
	}
	if owner != "" {
		s.holdLock(owner)
	}
	dead, live := "[]", "[]"
	if r.Unheld {
		lockLive, lockDead := s.locks.owners()
		deadOwners := append(slices.Clip(r.DeadOwners), lockDead...)
		if len(deadOwners) > 0 {
			b, err := json.Marshal(deadOwners)
			if err != nil {
				return err
			}
			dead = string(b)
		}
		if len(lockLive) > 0 {
			b, err := json.Marshal(lockLive)
			if err != nil {
				return err
			}
			live = string(b)
		}
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		cancel := ctx
		ctx := stmtContext(ctx)
		upd, err := s.txStmt(ctx, tx, requeueSQL())
		if err != nil {
			return err
		}
		logged, err := s.txStmt(ctx, tx, requeueLogSQL)
		if err != nil {
			return err
		}
		updatedAt := time.Now().UnixMicro()
		n := 0
		for i, id := range ids {
			if i%64 == 63 && cancel.Err() != nil {
				return cancel.Err()
			}
			d, err := scanDelivery(upd.QueryRowContext(ctx, now.UnixMicro(), extra, r.URL, r.URL, r.Schedule, r.Schedule, r.RunID, r.RunID,
				owner, untilUS, updatedAt, id, r.Force, r.Unheld, dead, now.UnixMicro(), live))
			if err == nil {
				if _, err := logged.ExecContext(ctx, d.ID, d.AttemptCount); err != nil {
					return err
				}
				n++
				each(d)
				continue
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			// Not requeued: succeeded or held (skipped), or missing.
			sel, err := s.txStmt(ctx, tx, requeueSelectSQL)
			if err != nil {
				return err
			}
			var status string
			err = sel.QueryRowContext(ctx, id).Scan(&status)
			if errors.Is(err, sql.ErrNoRows) {
				return &store.NotFoundError{Kind: "delivery", ID: id}
			}
			if err != nil {
				return err
			}
		}
		if n > 0 {
			if _, err := tx.ExecContext(ctx, requeuePruneSQL, store.RequeueLogKeep); err != nil {
				return err
			}
		}
		return nil
	})
}

// requeueLogSQL appends a requeued delivery to the requeue log
// (store.RequeueLog); requeuePruneSQL keeps its last entries (a range of
// the rowid: nothing to scan).
const (
	requeueLogSQL   = `INSERT INTO requeues (delivery_id, attempts) VALUES (?, ?)`
	requeuePruneSQL = `DELETE FROM requeues WHERE id <= (SELECT max(id) FROM requeues) - ?`
)

// LastRequeue implements store.RequeueLog.
func (s *Store) LastRequeue(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT max(id) FROM requeues`).Scan(&id)
	return id.Int64, err
}

// RequeuesAfter implements store.RequeueLog: one range of the rowid.
func (s *Store) RequeuesAfter(ctx context.Context, after int64, limit int) ([]store.Requeued, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, delivery_id, attempts FROM requeues WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Requeued
	for rows.Next() {
		var r store.Requeued
		if err := rows.Scan(&r.ID, &r.DeliveryID, &r.Attempts); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
