package postgres

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store"
)

var (
	_ store.EventClaimer     = (*DB)(nil)
	_ store.MatchRequeuer    = (*DB)(nil)
	_ store.RequeueCommitLog = (*DB)(nil)
)

// claimSQL leases up to $4 due deliveries to $1 until $2 ($3: now; $5:
// the claimer's clock, for onServer; $6: the run, when given): the lease's
// end, and the due times and lease ends it compares with now, are on the
// server's clock, so claimers whose clocks disagree never take a lease
// another still holds. The inner SELECT … FOR UPDATE SKIP LOCKED lets
// concurrent claimers (any number of processes) pass over rows another
// transaction is claiming instead of queueing behind it; the lease
// condition is re-checked on the locked row version, so a row another
// claimer leased first is never taken twice.
//
// The candidates are picked by the lease's end alone (free, or ended),
// in due order, at most $4 of them, and locked; only then is the
// lease-wait lock of those whose lease ended tried (leaseEndedSQL, in the
// outer WHERE: a subquery with a LIMIT is planned apart, and a condition
// with a volatile function is never pushed into one). The try-lock in
// the candidates' own WHERE ran for every row the scan read before the
// LIMIT: a claim of a run (deliveries_run_due, then an incremental sort
// of the rows due at the same time) read all its due rows, and with tens
// of thousands of ended leases (the fleet of another host killed) each
// claim ran out of the server's lock table ("out of shared memory",
// max_locks_per_transaction) and nothing was ever taken over. A candidate
// whose owner waits to renew it stays locked, untaken, until the claim
// commits (the renewal then renews it), and the claim takes fewer. (The
// row is locked before its lease-wait lock is tried, the other way round
// from before: a HoldRenewLeases that takes that lock in between passes
// over the locked row, renewing it at its owner's next heartbeat, where
// before the claim that tried first took the row.)
func claimSQL(run bool) string {
	cond := ""
	if run {
		cond = " AND run_id = $6"
	}
	at := onServer("$3", "$5")
	return `UPDATE deliveries SET lease_owner = $1, lease_expires_at = ` + onServer("$2", "$5") + `
		WHERE id IN (
			SELECT c.id FROM (
				SELECT id, lease_owner, lease_expires_at FROM deliveries
				WHERE status = 'pending' AND next_attempt_at <= ` + at + `
				  AND (lease_owner = '' OR ` + leaseRanOutSQL("", at) + `)` + cond + `
				ORDER BY next_attempt_at, seq
				LIMIT $4
				FOR UPDATE SKIP LOCKED) c
			WHERE c.lease_owner = '' OR ` + leaseEndedSQL("c.", at) + `)
		RETURNING ` + deliveryCols
}

// leaseEndedSQL is true for a row (alias, with its dot) whose lease
// ended by now, unless its owner is waiting to renew it
// (WaitRenewLease, or HoldRenewLeases, holds the row's lease-wait lock):
// the owner is alive, its renewal only held up by another transaction's
// lock on the row or the table. A renewal waiting for a row lock does not
// keep a claim off the row when the lock goes: PostgreSQL's row-lock
// queue orders only the transactions that found the row locked, and a
// claim that reads it in the instant after the holder ends, before the
// woken renewal has run, finds it free and takes it. The try-lock
// (shared, held until the statement's transaction commits, so a renewal
// that starts meanwhile waits for it or passes over the row) runs only
// for a row whose lease ended (CASE), so a statement takes no lock for
// the others: one per row whose owner's lease ran out, each an entry of
// the server's lock table until the commit — shared by every session
// (max_locks_per_transaction × connections), so a statement must try
// only a bounded set of rows (the batch it takes: see claimSQL,
// RequeueMatching), never every row a scan reads.
func leaseEndedSQL(alias, now string) string {
	return `CASE WHEN ` + alias + `lease_expires_at <= ` + now + ` THEN pg_try_advisory_xact_lock_shared(` + leaseWaitClassSQL + `, hashtext(` + alias + `id)) ELSE false END`
}

// leaseRanOutSQL is leaseEndedSQL without the try-lock: true for a row
// whose lease ended by now, renewal waiting or not. It picks the
// candidates, on which leaseEndedSQL then decides.
func leaseRanOutSQL(alias, now string) string {
	return alias + `lease_expires_at <= ` + now
}

// leaseWaitClass is the first key of a delivery's lease-wait lock (the
// second: hashtext of its ID), an advisory lock.
const leaseWaitClass = 0x6c656173 // "leas"

var leaseWaitClassSQL = strconv.Itoa(leaseWaitClass)

// claimSettings is sent before each claim, in the same pipeline and so the
// same implicit transaction: it tells the planner to read the due
// deliveries in index order (deliveries_due, or deliveries_run_due for a
// run) and stop at the LIMIT. Left to its statistics, PostgreSQL plans the
// claim from the table's last ANALYZE: a table never analysed, or analysed
// while few deliveries were pending, estimates a dozen due rows, and the
// plan then reads every pending row through a bitmap scan and sorts them
// all to take the first $4 — each claim of a burst of 10,000 enqueued
// deliveries sorted all of them again (17 ms a claim, 40 % of the server's
// time in bench/store.sh), quadratic in the backlog. The settings are
// local: they end with the transaction, which ends with the claim (no
// BEGIN … COMMIT round trips holding the claimed rows' locks while the
// client reads them). jit is off because a disabled plan node's nominal
// cost would otherwise pass jit_above_cost.
const claimSettings = `SELECT set_config('enable_sort', 'off', true), set_config('enable_bitmapscan', 'off', true), set_config('jit', 'off', true)`

// claim runs q (a claimSQL statement) after claimSettings, one round
// trip, and hands its rows to scan.
func (db *DB) claim(ctx context.Context, q string, args []any, scan func(pgx.Rows) error) error {
	b := &pgx.Batch{}
	b.Queue(claimSettings)
	b.Queue(q, args...)
	br := db.pool.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return err
	}
	rows, err := br.Query()
	if err != nil {
		return err
	}
	defer rows.Close()
	if err := scan(rows); err != nil {
		return err
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return br.Close()
}

func (db *DB) claimArgs(owner string, at time.Time, lease time.Duration, limit int, runID string) []any {
	args := []any{owner, ts(at.Add(lease)), ts(at), limit, db.clockNow()}
	if runID != "" {
		args = append(args, runID)
	}
	return args
}

// ClaimDue implements store.Store: one statement (claimSQL).
func (db *DB) ClaimDue(ctx context.Context, owner string, at time.Time, lease time.Duration, limit int, runID string) ([]*store.Delivery, error) {
	if limit <= 0 {
		return []*store.Delivery{}, nil
	}
	var out []*store.Delivery
	err := db.claim(ctx, claimSQL(runID != ""), db.claimArgs(owner, at, lease, limit, runID), func(rows pgx.Rows) (err error) {
		out, err = collectDeliveries(rows)
		return err
	})
	if err != nil {
		return nil, db.wrap("claim deliveries", err)
	}
	leasedUntil(out, owner, at.Add(lease))
	sortDue(out)
	return out, nil
}

// ClaimDueEvents implements store.EventClaimer: the claim and its events
// in one statement (claimSQL joined with events), one round trip.
func (db *DB) ClaimDueEvents(ctx context.Context, owner string, at time.Time, lease time.Duration, limit int, runID string) ([]*store.Delivery, []*store.Event, error) {
	if limit <= 0 {
		return []*store.Delivery{}, []*store.Event{}, nil
	}
	ds := []*store.Delivery{}
	evs := []*store.Event{}
	err := db.claim(ctx, `WITH c AS (`+claimSQL(runID != "")+`)
		SELECT c.*, `+prefixCols("e.", eventCols)+` FROM c LEFT JOIN events e ON e.id = c.event_id`,
		db.claimArgs(owner, at, lease, limit, runID), func(rows pgx.Rows) error {
			seen := map[string]bool{}
			for rows.Next() {
				var e store.Event
				var id, typ, provider, ctype, source, verdict *string
				var created *time.Time
				d, err := scanDelivery(rows, &id, &typ, &provider, &e.Payload, &ctype, &source, &e.Headers, &created, &verdict)
				if err != nil {
					return err
				}
				ds = append(ds, d)
				if id == nil || seen[*id] {
					continue
				}
				seen[*id] = true
				e.ID, e.Type, e.Provider, e.ContentType, e.Source, e.Verdict = *id, deref(typ), deref(provider), deref(ctype), deref(source), deref(verdict)
				if e.Payload == nil {
					e.Payload = []byte{}
				}
				e.Headers = store.DecodeHeaderBytes(nilIfEmpty(e.Headers))
				e.CreatedAt = fromTs(created)
				evs = append(evs, &e)
			}
			return rows.Err()
		})
	if err != nil {
		return nil, nil, db.wrap("claim deliveries", err)
	}
	leasedUntil(ds, owner, at.Add(lease))
	sortDue(ds)
	return ds, evs, nil
}

// leasedUntil gives the deliveries just leased to owner the lease's end
// as the caller asked for it, on its clock, which its engine compares
// with (the store keeps it on the server's: onServer).
func leasedUntil(ds []*store.Delivery, owner string, until time.Time) {
	if owner == "" {
		return
	}
	for _, d := range ds {
		if d.LeaseOwner == owner {
			d.LeaseExpiresAt = until.UTC().Truncate(time.Microsecond)
		}
	}
}

// deadOwners is r.DeadOwners as a text[] parameter (never NULL).
func deadOwners(r store.Requeue) []string {
	if r.DeadOwners == nil {
		return []string{}
	}
	return r.DeadOwners
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// sortDue orders claimed deliveries as the claim chose them (RETURNING
// does not keep the order).
func sortDue(out []*store.Delivery) {
	sort.Slice(out, func(i, j int) bool {
		if !out[i].NextAttemptAt.Equal(out[j].NextAttemptAt) {
			return out[i].NextAttemptAt.Before(out[j].NextAttemptAt)
		}
		return out[i].Seq < out[j].Seq
	})
}

// requeueSQL requeues the deliveries $1 (unless succeeded, or $10 forces
// it), due at $2, leased to $7 until $8 (” and NULL: free), in one
// statement; $13 is the caller's clock (onServer).
// Each requeued delivery is appended to the requeue log (requeueLogCTE).
var requeueSQL = sync.OnceValue(func() string {
	return `WITH u AS (UPDATE deliveries SET status = 'pending', next_attempt_at = ` + onServer("$2", "$13") + `,
		max_attempts = attempt_count + $3,
		url = CASE WHEN $4::text <> '' THEN $4 ELSE url END,
		schedule = CASE WHEN $5::text <> '' THEN $5 ELSE schedule END,
		run_id = CASE WHEN $6::text <> '' THEN $6 ELSE run_id END,
		lease_owner = $7, lease_expires_at = ` + onServer("$8", "$13") + `, updated_at = $9
	WHERE id = ANY($1::text[]) AND ($10::bool OR status <> 'succeeded') AND ` + unheldSQL("", "$11", "$12", leaseEndedSQL("", onServer("$2", "$13"))) + `
	RETURNING ` + deliveryCols + `), ` + requeueLogCTE("u") + `
	SELECT * FROM u`
})

// requeueLogCTE is the WITH query that appends the deliveries the query
// named from returns to the requeue log (store.RequeueLog), with their
// attempt count as requeued.
func requeueLogCTE(from string) string {
	return `requeue_log AS (INSERT INTO requeues (delivery_id, attempts) SELECT id, attempt_count FROM ` + from + `)`
}

// pruneRequeues keeps the requeue log's last store.RequeueLogKeep
// entries, after a requeue that appended some (one range of the primary
// key). It is not part of the requeue: a failure leaves the entries for
// the next one to delete.
func (db *DB) pruneRequeues(ctx context.Context) {
	_, _ = db.pool.Exec(ctx, `DELETE FROM requeues WHERE id <= (SELECT max(id) FROM requeues) - $1`, store.RequeueLogKeep)
}

// LastRequeue implements store.RequeueLog.
func (db *DB) LastRequeue(ctx context.Context) (int64, error) {
	var id *int64
	if err := db.pool.QueryRow(ctx, `SELECT max(id) FROM requeues`).Scan(&id); err != nil {
		return 0, db.wrap("inspect deliveries", err)
	}
	if id == nil {
		return 0, nil
	}
	return *id, nil
}

// RequeuesAfter implements store.RequeueLog.
func (db *DB) RequeuesAfter(ctx context.Context, after int64, limit int) ([]store.Requeued, error) {
	return db.requeues(ctx, `SELECT id, delivery_id, attempts FROM requeues WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
}

// RequeuesCommittedAfter implements store.RequeueCommitLog: the entries
// in (after, upto] whose transaction the snapshot snap (TxSnapshot's) did
// not see, those running then (its xip) or begun after it (>= its xmax),
// as InspectCommittedAfter reads the deliveries (one read of the txid
// index, schema 15).
func (db *DB) RequeuesCommittedAfter(ctx context.Context, after, upto int64, snap string, limit int) ([]store.Requeued, error) {
	xmax, xip, err := parseTxSnapshot(snap)
	if err != nil {
		return nil, err
	}
	return db.requeues(ctx, `SELECT id, delivery_id, attempts FROM requeues
		WHERE id > $1 AND id <= $2 AND (txid = ANY($3::bigint[]) OR txid >= $4)
		AND NOT txid_visible_in_snapshot(txid, $5::txid_snapshot)
		ORDER BY id LIMIT $6`, after, upto, xip, xmax, snap, limit)
}

func (db *DB) requeues(ctx context.Context, q string, args ...any) ([]store.Requeued, error) {
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, db.wrap("inspect deliveries", err)
	}
	defer rows.Close()
	var out []store.Requeued
	for rows.Next() {
		var r store.Requeued
		if err := rows.Scan(&r.ID, &r.DeliveryID, &r.Attempts); err != nil {
			return nil, db.wrap("inspect deliveries", err)
		}
		out = append(out, r)
	}
	return out, db.wrap("inspect deliveries", rows.Err())
}

// unheldSQL is store.Requeue.Unheld's condition on the deliveries row
// alias (with its dot), given the Unheld and DeadOwners parameters and
// ended, the row's lease ended (on the server's clock: onServer) and
// free to take (leaseEndedSQL; leaseRanOutSQL to pick candidates):
// true unless a live process holds the delivery (a pending one it
// claimed, or one RequeueMatching leased in place).
func unheldSQL(alias, unheld, dead, ended string) string {
	return `(NOT ` + unheld + `::bool OR ` + freeSQL(alias, dead, ended) + `)`
}

// notInPlaceSQL is true unless the row is a delivery RequeueMatching
// leased in place to a live process: a replay is sending it.
func notInPlaceSQL(alias, dead, ended string) string {
	return `(` + alias + `status = 'pending' OR ` + freeSQL(alias, dead, ended) + `)`
}

// reclaimSQL is true for a row the owner leased in place that a retry
// with store.Requeue.Reclaim takes again (its earlier answer was lost).
func reclaimSQL(alias, reclaim, owner string) string {
	return `(` + reclaim + `::bool AND ` + owner + `::text <> '' AND ` + alias + `lease_owner = ` + owner + `::text AND ` + alias + `status <> 'pending')`
}

// freeSQL is true when no live process holds the row's lease: none, or
// one whose owner is dead, or one that ended (ended: leaseEndedSQL, and
// then also not waiting to be renewed; last: its lock is taken only when
// the rest is false). Without that last check a requeue (replay's
// Unheld, or one of a delivery leased in place) that read the row in the
// instant after another transaction's lock on it went, before the
// owner's woken renewal ran, took the delivery from its live owner, which
// was sending it: leased to the replayer or freed for a claim, it was
// sent a second time.
func freeSQL(alias, dead, ended string) string {
	return alias + `lease_owner = '' OR ` + alias + `lease_expires_at IS NULL OR ` + alias + `lease_owner = ANY(` + dead + `::text[]) OR ` + ended
}

// Requeue implements store.Store: one statement for all of ids (after a
// check that none is missing, in the same transaction).
func (db *DB) Requeue(ctx context.Context, ids []string, r store.Requeue) ([]string, error) {
	ds, err := db.requeue(ctx, ids, r, "", time.Time{})
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out, nil
}

// RequeueMatching implements store.MatchRequeuer: the selection (by the
// filter's own WHERE, in seq order) and the update in one statement, one
// round trip and one commit per batch.
//
// Leased to a running engine (owner given), a failed or succeeded
// delivery is leased in place: only its lease, attempt budget, URL and
// schedule change — columns no index covers, so PostgreSQL updates the
// row on its page (a HOT update) instead of adding an entry to each of
// the table's indexes, which was two thirds of a replayed delivery's
// server time. The row keeps its status until the attempt is recorded,
// and the record moves it into the run (store.DeliveryUpdate.RunID); a
// run interrupted before sending it leaves it as it was (ReturnUnsent
// releases the lease, and a lease that ran out frees it for the next
// replay). A pending one, or any without an owner, is requeued as
// requeueSQL does. A delivery leased in place to a live process is never
// selected (it is being replayed), Unheld or not.
func (db *DB) RequeueMatching(ctx context.Context, f store.DeliveryFilter, limit int, r store.Requeue, owner string, until time.Time) ([]*store.Delivery, int64, bool, error) {
	if limit <= 0 {
		return []*store.Delivery{}, f.AfterSeq, false, nil
	}
	if err := db.subscriptionSide(ctx, &f.SubscriptionID, &f.DeletedSubscriptionID); err != nil {
		return nil, 0, false, err
	}
	c := db.clockNow()
	due := r.Now
	if due.IsZero() {
		due = c
	}
	var leaseUntil any
	if owner != "" {
		leaseUntil = ts(until)
	}
	q, args := requeueMatchingSQL(f, limit, []any{ts(due), max(r.ExtraAttempts, 1), r.URL, r.Schedule, r.RunID, owner, leaseUntil, c, r.Force, r.Unheld, deadOwners(r), r.Reclaim, c})
	var out []*store.Delivery
	err := retryDeadlock(func() error {
		rows, err := db.pool.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		out, err = collectDeliveries(rows)
		return err
	})
	if err != nil {
		return nil, 0, false, db.wrap("requeue", err)
	}
	leasedUntil(out, owner, until)
	if len(out) > 0 {
		db.pruneRequeues(ctx)
		return out, out[len(out)-1].Seq, true, nil
	}
	// Nothing requeued: nothing selected, or (rarely) every selected one
	// succeeded, was taken by a live process, or is waiting to be renewed
	// by its owner meanwhile. Walk on to the first row of the next batch
	// that is requeueable now (the batch picked as sel picks it, decided
	// on as upd decides, so that it takes no more locks than upd), or past
	// the batch if none of it is (each kept by a waiting renewal: picked
	// again and again, the replay went round in circles while it waited).
	args = args[:0]
	from, where := deliveryWhere(f, &args)
	args = append(args, r.Force, ts(due), r.Unheld, deadOwners(r), r.Reclaim, owner, c)
	n := len(args) - 1
	p := func(i int) string { return "$" + strconv.Itoa(i) }
	at := onServer(p(n-4), p(n+1))
	where += requeueMatchSQL("d.", p(n-5), p(n-1), p(n), p(n-3), p(n-2), leaseRanOutSQL("d.", at))
	var top, first *int64
	if err := db.pool.QueryRow(ctx, `WITH w AS MATERIALIZED (
			SELECT d.id, d.seq FROM `+from+` WHERE `+where+` ORDER BY d.seq LIMIT `+strconv.Itoa(limit)+`
		)
		SELECT (SELECT max(seq) FROM w), (SELECT min(x.seq) FROM deliveries x WHERE x.id = ANY(ARRAY(SELECT id FROM w))`+
		requeueMatchSQL("x.", p(n-5), p(n-1), p(n), p(n-3), p(n-2), leaseEndedSQL("x.", at))+`)`, args...).Scan(&top, &first); err != nil {
		return nil, 0, false, db.wrap("requeue", err)
	}
	switch {
	case first != nil:
		return out, *first - 1, true, nil
	case top != nil:
		return out, *top, true, nil
	}
	return out, f.AfterSeq, false, nil
}

// requeueMatchingSQL is RequeueMatching's statement for the batch of
// at most limit deliveries f selects, and its arguments: args (its 13
// own: the due time, extra attempts, URL, schedule, run, owner, lease
// end, updated_at, Force, Unheld, DeadOwners, Reclaim, the caller's
// clock) then the filter's.
func requeueMatchingSQL(f store.DeliveryFilter, limit int, args []any) (string, []any) {
	from, where := deliveryWhere(f, &args)
	// $1 (now, and the due time of what is requeued) and $7 (the
	// lease's end) on the server's clock; $13 is this process's.
	at := onServer("$1", "$13")
	// sel picks the batch by the lease's end alone (requeueMatchSQL with
	// leaseRanOutSQL); upd decides on each of it with the try-lock of
	// the lease-wait lock: tried in sel's WHERE, it ran for every row
	// the scan read, and a sort by seq (a status filter: the rows of
	// deliveries_failed, say) read them all. upd reads the batch's rows
	// by ID (= ANY, the primary key), as requeueSQL does, so that the
	// try-lock runs only on them: joined to sel instead (FROM sel), with
	// the try-lock keyed by sel's ID to keep it off the other rows, the
	// planner chose a hash join over the whole table read at every batch.
	where += requeueMatchSQL("d.", "$9", "$12", "$6", "$10", "$11", leaseRanOutSQL("d.", at))
	const inPlace = `($6::text <> '' AND u.status <> 'pending')`
	q := `WITH sel AS MATERIALIZED (
			SELECT d.id FROM ` + from + ` WHERE ` + where + ` ORDER BY d.seq LIMIT ` + strconv.Itoa(limit) + `
		), upd AS (
			UPDATE deliveries u SET status = CASE WHEN ` + inPlace + ` THEN u.status ELSE 'pending' END,
				next_attempt_at = CASE WHEN ` + inPlace + ` THEN u.next_attempt_at ELSE ` + at + ` END,
				max_attempts = u.attempt_count + $2,
				url = CASE WHEN $3::text <> '' THEN $3 ELSE u.url END,
				schedule = CASE WHEN $4::text <> '' THEN $4 ELSE u.schedule END,
				run_id = CASE WHEN ` + inPlace + ` OR $5::text = '' THEN u.run_id ELSE $5 END,
				lease_owner = $6, lease_expires_at = ` + onServer("$7", "$13") + `, updated_at = $8
			WHERE u.id = ANY(ARRAY(SELECT id FROM sel))` + requeueMatchSQL("u.", "$9", "$12", "$6", "$10", "$11", leaseEndedSQL("u.", at)) + `
			RETURNING ` + prefixCols("u.", deliveryCols) + `
		), ` + requeueLogCTE("upd") + `
		SELECT * FROM upd ORDER BY seq`
	return q, args
}

// requeueMatchSQL is RequeueMatching's condition on the row alias (with
// its dot), after the filter's, given its parameters (Force, Reclaim,
// the owner, Unheld, DeadOwners) and ended, the lease's end condition:
// leaseRanOutSQL to pick the candidates, leaseEndedSQL to decide.
func requeueMatchSQL(alias, force, reclaim, owner, unheld, dead, ended string) string {
	return " AND (" + force + "::bool OR " + alias + "status <> 'succeeded') AND (" + reclaimSQL(alias, reclaim, owner) + " OR " +
		unheldSQL(alias, unheld, dead, ended) + " AND " + notInPlaceSQL(alias, dead, ended) + ")"
}

// RequeueLeased implements store.LeasingRequeuer: Requeue, leasing the
// deliveries to owner until until, returning them as requeued.
func (db *DB) RequeueLeased(ctx context.Context, ids []string, r store.Requeue, owner string, until time.Time) ([]*store.Delivery, error) {
	return db.requeue(ctx, ids, r, owner, until)
}

func (db *DB) requeue(ctx context.Context, ids []string, r store.Requeue, owner string, until time.Time) ([]*store.Delivery, error) {
	if len(ids) == 0 {
		return []*store.Delivery{}, nil
	}
	due := r.Now
	if due.IsZero() {
		due = db.clockNow()
	}
	extra := max(r.ExtraAttempts, 1)
	var out []*store.Delivery
	var leaseUntil any
	if owner != "" {
		leaseUntil = ts(until)
	}
	err := retryDeadlock(func() error { return db.requeueTx(ctx, ids, r, owner, due, extra, leaseUntil, &out) })
	if err != nil {
		return nil, db.wrap("requeue", err)
	}
	if len(out) > 0 {
		db.pruneRequeues(ctx)
	}
	leasedUntil(out, owner, until)
	// In the order asked.
	pos := make(map[string]int, len(ids))
	for i, id := range ids {
		if _, ok := pos[id]; !ok {
			pos[id] = i
		}
	}
	sort.Slice(out, func(i, j int) bool { return pos[out[i].ID] < pos[out[j].ID] })
	return out, nil
}

// requeueTx is one try of requeue's transaction (a deadlock with a
// recorder's batch is tried again: retryDeadlock).
func (db *DB) requeueTx(ctx context.Context, ids []string, r store.Requeue, owner string, due time.Time, extra int, leaseUntil any, res *[]*store.Delivery) error {
	c := db.clockNow()
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, requeueSQL(), ids, ts(due), extra, r.URL, r.Schedule, r.RunID, owner, leaseUntil, c, r.Force, r.Unheld, deadOwners(r), c)
		if err != nil {
			return err
		}
		out, err := collectDeliveries(rows)
		*res = out
		if err != nil || len(out) == len(ids) {
			return err
		}
		// Fewer than asked (a succeeded or held one skipped, an ID twice,
		// or a missing one): a missing ID fails the whole requeue, undone.
		var missing *string
		if err := tx.QueryRow(ctx, `SELECT w.id FROM unnest($1::text[]) AS w(id)
			WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = w.id) LIMIT 1`, ids).Scan(&missing); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if missing != nil {
			return &store.NotFoundError{Kind: "delivery", ID: *missing}
		}
		return nil
	})
}
