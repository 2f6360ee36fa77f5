package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

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

// advisory lock key: "hookctl" migrations, per schema.
const lockClass = 0x686f6f6b // "hook"

func (db *DB) migrate(ctx context.Context) (from, to int, err error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return 0, 0, db.wrap("migrate", err)
	}
	defer conn.Release()
	var schema *string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return 0, 0, db.wrap("migrate", err)
	}
	// search_path=hookctl (or hookctl,public) in the URL may name a schema
	// not created yet: then this process creates it (the user needs CREATE
	// on the database). Without it, PostgreSQL would put the tables in the
	// next schema of the path (public), and the day someone creates
	// hookctl, every process would switch to an empty store there.
	named := db.firstSchema(ctx, conn)
	target := named
	if target == "" && schema != nil {
		target = *schema
	}
	// Two processes starting at once: the second waits here until the
	// first has finished, then finds nothing left to do. The lock is the
	// schema's the tables go to, whether this process found it already
	// created or is about to create it: one that starts just after another
	// created the schema waits for that one's migration.
	if err := db.lockMigrations(ctx, conn, target); err != nil {
		return 0, 0, err
	}
	defer func() {
		// Unlock on a fresh context so a cancelled ctx cannot leave the lock held.
		_, _ = conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1, hashtext($2))`, lockClass, target)
	}()
	if err := db.storeLater(ctx, conn, named); err != nil {
		return 0, 0, err
	}
	create := target != "" && (schema == nil || *schema != target)
	if create && db.existing {
		return 0, 0, db.noStore(target, "it does not exist")
	}
	if create {
		if _, err := conn.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{target}.Sanitize()); err != nil {
			if isPrivilegeError(err) {
				return 0, 0, &store.EnvironmentError{
					Err: fmt.Errorf("PostgreSQL store %s: user %s may not create schema %q in database %s", db.location, db.user, target, db.dbname),
					Hint: fmt.Sprintf("create it for the user first (CREATE SCHEMA %s AUTHORIZATION %s), or GRANT CREATE ON DATABASE %s TO %s",
						pgx.Identifier{target}.Sanitize(), pgx.Identifier{db.user}.Sanitize(), pgx.Identifier{db.dbname}.Sanitize(), pgx.Identifier{db.user}.Sanitize()),
				}
			}
			return 0, 0, db.wrap("migrate: create schema", err)
		}
		if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			return 0, 0, db.wrap("migrate", err)
		}
		if schema != nil && *schema != target {
			// It exists, but this user may not use it.
			return 0, 0, &store.EnvironmentError{
				Err:  fmt.Errorf("PostgreSQL store %s: user %s may not use schema %q, the first of search_path", db.location, db.user, target),
				Hint: fmt.Sprintf("GRANT USAGE, CREATE ON SCHEMA %s TO %s", pgx.Identifier{target}.Sanitize(), pgx.Identifier{db.user}.Sanitize()),
			}
		}
	}
	if schema == nil {
		return 0, 0, &store.EnvironmentError{
			Err:  fmt.Errorf("PostgreSQL store %s has no usable schema (search_path names no existing schema)", db.location),
			Hint: "create the schema (CREATE SCHEMA …) or fix search_path in the store URL",
		}
	}
	// A current schema needs no write: a read-only store (a hot standby,
	// default_transaction_read_only) opens for reading.
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('hookctl_schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, 0, db.wrap("migrate", err)
	}
	// A schema that exists without hookctl's tables (a fresh database's
	// public, a schema made for hookctl) is a store not written yet, as a
	// 0-byte SQLite file is: every command creates the tables in it, one
	// that only reads too (an empty listing, exit 0), not exit 3. A
	// reader that may not create them (a read-only user or standby)
	// still says there is no store there.
	noTables := !exists && db.existing
	cur, latest := 0, LatestVersion()
	if exists {
		if cur, err = currentVersion(ctx, conn); err != nil {
			return 0, 0, db.wrap("migrate", err)
		}
		if cur > latest {
			return cur, cur, newerSchema(db.location, cur, latest)
		} else if cur == latest {
			return cur, cur, nil
		}
	}
	from = cur
	for _, m := range migrations() {
		if m.Version <= cur {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if !exists {
				// With the first migration, in its transaction: a schema
				// refused (tables of the same name that are not hookctl's)
				// is left as it was found.
				if _, err := tx.Exec(ctx, `CREATE TABLE hookctl_schema_migrations (
					version integer PRIMARY KEY,
					name text NOT NULL,
					applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO hookctl_schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
			return err
		})
		if err != nil {
			var pgErr *pgconn.PgError
			if noTables && errors.As(err, &pgErr) && (pgErr.Code == "42501" || pgErr.Code == "25006") { // insufficient_privilege, read_only_sql_transaction
				return from, cur, &store.EnvironmentError{
					Err: &store.NoStoreError{Msg: fmt.Sprintf("no hookctl store in schema %q of PostgreSQL store %s: it has no hookctl tables, and user %s may not create them (%s)",
						*schema, db.location, db.user, pgErr.Message)},
					Hint: fmt.Sprintf("create the store once as a user who may (hookctl store migrate, on a writable server), or GRANT CREATE ON SCHEMA %s TO %s; or check search_path in the store URL (a typo?)",
						pgx.Identifier{*schema}.Sanitize(), pgx.Identifier{db.user}.Sanitize()),
				}
			}
			if errors.As(err, &pgErr) && pgErr.Code == "42P07" { // duplicate_table
				return from, cur, &store.EnvironmentError{
					Err:  fmt.Errorf("PostgreSQL store %s: schema %q already has tables that are not a hookctl store (%s)", db.location, *schema, pgErr.Message),
					Hint: "use a database or schema of its own for hookctl (e.g. ?search_path=hookctl)",
				}
			}
			if isPrivilegeError(err) {
				return from, cur, &store.EnvironmentError{
					Err: fmt.Errorf("PostgreSQL store %s: user %s may not create hookctl's tables in schema %q (%s)", db.location, db.user, *schema, pgErr.Message),
					Hint: fmt.Sprintf("GRANT CREATE ON SCHEMA %s TO %s (since PostgreSQL 15 not every user may create in public), or use a schema of the user's own: search_path=hookctl in the store URL",
						pgx.Identifier{*schema}.Sanitize(), pgx.Identifier{db.user}.Sanitize()),
				}
			}
			return from, cur, db.wrap(fmt.Sprintf("migrate to version %d", m.Version), err)
		}
		cur, exists = m.Version, true
	}
	return from, cur, nil
}

// noStore is the error of OpenExisting for a schema without a hookctl
// store: a command that only reads would otherwise create it and report
// an empty history.
func (db *DB) noStore(schema, why string) error {
	return &store.EnvironmentError{
		Err: &store.NoStoreError{Msg: fmt.Sprintf("no hookctl store in schema %q of PostgreSQL store %s: %s", schema, db.location, why)},
		Hint: "check search_path in the store URL (a typo?); hookctl subscribe, trigger, listen, serve, " +
			"store import and store migrate create the store",
	}
}

// firstSchema is the schema the server's search_path (the URL's
// search_path or options=-c search_path=…, else the user's or database's
// setting) names first; "" when it starts with $user or cannot be read.
func (db *DB) firstSchema(ctx context.Context, q querier) string {
	sp := db.searchPath
	var server string
	if q.QueryRow(ctx, `SELECT current_setting('search_path')`).Scan(&server) == nil {
		sp = server
	}
	return searchPathSchema(sp)
}

// storeLater refuses a search_path whose first schema, named, holds no
// hookctl store while a later schema on the path holds one: hookctl's
// tables live in the first schema (an application's tables go where
// search_path puts them first), and PostgreSQL, looking up each table on
// the path, would read and write the later schema's store: another
// team's, or the one an older hookctl made there when the first schema
// did not exist yet. hookctl neither uses that store nor, silently,
// starts an empty one beside it.
func (db *DB) storeLater(ctx context.Context, q querier, named string) error {
	if named == "" {
		return nil
	}
	var later string
	err := q.QueryRow(ctx, `SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.oid = to_regclass('hookctl_schema_migrations')`).Scan(&later)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && later == named) {
		return nil
	}
	if err != nil {
		return db.wrap("open", err)
	}
	return &store.EnvironmentError{
		Err: fmt.Errorf("PostgreSQL store %s: schema %q, the first of search_path, has no hookctl store, but schema %q later on the path has one: hookctl keeps its store in the first schema and does not use that one",
			db.location, named, later),
		Hint: fmt.Sprintf("to use the store in %q, name it first in search_path; to start a store in %q, run hookctl store migrate once with search_path=%s alone",
			later, named, named),
	}
}

// readerNoStore is OpenReader's noStore: the schema search_path puts
// first does not exist, or has no hookctl tables.
func (db *DB) readerNoStore(ctx context.Context, q querier) error {
	schema, why := db.firstSchema(ctx, q), "it does not exist"
	var cur *string
	if q.QueryRow(ctx, `SELECT current_schema()`).Scan(&cur) == nil && cur != nil {
		schema, why = *cur, "it has no hookctl tables"
	}
	return db.noStore(schema, why)
}

func isUndefinedTable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "42P01"
}

func isPrivilegeError(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "42501"
}

// searchPathSchema is the schema the first entry of a search_path names,
// as PostgreSQL reads it: a quoted name as written, an unquoted one folded
// to lower case; "" for $user (written "$user", quoted, as the server
// shows its default `"$user", public`, or bare) or nothing.
func searchPathSchema(searchPath string) string {
	first := strings.TrimSpace(strings.Split(searchPath, ",")[0])
	if first == "" || first == "$user" || first == `"$user"` {
		return ""
	}
	if len(first) >= 2 && first[0] == '"' && first[len(first)-1] == '"' {
		return strings.ReplaceAll(first[1:len(first)-1], `""`, `"`)
	}
	return strings.ToLower(first)
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

// Migrate implements store.Migrator: the version Open found (0 for a
// store it created) or this call finds, whichever is older, and the one
// the store has now. Open has applied the migrations already.
func (db *DB) Migrate(ctx context.Context) (from, to int, err error) {
	from, to, err = db.migrate(ctx)
	return min(from, db.openedAt), to, err
}

// MigrationWait is how long a process waits for another's migration of
// the store (the lock it holds while it migrates) before it gives up.
const MigrationWait = 15 * time.Minute

// migrationWait and migrationQuiet are MigrationWait and how long the
// lock may be held before the wait is said (two processes opening the
// store at once hold it for milliseconds), shorter in tests.
var migrationWait, migrationQuiet = MigrationWait, time.Second

// lockMigrations takes the migration lock of schema target on conn. While
// another process holds it (it migrates the store, which can take a
// while) it waits, polling, interruptible by ctx, up to migrationWait,
// and says so once on store.Notices(ctx) after migrationQuiet, and when
// the wait ends. Before, pg_advisory_lock waited without a word and
// without a limit.
func (db *DB) lockMigrations(ctx context.Context, conn *pgxpool.Conn, target string) error {
	start := time.Now()
	said := false
	var w io.Writer = io.Discard
	if n := store.Notices(ctx); n != nil {
		w = n
	}
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		var got bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, hashtext($2))`, lockClass, target).Scan(&got); err != nil {
			return db.wrap("migrate: lock", err)
		}
		if got {
			if said {
				fmt.Fprintf(w, "hookctl: the migration of PostgreSQL store %s ended after %s; going on\n", db.location, time.Since(start).Round(100*time.Millisecond))
			}
			return nil
		}
		waited := time.Since(start)
		if waited >= migrationWait {
			return &store.EnvironmentError{
				Err:  fmt.Errorf("PostgreSQL store %s is still being migrated by another hookctl after %s", db.location, migrationWait),
				Hint: "let that migration finish (hookctl store migrate; pg_stat_activity shows its session), then run the command again",
			}
		}
		if !said && waited >= migrationQuiet {
			said = true
			fmt.Fprintf(w, "hookctl: PostgreSQL store %s is being migrated by another hookctl; waiting for it to finish (up to %s; Ctrl-C to stop waiting, which leaves the migration running)\n", db.location, migrationWait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
