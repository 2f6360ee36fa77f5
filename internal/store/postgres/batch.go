package postgres

// Group commit (issue 18): the delivery engine and the listen recorder
// write many records at once; these set-based variants of CreateEvent and
// RecordAttempt do it in one statement (one round trip, one transaction,
// one commit) with the single-record methods' semantics. The arrays of
// each column are sent as parameters and expanded by unnest on the server.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hookctl/hookctl/internal/store"
)

var (
	_ store.BatchRecorder   = (*DB)(nil)
	_ store.BatchCreator    = (*DB)(nil)
	_ store.LeaseExtender   = (*DB)(nil)
	_ store.LeasingRequeuer = (*DB)(nil)
)

// jtext is a map as JSON text for a jsonb column sent in a text array
// (NULL when empty, like jmap).
func jtext[M ~map[string]V, V any](m M) *string {
	if len(m) == 0 {
		return nil
	}
	if h, ok := any(m).(map[string][]string); ok {
		return headersJSON(h) // bytes that are not UTF-8 kept
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	s := jsonNoNUL(string(b))
	return &s
}

func tsp(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}

// recordAttemptsSQL records a batch: deliveries still leased to $16 get
// their update (lease released; the run, when given, see
// store.DeliveryUpdate.RunID; a retry's due time on the server's clock,
// $17 being the recorder's: onServer); every attempt whose delivery exists is
// kept, numbered after the delivery's others when a lease-lost attempt
// took its number (a delivery just updated exists: only the others are
// looked up). It returns, per input row, whether the update applied,
// whether the delivery exists, the attempt's number, and whether the
// attempt was stored already (always false here; see
// recordAttemptsAgainSQL).
var recordAttemptsSQL = sync.OnceValue(func() string {
	return recordSQL("", "FALSE")
})

// recordAttemptsAgainSQL is recordAttemptsSQL for a batch sent again after
// the server committed it but went away before saying so (the recorder
// waits for a store that went away and tries again): an attempt already
// stored is not inserted a second time. Only for a retry: the look-ups
// cost four times the batch's time.
var recordAttemptsAgainSQL = sync.OnceValue(func() string {
	return recordSQL(`
			AND NOT EXISTS (SELECT 1 FROM attempts a WHERE `+sameAttempt+`)`, `EXISTS (SELECT 1 FROM attempts a WHERE `+sameAttempt+`)`)
})

// sameAttempt: the stored attempt a is the input row i.
const sameAttempt = `a.delivery_id = i.delivery_id AND a.started_at = i.started_at
			AND a.duration_ns = i.duration_ns AND a.response_status = i.response_status AND a.error = i.error`

func recordSQL(insertCond, stored string) string {
	return `WITH input AS (
		SELECT * FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::bigint[], $5::text[], $6::text[],
			$7::text[], $8::int[], $9::text[], $10::bytea[], $11::text[],
			$12::text[], $13::timestamptz[], $14::text[], $15::int[], $18::text[], $19::bool[], $20::bool[]) WITH ORDINALITY
		AS t(delivery_id, number, started_at, duration_ns, request_url, request_method, request_headers,
			response_status, response_headers, response_body, error, status, next_at, last_error, last_status, run_id, manual, insecure, ord)
	), upd AS (
		UPDATE deliveries d SET status = i.status, attempt_count = d.attempt_count + 1, next_attempt_at = ` + onServer("i.next_at", "$17") + `,
			last_error = i.last_error, last_status = i.last_status,
			run_id = CASE WHEN i.run_id <> '' THEN i.run_id ELSE d.run_id END,
			lease_owner = '', lease_expires_at = NULL, updated_at = $17
		FROM input i WHERE d.id = i.delivery_id AND d.lease_owner = $16
		RETURNING d.id
	), lost AS MATERIALIZED (
		-- The rows whose lease was lost (rare): only those are looked up
		-- again, as the insert below looks up only the rows upd missed.
		SELECT i.delivery_id, i.number, i.last_status FROM input i
		WHERE NOT EXISTS (SELECT 1 FROM upd u WHERE u.id = i.delivery_id)
	), stopped AS (
		UPDATE deliveries d SET attempt_count = d.attempt_count + 1, last_status = i.last_status, updated_at = $17
		FROM lost i WHERE d.id = i.delivery_id AND d.lease_owner <> $16 AND ` + stoppedUnder("d", "i.number") + `
	), ins AS (
		INSERT INTO attempts (` + attemptCols + `)
		SELECT i.delivery_id,
			GREATEST(i.number, coalesce((SELECT max(a.number) FROM attempts a WHERE a.delivery_id = i.delivery_id), 0) + 1),
			i.started_at, i.duration_ns, i.request_url, i.request_method, i.request_headers::jsonb,
			i.response_status, i.response_headers::jsonb, i.response_body, i.error, i.manual, i.insecure
		FROM input i LEFT JOIN upd u ON u.id = i.delivery_id
		WHERE (u.id IS NOT NULL OR EXISTS (SELECT 1 FROM deliveries d WHERE d.id = i.delivery_id))` + insertCond + `
		ORDER BY i.ord
		RETURNING delivery_id, number
	)
	SELECT i.ord, u.id IS NOT NULL, ins.number, ` + stored + `
	FROM input i LEFT JOIN upd u ON u.id = i.delivery_id LEFT JOIN ins ON ins.delivery_id = i.delivery_id`
}

// RecordAttempts implements store.BatchRecorder: RecordAttempt for each
// attempt, all in one statement. A batch naming one delivery twice (never
// the engine's) is recorded one by one.
func (db *DB) RecordAttempts(ctx context.Context, owner string, attempts []*store.Attempt, updates []store.DeliveryUpdate) ([]error, error) {
	return db.recordAttempts(ctx, owner, attempts, updates, recordAttemptsSQL())
}

var _ store.AgainRecorder = (*DB)(nil)

// RecordAttemptsAgain implements store.AgainRecorder.
func (db *DB) RecordAttemptsAgain(ctx context.Context, owner string, attempts []*store.Attempt, updates []store.DeliveryUpdate) ([]error, error) {
	return db.recordAttempts(ctx, owner, attempts, updates, recordAttemptsAgainSQL())
}

func (db *DB) recordAttempts(ctx context.Context, owner string, attempts []*store.Attempt, updates []store.DeliveryUpdate, query string) ([]error, error) {
	if len(attempts) != len(updates) {
		return nil, errors.New("postgres: RecordAttempts: attempts and updates differ in length")
	}
	errs := make([]error, len(attempts))
	if len(attempts) == 0 {
		return errs, nil
	}
	n := len(attempts)
	var (
		ids, urls, methods, aerrs, statuses, lerrs = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		runs                                       = make([]string, n)
		manual, insecure                           = make([]bool, n), make([]bool, n)
		nums, rstatus, lstatus                     = make([]int32, n), make([]int32, n), make([]int32, n)
		started, next                              = make([]*time.Time, n), make([]*time.Time, n)
		durs                                       = make([]int64, n)
		reqh, resph                                = make([]*string, n), make([]*string, n)
		bodies                                     = make([][]byte, n)
	)
	at := db.clockNow()
	seen := make(map[string]struct{}, n)
	for i, a := range attempts {
		if _, dup := seen[a.DeliveryID]; dup {
			return db.recordEach(ctx, owner, attempts, updates)
		}
		seen[a.DeliveryID] = struct{}{}
		if a.StartedAt.IsZero() {
			a.StartedAt = at
		}
		u := updates[i]
		ids[i], nums[i], started[i], durs[i] = pt(a.DeliveryID), int32(a.Number), tsp(a.StartedAt), int64(a.Duration)
		urls[i], methods[i], reqh[i], rstatus[i] = pt(a.RequestURL), pt(a.RequestMethod), headersJSON(a.RequestHeaders), int32(a.ResponseStatus)
		resph[i], bodies[i], aerrs[i], manual[i] = headersJSON(a.ResponseHeaders), a.ResponseBody, pt(a.Error), a.Manual
		insecure[i] = a.Insecure
		statuses[i], lerrs[i], lstatus[i], runs[i] = u.Status, pt(u.LastError), int32(u.LastStatus), u.RunID
		if u.Status == store.DeliveryPending {
			next[i] = tsp(u.NextAttemptAt)
			if next[i] == nil {
				next[i] = &at
			}
		}
	}
	args := []any{ids, nums, started, durs, urls, methods, reqh, rstatus, resph, bodies, aerrs, statuses, next, lerrs, lstatus, owner, at, runs, manual, insecure}
	for try := 0; ; try++ {
		clear(errs)
		err := db.recordBatch(ctx, query, args, attempts, errs)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (pgErr.Code == "23505" || pgErr.Code == "40P01") && try < 3 {
			// A concurrent lease-lost recorder took a number, or a
			// deadlock with another batch: nothing was written; again.
			continue
		}
		if err != nil {
			return nil, db.wrap("record attempts", err)
		}
		return errs, nil
	}
}

func (db *DB) recordBatch(ctx context.Context, query string, args []any, attempts []*store.Attempt, errs []error) error {
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	got := 0
	for rows.Next() {
		var ord int64
		var applied, stored bool
		var number *int32
		if err := rows.Scan(&ord, &applied, &number, &stored); err != nil {
			return err
		}
		i := int(ord - 1)
		if i < 0 || i >= len(attempts) {
			return fmt.Errorf("row %d out of range", ord)
		}
		got++
		switch {
		case stored:
			// Recorded by an earlier try of this batch whose commit
			// was not confirmed: the delivery was updated then.
		case number == nil:
			errs[i] = &store.NotFoundError{Kind: "delivery", ID: attempts[i].DeliveryID}
		case !applied:
			attempts[i].Number = int(*number)
			errs[i] = store.ErrLeaseLost
		default:
			attempts[i].Number = int(*number)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if got != len(attempts) {
		return fmt.Errorf("%d results for %d attempts", got, len(attempts))
	}
	return nil
}

// recordEach is RecordAttempts one attempt at a time.
func (db *DB) recordEach(ctx context.Context, owner string, attempts []*store.Attempt, updates []store.DeliveryUpdate) ([]error, error) {
	errs := make([]error, len(attempts))
	for i, a := range attempts {
		err := db.RecordAttempt(ctx, owner, a, updates[i])
		var nf *store.NotFoundError
		if err != nil && !errors.Is(err, store.ErrLeaseLost) && !errors.As(err, &nf) {
			return nil, err
		}
		errs[i] = err
	}
	return errs, nil
}

// createEventsSQL writes events (an existing ID is skipped) and then the
// deliveries, as given (a delivery may come leased to its creator) but
// for their due time and lease end, moved onto the server's clock ($32:
// the creator's, onServer), in input order, returning each delivery's
// seq. A delivery's event_type (schema 17) is that of the event this
// statement writes (ev: the insert into deliveries cannot read it back
// from events, one snapshot); for an event already stored it is left
// NULL, and the trigger (migration 17) reads the stored one's.
var createEventsSQL = sync.OnceValue(func() string {
	return `WITH ev AS (
		INSERT INTO events (` + eventCols + `)
		SELECT t.id, t.type, t.provider, t.payload, t.content_type, t.source, t.headers::jsonb, t.created_at, t.verdict
		FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::text[])
			WITH ORDINALITY AS t(id, type, provider, payload, content_type, source, headers, created_at, verdict, ord)
		ORDER BY t.ord
		ON CONFLICT (id) DO NOTHING
		RETURNING id, type
	)
	INSERT INTO deliveries (id, event_id, subscription_id, url, method, scheme, secret, headers, status,
		attempt_count, max_attempts, schedule, next_attempt_at, last_error, last_status, run_id,
		lease_owner, lease_expires_at, created_at, updated_at, origin_id, kind, event_type)
	SELECT t.id, t.event_id, t.subscription_id, t.url, t.method, t.scheme, t.secret, t.headers::jsonb, t.status,
		t.attempt_count, t.max_attempts, t.schedule, ` + onServer("t.next_attempt_at", "$32") + `, t.last_error, t.last_status, t.run_id,
		t.lease_owner, ` + onServer("t.lease_expires_at", "$32") + `, t.created_at, t.updated_at, t.origin_id, t.kind,
		ev.type
	FROM unnest($10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[],
		$19::int[], $20::int[], $21::text[], $22::timestamptz[], $23::text[], $24::int[], $25::text[],
		$26::text[], $27::timestamptz[], $28::timestamptz[], $29::timestamptz[], $30::text[], $31::text[])
		WITH ORDINALITY AS t(id, event_id, subscription_id, url, method, scheme, secret, headers, status,
		attempt_count, max_attempts, schedule, next_attempt_at, last_error, last_status, run_id,
		lease_owner, lease_expires_at, created_at, updated_at, origin_id, kind, ord)
	LEFT JOIN ev ON ev.id = t.event_id
	ORDER BY t.ord
	RETURNING id, seq`
})

// CreateEvents implements store.BatchCreator: CreateEvent for each event,
// all in one statement.
func (db *DB) CreateEvents(ctx context.Context, events []*store.Event, deliveries [][]*store.Delivery) error {
	if len(events) != len(deliveries) {
		return errors.New("postgres: CreateEvents: events and deliveries differ in length")
	}
	if len(events) == 0 {
		return nil
	}
	at := db.clockNow()
	ne, nd := len(events), 0
	for i, e := range events {
		store.PrepareEvent(e, deliveries[i], at)
		nd += len(deliveries[i])
	}
	var (
		eid, etype, eprov, ectype, esrc, ever = make([]string, ne), make([]string, ne), make([]string, ne), make([]string, ne), make([]string, ne), make([]string, ne)
		epay                                  = make([][]byte, ne)
		ehdr                                  = make([]*string, ne)
		ecreated                              = make([]*time.Time, ne)
	)
	for i, e := range events {
		eid[i], etype[i], eprov[i], epay[i], ectype[i], esrc[i] = pk(e.ID), pk(e.Type), pt(e.Provider), e.Payload, pt(e.ContentType), pt(e.Source)
		ehdr[i], ecreated[i], ever[i] = jtext(e.Headers), tsp(e.CreatedAt), pt(e.Verdict)
	}
	var (
		did, devent, durl, dmethod, dscheme, dsecret, dstatus = make([]string, 0, nd), make([]string, 0, nd), make([]string, 0, nd), make([]string, 0, nd), make([]string, 0, nd), make([]string, 0, nd), make([]string, 0, nd)
		dschedule, dlerr, drun, downer, dorigin, dkind        = make([]string, 0, nd), make([]string, 0, nd), make([]string, 0, nd), make([]string, 0, nd), make([]string, 0, nd), make([]string, 0, nd)
		dsub, dhdr                                            = make([]*string, 0, nd), make([]*string, 0, nd)
		dcount, dmax, dlstatus                                = make([]int32, 0, nd), make([]int32, 0, nd), make([]int32, 0, nd)
		dnext, dlease, dcreated, dupdated                     = make([]*time.Time, 0, nd), make([]*time.Time, 0, nd), make([]*time.Time, 0, nd), make([]*time.Time, 0, nd)
	)
	byID := make(map[string]*store.Delivery, nd)
	for _, ds := range deliveries {
		for _, d := range ds {
			byID[d.ID] = d
			did, devent, dsub, durl = append(did, pt(d.ID)), append(devent, pk(d.EventID)), append(dsub, nullStr(d.SubscriptionID)), append(durl, pt(d.URL))
			dmethod, dscheme, dsecret, dhdr = append(dmethod, pt(d.Method)), append(dscheme, d.Scheme), append(dsecret, d.Secret), append(dhdr, jtext(store.EncodeHeaderMap(d.Headers)))
			dstatus, dcount, dmax, dschedule = append(dstatus, d.Status), append(dcount, int32(d.AttemptCount)), append(dmax, int32(d.MaxAttempts)), append(dschedule, d.Schedule)
			dnext, dlerr, dlstatus, drun = append(dnext, tsp(d.NextAttemptAt)), append(dlerr, pt(d.LastError)), append(dlstatus, int32(d.LastStatus)), append(drun, d.RunID)
			downer, dlease, dcreated, dupdated = append(downer, d.LeaseOwner), append(dlease, tsp(d.LeaseExpiresAt)), append(dcreated, tsp(d.CreatedAt)), append(dupdated, tsp(d.UpdatedAt))
			dorigin, dkind = append(dorigin, pt(d.OriginID)), append(dkind, d.Kind)
		}
	}
	rows, err := db.pool.Query(ctx, createEventsSQL(),
		eid, etype, eprov, epay, ectype, esrc, ehdr, ecreated, ever,
		did, devent, dsub, durl, dmethod, dscheme, dsecret, dhdr, dstatus,
		dcount, dmax, dschedule, dnext, dlerr, dlstatus, drun,
		downer, dlease, dcreated, dupdated, dorigin, dkind, at)
	if err != nil {
		return db.wrap("create events", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var seq int64
		if err := rows.Scan(&id, &seq); err != nil {
			return db.wrap("create events", err)
		}
		if d := byID[id]; d != nil {
			d.Seq = seq
		}
	}
	return db.wrap("create events", rows.Err())
}

var _ store.LeaseRenewer = (*DB)(nil)

// ExtendLeases implements store.LeaseExtender: RenewLeases without the
// busy ones (missing from the result: not renewed).
func (db *DB) ExtendLeases(ctx context.Context, owner string, ids []string, until time.Time) ([]string, error) {
	renewed, _, err := db.RenewLeases(ctx, owner, ids, until)
	return renewed, err
}

// renewLeasesSQL extends the leases of the deliveries $2 still leased to
// $1 until $3 ($4: the caller's clock, onServer), and returns each it
// extended with true and each it passed over while leased to $1 in the
// statement's snapshot with false.
//
// SKIP LOCKED: a row locked now is being recorded by the caller's own
// recorder (which releases the lease), or is locked by another
// transaction (a claim's, a requeue's, a prune's, an expunge's); waiting
// for it could deadlock with the recorder's batch, which locks in another
// order, and would hold up every other renewal. A row passed over is not
// lost: the second part reads it as of the statement's start, and one
// still leased to $1 then is returned as busy, for the caller to try
// again (it took every row it did not get back for another process's and
// forgot it: a replayed delivery leased in place was never sent). That
// part runs only when some row was not renewed (a one-time filter), so a
// heartbeat that renews everything reads the rows once, as before, and
// then reads only the rows not renewed.
// The lease's end is on the server's clock, which every claimer compares
// it with.
var renewLeasesSQL = sync.OnceValue(func() string {
	return `WITH upd AS (UPDATE deliveries SET lease_expires_at = ` + onServer("$3", "$4") + `
		WHERE id IN (SELECT id FROM deliveries
			WHERE id = ANY($2::text[]) AND lease_owner = $1
			FOR UPDATE SKIP LOCKED)
		RETURNING id)
	SELECT id, true FROM upd
	UNION ALL
	SELECT d.id, false FROM deliveries d
		WHERE (SELECT count(*) FROM upd) < cardinality($2::text[])
		  AND d.id = ANY(ARRAY(SELECT unnest($2::text[]) EXCEPT SELECT id FROM upd)) AND d.lease_owner = $1`
})

// RenewLeases implements store.LeaseRenewer: one statement for all the
// caller's in-flight deliveries (renewLeasesSQL).
func (db *DB) RenewLeases(ctx context.Context, owner string, ids []string, until time.Time) (renewed, busy []string, err error) {
	renewed = []string{}
	if len(ids) == 0 {
		return renewed, nil, nil
	}
	rows, err := db.pool.Query(ctx, renewLeasesSQL(), owner, ids, ts(until), db.clockNow())
	if err != nil {
		return nil, nil, db.wrap("extend leases", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var ok bool
		if err := rows.Scan(&id, &ok); err != nil {
			return nil, nil, db.wrap("extend leases", err)
		}
		if ok {
			renewed = append(renewed, id)
		} else {
			busy = append(busy, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, db.wrap("extend leases", err)
	}
	return renewed, busy, nil
}

var _ store.LeaseWaiter = (*DB)(nil)

// waitLockLeaseSQL locks the row of one delivery ($1) still leased to
// $2, waiting for a transaction that holds it (no SKIP LOCKED); the owner
// is checked again on the row as the holder left it.
const waitLockLeaseSQL = `SELECT id FROM deliveries WHERE id = $1 AND lease_owner = $2 FOR NO KEY UPDATE`

// waitRenewLeaseSQL then renews the locked row's lease: $3 after the
// caller's clock ($4, onServer) at the renewal, not at the transaction's
// start (now()), as the wait may have been long. (A single UPDATE that
// waits computes its new row before it waits: after a wait longer than
// the lease, it set a lease that had ended already.)
var waitRenewLeaseSQL = sync.OnceValue(func() string {
	return `UPDATE deliveries SET lease_expires_at = ` + onServer("$4", "$4") + ` + (clock_timestamp() - now()) + $3 * interval '1 microsecond'
		WHERE id = $1 AND lease_owner = $2
		RETURNING id`
})

// WaitRenewLease implements store.LeaseWaiter: one transaction
// (lock_timeout set locally to wait, 0 for none, and the row's lease-wait
// lock taken, then waitLockLeaseSQL and waitRenewLeaseSQL), each statement
// its own round trip: parsing an UPDATE locks its table, and a pipeline
// parses its statements before it runs the first. The lease-wait lock,
// held until the renewal commits, keeps claims off the row
// (leaseEndedSQL) even once its lease ended: while the renewal waits, and
// in the instant after the lock's holder ends, before the renewal runs.
// A row still locked when lock_timeout ends, or whose wait the deadlock
// detector or a statement_timeout ended, is busy; so is one no wait slot
// is free for (waitSlots: not waited for).
func (db *DB) WaitRenewLease(ctx context.Context, owner, id string, lease, wait time.Duration) (renewed, busy bool, err error) {
	if !db.takeWaitSlot() {
		return false, true, nil
	}
	defer db.giveWaitSlot()
	timeout := "0"
	if wait > 0 {
		timeout = fmt.Sprintf("%dms", max(wait.Milliseconds(), 1))
	}
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('lock_timeout', $1, true), set_config('idle_in_transaction_session_timeout', $3, true),
				pg_advisory_xact_lock(`+leaseWaitClassSQL+`, hashtext($2))`, timeout, id, idleLimit(lease)); err != nil {
			return err
		}
		var got string
		if err := tx.QueryRow(ctx, waitLockLeaseSQL, id, owner).Scan(&got); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, waitRenewLeaseSQL(), id, owner, lease.Microseconds(), db.clockNow()).Scan(&got); err != nil {
			return err
		}
		renewed = true
		return nil
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, false, nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "55P03" || pgErr.Code == "40P01" || pgErr.Code == "57014") && ctx.Err() == nil {
		return false, true, nil
	}
	if err != nil {
		return false, false, db.wrap("extend leases", err)
	}
	return renewed, false, nil
}

// takeWaitSlot takes one of the connections a waiting renewal may hold
// (waitSlots), if one is free.
func (db *DB) takeWaitSlot() bool {
	select {
	case db.waitSlots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (db *DB) giveWaitSlot() { <-db.waitSlots }

// holdLeasesSQL locks the rows of the deliveries $1 still leased to $2
// that no other transaction has locked: FOR NO KEY UPDATE takes ROW SHARE
// on the table, which a `store import`'s SHARE ROW EXCLUSIVE lock does
// not hold up (an UPDATE's ROW EXCLUSIVE waits for it). It takes each
// row's lease-wait lock first (heldLeaseSQL), as WaitRenewLease does:
// the import passes over a row whose lease ended while that lock is held
// (leaseEndedSQL) instead of waiting for the row, which this renewal
// holds while it waits for the import's table lock — a deadlock that
// PostgreSQL broke after deadlock_timeout by failing the import, or this
// renewal (and the import then freed the row of a live owner for any
// claim to send again).
var holdLeasesSQL = sync.OnceValue(func() string {
	return `SELECT id FROM deliveries WHERE id = ANY($1::text[]) AND ` + heldLeaseSQL + ` FOR NO KEY UPDATE SKIP LOCKED`
})

// heldLeaseSQL is true for a row leased to $2 whose lease-wait lock this
// transaction holds or takes now (a try: one an import or a claim holds
// is passed over, as its lease ended and they are taking it; a waiting
// renewal of the same owner holds the others).
var heldLeaseSQL = `CASE WHEN lease_owner = $2 THEN pg_try_advisory_xact_lock(` + leaseWaitClassSQL + `, hashtext(id)) ELSE false END`

// holdRenewSQL renews the leases of the rows holdLeasesSQL locked in the
// same transaction (a row this transaction locked is not skipped; one
// another locked since is), $3 after the caller's clock ($4, onServer) at
// the renewal.
var holdRenewSQL = sync.OnceValue(func() string {
	return `UPDATE deliveries SET lease_expires_at = ` + onServer("$4", "$4") + ` + (clock_timestamp() - now()) + $3 * interval '1 microsecond'
		WHERE id IN (SELECT id FROM deliveries WHERE id = ANY($1::text[]) AND ` + heldLeaseSQL + ` FOR NO KEY UPDATE SKIP LOCKED)
		RETURNING id`
})

// idleLimit is the idle_in_transaction_session_timeout of a waiting
// renewal's transaction: it holds a row (or its lease-wait lock) that
// claims pass over, and a client cut off from the server between two of
// its statements (a network that drops, no FIN) would otherwise leave the
// session holding them until TCP keepalive ends it, hours later.
func idleLimit(lease time.Duration) string {
	return fmt.Sprintf("%dms", max(2*lease, 5*time.Second).Milliseconds())
}

// HoldRenewLeases implements store.LeaseWaiter: one transaction (no
// lock_timeout, holdLeasesSQL, then holdRenewSQL), each statement its own
// round trip: parsing the UPDATE takes the table lock an import holds up,
// and a pipeline parses its statements before it runs the first (the
// rows were not locked while it waited).
func (db *DB) HoldRenewLeases(ctx context.Context, owner string, ids []string, lease time.Duration) ([]string, error) {
	out := []string{}
	if len(ids) == 0 || !db.takeWaitSlot() {
		return out, nil
	}
	defer db.giveWaitSlot()
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('lock_timeout', '0', true), set_config('idle_in_transaction_session_timeout', $1, true)`, idleLimit(lease)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, holdLeasesSQL(), ids, owner); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, holdRenewSQL(), ids, owner, lease.Microseconds(), db.clockNow())
		out, err = collectIDs(rows, err)
		return err
	})
	if err != nil {
		return nil, db.wrap("extend leases", err)
	}
	return out, nil
}

var _ store.UnsentReturner = (*DB)(nil)

// ReturnUnsent implements store.UnsentReturner: one statement for all of
// ids.
func (db *DB) ReturnUnsent(ctx context.Context, owner string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return []string{}, nil
	}
	// A pending one goes back to failed; one leased in place
	// (RequeueMatching) is failed still: its lease is released.
	rows, err := db.pool.Query(ctx, `UPDATE deliveries SET status = 'failed', max_attempts = attempt_count,
			run_id = CASE WHEN status = 'pending' THEN '' ELSE run_id END,
			lease_owner = '', lease_expires_at = NULL, updated_at = $3
		WHERE id = ANY($2::text[]) AND lease_owner = $1 AND status IN ('pending', 'failed')
		RETURNING id`, owner, ids, db.clockNow())
	out, err := collectIDs(rows, err)
	return out, db.wrap("return unsent deliveries", err)
}

var _ store.UnsentRestorer = (*DB)(nil)

// RestoreUnsent implements store.UnsentRestorer: one statement for all of
// prior (their states as arrays).
func (db *DB) RestoreUnsent(ctx context.Context, owner string, prior []*store.Delivery) ([]string, error) {
	if len(prior) == 0 {
		return []string{}, nil
	}
	n := len(prior)
	var (
		ids, statuses, urls, schedules, runs = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		counts, maxes                        = make([]int32, n), make([]int32, n)
		next                                 = make([]*time.Time, n)
	)
	for i, d := range prior {
		ids[i], statuses[i], urls[i], schedules[i], runs[i] = pt(d.ID), d.Status, pt(d.URL), d.Schedule, d.RunID
		counts[i], maxes[i] = int32(d.AttemptCount), int32(d.MaxAttempts)
		if !d.NextAttemptAt.IsZero() {
			t := d.NextAttemptAt.UTC().Truncate(time.Microsecond)
			next[i] = &t
		}
	}
	rows, err := db.pool.Query(ctx, `UPDATE deliveries d SET status = p.status, max_attempts = p.max_attempts,
			next_attempt_at = p.next_attempt_at, url = p.url, schedule = p.schedule, run_id = p.run_id,
			lease_owner = '', lease_expires_at = NULL, updated_at = $2
		FROM unnest($3::text[], $4::text[], $5::int[], $6::int[], $7::timestamptz[], $8::text[], $9::text[], $10::text[])
			AS p(id, status, attempt_count, max_attempts, next_attempt_at, url, schedule, run_id)
		WHERE d.id = p.id AND d.lease_owner = $1 AND d.status = 'pending' AND d.attempt_count = p.attempt_count
		RETURNING d.id`, owner, db.clockNow(), ids, statuses, counts, maxes, next, urls, schedules, runs)
	out, err := collectIDs(rows, err)
	return out, db.wrap("restore unsent deliveries", err)
}

// collectIDs reads the ids a query (run with err) returned.
func collectIDs(rows pgx.Rows, err error) ([]string, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

var _ store.EventsGetter = (*DB)(nil)

// GetEvents implements store.EventsGetter: one query for all of ids.
func (db *DB) GetEvents(ctx context.Context, ids []string) ([]*store.Event, error) {
	if len(ids) == 0 {
		return []*store.Event{}, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = pk(id)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+eventCols+` FROM events WHERE id = ANY($1::text[])`, keys)
	if err != nil {
		return nil, db.wrap("get events", err)
	}
	defer rows.Close()
	out := make([]*store.Event, 0, len(ids))
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, db.wrap("get events", err)
		}
		out = append(out, e)
	}
	return out, db.wrap("get events", rows.Err())
}

// WriteRecords writes records in order in one transaction and one round
// trip (a pipelined batch, which PostgreSQL runs as one implicit
// transaction): events (an existing ID is skipped), new deliveries exactly
// as given (the store assigns Seq) and attempts. It is the batch path of
// `hookctl listen`'s recorder, like the SQLite store's WriteRecords.
func (db *DB) WriteRecords(ctx context.Context, recs []store.Record) error {
	if len(recs) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	for _, r := range recs {
		switch {
		case r.Event != nil:
			b.Queue(eventInsert, eventArgs(r.Event)...)
		case r.Delivery != nil:
			d := r.Delivery
			b.Queue(deliveryInsertAsGiven, deliveryArgs(d)...).QueryRow(func(row pgx.Row) error { return row.Scan(&d.Seq) })
		case r.Attempt != nil:
			b.Queue(attemptInsert, attemptArgs(r.Attempt)...)
		}
	}
	return db.wrap("write records", db.pool.SendBatch(ctx, b).Close())
}
