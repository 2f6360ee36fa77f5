//go:build !windows

package main

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/store/postgres/pgtest"
)

// TestTailfixEndsWhenSchemaDroppedPostgres: the PostgreSQL schema a tail
// follows dropped under it (reset, restored) ends it with exit 3, the
// error and a hint to start it again, as a SQLite file deleted or
// replaced does. Before, it said it was waiting for the store and went
// on for ever: no outage ends, and a store created there again is another
// log (its seqs start again below the tail's cursor: nothing printed).
func TestTailfixEndsWhenSchemaDroppedPostgres(t *testing.T) {
	u := pgtest.URL(t)
	c := pgEnv(t, u)
	c.hookctl(0, "subscribe", "--url", "http://127.0.0.1:1/hook", "--events", "card.*")
	p := startTail(c, "--lines", "0", "--interval", "20ms")
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	schema := pgx.Identifier{pu.Query().Get("search_path")}.Sanitize()
	conn, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	// Dropped, and created again empty (as pgtest drops it at the end).
	if _, err := conn.Exec(t.Context(), "DROP SCHEMA "+schema+" CASCADE; CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	if code := p.exitCode(20 * time.Second); code != 3 {
		t.Errorf("tail after its schema was dropped: exit %d, want 3\n%s", code, p.errb.String())
	}
	errs := p.errb.String()
	for _, want := range []string{
		"hookctl: error: cannot read the delivery log of postgres://",
		"does not exist (SQLSTATE 42P01)",
		"hookctl: hint: the store's tables are gone (its schema dropped or reset): start tail again once a store is there",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("tail did not say %q:\n%s", want, errs)
		}
	}
	if strings.Contains(errs, "waiting for the store") {
		t.Errorf("tail waited for the store:\n%s", errs)
	}
}
