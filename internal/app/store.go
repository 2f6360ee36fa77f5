package app

import (
	"context"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/postgres"
	"github.com/hookctl/hookctl/internal/store/sqlite"
	"github.com/hookctl/hookctl/internal/textdist"
)

// OpenStore opens a store: a postgres:// or postgresql:// URL (the scheme
// in any case) or a libpq key=value string (host=… dbname=…) selects
// PostgreSQL; a sqlite:// URL or a plain path is a SQLite file. Any other
// scheme (mysql://, a postgress:// typo) is refused with exit 2 instead of
// becoming a SQLite file named after the URL.
func OpenStore(ctx context.Context, dsn string) (store.Store, error) {
	kind, loc, err := ResolveStore(dsn)
	if err != nil {
		return nil, err
	}
	if kind == "postgres" {
		return postgres.Open(ctx, loc)
	}
	return sqlite.Open(ctx, loc)
}

// OpenExistingStore is OpenStore for the commands that only read or change
// what is stored: a PostgreSQL schema that does not exist is refused
// (exit 3) instead of created (one that exists without hookctl's tables
// gets them, as a 0-byte SQLite file does). (A SQLite file the user named is checked by
// cli.Factory.ExistingStore before opening.)
func OpenExistingStore(ctx context.Context, dsn string) (store.Store, error) {
	kind, loc, err := ResolveStore(dsn)
	if err != nil {
		return nil, err
	}
	if kind == "postgres" {
		return postgres.OpenExisting(ctx, loc)
	}
	return sqlite.Open(ctx, loc)
}

// OpenReader opens an existing store of the current schema for reading
// only (shell completion): nothing is created, migrated or converted, a
// SQLite lock is waited for at most wait and a PostgreSQL server for as
// long as ctx allows. An older store is refused, not migrated.
func OpenReader(ctx context.Context, dsn string, wait time.Duration) (store.Store, error) {
	kind, loc, err := ResolveStore(dsn)
	if err != nil {
		return nil, err
	}
	if kind == "postgres" {
		return postgres.OpenReader(ctx, loc)
	}
	return sqlite.OpenReader(ctx, loc, wait)
}

// SQLiteFile returns the SQLite file a store location names, "" for a
// PostgreSQL store or a location ResolveStore refuses.
func SQLiteFile(dsn string) string {
	if kind, loc, err := ResolveStore(dsn); err == nil && kind == "sqlite" {
		return loc
	}
	return ""
}

// ResolveStore says which back end a store location names ("sqlite" or
// "postgres") and returns the location to open (a URL's scheme lower-cased,
// a SQLite path without sqlite://).
func ResolveStore(dsn string) (kind, loc string, err error) {
	s := strings.TrimSpace(dsn)
	if store.IsKeyValueDSN(s) {
		return "postgres", s, nil
	}
	if len(s) > 5 && strings.EqualFold(s[:5], "file:") && !strings.HasPrefix(s[5:], "//") {
		// SQLite's URI form without an authority (file:/abs/hooks.db,
		// file:hooks.db): it was a relative path, so subscribe made
		// ./file:/abs/hooks.db, directories and all, and other commands
		// found no store at the path given.
		return sqliteURIPath(s, s[5:])
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || strings.ContainsAny(scheme, `/\`) {
		// A path (perhaps with :// further on), without the spaces
		// around it, as a URL is read: HOOKCTL_STORE="/data/hooks.db "
		// (a YAML value pasted with its space) made a store file
		// "hooks.db " beside the one meant, and "no store at
		// /data/hooks.db : the file does not exist" hid the space.
		return "sqlite", config.ExpandHome(s), nil
	}
	switch lower := strings.ToLower(scheme); lower {
	case "postgres", "postgresql":
		return "postgres", lower + "://" + rest, nil
	case "sqlite", "sqlite3", "file":
		return sqliteURIPath(s, rest)
	}
	e := cli.Usagef("unknown store scheme %q in %s: hookctl stores in SQLite or PostgreSQL", scheme, store.MaskURL(s))
	if near(strings.ToLower(scheme), "postgres") || near(strings.ToLower(scheme), "postgresql") {
		e = e.Hint("did you mean %q?", store.MaskURL("postgres://"+rest))
	}
	return "", "", e.Hint("use a SQLite file path, a postgres:// URL or a key=value string (host=… dbname=…)")
}

// sqliteURIPath is the SQLite file a URI (uri) names by path: that path,
// unless the URI has parameters (?mode=ro, ?cache=shared), which hookctl
// does not read: they became part of the file's name.
func sqliteURIPath(uri, path string) (kind, loc string, err error) {
	if p, query, ok := strings.Cut(path, "?"); ok {
		return "", "", cli.Usagef("store %s: hookctl reads no SQLite URI parameters (?%s)", uri, query).
			Hint("give the store file's path: --store %s", config.ShellArg(p))
	}
	return "sqlite", config.ExpandHome(path), nil
}

// near reports an edit distance of at most 2.
func near(a, b string) bool { return textdist.Distance(a, b) <= 2 }
