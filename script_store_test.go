package main

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestPostgresScripts runs testdata/script_postgres/*.txtar against the
// PostgreSQL test server (HOOKCTL_TEST_POSTGRES; .ci/test starts one). The
// script command `pgstore VAR` creates a fresh schema and sets $VAR to a
// store URL using it.
func TestPostgresScripts(t *testing.T) {
	base := pgtest.ServerURL(t)
	p := ScriptParams(t, "testdata/script_postgres")
	p.Cmds["pgstore"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: pgstore VAR")
		}
		u, drop, err := pgtest.NewSchema(base)
		ts.Check(err)
		ts.Defer(func() { _ = drop() })
		ts.Setenv(args[0], u)
	}
	testscript.Run(t, p)
}
