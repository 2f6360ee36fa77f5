package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/hookctl/hookctl/internal/store"
)

const subCols = `id, callback_url, events, description, status, secret, previous_secret,
	previous_secret_expires_at, provider, scheme, method, headers, metadata, created_at, updated_at`

type scanner interface{ Scan(...any) error }

func scanSubscription(r scanner) (*store.Subscription, error) {
	var (
		s                         store.Subscription
		events                    string
		prevExp, created, updated sql.NullInt64
		headers, metadata         sql.NullString
	)
	if err := r.Scan(&s.ID, &s.CallbackURL, &events, &s.Description, &s.Status, &s.Secret, &s.PreviousSecret,
		&prevExp, &s.Provider, &s.Scheme, &s.Method, &headers, &metadata, &created, &updated); err != nil {
		return nil, err
	}
	var err error
	if s.Events, err = fromJSONList(events); err != nil {
		return nil, err
	}
	if s.Headers, err = fromHeaderMap(headers); err != nil {
		return nil, err
	}
	if s.Metadata, err = fromJSONMap[string](metadata); err != nil {
		return nil, err
	}
	s.PreviousSecretExpiresAt = fromTm(prevExp)
	s.CreatedAt, s.UpdatedAt = fromTm(created), fromTm(updated)
	return &s, nil
}

// CreateSubscription stores s, setting its ID (when empty) and timestamps.
func (s *Store) CreateSubscription(ctx context.Context, sub *store.Subscription) error {
	if sub.ID == "" {
		sub.ID = uuid.NewString()
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	if sub.CreatedAt.IsZero() {
		sub.CreatedAt = now
	}
	sub.UpdatedAt = now
	if sub.Status == "" {
		sub.Status = store.StatusEnabled
	}
	if sub.Events == nil {
		sub.Events = []string{}
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO subscriptions (`+subCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sub.ID, sub.CallbackURL, jsonList(sub.Events), sub.Description, sub.Status, sub.Secret, sub.PreviousSecret,
			tm(sub.PreviousSecretExpiresAt), sub.Provider, sub.Scheme, sub.Method, headerMap(sub.Headers), jsonMap(sub.Metadata),
			tm(sub.CreatedAt), tm(sub.UpdatedAt))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, relinkDeletedSQL, sub.ID)
		return err
	})
}

// relinkDeletedSQL gives a subscription created with a deleted one's id
// (?1) that one's deliveries back, as store import does when it imports
// it again: a delivery keeps a deleted subscription's id only while no
// subscription has it, as the filters look on one side only
// (subscriptionSide), and a replay of the subscription's failed
// deliveries then resends them to it. (No command gives an id to
// CreateSubscription: subscribe, listen and serve's APIs leave it to the
// store; this keeps the rule for any caller.)
const relinkDeletedSQL = `UPDATE deliveries SET subscription_id = ?1, deleted_subscription_id = NULL
	WHERE deleted_subscription_id = ?1`

// GetSubscription finds a subscription by ID or unique prefix.
func (s *Store) GetSubscription(ctx context.Context, idOrPrefix string) (*store.Subscription, error) {
	// An exact id (what the delivery engine asks for, every few
	// milliseconds while it sends) is one prepared read; an exact match
	// wins over longer ids it prefixes, as in lookupPrefix.
	byID, err := s.subByID.get(ctx, s.r, `SELECT `+subCols+` FROM subscriptions WHERE id = ?`)
	if err != nil {
		return nil, err
	}
	sub, err := scanSubscription(byID.QueryRowContext(ctx, idOrPrefix))
	if err != sql.ErrNoRows {
		return sub, err
	}
	id, err := lookupPrefix(ctx, s.r, "subscription", "subscriptions", idOrPrefix)
	if err != nil {
		return nil, err
	}
	sub, err = scanSubscription(byID.QueryRowContext(ctx, id))
	if err == sql.ErrNoRows {
		return nil, &store.NotFoundError{Kind: "subscription", ID: idOrPrefix}
	}
	return sub, err
}

// ListSubscriptions lists subscriptions, oldest first (newest first with
// f.Newest). Every filter but Event is evaluated in SQL; metadata keys by
// metaExpr, the expression the migrations index.
func (s *Store) ListSubscriptions(ctx context.Context, f store.SubscriptionFilter) ([]*store.Subscription, error) {
	q, args, err := subscriptionQuery(f)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*store.Subscription{}
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, err
		}
		if f.Event != "" && !store.SubscriptionMatches(sub, f.Event) {
			continue
		}
		out = append(out, sub)
		if len(out) == f.Limit {
			break
		}
	}
	return out, rows.Err()
}

// subscriptionQuery is ListSubscriptions' SELECT for f (all of f but Event).
func subscriptionQuery(f store.SubscriptionFilter) (string, []any, error) { return subSQL.Query(f) }

var subSQL = store.SubscriptionSQL{
	Cols: subCols,
	Arg:  func(int) string { return "?" },
	Meta: metaExpr,
	Time: tm,
}

// metaExpr is metadata key k (a store.ValidMetaKey) in SQL: migration 4
// indexes this very expression for the provider id keys.
func metaExpr(k string) string { return `json_extract(metadata, '$."` + k + `"')` }

// orphanDeliveriesSQL prepares a subscription's deliveries for its
// deletion (see store.Store.DeleteSubscription): each keeps how it was
// sent — the scheme ("auto" when the subscription named none), secret,
// method and headers, its own winning — and a pending one stops: failed,
// and no longer leased, so a process sending it right now cannot record
// it back to pending (a retry to the deleted endpoint) or to succeeded.
// Each keeps the subscription's id as deleted_subscription_id, so its
// history stays findable by it, and loses subscription_id here rather
// than by ON DELETE SET NULL: that would write each row a second time.
const orphanDeliveriesSQL = `UPDATE deliveries SET
		subscription_id = NULL,
		deleted_subscription_id = ?2,
		scheme = CASE WHEN deliveries.scheme = '' THEN (CASE WHEN s.scheme = '' THEN 'auto' ELSE s.scheme END) ELSE deliveries.scheme END,
		secret = CASE WHEN deliveries.scheme = '' THEN s.secret ELSE deliveries.secret END,
		method = CASE WHEN deliveries.method = '' THEN s.method ELSE deliveries.method END,
		headers = CASE WHEN s.headers IS NULL THEN deliveries.headers ELSE json_patch(s.headers, coalesce(deliveries.headers, '{}')) END,
		last_error = CASE WHEN deliveries.status = 'pending' THEN 'subscription deleted' ELSE deliveries.last_error END,
		status = CASE WHEN deliveries.status = 'pending' THEN 'failed' ELSE deliveries.status END,
		lease_owner = CASE WHEN deliveries.status = 'pending' THEN '' ELSE deliveries.lease_owner END,
		lease_expires_at = CASE WHEN deliveries.status = 'pending' THEN NULL ELSE deliveries.lease_expires_at END,
		updated_at = ?1
	FROM (SELECT scheme, secret, method, headers FROM subscriptions WHERE id = ?2) AS s
	WHERE deliveries.subscription_id = ?2`

// followURLSQL moves a subscription's unfinished deliveries (pending, or
// failed and so replayable) from its callback URL to its new one (?1),
// in the transaction that changes it: the retries and replays of an
// endpoint the user moved go where it is now, and the engine's checks
// that compare a delivery's URL with its subscription's (disabled, 410
// Gone) keep holding. A delivery sent elsewhere on purpose (replay --to)
// keeps its URL; a succeeded one keeps where it was delivered.
const followURLSQL = `UPDATE deliveries SET url = ?1, updated_at = ?2
	WHERE subscription_id = ?3 AND url = ?4 AND status <> 'succeeded'`

// UpdateSubscription rewrites the subscription s.ID.
func (s *Store) UpdateSubscription(ctx context.Context, sub *store.Subscription) error {
	return s.withTx(ctx, func(tx *sql.Tx) error { return writeSubscription(ctx, tx, sub) })
}

func writeSubscription(ctx context.Context, tx *sql.Tx, sub *store.Subscription) error {
	sub.UpdatedAt = time.Now().UTC().Truncate(time.Microsecond)
	if sub.Events == nil {
		sub.Events = []string{}
	}
	var oldURL string
	switch err := tx.QueryRowContext(ctx, `SELECT callback_url FROM subscriptions WHERE id = ?`, sub.ID).Scan(&oldURL); {
	case errors.Is(err, sql.ErrNoRows):
		return &store.NotFoundError{Kind: "subscription", ID: sub.ID}
	case err != nil:
		return err
	}
	if oldURL != sub.CallbackURL {
		if _, err := tx.ExecContext(ctx, followURLSQL, sub.CallbackURL, tm(sub.UpdatedAt), sub.ID, oldURL); err != nil {
			return err
		}
	}
	res, err := tx.ExecContext(ctx, `UPDATE subscriptions SET callback_url = ?, events = ?, description = ?,
		status = ?, secret = ?, previous_secret = ?, previous_secret_expires_at = ?, provider = ?, scheme = ?,
		method = ?, headers = ?, metadata = ?, updated_at = ? WHERE id = ?`,
		sub.CallbackURL, jsonList(sub.Events), sub.Description, sub.Status, sub.Secret, sub.PreviousSecret,
		tm(sub.PreviousSecretExpiresAt), sub.Provider, sub.Scheme, sub.Method, headerMap(sub.Headers),
		jsonMap(sub.Metadata), tm(sub.UpdatedAt), sub.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &store.NotFoundError{Kind: "subscription", ID: sub.ID}
	}
	return nil
}

// UpdateSubscriptionFunc implements store.SubscriptionUpdater: the read,
// fn and the write happen in one write transaction (BEGIN IMMEDIATE takes
// the database's write lock first), so a concurrent writer in any process
// waits and then sees this change.
func (s *Store) UpdateSubscriptionFunc(ctx context.Context, idOrPrefix string, fn func(*store.Subscription) error) (*store.Subscription, error) {
	id, err := lookupPrefix(ctx, s.r, "subscription", "subscriptions", idOrPrefix)
	if err != nil {
		return nil, err
	}
	var out *store.Subscription
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		sub, err := scanSubscription(tx.QueryRowContext(ctx, `SELECT `+subCols+` FROM subscriptions WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return &store.NotFoundError{Kind: "subscription", ID: idOrPrefix}
		}
		if err != nil {
			return err
		}
		out = sub
		if err := fn(sub); err != nil {
			return err
		}
		sub.ID = id
		return writeSubscription(ctx, tx, sub)
	})
	if errors.Is(err, store.ErrNoChange) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteSubscription deletes a subscription; its deliveries keep their
// history with no subscription.
func (s *Store) DeleteSubscription(ctx context.Context, id string) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, orphanDeliveriesSQL, tm(time.Now()), id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM subscriptions WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &store.NotFoundError{Kind: "subscription", ID: id}
		}
		return nil
	})
}

// DeletedSubscriptionID implements store.DeletedSubscriptions: the ids
// are read one at a time from deliveries_deleted_subscription (the next
// above the last), so a deleted subscription of many deliveries costs no
// more than one of a few.
func (s *Store) DeletedSubscriptionID(ctx context.Context, idOrPrefix string) (string, error) {
	if idOrPrefix == "" {
		return "", &store.NotFoundError{Kind: "subscription", ID: idOrPrefix}
	}
	p := store.NormalizeIDPrefix(idOrPrefix)
	lo, hi := prefixRange(p)
	var ids []string
	for len(ids) < 4 {
		var id sql.NullString
		if err := s.r.QueryRowContext(ctx, `SELECT min(deleted_subscription_id) FROM deliveries
			WHERE deleted_subscription_id >= ? AND deleted_subscription_id < ?`, lo, hi).Scan(&id); err != nil {
			return "", err
		}
		if !id.Valid {
			break
		}
		ids = append(ids, id.String)
		lo = id.String + "\x00"
	}
	return store.ResolvePrefix("subscription", p, ids)
}
