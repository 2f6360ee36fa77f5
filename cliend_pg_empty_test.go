package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// A PostgreSQL database hookctl never wrote to (no tables) reads as an
// empty store, as a 0-byte SQLite file does: deliveries list, subscriptions
// list, events log, store info and store export exit 0 with what they say
// of an empty SQLite store (both create the store's tables, SQLite in the
// file, PostgreSQL in the schema). They exited 3 ('no hookctl store in
// schema "public" …: it has no hookctl tables'). A schema that does not
// exist (a typo in search_path) is still refused, as a named SQLite file
// that does not exist is.
func TestCliendPostgresEmptyReadsAsEmpty(t *testing.T) {
	t.Parallel()
	base := pgtest.URL(t)
	fresh := func(int) string { return freshPGDatabase(t) }
	run := func(c *crashEnv, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		cmd := c.cmd("hookctl", args...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		_ = cmd.Run()
		return cmd.ProcessState.ExitCode(), out.String(), errb.String()
	}
	for i, args := range [][]string{
		{"deliveries", "list"},
		{"deliveries", "list", "-o", "json"},
		{"subscriptions", "list"},
		{"subscriptions", "list", "-o", "json"},
		{"events", "log"},
		{"store", "info"},
		{"store", "info", "-o", "json"},
		{"store", "export"},
	} {
		name := strings.Join(args, " ")
		lite := newCrashEnv(t)
		if err := os.WriteFile(filepath.Join(lite.dir, "hookctl.db"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		wantCode, wantOut, wantErr := run(lite, args...)
		pg := pgEnv(t, fresh(i))
		code, out, errOut := run(pg, args...)
		if code != 0 || wantCode != 0 {
			t.Errorf("%s: exit %d on an empty PostgreSQL database, %d on a 0-byte SQLite file, want 0\nPostgreSQL stderr: %s\nSQLite stderr: %s", name, code, wantCode, errOut, wantErr)
			continue
		}
		switch args[0] {
		case "store":
			if !strings.Contains(out, "subscriptions\t0") && !strings.Contains(out, `"subscriptions": 0`) && !strings.Contains(errOut, "exported 0 subscriptions") {
				t.Errorf("%s on an empty PostgreSQL database:\nstdout: %s\nstderr: %s", name, out, errOut)
			}
		default:
			if out != wantOut || errOut != wantErr {
				t.Errorf("%s: on an empty PostgreSQL database\nstdout: %q\nstderr: %q\nwant as on a 0-byte SQLite file\nstdout: %q\nstderr: %q", name, out, errOut, wantOut, wantErr)
			}
		}
		// And then it is a store: a write works, and reads see it.
		if i == 0 {
			if code, _, errOut := run(pg, "subscribe", "--url", "http://127.0.0.1:1/h", "--events", "card.created"); code != 0 {
				t.Fatalf("subscribe after the read: exit %d\n%s", code, errOut)
			}
			if _, out, _ := run(pg, "store", "info"); !strings.Contains(out, "subscriptions\t1") {
				t.Errorf("store info after subscribe:\n%s", out)
			}
		}
	}

	// A user who may not create the tables (here a read-only
	// transaction) still gets exit 3, saying so: not an error from the
	// middle of a migration.
	ro := pgEnv(t, pgtest.URL(t)+"&options=-c%20default_transaction_read_only%3Don")
	if code, _, errOut := run(ro, "deliveries", "list"); code != 3 ||
		!strings.Contains(errOut, "it has no hookctl tables, and user postgres may not create them") || strings.Contains(errOut, "SQLSTATE") ||
		!strings.Contains(errOut, "hookctl: hint: create the store once as a user who may (hookctl store migrate, on a writable server)") {
		t.Errorf("deliveries list in an empty schema, read-only: exit %d\n%s", code, errOut)
	}

	// A schema that does not exist is a typo, still refused (exit 3), and
	// nothing is created.
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", q.Get("search_path")+"_typo")
	u.RawQuery = q.Encode()
	typo := pgEnv(t, u.String())
	for range 2 {
		if code, _, errOut := run(typo, "deliveries", "list"); code != 3 || !strings.Contains(errOut, "it does not exist") {
			t.Errorf("deliveries list in a schema that does not exist: exit %d\n%s", code, errOut)
		}
	}
}

// freshPGDatabase creates a database on the test server (dropped when
// the test ends) and returns its URL without search_path or options: a
// database no command has written to, with the server's default
// search_path ("$user", public).
func freshPGDatabase(t *testing.T) string {
	t.Helper()
	base := pgtest.ServerURL(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	db := fmt.Sprintf("hookctl_fresh_%d", time.Now().UnixNano())
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+db); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		if admin, err := pgx.Connect(ctx, base); err == nil {
			_, _ = admin.Exec(ctx, `DROP DATABASE IF EXISTS `+db+` WITH (FORCE)`)
			admin.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + db
	q := u.Query()
	q.Del("search_path")
	q.Del("options")
	u.RawQuery = q.Encode()
	return u.String()
}
