package postgres

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hookctl/hookctl/internal/store"
)

const subscriptionCols = `id, callback_url, events, description, status, secret, previous_secret,
	previous_secret_expires_at, provider, scheme, method, headers, metadata, created_at, updated_at`

func scanSubscription(row pgx.Row) (*store.Subscription, error) {
	var s store.Subscription
	var prevExp, created, updated *time.Time
	err := row.Scan(&s.ID, &s.CallbackURL, &s.Events, &s.Description, &s.Status, &s.Secret, &s.PreviousSecret,
		&prevExp, &s.Provider, &s.Scheme, &s.Method, &s.Headers, &s.Metadata, &created, &updated)
	if err != nil {
		return nil, err
	}
	s.Events = jlist(s.Events)
	s.Headers, s.Metadata = store.DecodeHeaderMap(nilIfEmpty(s.Headers)), nilIfEmpty(s.Metadata)
	s.PreviousSecretExpiresAt, s.CreatedAt, s.UpdatedAt = fromTs(prevExp), fromTs(created), fromTs(updated)
	return &s, nil
}

func subscriptionArgs(s *store.Subscription) []any {
	return []any{s.ID, pt(s.CallbackURL), jsonList(s.Events), pt(s.Description), s.Status, pt(s.Secret), pt(s.PreviousSecret),
		ts(s.PreviousSecretExpiresAt), pt(s.Provider), pt(s.Scheme), pt(s.Method), jmap(store.EncodeHeaderMap(s.Headers)), jmap(s.Metadata), ts(s.CreatedAt), ts(s.UpdatedAt)}
}

const subscriptionInsert = `INSERT INTO subscriptions (` + subscriptionCols + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`

// CreateSubscription implements store.Store.
func (db *DB) CreateSubscription(ctx context.Context, s *store.Subscription) error {
	if s.ID == "" {
		s.ID = uuid.NewString()
	}
	n := now()
	if s.CreatedAt.IsZero() {
		s.CreatedAt = n
	}
	s.UpdatedAt = n
	if s.Status == "" {
		s.Status = store.StatusEnabled
	}
	s.Events = jlist(s.Events)
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, subscriptionInsert, subscriptionArgs(s)...); err != nil {
			return err
		}
		// A subscription created with a deleted one's id gets that one's
		// deliveries back, as store import does when it imports it again:
		// a delivery keeps a deleted subscription's id only while no
		// subscription has it, as the filters look on one side only
		// (subscriptionSide), and a replay of the subscription's failed
		// deliveries then resends them to it. (No command gives an id to
		// CreateSubscription: subscribe, listen and serve's APIs leave it
		// to the store; this keeps the rule for any caller.) Looked up
		// first, by its index: the UPDATE would wait for a store import's
		// table lock even when it changes nothing.
		var deleted bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM deliveries WHERE deleted_subscription_id = $1)`, pt(s.ID)).Scan(&deleted); err != nil || !deleted {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE deliveries SET subscription_id = $1, deleted_subscription_id = NULL
			WHERE deleted_subscription_id = $1`, pt(s.ID))
		return err
	})
	return db.wrap("create subscription", err)
}

// GetSubscription implements store.Store.
func (db *DB) GetSubscription(ctx context.Context, idOrPrefix string) (*store.Subscription, error) {
	// Fast path: a full ID (what workers and scripts pass) is one query.
	s, err := scanSubscription(db.pool.QueryRow(ctx, `SELECT `+subscriptionCols+` FROM subscriptions WHERE id = $1`, pt(idOrPrefix)))
	if errors.Is(err, pgx.ErrNoRows) {
		id, rerr := db.resolve(ctx, db.pool, "subscription", "subscriptions", idOrPrefix)
		if rerr != nil {
			return nil, rerr
		}
		s, err = scanSubscription(db.pool.QueryRow(ctx, `SELECT `+subscriptionCols+` FROM subscriptions WHERE id = $1`, id))
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, &store.NotFoundError{Kind: "subscription", ID: idOrPrefix}
	}
	return s, db.wrap("get subscription", err)
}

// ListSubscriptions implements store.Store: oldest first (newest first
// with f.Newest). Every filter but Event is evaluated in SQL; metadata keys
// by metaExpr, the expression migration 5 indexes.
func (db *DB) ListSubscriptions(ctx context.Context, f store.SubscriptionFilter) ([]*store.Subscription, error) {
	q, args, err := subscriptionQuery(f)
	if err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, db.wrap("list subscriptions", err)
	}
	defer rows.Close()
	out := []*store.Subscription{}
	for rows.Next() {
		s, err := scanSubscription(rows)
		if err != nil {
			return nil, db.wrap("list subscriptions", err)
		}
		if f.Event != "" && !store.SubscriptionMatches(s, f.Event) {
			continue
		}
		out = append(out, s)
		if len(out) == f.Limit {
			break
		}
	}
	return out, db.wrap("list subscriptions", rows.Err())
}

// subscriptionQuery is ListSubscriptions' SELECT for f (all of f but Event).
func subscriptionQuery(f store.SubscriptionFilter) (string, []any, error) { return subSQL.Query(f) }

var subSQL = store.SubscriptionSQL{
	Cols:     subscriptionCols,
	Arg:      func(n int) string { return "$" + strconv.Itoa(n) },
	Meta:     metaExpr,
	Time:     ts,
	TimeCast: "::timestamptz",
}

// metaExpr is metadata key k (a store.ValidMetaKey) in SQL: migration 5
// indexes this very expression for the provider id keys.
func metaExpr(k string) string { return "(metadata->>'" + k + "')" }

// UpdateSubscription implements store.Store.
func (db *DB) UpdateSubscription(ctx context.Context, s *store.Subscription) error {
	return db.wrap("update subscription", writeSubscription(ctx, db.pool, s))
}

type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func writeSubscription(ctx context.Context, q execer, s *store.Subscription) error {
	s.UpdatedAt = now()
	s.Events = jlist(s.Events)
	// The subscription's unfinished deliveries follow its new URL (as
	// SQLite's followURLSQL), read and written in one statement, so it
	// holds in the caller's transaction or alone. The EXISTS is a one-time
	// filter: when the URL did not change, no delivery is read.
	if _, err := q.Exec(ctx, `UPDATE deliveries SET url = $2, updated_at = $3
		WHERE subscription_id = $1 AND status <> 'succeeded'
		AND url = (SELECT callback_url FROM subscriptions WHERE id = $1)
		AND EXISTS (SELECT 1 FROM subscriptions WHERE id = $1 AND callback_url <> $2)`, s.ID, s.CallbackURL, ts(s.UpdatedAt)); err != nil {
		return err
	}
	tag, err := q.Exec(ctx, `UPDATE subscriptions SET callback_url = $2, events = $3, description = $4,
		status = $5, secret = $6, previous_secret = $7, previous_secret_expires_at = $8, provider = $9,
		scheme = $10, method = $11, headers = $12, metadata = $13, updated_at = $14
		WHERE id = $1`, s.ID, s.CallbackURL, jsonList(s.Events), s.Description, s.Status, s.Secret, s.PreviousSecret,
		ts(s.PreviousSecretExpiresAt), s.Provider, s.Scheme, s.Method, jmap(store.EncodeHeaderMap(s.Headers)), jmap(s.Metadata), ts(s.UpdatedAt))
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return &store.NotFoundError{Kind: "subscription", ID: s.ID}
	}
	return nil
}

// UpdateSubscriptionFunc implements store.SubscriptionUpdater: the row is
// read with SELECT … FOR UPDATE, so a concurrent updater (any process)
// waits for this transaction and then reads the row as it left it.
func (db *DB) UpdateSubscriptionFunc(ctx context.Context, idOrPrefix string, fn func(*store.Subscription) error) (*store.Subscription, error) {
	id := idOrPrefix
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM subscriptions WHERE id = $1`, id).Scan(&n); err != nil {
		return nil, db.wrap("update subscription", err)
	}
	if n == 0 {
		var err error
		if id, err = db.resolve(ctx, db.pool, "subscription", "subscriptions", idOrPrefix); err != nil {
			return nil, err
		}
	}
	var out *store.Subscription
	var fnErr error
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		s, err := scanSubscription(tx.QueryRow(ctx, `SELECT `+subscriptionCols+` FROM subscriptions WHERE id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return &store.NotFoundError{Kind: "subscription", ID: idOrPrefix}
		}
		if err != nil {
			return err
		}
		out = s
		if fnErr = fn(s); fnErr != nil {
			return fnErr
		}
		s.ID = id
		return writeSubscription(ctx, tx, s)
	})
	if errors.Is(fnErr, store.ErrNoChange) {
		return out, nil
	}
	if fnErr != nil {
		return nil, fnErr
	}
	if err != nil {
		return nil, db.wrap("update subscription", err)
	}
	return out, nil
}

// DeleteSubscription implements store.Store. Deliveries keep their history
// (subscription_id becomes NULL).
func (db *DB) DeleteSubscription(ctx context.Context, id string) error {
	var n int64
	err := retryDeadlock(func() error {
		return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			return db.deleteSubscription(ctx, tx, id, &n)
		})
	})
	if err != nil {
		return db.wrap("delete subscription", err)
	}
	if n == 0 {
		return &store.NotFoundError{Kind: "subscription", ID: id}
	}
	return nil
}

// retryDeadlock runs a transaction again (up to 5 times) when PostgreSQL
// aborted it to break a deadlock (40P01): a delete updating a
// subscription's deliveries in one order while a recorder's batch updates
// some of them in another. Nothing of it was written. It waits a little
// first, so the transaction that won goes on instead of meeting it again.
func retryDeadlock(f func() error) error {
	for try := 0; ; try++ {
		err := f()
		var pgErr *pgconn.PgError
		if try < 5 && errors.As(err, &pgErr) && pgErr.Code == "40P01" {
			time.Sleep(time.Duration(try+1) * 25 * time.Millisecond)
			continue
		}
		return err
	}
}

func (db *DB) deleteSubscription(ctx context.Context, tx pgx.Tx, id string, n *int64) error {
	{
		// The row lock waits for the transactions writing deliveries of
		// the subscription right now (a trigger's batch: their foreign
		// key holds a share lock on it) and makes the next ones wait for
		// the delete (then fail on the key): the update below sees every
		// delivery. Without it, a batch committed between the update
		// and the delete kept its deliveries pending, unlinked by ON
		// DELETE SET NULL, and a worker sent them, unsigned, to the
		// deleted endpoint.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM subscriptions WHERE id = $1 FOR UPDATE`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, orphanDeliveriesSQL, id, now()); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM subscriptions WHERE id = $1`, id)
		*n = tag.RowsAffected()
		return err
	}
}

// orphanDeliveriesSQL prepares a subscription's deliveries for its
// deletion (see store.Store.DeleteSubscription): each keeps how it was
// sent — the scheme ("auto" when the subscription named none), secret,
// method and headers, its own winning — and a pending one stops: failed,
// and no longer leased, so a process sending it right now cannot record
// it back to pending (a retry to the deleted endpoint) or to succeeded.
// updated_at is hookctl's clock ($2), as for every other write: the
// server's clock may differ from the client's, and a store shared by
// several machines orders its changes by the clock of whoever made them.
// Each keeps the subscription's id as deleted_subscription_id, so its
// history stays findable by it, and loses subscription_id here rather
// than by ON DELETE SET NULL: that would write each row a second time.
const orphanDeliveriesSQL = `UPDATE deliveries d SET
		subscription_id = NULL,
		deleted_subscription_id = s.id,
		scheme = CASE WHEN d.scheme = '' THEN (CASE WHEN s.scheme = '' THEN 'auto' ELSE s.scheme END) ELSE d.scheme END,
		secret = CASE WHEN d.scheme = '' THEN s.secret ELSE d.secret END,
		method = CASE WHEN d.method = '' THEN s.method ELSE d.method END,
		headers = CASE WHEN s.headers IS NULL THEN d.headers ELSE s.headers || coalesce(d.headers, '{}'::jsonb) END,
		last_error = CASE WHEN d.status = 'pending' THEN 'subscription deleted' ELSE d.last_error END,
		status = CASE WHEN d.status = 'pending' THEN 'failed' ELSE d.status END,
		lease_owner = CASE WHEN d.status = 'pending' THEN '' ELSE d.lease_owner END,
		lease_expires_at = CASE WHEN d.status = 'pending' THEN NULL ELSE d.lease_expires_at END,
		updated_at = $2
	FROM subscriptions s WHERE s.id = $1 AND d.subscription_id = s.id`

// DeletedSubscriptionID implements store.DeletedSubscriptions: the ids
// are read one at a time from deliveries_deleted_subscription (the next
// above the last), so a deleted subscription of many deliveries costs no
// more than one of a few.
func (db *DB) DeletedSubscriptionID(ctx context.Context, idOrPrefix string) (string, error) {
	if idOrPrefix == "" {
		return "", &store.NotFoundError{Kind: "subscription", ID: idOrPrefix}
	}
	p := store.NormalizeIDPrefix(idOrPrefix)
	var ids []string
	last := ""
	for len(ids) < 4 {
		var id *string
		if err := db.pool.QueryRow(ctx, `SELECT min(deleted_subscription_id) FROM deliveries
			WHERE deleted_subscription_id LIKE $1 AND deleted_subscription_id > $2`, likeEscape(pk(p))+"%", last).Scan(&id); err != nil {
			return "", db.wrap("find subscription", err)
		}
		if id == nil {
			break
		}
		ids = append(ids, *id)
		last = *id
	}
	return store.ResolvePrefix("subscription", p, ids)
}
