package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/store"
)

// A store of schema 11 (the delivery table already rebuilt) or of an
// older schema upgrades to 12 (the event table rebuilt with
// AUTOINCREMENT) keeping every subscription, event, delivery and attempt
// as it was, seqs included; its schema is then a new store's, foreign
// keys are on again and hold for events, the rebuild is said before and
// after, and the next event takes a seq above every one given since the
// upgrade — also once the newest events are deleted again (a prune of
// the newest).
func TestEvseqUpgradeKeepsEveryRow(t *testing.T) {
	for _, from := range []int{11, 10} {
		t.Run(fmt.Sprint("from", from), func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "old.db")
			const n = 600 // deliveries; 300 events, the newest deleted
			writeSchemaAt(t, path, n, from)
			raw, err := sql.Open("sqlite", "file:"+path)
			if err != nil {
				t.Fatal(err)
			}
			queries := map[string]string{
				"subscriptions": `SELECT * FROM subscriptions ORDER BY id`,
				"events":        `SELECT * FROM events ORDER BY seq`,
				// The columns of the old schema: later ones add some.
				"deliveries": `SELECT ` + delsubColumns(t, raw, "deliveries") + ` FROM deliveries ORDER BY seq`,
				"attempts":   `SELECT * FROM attempts ORDER BY delivery_seq, number`,
			}
			want := map[string][]string{}
			for table, q := range queries {
				want[table] = dumpRows(t, raw, q)
			}
			raw.Close()
			if len(want["events"]) != n/2-1 || len(want["deliveries"]) != n-2 {
				t.Fatalf("schema %d store: %d events, %d deliveries", from, len(want["events"]), len(want["deliveries"]))
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
			for table, q := range queries {
				if got := dumpRows(t, s.r, q); strings.Join(got, "\n") != strings.Join(want[table], "\n") {
					t.Errorf("%s changed by the upgrade:\n got %d rows, first %v\nwant %d rows, first %v",
						table, len(got), got[:min(2, len(got))], len(want[table]), want[table][:min(2, len(want[table]))])
				}
			}
			var v, fk int
			if err := s.r.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil || v != SchemaVersion() || v != 16 {
				t.Fatalf("user_version %d (%v), want 16", v, err)
			}
			if err := s.w.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
				t.Fatalf("writer's foreign_keys = %d (%v) after the upgrade, want 1", fk, err)
			}
			wantNote := fmt.Sprintf("upgrading store %s from schema %d to 16: rebuilding its table of %d events, once", path, from, n/2-1)
			if from < 11 {
				wantNote = fmt.Sprintf("upgrading store %s from schema %d to 16: rebuilding its tables of %d deliveries and %d events, once", path, from, n-2, n/2-1)
			}
			if got := notes.String(); !strings.Contains(got, wantNote) || !strings.Contains(got, "hookctl: store upgraded to schema 16 in ") {
				t.Errorf("notices: %q\nwant %q", got, wantNote)
			}
			fresh := openTemp(t)
			defer fresh.Close()
			const schemaQ = `SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_autoindex%' ORDER BY name`
			if got, want := dumpRows(t, s.r, schemaQ), dumpRows(t, fresh.r, schemaQ); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("upgraded schema:\n%s\nnew store's:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			// Foreign keys to the rebuilt table hold: a delivery of no
			// event is refused.
			if _, err := s.w.Exec(`INSERT INTO deliveries (id, event_id, event_seq, url, created_at, updated_at) VALUES ('dx', 'evt_none', 999999, 'http://x', 1, 1)`); err == nil {
				t.Errorf("a delivery of no event was stored: foreign keys are off")
			}
			// Events go on from the highest seq stored at the upgrade
			// (the newest, deleted before it, is not known), and never
			// back.
			newEvent := func(id string) int64 {
				t.Helper()
				if err := s.CreateEvent(ctx, &store.Event{ID: id, Type: "card.created", Payload: []byte(`{}`)}, nil); err != nil {
					t.Fatal(err)
				}
				var seq int64
				if err := s.r.QueryRow(`SELECT seq FROM events WHERE id = ?`, id).Scan(&seq); err != nil {
					t.Fatal(err)
				}
				return seq
			}
			if seq := newEvent("evt_new1"); seq != n/2 {
				t.Fatalf("first event after the upgrade: seq %d, want %d", seq, n/2)
			}
			if _, err := s.w.Exec(`DELETE FROM events WHERE id = 'evt_new1'`); err != nil {
				t.Fatal(err)
			}
			if seq := newEvent("evt_new2"); seq != n/2+1 {
				t.Fatalf("event after the newest was deleted: seq %d, want %d (never %d again)", seq, n/2+1, n/2)
			}
		})
	}
}
