package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestSeqschemaLongMigrationSaysSo: opening a SQLite store of schema 10
// with 60,000 deliveries rebuilds its delivery table (schema 11, and its
// event table: schema 12), which
// takes a while: the command says so on stderr before and after, and
// with -o json its stdout stays the one JSON document.
func TestSeqschemaLongMigrationSaysSo(t *testing.T) {
	t.Parallel()
	c := newCrashEnv(t)
	c.hookctl(0, "store", "migrate")
	db := filepath.Join(c.dir, "hookctl.db")
	raw, err := sql.Open("sqlite", "file:"+db)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO events (id, type, payload, created_at) VALUES ('evt_1', 'card.created', '{}', 1)`,
		`WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 60000)
			INSERT INTO deliveries (id, event_id, event_seq, url, status, created_at, updated_at)
			SELECT 'd' || i, 'evt_1', 1, 'http://x', 'succeeded', i, i FROM k`,
		// As a store of schema 10 says it is (the table is rebuilt again).
		`PRAGMA user_version = 10`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%.80s: %v", q, err)
		}
	}
	raw.Close()
	var out, errb bytes.Buffer
	cmd := c.cmd("hookctl", "store", "migrate", "-o", "json")
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("store migrate: %v\n%s", err, errb.String())
	}
	if want := "hookctl: upgrading store " + db + " from schema 10 to 16: rebuilding its tables of 60000 deliveries and 1 event"; !strings.Contains(errb.String(), want) {
		t.Errorf("stderr %q does not say %q", errb.String(), want)
	}
	if !strings.Contains(errb.String(), "hookctl: store upgraded to schema 16 in ") {
		t.Errorf("stderr %q does not say the upgrade ended", errb.String())
	}
	var doc map[string]any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil || doc["from_version"] != float64(10) || doc["to_version"] != float64(16) {
		t.Errorf("stdout %q (%v), want the JSON document from 10 to 16", out.String(), err)
	}
	if n := strings.Count(string(c.hookctl(0, "deliveries", "list", "--limit", "0", "-o", "json")), `"id"`); n < 60000 {
		t.Errorf("%d deliveries listed after the upgrade, want 60000", n)
	}
}
