package main

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestPostgresScripts runs testdata/script_postgres/*.txtar against the
// PostgreSQL test server (HOOKCTL_TEST_POSTGRES; .ci/test starts one). The
// script command `pgstore VAR` creates a fresh schema and sets $VAR to a
// store URL using it; `pgstore VAR TYPO` also sets $TYPO to the URL of a
// schema that does not exist (a typo in search_path), dropped at the end
// if a command created it.
func TestPostgresScripts(t *testing.T) {
	base := pgtest.ServerURL(t)
	p := ScriptParams(t, "testdata/script_postgres")
	p.Cmds["pgstore"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 1 || len(args) > 2 {
			ts.Fatalf("usage: pgstore VAR [TYPO]")
		}
		u, drop, err := pgtest.NewSchema(base)
		ts.Check(err)
		ts.Defer(func() { _ = drop() })
		ts.Setenv(args[0], u)
		if len(args) == 2 {
			pu, err := url.Parse(u)
			ts.Check(err)
			q := pu.Query()
			typo := q.Get("search_path") + "_typo"
			q.Set("search_path", typo)
			pu.RawQuery = q.Encode()
			ts.Setenv(args[1], pu.String())
			ts.Defer(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				if conn, err := pgx.Connect(ctx, base); err == nil {
					_, _ = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{typo}.Sanitize()+" CASCADE")
					conn.Close(ctx)
				}
			})
		}
	}
	testscript.Run(t, p)
}
