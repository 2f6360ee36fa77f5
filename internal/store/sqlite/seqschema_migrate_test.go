package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

// writeSchema10 writes, with plain SQL, a store at schema 10 (the one
// before seqs were never given again) holding n deliveries of n/2 events
// with an attempt each, the newest 2 deleted as a prune of the newest
// leaves them (their seqs free again for the rowid), and their event.
func writeSchema10(t *testing.T, path string, n int) { writeSchemaAt(t, path, n, 10) }

// writeSchemaAt is writeSchema10 at schema version.
func writeSchemaAt(t *testing.T, path string, n, version int) {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path+"?_foreign_keys=1")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var stmts []string
	for _, m := range migrations() {
		if m.Version <= version {
			stmts = append(stmts, m.SQL)
		}
	}
	stmts = append(stmts, fmt.Sprintf(`PRAGMA application_id = %d; PRAGMA user_version = %d`, ApplicationID, version),
		`INSERT INTO subscriptions (id, callback_url, created_at, updated_at) VALUES ('sub_1', 'http://x', 1, 1)`,
		fmt.Sprintf(`WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < %d)
			INSERT INTO events (id, type, payload, created_at) SELECT 'evt_' || i, 'card.created', '{"i":' || i || '}', i FROM k`, (n+1)/2),
		fmt.Sprintf(`WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < %d)
			INSERT INTO deliveries (id, event_id, event_seq, subscription_id, url, status, attempt_count, max_attempts,
				next_attempt_at, run_id, created_at, updated_at, origin_id, kind)
			SELECT 'd' || i, 'evt_' || ((i + 1) / 2), (i + 1) / 2, 'sub_1', 'http://x/' || i,
				CASE i %% 3 WHEN 0 THEN 'failed' WHEN 1 THEN 'succeeded' ELSE 'pending' END, 1, 5,
				CASE i %% 3 WHEN 2 THEN i END, 'run_' || (i %% 7), i, i + 1, CASE WHEN i %% 5 = 0 THEN 'd1' ELSE '' END,
				CASE WHEN i %% 5 = 0 THEN 'edited' ELSE '' END FROM k`, n),
		`INSERT INTO attempts (delivery_seq, number, started_at, response_status, response_body, error)
			SELECT seq, 1, created_at, 500, x'00ff', 'HTTP 500' FROM deliveries`,
		fmt.Sprintf(`DELETE FROM attempts WHERE delivery_seq > %d; DELETE FROM deliveries WHERE seq > %d;
			DELETE FROM events WHERE seq > %d`, n-2, n-2, (n-1)/2),
	)
	for _, q := range stmts {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%.200s: %v", q, err)
		}
	}
}

// dumpRows is every row of a table, as text, in key order.
func dumpRows(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%q", vals))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// A store of schema 10 upgrades to 11 (the delivery table rebuilt with
// AUTOINCREMENT) keeping every delivery and attempt as it was, seqs
// included; its schema is then a new store's, foreign keys are on again,
// a large rebuild is said before and after it, and the next delivery
// takes a seq above every one given since the upgrade — also once the
// newest are deleted again.
func TestSeqschemaUpgradeFrom10(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v10.db")
	const n = 600
	writeSchema10(t, path, n)
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	// The columns of schema 10's deliveries: later ones add some.
	delQ, attQ := `SELECT `+delsubColumns(t, raw, "deliveries")+` FROM deliveries ORDER BY seq`, `SELECT * FROM attempts ORDER BY delivery_seq, number`
	wantD, wantA := dumpRows(t, raw, delQ), dumpRows(t, raw, attQ)
	raw.Close()
	if len(wantD) != n-2 || len(wantA) != n-2 {
		t.Fatalf("schema 10 store: %d deliveries, %d attempts", len(wantD), len(wantA))
	}

	old := rebuildNotice
	rebuildNotice = 100
	defer func() { rebuildNotice = old }()
	var notes bytes.Buffer
	s, err := OpenStore(store.WithNotices(ctx, &notes), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, want := dumpRows(t, s.r, delQ), wantD; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("deliveries changed by the upgrade:\n got %d rows, first %v\nwant %d rows, first %v", len(got), got[:min(2, len(got))], len(want), want[:2])
	}
	if got := dumpRows(t, s.r, attQ); strings.Join(got, "\n") != strings.Join(wantA, "\n") {
		t.Errorf("attempts changed by the upgrade: %d rows, want %d", len(got), len(wantA))
	}
	var v, fk int
	if err := s.r.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil || v != SchemaVersion() || v < 11 {
		t.Fatalf("user_version %d (%v), want %d", v, err, SchemaVersion())
	}
	if err := s.w.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("writer's foreign_keys = %d (%v) after the upgrade, want 1", fk, err)
	}
	if got := notes.String(); !strings.Contains(got, fmt.Sprintf("upgrading store %s from schema 10 to %d: rebuilding its tables of %d deliveries and %d events", path, v, n-2, (n-1)/2)) ||
		!strings.Contains(got, fmt.Sprintf("hookctl: store upgraded to schema %d in ", v)) {
		t.Errorf("notices: %q", got)
	}
	// The same schema as a new store's.
	fresh := openTemp(t)
	defer fresh.Close()
	const schemaQ = `SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex%' ORDER BY name`
	if got, want := dumpRows(t, s.r, schemaQ), dumpRows(t, fresh.r, schemaQ); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("upgraded schema:\n%s\nnew store's:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Foreign keys hold: an attempt of no delivery is refused.
	if _, err := s.w.Exec(`INSERT INTO attempts (delivery_seq, number, started_at) VALUES (999999, 1, 1)`); err == nil {
		t.Errorf("an attempt of no delivery was stored: foreign keys are off")
	}
	// Deliveries go on from the highest seq stored at the upgrade (the 2
	// deleted before it are not known), and never back.
	e := &store.Event{ID: "evt_new", Type: "card.created", Payload: []byte(`{}`)}
	ds := []*store.Delivery{{URL: "http://x", MaxAttempts: 1, Status: store.DeliverySucceeded}}
	if err := s.CreateEvent(ctx, e, ds); err != nil {
		t.Fatal(err)
	}
	if ds[0].Seq != n-1 {
		t.Fatalf("first delivery after the upgrade: seq %d, want %d", ds[0].Seq, n-1)
	}
	if _, err := s.w.Exec(`DELETE FROM deliveries WHERE seq = ?`, ds[0].Seq); err != nil {
		t.Fatal(err)
	}
	ds = []*store.Delivery{{URL: "http://x", MaxAttempts: 1, CreatedAt: time.Now()}}
	if err := s.CreateEvent(ctx, e, ds); err != nil {
		t.Fatal(err)
	}
	if ds[0].Seq != n {
		t.Fatalf("delivery after the newest was deleted: seq %d, want %d (never %d again)", ds[0].Seq, n, n-1)
	}
	// A store too small to be worth saying is upgraded quietly; a new
	// one too.
	notes.Reset()
	small := filepath.Join(t.TempDir(), "small.db")
	writeSchema10(t, small, 10)
	s2, err := OpenStore(store.WithNotices(ctx, &notes), small)
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
	s3, err := OpenStore(store.WithNotices(ctx, &notes), filepath.Join(t.TempDir(), "new.db"))
	if err != nil {
		t.Fatal(err)
	}
	s3.Close()
	if notes.Len() > 0 {
		t.Errorf("notices for a small or new store: %q", notes.String())
	}
}
