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
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hookctl/hookctl/internal/store"
)

// DB is the PostgreSQL store.
type DB struct {
	pool         *pgxpool.Pool
	location     string   // URL, password masked
	secrets      []string // password, sslpassword: scrubbed from messages
	searchPath   string   // from the URL, if any
	user, dbname string
	// existing: opened by OpenExisting, which refuses a schema without
	// hookctl's tables instead of creating them.
	existing bool
	// openedAt is the schema version open found (0: a new store), before
	// the migrations it applied: Migrate reports them.
	openedAt int
	// clock, when set, is this handle's clock instead of the package's
	// (UseClock: tests give two handles clocks that disagree).
	clock func() time.Time
	// waitSlots bounds the connections the lease renewals that wait for a
	// lock hold at once (WaitRenewLease, HoldRenewLeases): a quarter of
	// the pool, at most 4, so they never take the connections the claims,
	// records and the lock's holder itself need (a pool_max_conns under 4
	// leaves none: those renewals are not waited for).
	waitSlots chan struct{}
}

var (
	_ store.Store         = (*DB)(nil)
	_ store.Migrator      = (*DB)(nil)
	_ store.Locator       = (*DB)(nil)
	_ store.ClockSkewer   = (*DB)(nil)
	_ store.BatchImporter = (*DB)(nil)
	_ store.StatsImporter = (*DB)(nil)
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

// OpenExisting is Open for the commands that only read or change what is
// stored (events log, deliveries, store export, …): a schema that does not
// exist (a typo in search_path) is an environment error wrapping a
// *store.NoStoreError, not a new schema and empty tables that pass for an
// empty history. An older store is still migrated, and an existing schema
// without hookctl's tables gets them (an empty store, as a 0-byte SQLite
// file is), unless the user may not create them there (NoStoreError).
func OpenExisting(ctx context.Context, rawURL string) (store.Store, error) {
	db, err := openDB(ctx, rawURL, true, false)
	if err != nil {
		return nil, err
	}
	return db, nil
}

// OpenDB is Open returning the concrete store.
func OpenDB(ctx context.Context, rawURL string) (*DB, error) {
	return openDB(ctx, rawURL, false, false)
}

// OpenReader opens a store of the current schema for reading, for shell
// completion: it creates, migrates and locks nothing, and refuses a
// schema without a hookctl store or with an older or newer one. ctx bounds
// the connection (its deadline, not the 5 s connect timeout).
func OpenReader(ctx context.Context, rawURL string) (store.Store, error) {
	return openDB(ctx, rawURL, true, true)
}

// openDB opens the store at rawURL; existing: refuse a schema without a
// store; reader: refuse one not at the latest version, migrating nothing.
func openDB(ctx context.Context, rawURL string, existing, reader bool) (*DB, error) {
	masked := store.MaskURL(rawURL)
	secrets := store.DSNSecrets(rawURL)
	clean := func(err error) string { return scrub(err.Error(), secrets) }

	if unescapedAt(rawURL) {
		// pgconn ends the password at the first @ and takes the rest of it
		// for the host name, which its errors (and ours) would then print.
		return nil, &store.EnvironmentError{
			Err:  fmt.Errorf("invalid PostgreSQL URL %s: the user name or password holds an @ that is not escaped", masked),
			Hint: "write @ as %40 in the user name and password of the store URL",
			Code: 2,
		}
	}
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		if store.IsKeyValueDSN(rawURL) {
			// A key=value string that did not parse may quote its password
			// in a way the masking does not read: hide all after password=.
			masked, clean = maskMalformedDSN(rawURL, clean)
		}
		return nil, &store.EnvironmentError{
			Err:  fmt.Errorf("invalid PostgreSQL URL %s: %s", masked, clean(parseCause(err))),
			Hint: "use postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=disable",
			Code: 2, // bad input, like an unknown scheme: nothing was tried
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
	db := &DB{pool: pool, location: masked, secrets: secrets, searchPath: cfg.ConnConfig.RuntimeParams["search_path"],
		user: cfg.ConnConfig.User, dbname: cfg.ConnConfig.Database, existing: existing,
		waitSlots: make(chan struct{}, min(4, int(cfg.MaxConns)/4))}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, db.connectError(cfg, err)
	}
	if reader {
		if err := db.storeLater(ctx, pool, db.firstSchema(ctx, pool)); err != nil {
			pool.Close()
			return nil, err
		}
		v, err := currentVersion(ctx, pool)
		if err != nil && isUndefinedTable(err) {
			// No hookctl store on the path: say so as OpenExisting does,
			// not with PostgreSQL's words about a missing table.
			err = db.readerNoStore(ctx, pool)
			pool.Close()
			return nil, err
		}
		if err == nil && v != LatestVersion() {
			err = fmt.Errorf("PostgreSQL store %s: schema %d, not %d", masked, v, LatestVersion())
		}
		if err != nil {
			pool.Close()
			return nil, db.wrap("open", err)
		}
		db.openedAt = v
		return db, nil
	}
	if db.openedAt, _, err = db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// unescapedAt reports whether the user information of a postgres:// URL
// holds an @ that is not written %40 (p@ss in postgres://app:p@ss@db/hooks).
func unescapedAt(raw string) bool {
	_, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return false
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return strings.Count(rest, "@") > 1
}

// parseCause is what pgconn found wrong with a connection string, without
// its quote of the whole string ("cannot parse `…`: invalid port"): the
// message gives the masked URL once.
func parseCause(err error) error {
	if inner := errors.Unwrap(err); inner != nil {
		err = inner
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "cannot parse `") {
		if i := strings.LastIndex(msg, "`: "); i >= 0 {
			return errors.New(msg[i+3:])
		}
	}
	return err
}

// maskMalformedDSN masks a key=value connection string that did not parse
// from its password= to the end, and scrubs each word that follows
// password= from messages about it (pgconn quotes fragments of it).
func maskMalformedDSN(raw string, clean func(error) string) (string, func(error) string) {
	loc := regexp.MustCompile(`\b(?:ssl)?password\s*=\s*`).FindStringIndex(raw)
	if loc == nil {
		return store.MaskURL(raw), clean
	}
	words := strings.FieldsFunc(raw[loc[1]:], func(r rune) bool { return r == ' ' || r == '\'' || r == '\t' })
	return raw[:loc[1]] + "xxxxx", func(err error) string {
		msg := clean(err)
		for _, w := range words {
			msg = store.ScrubPassword(msg, w)
		}
		return msg
	}
}

func (db *DB) connectError(cfg *pgxpool.Config, err error) error {
	msg := scrub(oneLine(err), db.secrets)
	var pgErr *pgconn.PgError
	hint := fmt.Sprintf("is PostgreSQL running and reachable %s? check --store or HOOKCTL_STORE", serverAddress(cfg.ConnConfig.Host, cfg.ConnConfig.Port))
	if errors.As(err, &pgErr) {
		msg = pgErr.Message
		switch {
		case strings.Contains(pgErr.Message, "pg_hba.conf"):
			// The server has no rule for this host, user and database, or
			// only one that needs TLS.
			hint = "the server's pg_hba.conf has no entry for this host, user and database"
			if strings.Contains(pgErr.Message, "no encryption") {
				hint += "; if it only accepts TLS, use sslmode=require in the store URL"
			}
		case pgErr.Code == "28P01" || pgErr.Code == "28000":
			hint = "check the user name and password in the store URL"
		case pgErr.Code == "3D000":
			// Said as a SQLite store whose file does not exist is (the
			// factory's ExistingStore): where, why, where the location
			// comes from, how to make one.
			return &store.EnvironmentError{
				Err:  fmt.Errorf("no store at %s: the database %q does not exist", db.location, cfg.ConnConfig.Database),
				Hint: "check --store, HOOKCTL_STORE or the store setting",
				More: []string{fmt.Sprintf("create the database first, e.g. createdb %s: hookctl subscribe, trigger, listen, serve, store import and store migrate then create a new store in it", cfg.ConnConfig.Database)},
			}
		case pgErr.Code == "53300":
			hint = tooManyConnectionsHint
		case startupSettingRefused(pgErr):
			hint = startupSettingHint
		}
	} else if tlsHint := tlsConnectHint(err); tlsHint != "" {
		hint = tlsHint
	}
	if hosts := serverAddresses(cfg); len(hosts) > 1 {
		// Several hosts (postgres://a:5432,b:5433/db): pgx tries each in
		// turn; say what each said, and name them all.
		if each := perHost(err, db.secrets); each != "" {
			msg = each
		}
		if pgErr == nil || strings.HasPrefix(hint, "is PostgreSQL running") {
			hint = fmt.Sprintf("is PostgreSQL running and reachable %s? (each was tried) check --store or HOOKCTL_STORE", strings.Join(hosts, " or "))
		}
	}
	unreachable := transientConnect(err)
	return &store.EnvironmentError{
		Err:              fmt.Errorf("cannot connect to PostgreSQL store %s: %s", db.location, msg),
		Hint:             hint,
		Transient:        unreachable,
		Unreachable:      unreachable,
		NoConnectionLeft: pgErr != nil && pgErr.Code == "53300",
	}
}

// startupSettingHint is the hint for a setting the server refused when
// the connection started: the URL's options= (or PGOPTIONS), or a query
// parameter pgx sends as a setting of its own.
const startupSettingHint = "check the settings the store URL sends: options= takes -c name=value for each, " +
	"spaces written %20 (a + is not a space there: options=-c%20search_path%3Dx), " +
	"a query parameter pgx does not know is sent as a setting of that name; also PGOPTIONS"

// startupSettingRefused says whether the server refused a setting sent at
// connection start: an unknown name (42704), a bad value (22023) or one
// the role may not set (42501 "permission denied to set parameter").
func startupSettingRefused(pgErr *pgconn.PgError) bool {
	switch pgErr.Code {
	case "42704":
		return strings.Contains(pgErr.Message, "configuration parameter")
	case "22023":
		return strings.Contains(pgErr.Message, "parameter")
	case "42501":
		return strings.Contains(pgErr.Message, "set parameter")
	}
	return false
}

// serverAddresses are where a connection with cfg goes, first the
// URL's first host, then each other one (pgx's Fallbacks, which repeat a
// host for each TLS mode), once each, as serverAddress says them.
func serverAddresses(cfg *pgxpool.Config) []string {
	seen := map[string]bool{}
	var out []string
	add := func(host string, port uint16) {
		if a := serverAddress(host, port); !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	add(cfg.ConnConfig.Host, cfg.ConnConfig.Port)
	for _, fb := range cfg.ConnConfig.Fallbacks {
		add(fb.Host, fb.Port)
	}
	return out
}

// perHost is what each host tried said, one after the other ("dial tcp
// a:5432: connect: connection refused; b:5433: password authentication
// failed for user …"), from the errors pgx joins when every host failed;
// "" when err holds no such list.
func perHost(err error, secrets []string) string {
	var ce *pgconn.ConnectError
	if !errors.As(err, &ce) {
		return ""
	}
	joined, ok := ce.Unwrap().(interface{ Unwrap() []error })
	if !ok {
		return ""
	}
	var parts []string
	seen := map[string]bool{}
	for _, e := range joined.Unwrap() {
		var part string
		var pgErr *pgconn.PgError
		var op *net.OpError
		switch {
		case errors.As(e, &pgErr):
			// pgx's own words start with the address it tried.
			addr, _, _ := strings.Cut(e.Error(), " ")
			part = addr + ": " + pgErr.Message
		case errors.As(e, &op):
			part = op.Error()
		default:
			part = oneLine(e)
		}
		if part = scrub(part, secrets); !seen[part] {
			seen[part] = true
			parts = append(parts, part)
		}
	}
	return strings.Join(parts, "; ")
}

// serverAddress says where a connection to host and port goes, as psql
// does: "on socket /dir/.s.PGSQL.5432" for a directory (host=/dir, a
// Unix-domain socket), "at host:port" otherwise ([::1]:5432 for IPv6).
func serverAddress(host string, port uint16) string {
	network, addr := pgconn.NetworkAddress(host, port)
	if network == "unix" {
		return "on socket " + addr
	}
	return "at " + addr
}

// transientConnect reports whether a failure to connect may pass by
// itself, so that a command starting beside the server (docker-compose, a
// CI job) may wait for it: nothing listening yet, the server starting up
// or shutting down (57P03), no connection left (53300), the host name not
// resolving yet, a timeout, the connection cut. A wrong password, a
// missing database, pg_hba.conf, a permission, TLS settings the server
// does not accept are not: they stay until someone changes them.
func transientConnect(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "57P03", "53300", "53000", "57P01", "57P02":
			// cannot_connect_now (starting up, shutting down, in
			// recovery), too_many_connections, insufficient_resources,
			// a shutdown under the connection.
			return true
		}
		return strings.HasPrefix(pgErr.Code, "08") && pgErr.Code != "08P01" // connection exceptions, not a protocol violation
	}
	if tlsConnectHint(err) != "" || errors.Is(err, context.Canceled) ||
		errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) {
		return false
	}
	var dns *net.DNSError
	return errors.As(err, &dns) || errors.Is(err, context.DeadlineExceeded) || connLost(err) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT)
}

// serverTimeout names the server setting that cancelled a query
// (statement_timeout, lock_timeout), or "" when it was not one: a limit set
// for the user or database, which a long export or prune can reach.
func serverTimeout(pgErr *pgconn.PgError) string {
	switch {
	case pgErr.Code == "57014" && strings.Contains(pgErr.Message, "statement timeout"):
		return "statement_timeout"
	case pgErr.Code == "55P03" && strings.Contains(pgErr.Message, "lock timeout"):
		return "lock_timeout"
	}
	return ""
}

// tooManyConnectionsHint: the server refused a connection because its
// max_connections, or the CONNECTION LIMIT of the user or database, is
// reached.
const tooManyConnectionsHint = "the server has no connection left for this user and database: lower pool_max_conns in the store URL " +
	"(each hookctl process opens up to 16), run fewer hookctl processes, or raise max_connections or the CONNECTION LIMIT"

// tlsConnectHint explains a TLS failure the connection ended with (""
// when it was not one): the server reachable, the sslmode wrong for it.
func tlsConnectHint(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "server refused TLS connection"):
		return "the server does not accept TLS: use sslmode=disable (or prefer) in the store URL, or enable ssl on the server"
	case strings.Contains(msg, "x509:") || strings.Contains(msg, "tls: failed to verify certificate"):
		return "the server's TLS certificate was not trusted: give its CA with sslrootcert=FILE, or use sslmode=require (encrypted, not verified)"
	}
	return ""
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

// scrub removes the URL's secrets from a message, in case a driver error quotes
// the connection string.
func scrub(msg string, secrets []string) string {
	for _, s := range secrets {
		msg = store.ScrubPassword(msg, s)
	}
	return msg
}

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
		if connLostCode(pgErr.Code) {
			return &store.EnvironmentError{
				Err:       fmt.Errorf("%s: PostgreSQL store %s went away: %s (SQLSTATE %s)", op, db.location, pgErr.Message, pgErr.Code),
				Hint:      "check that the PostgreSQL server is running and reachable",
				Transient: true,
			}
		}
		if pgErr.Code == "53300" { // too_many_connections: the pool could not grow
			return &store.EnvironmentError{
				Err:              fmt.Errorf("%s: PostgreSQL store %s has no connection left: %s", op, db.location, pgErr.Message),
				Hint:             tooManyConnectionsHint,
				Transient:        true,
				NoConnectionLeft: true,
				Reason:           "has no PostgreSQL connection left (max_connections)",
			}
		}
		if timeout := serverTimeout(pgErr); timeout != "" {
			return &store.EnvironmentError{
				Err: fmt.Errorf("%s: PostgreSQL store %s cancelled the query: the server's %s ran out (%s)",
					op, db.location, timeout, pgErr.Message),
				Hint: fmt.Sprintf("raise %s for hookctl's user or database, or in the store URL (options=-c%%20%s%%3D0)", timeout, timeout),
			}
		}
		if pgErr.Code == "42501" { // insufficient_privilege
			return &store.EnvironmentError{
				Err: fmt.Errorf("%s: PostgreSQL store %s: %s", op, db.location, pgErr.Message),
				Hint: fmt.Sprintf("the store URL's user %s lacks a privilege on hookctl's tables: grant it (GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA … TO %s) or use the user that created them",
					pgx.Identifier{db.user}.Sanitize(), pgx.Identifier{db.user}.Sanitize()),
			}
		}
		if pgErr.Code == "25006" { // read_only_sql_transaction
			return &store.EnvironmentError{
				Err:  fmt.Errorf("%s: PostgreSQL store %s is read-only (%s)", op, db.location, pgErr.Message),
				Hint: "point --store or HOOKCTL_STORE at the primary server (not a hot standby), or turn off default_transaction_read_only for this user or database",
			}
		}
		return &stateError{msg: fmt.Sprintf("%s: %s (SQLSTATE %s)", op, pgErr.Message, pgErr.Code), code: pgErr.Code}
	}
	if pgconn.SafeToRetry(err) || isConnErr(err) || connLost(err) {
		return &store.EnvironmentError{
			Err:       fmt.Errorf("%s: PostgreSQL store %s unreachable: %s", op, db.location, scrub(err.Error(), db.secrets)),
			Hint:      "check that the PostgreSQL server is running and reachable",
			Transient: true,
		}
	}
	return fmt.Errorf("%s: %s", op, scrub(err.Error(), db.secrets))
}

// stateError is a server's error as wrap says it, which keeps its
// SQLSTATE for the callers that tell them apart (store.IsTableGone).
type stateError struct{ msg, code string }

func (e *stateError) Error() string    { return e.msg }
func (e *stateError) SQLState() string { return e.code }

func isConnErr(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce)
}

// connLost reports whether err is the connection ending under a query
// (the server stopped, restarted or unreachable mid-stream): pgconn
// reports it as an unexpected EOF, a network error or a closed conn.
func connLost(err error) bool {
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.As(err, &ne)
}

// connLostCode reports whether a server error is the server going away:
// a connection exception (class 08), or the server shutting down
// (57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now).
func connLostCode(code string) bool {
	return strings.HasPrefix(code, "08") || code == "57P01" || code == "57P02" || code == "57P03"
}

// Info implements store.Store.
func (db *DB) Info(ctx context.Context) (store.Info, error) {
	info := store.Info{Backend: "postgres", Location: db.location}
	// Each step is named for what failed: store migrate reads the info
	// after the migration, which a statement_timeout that cancels the
	// count (a large store) did not undo.
	v, err := currentVersion(ctx, db.pool)
	if err != nil {
		return info, db.wrap("read the schema version", err)
	}
	info.SchemaVersion = v
	err = db.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM subscriptions),
		(SELECT count(*) FROM events),
		(SELECT count(*) FROM deliveries),
		(SELECT count(*) FROM attempts),
		(SELECT count(*) FROM objects)`).Scan(&info.Subscriptions, &info.Events, &info.Deliveries, &info.Attempts, &info.Objects)
	return info, db.wrap(fmt.Sprintf("count the records (the schema is at version %d)", v), err)
}

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

// now is the time hookctl stamps its records with (an event's and a
// delivery's created_at and updated_at, an attempt's started_at as the
// sender measured it): this process's clock, as the user's machine tells
// it (clock is replaced by tests).
//
// Lease ends and due times are another matter: several machines, whose
// clocks need not agree, decide who holds a delivery and when it is due by
// comparing them, so those are kept on the database server's clock (see
// onServer). A machine whose clock runs ahead would otherwise see every
// live worker's lease as expired and send its deliveries a second time,
// and one behind would take over a crashed worker's deliveries late.
func now() time.Time { return clock().UTC().Truncate(time.Microsecond) }

var clock = time.Now

// UseClock gives this handle its own clock (tests: the clock of another
// machine, which may disagree with this one's). Call it before use.
func (db *DB) UseClock(f func() time.Time) { db.clock = f }

// clockNow is this handle's clock: the package's unless UseClock set one.
func (db *DB) clockNow() time.Time {
	if db.clock != nil {
		return db.clock().UTC().Truncate(time.Microsecond)
	}
	return now()
}

// skewTolerance is how far this process's clock may be from the server's
// before the times it computes are moved onto the server's clock.
// Within it, the times are stored exactly as computed (what a store on one
// machine, and every test there, expects back). The measurement adds the
// time the statement took to start on the server (the way there, a wait
// for a connection, a stall of a loaded machine: 225 ms was seen under the
// full test suite on two cores), which the tolerance must exceed; a skew
// under it leaves a live lease at least 1 s of the 1.5 s margin it keeps
// (delivery.HeartbeatLease, renewed at least every quarter of it).
const skewTolerance = "interval '500 milliseconds'"

// skewSQL is the server's clock minus this process's, given the
// parameter c that holds this process's clock (clockNow) when the
// statement was sent: now() is the start of the statement's transaction,
// so the difference is the clocks' skew plus the time the statement took
// to start; zero within skewTolerance.
func skewSQL(c string) string {
	return `(CASE WHEN now() - ` + c + `::timestamptz BETWEEN -` + skewTolerance + ` AND ` + skewTolerance +
		` THEN interval '0' ELSE now() - ` + c + `::timestamptz END)`
}

// ClockSkew implements store.ClockSkewer: the server's clock minus this
// handle's, as onServer applies it (0 within skewTolerance). Commands that
// show a due time or compare a lease end read from the store with their
// clock add it to that clock.
func (db *DB) ClockSkew(ctx context.Context) (time.Duration, error) {
	var us int64
	err := db.pool.QueryRow(ctx, `SELECT (extract(epoch FROM `+skewSQL("$1")+`) * 1000000)::bigint`, db.clockNow()).Scan(&us)
	if err != nil {
		return 0, db.wrap("read the server's clock", err)
	}
	return time.Duration(us) * time.Microsecond, nil
}

// onServer is the time in the SQL expression t (a timestamptz this
// process computed from its clock: "now", now plus a lease, a retry's due
// time) on the server's clock, given c as for skewSQL: every lease end
// and due time a statement writes or compares goes through it, so that
// processes on machines whose clocks disagree take and honour each
// other's leases as the server's one clock says.
func onServer(t, c string) string {
	return `(` + t + `::timestamptz + ` + skewSQL(c) + `)`
}

// jmap stores a map as jsonb, NULL when empty, given as JSON text (see
// jsonList).
func jmap[M ~map[string]V, V any](m M) any {
	if t := jtext(m); t != nil {
		return *t
	}
	return nil
}

func nilIfEmpty[M ~map[string]V, V any](m M) M {
	if len(m) == 0 {
		return nil
	}
	return m
}

// jsonList is a list for a jsonb column, as JSON text (pgx writes a
// string to json and jsonb as is): a []string would go as text[] when the
// connection does not ask the server for the parameters' types
// (default_query_exec_mode=exec or simple_protocol, e.g. for PgBouncer).
func jsonList(l []string) string {
	b, _ := json.Marshal(jlist(l))
	return jsonNoNUL(string(b))
}

// jsonNoNUL is JSON text for a jsonb column, which holds no NUL: each
// \u0000 escape becomes \\x00, a NUL as store.StorableForm writes it (a
// header, metadata or event name of an imported record; SQLite keeps it).
func jsonNoNUL(s string) string {
	if !strings.Contains(s, `\u0000`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], `\u0000`):
			b.WriteString(`\\x00`)
			i += len(`\u0000`) - 1
		case s[i] == '\\' && i+1 < len(s): // an escape: \\ is not the start of \u0000
			b.WriteString(s[i : i+2])
			i++
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func jlist(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// pt is text as the store keeps it (store.StorableForm): PostgreSQL's text
// holds no NUL byte and no bytes that are not UTF-8, which a received
// event's id, type or Content-Type (listen's, as received) can hold. Every
// write of such text, and every lookup by it, goes through pt, so an event
// is found by the id it came with.
func pt(s string) string { return store.StorableForm(s) }

// pk is text the store indexes as it keeps it (store.StorableKey): an
// event's id and type, and every lookup by them.
func pk(s string) string { return store.StorableKey(s) }

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
	rows, err := q.Query(ctx, `SELECT id FROM `+table+` WHERE id LIKE $1 ORDER BY id LIMIT 4`, likeEscape(pk(idOrPrefix))+"%")
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
		*args = append(*args, pk(pattern))
		return fmt.Sprintf("%s = $%d", col, len(*args))
	}
}
