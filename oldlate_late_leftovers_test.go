//go:build !windows

package main

import (
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// oldlateLateSeqs reads the seqs a SQLite store lists in deliveries_late.
func oldlateLateSeqs(t *testing.T, db *sql.DB) []int64 {
	t.Helper()
	rows, err := db.Query(`SELECT seq FROM deliveries_late ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var seqs []int64
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return seqs
}

// A store of SQLite schema 15 (the fixture the last binary of schema 15
// wrote) whose deliveries_late lists a delivery pruned by a binary of
// schema 15 from before prune deleted those entries (157ec45): opened by
// this binary, the leftover entry is gone and the entry of a late
// delivery still stored stays.
func TestOldlateUpgradeDropsLeftoverLateEntries(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "hookctl.db")
	gunzipTo(t, filepath.Join("testdata", "upgrade", "sqlite-v15.db.gz"), db)
	raw, err := sql.Open("sqlite", "file:"+db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var v int
	if err := raw.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil || v != 15 {
		t.Fatalf("fixture's user_version %d (%v), want 15", v, err)
	}
	// Two events with one delivery each, both listed late (as an import
	// of an older history lists them); then the first event pruned the
	// way schema 15's old prune did it: its attempts, deliveries and the
	// event deleted, deliveries_late left as it was.
	var gone, kept, goneEvent int64
	err = raw.QueryRow(`SELECT d.seq, d.event_seq FROM deliveries d
		WHERE d.status != 'pending' AND (SELECT count(*) FROM deliveries o WHERE o.event_seq = d.event_seq) = 1 ORDER BY d.seq LIMIT 1`).Scan(&gone, &goneEvent)
	if err != nil {
		t.Fatal(err)
	}
	err = raw.QueryRow(`SELECT d.seq FROM deliveries d WHERE d.event_seq != ?
		AND (SELECT count(*) FROM deliveries o WHERE o.event_seq = d.event_seq) = 1 ORDER BY d.seq LIMIT 1`, goneEvent).Scan(&kept)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO deliveries_late (seq, created_at) SELECT seq, created_at FROM deliveries WHERE seq IN (?, ?)`,
		`DELETE FROM attempts WHERE delivery_seq IN (SELECT seq FROM deliveries WHERE event_seq = ?)`,
		`DELETE FROM deliveries WHERE event_seq = ?`,
		`DELETE FROM events WHERE seq = ?`,
	} {
		args := []any{goneEvent}
		if strings.HasPrefix(q, "INSERT") {
			args = []any{gone, kept}
		}
		if _, err := raw.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if got := oldlateLateSeqs(t, raw); !slices.Equal(got, []int64{min(gone, kept), max(gone, kept)}) {
		t.Fatalf("deliveries_late of the v15 store: %v, want %d (pruned) and %d (kept)", got, gone, kept)
	}
	raw.Close()

	u := newUpgradeEnv(t, dir, db)
	var mig struct {
		From int `json:"from_version"`
		To   int `json:"to_version"`
	}
	u.jsonOut(&mig, "store", "migrate")
	if mig.From != 15 || mig.To != latestSQLiteSchema {
		t.Errorf("store migrate: from %d to %d, want from 15 to %d", mig.From, mig.To, latestSQLiteSchema)
	}
	raw, err = sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if got := oldlateLateSeqs(t, raw); !slices.Equal(got, []int64{kept}) {
		t.Errorf("deliveries_late after the upgrade: %v, want only the kept delivery's %d (the pruned %d's entry gone)", got, kept, gone)
	}
}
