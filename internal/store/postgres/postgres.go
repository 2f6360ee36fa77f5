// Package postgres is the shared store on PostgreSQL (pgx/v5, pgxpool):
// the same data model and semantics as the SQLite store, for teams and CI
// fleets whose hookctl processes share one outbox.
//
// Several processes on several machines claim due deliveries with
// `FOR UPDATE SKIP LOCKED` and hold them under a lease (owner + expiry), so
// no delivery is sent by two workers at once and a killed worker's
// deliveries are claimed again once its lease expires.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hookctl/hookctl/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

type migration = store.Migration

// migrations returns the embedded migrations, ordered by version (the
// number prefix of NNNN_name.sql).
func migrations() []migration { return store.LoadMigrations(migrationFS, "migrations") }

// LatestVersion is the schema version this hookctl writes.
func LatestVersion() int {
	ms := migrations()
	return ms[len(ms)-1].Version
}

// DB is the PostgreSQL store.
type DB struct {
	pool       *pgxpool.Pool
	location   string // URL, password masked
	password   string
	searchPath string // from the URL, if any
}

var (
	_ store.Store         = (*DB)(nil)
	_ store.Migrator      = (*DB)(nil)
	_ store.BatchImporter = (*DB)(nil)
)

// Open connects to the PostgreSQL store at rawURL and applies pending
// migrations (serialised across processes by an advisory lock). The
// database must exist; the tables are created in the connection's current
// schema (set search_path in the URL to use another one).
func Open(ctx context.Context, rawURL string) (store.Store, error) {
	db, err := OpenDB(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	return db, nil
}

// OpenDB is Open returning the concrete store.
func OpenDB(ctx context.Context, rawURL string) (*DB, error) {
	masked := store.MaskURL(rawURL)
	password := urlPassword(rawURL)
	clean := func(err error) string { return scrub(err.Error(), password) }

	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		// pgconn's error quotes the URL (password redacted); keep its cause.
		cause := err
		if inner := errors.Unwrap(err); inner != nil {
			cause = inner
		}
		return nil, &store.EnvironmentError{
			Err:  fmt.Errorf("invalid PostgreSQL URL %s: %s", masked, clean(cause)),
			Hint: "use postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=disable",
		}
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	if !strings.Contains(rawURL, "pool_max_conns") {
		cfg.MaxConns = 16
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "hookctl"

	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, &store.EnvironmentError{Err: fmt.Errorf("cannot open PostgreSQL store %s: %s", masked, clean(err))}
	}
	db := &DB{pool: pool, location: masked, password: password, searchPath: cfg.ConnConfig.RuntimeParams["search_path"]}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, db.connectError(cfg, err)
	}
	if _, _, err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) connectError(cfg *pgxpool.Config, err error) error {
	msg := scrub(oneLine(err), db.password)
	var pgErr *pgconn.PgError
	hint := fmt.Sprintf("is PostgreSQL running and reachable at %s:%d? check --store or HOOKCTL_STORE", cfg.ConnConfig.Host, cfg.ConnConfig.Port)
	if errors.As(err, &pgErr) {
		msg = pgErr.Message
		switch pgErr.Code {
		case "28P01", "28000":
			hint = "check the user name and password in the store URL"
		case "3D000":
			hint = fmt.Sprintf("create the database first, e.g. createdb %s", cfg.ConnConfig.Database)
		}
	}
	return &store.EnvironmentError{
		Err:  fmt.Errorf("cannot connect to PostgreSQL store %s: %s", db.location, msg),
		Hint: hint,
	}
}

// oneLine reduces a connect error to one line: the network error when
// there is one (pgconn lists every address it tried, one per line).
func oneLine(err error) string {
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Error()
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.Error()
	}
	lines := strings.Fields(strings.ReplaceAll(err.Error(), "\n", " "))
	return strings.Join(lines, " ")
}

// urlPassword extracts the password of a postgres URL ("" if none).
func urlPassword(raw string) string { return store.DSNPassword(raw) }

// scrub removes a password from a message, in case a driver error quotes
// the connection string.
func scrub(msg, password string) string { return store.ScrubPassword(msg, password) }

// Close releases the connections.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Pool exposes the connection pool (tests, benchmarks).
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// wrap turns driver errors into store errors: a lost connection is an
// environment problem (exit 3).
func (db *DB) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var nf *store.NotFoundError
	var amb *store.AmbiguousError
	var env *store.EnvironmentError
	if errors.As(err, &nf) || errors.As(err, &amb) || errors.As(err, &env) ||
		errors.Is(err, store.ErrLeaseLost) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fmt.Errorf("%s: %s (SQLSTATE %s)", op, pgErr.Message, pgErr.Code)
	}
	if pgconn.SafeToRetry(err) || isConnErr(err) {
		return &store.EnvironmentError{
			Err:  fmt.Errorf("%s: PostgreSQL store %s unreachable: %s", op, db.location, scrub(err.Error(), db.password)),
			Hint: "check that the PostgreSQL server is running and reachable",
		}
	}
	return fmt.Errorf("%s: %s", op, scrub(err.Error(), db.password))
}

func isConnErr(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce)
}

// ---- migrations ----

// advisory lock key: "hookctl" migrations, per schema.
const lockClass = 0x686f6f6b // "hook"

func (db *DB) migrate(ctx context.Context) (from, to int, err error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return 0, 0, db.wrap("migrate", err)
	}
	defer conn.Release()
	// Two processes starting at once: the second waits here until the
	// first has finished, then finds nothing left to do.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, hashtext(coalesce(current_schema(), '')))`, lockClass); err != nil {
		return 0, 0, db.wrap("migrate: lock", err)
	}
	defer func() {
		// Unlock on a fresh context so a cancelled ctx cannot leave the lock held.
		_, _ = conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1, hashtext(coalesce(current_schema(), '')))`, lockClass)
	}()
	var schema *string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return 0, 0, db.wrap("migrate", err)
	}
	if schema == nil && db.searchPath != "" {
		// search_path=hookctl in the URL names a schema not created yet:
		// create it (the user needs CREATE on the database).
		first := strings.TrimSpace(strings.Split(db.searchPath, ",")[0])
		if first != "" && !strings.HasPrefix(first, "$") {
			if _, err := conn.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{strings.Trim(first, `"`)}.Sanitize()); err != nil {
				return 0, 0, db.wrap("migrate: create schema", err)
			}
			if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
				return 0, 0, db.wrap("migrate", err)
			}
		}
	}
	if schema == nil {
		return 0, 0, &store.EnvironmentError{
			Err:  fmt.Errorf("PostgreSQL store %s has no usable schema (search_path names no existing schema)", db.location),
			Hint: "create the schema (CREATE SCHEMA …) or fix search_path in the store URL",
		}
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS hookctl_schema_migrations (
		version integer PRIMARY KEY,
		name text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return 0, 0, db.wrap("migrate", err)
	}
	cur, err := currentVersion(ctx, conn)
	if err != nil {
		return 0, 0, db.wrap("migrate", err)
	}
	latest := LatestVersion()
	if cur > latest {
		return cur, cur, newerSchema(db.location, cur, latest)
	}
	from = cur
	for _, m := range migrations() {
		if m.Version <= cur {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO hookctl_schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
			return err
		})
		if err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "42P07" { // duplicate_table
				return from, cur, &store.EnvironmentError{
					Err:  fmt.Errorf("PostgreSQL store %s: schema %q already has tables that are not a hookctl store (%s)", db.location, *schema, pgErr.Message),
					Hint: "use a database or schema of its own for hookctl (e.g. ?search_path=hookctl)",
				}
			}
			return from, cur, db.wrap(fmt.Sprintf("migrate to version %d", m.Version), err)
		}
		cur = m.Version
	}
	return from, cur, nil
}

func newerSchema(location string, cur, latest int) error {
	return &store.EnvironmentError{
		Err:  fmt.Errorf("store %s has schema version %d, newer than this hookctl supports (%d)", location, cur, latest),
		Hint: "upgrade hookctl to use this store",
	}
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func currentVersion(ctx context.Context, q querier) (int, error) {
	var v int
	err := q.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM hookctl_schema_migrations`).Scan(&v)
	return v, err
}

// SchemaVersion implements store.Migrator.
func (db *DB) SchemaVersion(ctx context.Context) (current, latest int, err error) {
	v, err := currentVersion(ctx, db.pool)
	return v, LatestVersion(), db.wrap("schema version", err)
}

// Migrate implements store.Migrator.
func (db *DB) Migrate(ctx context.Context) (from, to int, err error) { return db.migrate(ctx) }

// Info implements store.Store.
func (db *DB) Info(ctx context.Context) (store.Info, error) {
	info := store.Info{Backend: "postgres", Location: db.location}
	v, err := currentVersion(ctx, db.pool)
	if err != nil {
		return info, db.wrap("store info", err)
	}
	info.SchemaVersion = v
	err = db.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM subscriptions),
		(SELECT count(*) FROM events),
		(SELECT count(*) FROM deliveries),
		(SELECT count(*) FROM attempts)`).Scan(&info.Subscriptions, &info.Events, &info.Deliveries, &info.Attempts)
	return info, db.wrap("store info", err)
}

// ---- helpers ----

// ts converts a time for a timestamptz column: NULL for the zero time,
// else UTC at microsecond precision (PostgreSQL's, and the SQLite store's).
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Truncate(time.Microsecond)
}

func fromTs(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// jmap stores a map as jsonb, NULL when empty.
func jmap[M ~map[string]V, V any](m M) any {
	if len(m) == 0 {
		return nil
	}
	return m
}

func nilIfEmpty[M ~map[string]V, V any](m M) M {
	if len(m) == 0 {
		return nil
	}
	return m
}

func jlist(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func nullStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

type queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// resolve finds the full ID for an ID or unique prefix in table.
func (db *DB) resolve(ctx context.Context, q queryer, kind, table, idOrPrefix string) (string, error) {
	if idOrPrefix == "" {
		return "", &store.NotFoundError{Kind: kind, ID: idOrPrefix}
	}
	idOrPrefix = store.NormalizeIDPrefix(idOrPrefix)
	rows, err := q.Query(ctx, `SELECT id FROM `+table+` WHERE id LIKE $1 ORDER BY id LIMIT 4`, likeEscape(idOrPrefix)+"%")
	if err != nil {
		return "", db.wrap("find "+kind, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", db.wrap("find "+kind, err)
	}
	return store.ResolvePrefix(kind, idOrPrefix, ids)
}

// patternClause returns a SQL condition on col for an event type pattern
// (exact, "*", or "prefix.*"), appending its argument to args.
func patternClause(col, pattern string, args *[]any) string {
	switch {
	case pattern == "" || pattern == "*":
		return "TRUE"
	case strings.HasSuffix(pattern, ".*") && len(pattern) > 2:
		*args = append(*args, likeEscape(pattern[:len(pattern)-1])+"_%")
		return fmt.Sprintf("%s LIKE $%d", col, len(*args))
	default:
		*args = append(*args, pattern)
		return fmt.Sprintf("%s = $%d", col, len(*args))
	}
}

// ---- subscriptions ----

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
	s.Headers, s.Metadata = nilIfEmpty(s.Headers), nilIfEmpty(s.Metadata)
	s.PreviousSecretExpiresAt, s.CreatedAt, s.UpdatedAt = fromTs(prevExp), fromTs(created), fromTs(updated)
	return &s, nil
}

func subscriptionArgs(s *store.Subscription) []any {
	return []any{s.ID, s.CallbackURL, jlist(s.Events), s.Description, s.Status, s.Secret, s.PreviousSecret,
		ts(s.PreviousSecretExpiresAt), s.Provider, s.Scheme, s.Method, jmap(s.Headers), jmap(s.Metadata), ts(s.CreatedAt), ts(s.UpdatedAt)}
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
	_, err := db.pool.Exec(ctx, subscriptionInsert, subscriptionArgs(s)...)
	return db.wrap("create subscription", err)
}

// GetSubscription implements store.Store.
func (db *DB) GetSubscription(ctx context.Context, idOrPrefix string) (*store.Subscription, error) {
	// Fast path: a full ID (what workers and scripts pass) is one query.
	s, err := scanSubscription(db.pool.QueryRow(ctx, `SELECT `+subscriptionCols+` FROM subscriptions WHERE id = $1`, idOrPrefix))
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

// ListSubscriptions implements store.Store: oldest first.
func (db *DB) ListSubscriptions(ctx context.Context, f store.SubscriptionFilter) ([]*store.Subscription, error) {
	args := []any{}
	where := "TRUE"
	if f.Status != "" {
		args = append(args, f.Status)
		where = "status = $1"
	}
	rows, err := db.pool.Query(ctx, `SELECT `+subscriptionCols+` FROM subscriptions WHERE `+where+` ORDER BY created_at, id`, args...)
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
	}
	return out, db.wrap("list subscriptions", rows.Err())
}

// UpdateSubscription implements store.Store.
func (db *DB) UpdateSubscription(ctx context.Context, s *store.Subscription) error {
	s.UpdatedAt = now()
	s.Events = jlist(s.Events)
	tag, err := db.pool.Exec(ctx, `UPDATE subscriptions SET callback_url = $2, events = $3, description = $4,
		status = $5, secret = $6, previous_secret = $7, previous_secret_expires_at = $8, provider = $9,
		scheme = $10, method = $11, headers = $12, metadata = $13, updated_at = $14
		WHERE id = $1`, s.ID, s.CallbackURL, jlist(s.Events), s.Description, s.Status, s.Secret, s.PreviousSecret,
		ts(s.PreviousSecretExpiresAt), s.Provider, s.Scheme, s.Method, jmap(s.Headers), jmap(s.Metadata), ts(s.UpdatedAt))
	if err != nil {
		return db.wrap("update subscription", err)
	}
	if tag.RowsAffected() == 0 {
		return &store.NotFoundError{Kind: "subscription", ID: s.ID}
	}
	return nil
}

// DeleteSubscription implements store.Store. Deliveries keep their history
// (subscription_id becomes NULL).
func (db *DB) DeleteSubscription(ctx context.Context, id string) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM subscriptions WHERE id = $1`, id)
	if err != nil {
		return db.wrap("delete subscription", err)
	}
	if tag.RowsAffected() == 0 {
		return &store.NotFoundError{Kind: "subscription", ID: id}
	}
	return nil
}

// ---- events ----

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
	e.Headers = nilIfEmpty(e.Headers)
	e.CreatedAt = fromTs(created)
	return &e, nil
}

func eventArgs(e *store.Event) []any {
	payload := e.Payload
	if payload == nil {
		payload = []byte{}
	}
	return []any{e.ID, e.Type, e.Provider, payload, e.ContentType, e.Source, jmap(e.Headers), ts(e.CreatedAt), e.Verdict}
}

const eventInsert = `INSERT INTO events (` + eventCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`

const deliveryCols = `seq, id, event_id, subscription_id, url, method, scheme, secret, headers, status,
	attempt_count, max_attempts, schedule, next_attempt_at, last_error, last_status, run_id,
	lease_owner, lease_expires_at, created_at, updated_at, origin_id, kind`

// deliveryInsert lets the store assign seq (DEFAULT).
const deliveryInsert = `INSERT INTO deliveries (id, event_id, subscription_id, url, method, scheme, secret, headers, status,
	attempt_count, max_attempts, schedule, next_attempt_at, last_error, last_status, run_id,
	lease_owner, lease_expires_at, created_at, updated_at, origin_id, kind)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
	RETURNING seq`

func deliveryArgs(d *store.Delivery) []any {
	return []any{d.ID, d.EventID, nullStr(d.SubscriptionID), d.URL, d.Method, d.Scheme, d.Secret, jmap(d.Headers), d.Status,
		d.AttemptCount, d.MaxAttempts, d.Schedule, ts(d.NextAttemptAt), d.LastError, d.LastStatus, d.RunID,
		d.LeaseOwner, ts(d.LeaseExpiresAt), ts(d.CreatedAt), ts(d.UpdatedAt), d.OriginID, d.Kind}
}

func scanDelivery(row pgx.Row) (*store.Delivery, error) {
	var d store.Delivery
	var sub *string
	var next, lease, created, updated *time.Time
	err := row.Scan(&d.Seq, &d.ID, &d.EventID, &sub, &d.URL, &d.Method, &d.Scheme, &d.Secret, &d.Headers, &d.Status,
		&d.AttemptCount, &d.MaxAttempts, &d.Schedule, &next, &d.LastError, &d.LastStatus, &d.RunID,
		&d.LeaseOwner, &lease, &created, &updated, &d.OriginID, &d.Kind)
	if err != nil {
		return nil, err
	}
	if sub != nil {
		d.SubscriptionID = *sub
	}
	d.Headers = nilIfEmpty(d.Headers)
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

// CreateEvent implements store.Store: the event (unless its ID exists) and
// its deliveries in one transaction, sent as one pipelined batch.
func (db *DB) CreateEvent(ctx context.Context, e *store.Event, deliveries []*store.Delivery) error {
	store.PrepareEvent(e, deliveries, now())
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(eventInsert, eventArgs(e)...)
		for _, d := range deliveries {
			b.Queue(deliveryInsert, deliveryArgs(d)...).QueryRow(func(row pgx.Row) error { return row.Scan(&d.Seq) })
		}
		return tx.SendBatch(ctx, b).Close()
	})
	return db.wrap("create event", err)
}

// GetEvent implements store.Store.
func (db *DB) GetEvent(ctx context.Context, idOrPrefix string) (*store.Event, error) {
	// Fast path: a full ID (what workers and scripts pass) is one query.
	e, err := scanEvent(db.pool.QueryRow(ctx, `SELECT `+eventCols+` FROM events WHERE id = $1`, idOrPrefix))
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
	args := []any{}
	conds := []string{patternClause("e.type", f.TypePattern, &args)}
	if f.Source != "" {
		args = append(args, f.Source)
		conds = append(conds, fmt.Sprintf("e.source = $%d", len(args)))
	}
	if !f.Since.IsZero() {
		args = append(args, ts(f.Since))
		conds = append(conds, fmt.Sprintf("e.created_at >= $%d", len(args)))
	}
	if !f.Until.IsZero() {
		args = append(args, ts(f.Until))
		conds = append(conds, fmt.Sprintf("e.created_at < $%d", len(args)))
	}
	limit := ""
	if f.Limit > 0 {
		limit = fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	q := `SELECT e.id, e.type, e.provider, e.payload, e.content_type, e.source, e.headers, e.created_at, e.verdict,
		coalesce(c.pending, 0), coalesce(c.succeeded, 0), coalesce(c.failed, 0)
		FROM (SELECT * FROM events e WHERE ` + strings.Join(conds, " AND ") + ` ORDER BY e.created_at DESC, e.seq DESC` + limit + `) e
		LEFT JOIN LATERAL (SELECT
			count(*) FILTER (WHERE status = 'pending') AS pending,
			count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
			count(*) FILTER (WHERE status = 'failed') AS failed
			FROM deliveries d WHERE d.event_id = e.id) c ON TRUE
		ORDER BY e.created_at DESC, e.seq DESC`
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, db.wrap("list events", err)
	}
	defer rows.Close()
	out := []*store.EventSummary{}
	for rows.Next() {
		var sum store.EventSummary
		e, err := scanEvent(rows, &sum.Pending, &sum.Succeeded, &sum.Failed)
		if err != nil {
			return nil, db.wrap("list events", err)
		}
		sum.Event = *e
		out = append(out, &sum)
	}
	return out, db.wrap("list events", rows.Err())
}

// ---- deliveries ----

// GetDelivery implements store.Store.
func (db *DB) GetDelivery(ctx context.Context, idOrPrefix string) (*store.Delivery, error) {
	// Fast path: a full ID (what workers and scripts pass) is one query.
	d, err := scanDelivery(db.pool.QueryRow(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE id = $1`, idOrPrefix))
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
	if f.EventPattern != "" || f.Source != "" {
		from += " JOIN events e ON e.id = d.event_id"
	}
	conds := []string{"TRUE"}
	add := func(cond string, v any) {
		*args = append(*args, v)
		conds = append(conds, fmt.Sprintf(cond, len(*args)))
	}
	if f.Status != "" {
		add("d.status = $%d", f.Status)
	}
	if f.EventPattern != "" {
		conds = append(conds, patternClause("e.type", f.EventPattern, args))
	}
	if f.Source != "" {
		add("e.source = $%d", f.Source)
	}
	if f.SubscriptionID != "" {
		add("d.subscription_id = $%d", f.SubscriptionID)
	}
	if f.EventID != "" {
		add("d.event_id = $%d", f.EventID)
	}
	if f.RunID != "" {
		add("d.run_id = $%d", f.RunID)
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
	return from, strings.Join(conds, " AND ")
}

// ListDeliveries implements store.Store: by Seq ascending, or descending
// with f.Newest.
func (db *DB) ListDeliveries(ctx context.Context, f store.DeliveryFilter) ([]*store.Delivery, error) {
	args := []any{}
	from, where := deliveryWhere(f, &args)
	q := `SELECT ` + prefixCols("d.", deliveryCols) + ` FROM ` + from + ` WHERE ` + where + ` ORDER BY d.seq`
	if f.Newest {
		q += " DESC"
	}
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, db.wrap("list deliveries", err)
	}
	out, err := collectDeliveries(rows)
	return out, db.wrap("list deliveries", err)
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
	response_status, response_headers, response_body, error`

func scanAttempt(row pgx.Row) (*store.Attempt, error) {
	var a store.Attempt
	var started *time.Time
	var dur int64
	err := row.Scan(&a.DeliveryID, &a.Number, &started, &dur, &a.RequestURL, &a.RequestMethod, &a.RequestHeaders,
		&a.ResponseStatus, &a.ResponseHeaders, &a.ResponseBody, &a.Error)
	if err != nil {
		return nil, err
	}
	a.RequestHeaders, a.ResponseHeaders = nilIfEmpty(a.RequestHeaders), nilIfEmpty(a.ResponseHeaders)
	if len(a.ResponseBody) == 0 {
		a.ResponseBody = nil
	}
	a.StartedAt, a.Duration = fromTs(started), time.Duration(dur)
	return &a, nil
}

func attemptArgs(a *store.Attempt) []any {
	return []any{a.DeliveryID, a.Number, ts(a.StartedAt), int64(a.Duration), a.RequestURL, a.RequestMethod, jmap(a.RequestHeaders),
		a.ResponseStatus, jmap(a.ResponseHeaders), a.ResponseBody, a.Error}
}

const attemptInsert = `INSERT INTO attempts (` + attemptCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`

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

// ClaimDue implements store.Store. The inner SELECT … FOR UPDATE SKIP
// LOCKED lets concurrent claimers (any number of processes) pass over rows
// another transaction is claiming instead of queueing behind it; the lease
// condition is re-checked on the locked row version, so a row another
// claimer leased first is never taken twice.
func (db *DB) ClaimDue(ctx context.Context, owner string, at time.Time, lease time.Duration, limit int, runID string) ([]*store.Delivery, error) {
	if limit <= 0 {
		return []*store.Delivery{}, nil
	}
	args := []any{owner, ts(at.Add(lease)), ts(at), limit}
	run := ""
	if runID != "" {
		args = append(args, runID)
		run = " AND run_id = $5"
	}
	rows, err := db.pool.Query(ctx, `UPDATE deliveries SET lease_owner = $1, lease_expires_at = $2
		WHERE id IN (
			SELECT id FROM deliveries
			WHERE status = 'pending' AND next_attempt_at <= $3
			  AND (lease_owner = '' OR lease_expires_at <= $3)`+run+`
			ORDER BY next_attempt_at, seq
			LIMIT $4
			FOR UPDATE SKIP LOCKED)
		RETURNING `+deliveryCols, args...)
	if err != nil {
		return nil, db.wrap("claim deliveries", err)
	}
	out, err := collectDeliveries(rows)
	if err != nil {
		return nil, db.wrap("claim deliveries", err)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].NextAttemptAt.Equal(out[j].NextAttemptAt) {
			return out[i].NextAttemptAt.Before(out[j].NextAttemptAt)
		}
		return out[i].Seq < out[j].Seq
	})
	return out, nil
}

// recordAttemptSQL stores an attempt and, while $12 still holds the
// lease, applies the update and releases the lease: one statement, so one
// round trip and one implicit transaction. The delivery row is locked
// first (FOR UPDATE), which serialises recorders of one delivery.
const recordAttemptSQL = `WITH d AS (
		SELECT id, lease_owner FROM deliveries WHERE id = $1 FOR UPDATE
	), ins AS (
		INSERT INTO attempts (` + attemptCols + `)
		SELECT d.id, GREATEST($2::int, coalesce((SELECT max(number) FROM attempts a WHERE a.delivery_id = d.id), 0) + 1),
			$3, $4, $5, $6, $7, $8, $9, $10, $11
		FROM d
		RETURNING number
	), upd AS (
		UPDATE deliveries SET status = $13, attempt_count = attempt_count + 1, next_attempt_at = $14,
			last_error = $15, last_status = $16, lease_owner = '', lease_expires_at = NULL, updated_at = $17
		FROM d WHERE deliveries.id = d.id AND d.lease_owner = $12
		RETURNING 1
	)
	SELECT (SELECT number FROM ins), EXISTS (SELECT 1 FROM upd)`

// RecordAttempt implements store.Store: the attempt is always kept; the
// delivery is updated (and its lease released) only while owner holds the
// lease, else ErrLeaseLost.
func (db *DB) RecordAttempt(ctx context.Context, owner string, a *store.Attempt, u store.DeliveryUpdate) error {
	if a.StartedAt.IsZero() {
		a.StartedAt = now()
	}
	n := now()
	var next any
	if u.Status == store.DeliveryPending {
		next = ts(u.NextAttemptAt)
		if next == nil {
			next = n
		}
	}
	args := append(attemptArgs(a), owner, u.Status, next, u.LastError, u.LastStatus, n)
	for try := 0; ; try++ {
		var number *int
		var applied bool
		err := db.pool.QueryRow(ctx, recordAttemptSQL, args...).Scan(&number, &applied)
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

// Requeue implements store.Store.
func (db *DB) Requeue(ctx context.Context, ids []string, r store.Requeue) ([]string, error) {
	due := r.Now
	if due.IsZero() {
		due = time.Now()
	}
	extra := r.ExtraAttempts
	if extra < 1 {
		extra = 1
	}
	out := []string{}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		out = out[:0]
		for _, id := range ids {
			var status string
			err := tx.QueryRow(ctx, `SELECT status FROM deliveries WHERE id = $1 FOR UPDATE`, id).Scan(&status)
			if errors.Is(err, pgx.ErrNoRows) {
				return &store.NotFoundError{Kind: "delivery", ID: id}
			}
			if err != nil {
				return err
			}
			if status == store.DeliverySucceeded && !r.Force {
				continue
			}
			_, err = tx.Exec(ctx, `UPDATE deliveries SET status = 'pending', next_attempt_at = $2,
				max_attempts = attempt_count + $3,
				url = CASE WHEN $4::text <> '' THEN $4 ELSE url END,
				schedule = CASE WHEN $5::text <> '' THEN $5 ELSE schedule END,
				run_id = CASE WHEN $6::text <> '' THEN $6 ELSE run_id END,
				lease_owner = '', lease_expires_at = NULL, updated_at = $7
				WHERE id = $1`,
				id, ts(due), extra, r.URL, r.Schedule, r.RunID, now())
			if err != nil {
				return err
			}
			out = append(out, id)
		}
		return nil
	})
	if err != nil {
		return nil, db.wrap("requeue", err)
	}
	return out, nil
}

// ---- export / import ----

// Export implements store.Store: every record from one consistent snapshot
// (REPEATABLE READ), streamed: subscriptions, events, deliveries, attempts,
// each in creation order.
func (db *DB) Export(ctx context.Context, fn func(store.Record) error) error {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return db.wrap("export", err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	var fnErr error
	each := func(q string, scan func(pgx.Rows) (store.Record, error)) error {
		rows, err := tx.Query(ctx, q)
		if err != nil {
			return db.wrap("export", err)
		}
		defer rows.Close()
		for rows.Next() {
			rec, err := scan(rows)
			if err != nil {
				return db.wrap("export", err)
			}
			if err := fn(rec); err != nil {
				fnErr = err
				return err
			}
		}
		return db.wrap("export", rows.Err())
	}
	steps := []func() error{
		func() error {
			return each(`SELECT `+subscriptionCols+` FROM subscriptions ORDER BY created_at, id`, func(r pgx.Rows) (store.Record, error) {
				s, err := scanSubscription(r)
				return store.Record{Subscription: s}, err
			})
		},
		func() error {
			return each(`SELECT `+eventCols+` FROM events ORDER BY seq`, func(r pgx.Rows) (store.Record, error) {
				e, err := scanEvent(r)
				return store.Record{Event: e}, err
			})
		},
		func() error {
			return each(`SELECT `+deliveryCols+` FROM deliveries ORDER BY seq`, func(r pgx.Rows) (store.Record, error) {
				d, err := scanDelivery(r)
				return store.Record{Delivery: d}, err
			})
		},
		func() error {
			return each(`SELECT `+prefixCols("a.", attemptCols)+` FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
				ORDER BY d.seq, a.number`, func(r pgx.Rows) (store.Record, error) {
				a, err := scanAttempt(r)
				return store.Record{Attempt: a}, err
			})
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			if fnErr != nil {
				return fnErr
			}
			return err
		}
	}
	return nil
}

// Import implements store.Store: writes one record as is, skipping it when
// its ID (for attempts: delivery and number) exists. A delivery keeps its
// Seq unless another delivery has it; a delivery whose subscription is not
// in the store keeps its history with no subscription.
func (db *DB) Import(ctx context.Context, r store.Record) error {
	return db.ImportBatch(ctx, []store.Record{r})
}

// ImportBatch implements store.BatchImporter with Import's semantics, in
// one transaction: each kind is loaded with COPY into a temporary table and
// inserted from there (subscriptions, events, deliveries, attempts: the
// order of an export).
func (db *DB) ImportBatch(ctx context.Context, records []store.Record) error {
	var subs, evs, dels, atts [][]any
	for i, r := range records {
		switch {
		case r.Subscription != nil:
			s := *r.Subscription
			if s.ID == "" {
				return fmt.Errorf("import: record %d: subscription without an id", i+1)
			}
			subs = append(subs, subscriptionArgs(&s))
		case r.Event != nil:
			if r.Event.ID == "" {
				return fmt.Errorf("import: record %d: event without an id", i+1)
			}
			evs = append(evs, eventArgs(r.Event))
		case r.Delivery != nil:
			d := r.Delivery
			if d.ID == "" || d.EventID == "" {
				return fmt.Errorf("import: record %d: delivery without an id or event id", i+1)
			}
			dels = append(dels, append([]any{d.Seq}, deliveryArgs(d)...))
		case r.Attempt != nil:
			if r.Attempt.DeliveryID == "" {
				return fmt.Errorf("import: record %d: attempt without a delivery id", i+1)
			}
			atts = append(atts, attemptArgs(r.Attempt))
		}
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := copyTemp(ctx, tx, "subscriptions", subscriptionCols, subs); err != nil {
			return err
		}
		if err := copyTemp(ctx, tx, "events", eventCols, evs); err != nil {
			return err
		}
		if err := copyTemp(ctx, tx, "deliveries", deliveryCols, dels); err != nil {
			return err
		}
		if err := copyTemp(ctx, tx, "attempts", attemptCols, atts); err != nil {
			return err
		}
		if len(subs) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO subscriptions (`+subscriptionCols+`)
				SELECT `+prefixCols("t.", subscriptionCols)+` FROM hookctl_import_subscriptions t ON CONFLICT (id) DO NOTHING`); err != nil {
				return err
			}
		}
		if len(evs) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO events (`+eventCols+`)
				SELECT `+prefixCols("t.", eventCols)+` FROM hookctl_import_events t ORDER BY t.created_at ON CONFLICT (id) DO NOTHING`); err != nil {
				return err
			}
		}
		if len(dels) > 0 {
			// Keeping imported Seqs while other processes insert: hold off
			// concurrent writers of deliveries for this transaction, move
			// the identity past every Seq in play, then insert.
			if _, err := tx.Exec(ctx, `LOCK TABLE deliveries IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('deliveries', 'seq'), GREATEST(
				(SELECT coalesce(max(seq), 0) FROM deliveries), (SELECT coalesce(max(seq), 0) FROM hookctl_import_deliveries), 1))`); err != nil {
				return err
			}
			cols := strings.Replace(deliveryCols, "seq, ", "", 1)
			sel := strings.Replace(prefixCols("t.", cols), "t.subscription_id",
				`(SELECT s.id FROM subscriptions s WHERE s.id = t.subscription_id)`, 1)
			if _, err := tx.Exec(ctx, `INSERT INTO deliveries (seq, `+cols+`)
				SELECT CASE WHEN t.seq > 0 AND NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.seq = t.seq) THEN t.seq
					ELSE nextval(pg_get_serial_sequence('deliveries', 'seq')) END, `+sel+`
				FROM hookctl_import_deliveries t
				WHERE NOT EXISTS (SELECT 1 FROM deliveries x WHERE x.id = t.id)
				ORDER BY t.seq`); err != nil {
				return err
			}
		}
		if len(atts) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO attempts (`+attemptCols+`)
				SELECT `+prefixCols("t.", attemptCols)+` FROM hookctl_import_attempts t ON CONFLICT (delivery_id, number) DO NOTHING`); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23503" { // foreign_key_violation
			return fmt.Errorf("import: %s (records must come in export order: subscriptions, events, deliveries, attempts)", pgErr.Detail)
		}
		return db.wrap("import", err)
	}
	return nil
}

// copyTemp loads rows with COPY into hookctl_import_<table>, a temporary
// table with table's columns and no constraints, dropped at commit.
func copyTemp(ctx context.Context, tx pgx.Tx, table, cols string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	tmp := "hookctl_import_" + table
	if _, err := tx.Exec(ctx, `DROP TABLE IF EXISTS `+tmp); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE `+tmp+` ON COMMIT DROP AS SELECT `+cols+` FROM `+table+` WITH NO DATA`); err != nil {
		return err
	}
	names := strings.Split(cols, ",")
	for i := range names {
		names[i] = strings.TrimSpace(names[i])
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{tmp}, names, pgx.CopyFromRows(rows))
	return err
}
